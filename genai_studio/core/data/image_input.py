"""The one guarded opener for every image the studio decodes: the artist's own (dropped,
opened, scanned from a folder), the gallery's thumbnails, and the CLI's inputs.

Pillow reads PNG, JPEG, WebP, BMP and GIF, and nothing else (its other decoders are never
asked). Everything a file can get wrong becomes an :class:`ImageRefused` with a short reason
(``REASONS``) and a detail line naming the file, never a crash:

* before Pillow sees the file, ``core.data.image_probe`` walks its container: the declared
  size (every GIF frame's extent too) and the frame count are checked, and the metadata it
  carries (comments, text, EXIF, XMP) is counted against a budget without being read, so a
  36-byte GIF declaring 65535 x 65535 or a GIF with a 300 MB comment is refused in one line;
* the size is checked again before a byte of pixel data is decoded: ``Image.open`` reads only
  the header, so a 30000 x 30000 PNG (a few KB on disk, 900 MB decoded) is refused as a
  decompression bomb without allocating it;
* Python warnings from Pillow (broken EXIF, odd chunks) are silenced: a broken EXIF block
  only means the image is shown as stored;
* truncated or damaged data fails in ``load()`` (Pillow never fills truncated images in here);
* an animation is either refused (datasets) or read as its first frame (a dropped GIF);
* only regular files are opened (``core.files.read_untrusted``: a FIFO would block, a device
  would never end), up to ``MAX_FILE_BYTES``.

What comes out is a Pillow image in "L", "LA", "RGB" or "RGBA" mode, upright (EXIF orientation
applied), for ``core.prepare`` to turn into a model's input.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from genai_studio.core.data.image_probe import MAX_FRAMES, ProbeRefused, probe
from genai_studio.core.errors import DataError
from genai_studio.core.store.files import read_untrusted

if TYPE_CHECKING:
    from PIL import Image

FORMATS = ("PNG", "JPEG", "WEBP", "BMP", "GIF")
SUFFIXES = (".png", ".jpg", ".jpeg", ".jpe", ".webp", ".bmp", ".dib", ".gif")
MAX_PIXELS = 40_000_000  # ~6300 x 6300: more is refused as a decompression bomb
MAX_FILE_BYTES = 256 * 1024 * 1024
MIN_SIDE = 8  # a folder scan skips smaller images as "too small"
WORK_SIDE = 768  # images only to be prepared for a model are decoded about this large

REASONS = ("unreadable", "not an image", "too small", "animated", "decompression bomb",
           "duplicate", "blank")


class ImageRefused(DataError):
    """A file that is not a usable image; ``reason`` is one of ``REASONS``."""

    def __init__(self, path: str, reason: str, detail: str) -> None:
        super().__init__(f"{path}: {reason}: {detail}" if path else f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class ImageFile:
    """An opened, decoded image and what its file said about itself."""

    image: Image.Image  # "L", "LA", "RGB" or "RGBA", upright
    format: str
    size: tuple[int, int]  # (width, height) as stored
    frames: int  # > 1 for an animation (only its first frame is in ``image``)


def read_file_bytes(path: Path, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most ``max_bytes``, or ImageRefused("unreadable")."""
    try:
        return read_untrusted(path, max_bytes, DataError, "image")
    except DataError as exc:
        raise ImageRefused("", "unreadable", str(exc)) from None


def open_image(source: Path | bytes, *, name: str = "", allow_animated: bool = True,
               min_side: int = 1, max_pixels: int = MAX_PIXELS,
               reduce_to: int | None = None) -> ImageFile:
    """Decode an untrusted image file (a path, or its bytes) safely; see the module doc.

    ``reduce_to``: an image only to be prepared for a model need not be decoded at full size:
    a JPEG is decoded at the smallest DCT scale whose longest side is at least this (8x less
    work for a phone photo), any other format box-reduced by a whole factor after decoding.
    """
    from PIL import Image, UnidentifiedImageError

    if isinstance(source, bytes):
        data = source
        check_declared(data, name, allow_animated=allow_animated, max_pixels=max_pixels)
    else:
        name = name or str(source)
        data = _read_checked(Path(source), name, allow_animated, max_pixels)
    if not data:
        raise ImageRefused(name, "not an image", "the file is empty")
    silence_pillow_warnings()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # our limits come first; broken EXIF is no error
        try:
            im = Image.open(io.BytesIO(data), formats=FORMATS)
        except UnidentifiedImageError:
            raise ImageRefused(name, "not an image",
                               "not a PNG, JPEG, WebP, BMP or GIF image") from None
        except Image.DecompressionBombError as exc:
            raise ImageRefused(name, "decompression bomb", str(exc)) from None
        except (OSError, SyntaxError, ValueError, EOFError, struct.error) as exc:
            raise ImageRefused(name, "unreadable", f"damaged header ({exc})") from None
        return _decode(im, name, allow_animated, min_side, max_pixels, reduce_to)


def _read_checked(path: Path, name: str, allow_animated: bool, max_pixels: int) -> bytes:
    """A file's bytes, read only once its container has passed :func:`check_declared` (a GIF
    with a 200 MB comment is refused without holding it)."""
    import os

    from genai_studio.core.store.files import open_regular

    try:
        with open_regular(path, DataError, "image") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > MAX_FILE_BYTES:
                raise ImageRefused(name, "unreadable", f"{size:,} bytes is over the limit of "
                                   f"{MAX_FILE_BYTES:,}")
            check_declared(fh, name, allow_animated=allow_animated, max_pixels=max_pixels)
            fh.seek(0)
            data = fh.read(size + 1)
    except ImageRefused:
        raise
    except DataError as exc:  # open_regular's: missing, a folder, a FIFO...
        raise ImageRefused("", "unreadable", str(exc)) from None
    except OSError as exc:
        raise ImageRefused(name, "unreadable", exc.strerror or str(exc)) from None
    if len(data) != size:
        raise ImageRefused(name, "unreadable", "the file changed while it was being read")
    return data


def check_declared(data: bytes | BinaryIO, name: str = "", *, allow_animated: bool = True,
                   max_pixels: int = MAX_PIXELS, max_frames: int = MAX_FRAMES) -> None:
    """Refuse, before any decoder runs, a file whose container declares too many pixels or
    frames or carries too much metadata (``core.data.image_probe``); ``data`` is the file's
    bytes or the file itself (at its start)."""
    try:
        found = probe(io.BytesIO(data) if isinstance(data, bytes) else data,
                      max_frames=max_frames)
    except ProbeRefused as exc:
        raise ImageRefused(name, exc.reason, exc.detail) from None
    if found.width * found.height > max_pixels:
        raise ImageRefused(name, "decompression bomb",
                           f"it declares {found.width} x {found.height} pixels, over the limit "
                           f"of {max_pixels / 1e6:.0f} million")
    if found.frames > 1 and not allow_animated:
        raise ImageRefused(name, "animated", f"an animated {found.format} of {found.frames} "
                           "frames")


_SILENCED = False


def silence_pillow_warnings() -> None:
    """Pillow's warnings (corrupt EXIF, odd chunks, its decompression-bomb warning under our
    own lower limit) never reach stderr: a process-wide filter, since ``catch_warnings`` is
    not safe across the import pool's threads."""
    global _SILENCED
    if not _SILENCED:
        warnings.filterwarnings("ignore", module=r"PIL(\..*)?$")
        from PIL import Image

        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        _SILENCED = True


def _decode(im: Image.Image, name: str, allow_animated: bool, min_side: int,
            max_pixels: int, reduce_to: int | None = None) -> ImageFile:
    from PIL import Image, ImageOps

    width, height = im.size
    fmt = im.format or "?"
    if width * height > max_pixels:
        raise ImageRefused(name, "decompression bomb",
                           f"{width} x {height} pixels is over the limit of "
                           f"{max_pixels / 1e6:.0f} million")
    if min(width, height) < max(min_side, 1):
        raise ImageRefused(name, "too small", f"{width} x {height} pixels; at least "
                           f"{min_side} x {min_side} needed")
    try:
        frames = int(getattr(im, "n_frames", 1))
        if frames > 1 and not allow_animated:
            raise ImageRefused(name, "animated", f"an animated {fmt} of {frames} frames")
        im.seek(0)
        if reduce_to and im.format == "JPEG" and max(width, height) > 2 * reduce_to:
            scale = max(width, height) / reduce_to
            im.draft(im.mode, (max(1, int(width / scale)), max(1, int(height / scale))))
        im.load()
        # Before reducing: Pillow's reduce refuses a palette image ("image has wrong mode"),
        # which made every colour GIF the studio exports unreadable as a thumbnail.
        im = _normalise_mode(im)
        factor = max(im.size) // reduce_to if reduce_to else 1
        if factor >= 2:
            im = im.reduce(factor)
        im = _upright(im, ImageOps)
    except ImageRefused:
        raise
    except Image.DecompressionBombError as exc:
        raise ImageRefused(name, "decompression bomb", str(exc)) from None
    except (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError,
            TypeError, ZeroDivisionError) as exc:
        # Pillow reports truncated or corrupt data with any of these, depending on the codec.
        raise ImageRefused(name, "unreadable",
                           f"truncated or damaged image data ({exc})") from None
    return ImageFile(im, fmt, (width, height), frames)


def _upright(im: Image.Image, image_ops) -> Image.Image:  # noqa: ANN001 - PIL.ImageOps
    """EXIF orientation applied; a damaged EXIF block leaves the image as stored."""
    try:
        return image_ops.exif_transpose(im) or im
    except (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError, KeyError,
            TypeError, ZeroDivisionError, OverflowError):
        return im


def _normalise_mode(im: Image.Image) -> Image.Image:
    """Any Pillow mode -> "L", "LA", "RGB" or "RGBA"."""
    from PIL import Image

    mode = im.mode
    if mode in ("L", "LA", "RGB", "RGBA"):
        return im
    if mode == "1":
        return im.convert("L")
    if mode == "P":
        has_alpha = "transparency" in im.info or im.palette.mode == "RGBA"
        return im.convert("RGBA" if has_alpha else "RGB")
    if mode in ("PA", "La"):
        return im.convert("LA") if mode == "La" else im.convert("RGBA")
    if mode == "RGBa":
        return im.convert("RGBA")
    if mode.startswith("I") or mode == "F":
        # 16- or 32-bit grey: stretch the file's own range to 8 bits.
        values = np.asarray(im, dtype=np.float64)
        low, high = float(values.min()), float(values.max())
        scaled = (values - low) * (255.0 / (high - low)) if high > low else values * 0
        return Image.fromarray(scaled.round().astype(np.uint8), "L")
    return im.convert("RGB")  # CMYK, YCbCr, LAB, HSV
