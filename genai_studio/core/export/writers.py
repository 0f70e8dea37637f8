"""Writing animations: GIF / APNG / WebP, PNG frame sequences and sprite sheets, and their
vector versions (SVG frames, an SVG sprite sheet or a PDF page per frame, traced by
``core.export.vector``), each with its provenance, each written atomically (Pillow, no Qt);
and what every export writer shares (its events, PNG bytes with provenance). Stills, contact
sheets and batches are written by ``core.export.stills``.

Long exports are generators of :class:`ExportProgress` events ending with one
:class:`ExportDone`, like training: the CLI drains them, the studio's worker forwards them and
cancels by closing the generator. Nothing reaches the disk until every byte is encoded, and then
``files.write_group`` writes the files (each to a temp file renamed into place), so a failure or
a cancel at any point leaves no partial file and no partial set.

Encoders merge consecutive identical frames into one longer frame (GIF and APNG do so by
design); the timing stays what was asked.
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from genai_studio.core.errors import OutputError, UsageError
from genai_studio.core.export.imagemeta import gif_comment, png_info, webp_xmp
from genai_studio.core.export.options import (
    ANIMATION_FORMATS,
    VECTOR_ANIMATION_FORMATS,
    ExportStyle,
    Timing,
    parse_colour,
)
from genai_studio.core.export.provenance import Provenance
from genai_studio.core.export.render import (
    colourise,
    contact_sheet,
    palette_lut,
    render_levels,
    to_uint8,
)
from genai_studio.core.latent.motion import check_frames
from genai_studio.core.store.files import check_writable, write_group
from genai_studio.core.store.output_lock import OutputLock, check_not_held
from genai_studio.core.store.outputs import check_outputs

SUFFIXES = {".gif": "gif", ".png": "apng", ".webp": "webp", ".svg": "svg-sprite",
            ".pdf": "pdf"}
# What an animation may take in memory, checked before a frame is rendered: the rendered
# frames held until encoding plus the encoder's own buffers, measured per pixel of a frame
# (benchmarks/RESULTS.md, issue 22): WebP's animation encoder ~22 bytes a pixel, APNG's
# ~16 plus ~4 per frame (it keeps what it wrote), GIF's ~3.
MAX_ANIMATION_BYTES = 512 * 1024 * 1024
_ENCODER_BYTES_PER_PIXEL = {"webp": (24, 0), "apng": (16, 4), "gif": (4, 0), "frames": (8, 0),
                            "sprite": (8, 0)}
# zlib level 6 (Pillow's default): level 3 saves 35-45% of the encode time on these images but
# writes 15% (APNG) to 90% (contact sheets) larger files; the speed goals are met at 6.
PNG_LEVEL = 6


@dataclass(frozen=True)
class ExportProgress:
    done: int
    total: int
    stage: str  # "rendering" or "encoding"


@dataclass(frozen=True)
class ExportDone:
    paths: tuple[Path, ...]


ExportEvent = ExportProgress | ExportDone


def format_for(target: str | Path) -> str:
    """The animation format a path asks for: .gif, .png (APNG), .webp, or a folder (ends in /)."""
    text = str(target)
    if text.endswith(("/", "\\")):
        return "frames"
    suffix = Path(text).suffix.lower()
    if suffix not in SUFFIXES:
        raise UsageError(f"{text}: write .gif, .png (APNG), .webp, .svg (a sprite sheet), "
                         ".pdf (a page per frame), or a folder ending in /")
    return SUFFIXES[suffix]


def run(events: Iterator[ExportEvent]) -> ExportDone:
    """Drain an export's events (for callers with no progress to show)."""
    for event in events:
        if isinstance(event, ExportDone):
            return event
    raise RuntimeError("an export ended without finishing")  # pragma: no cover


def with_style(prov: Provenance, style: ExportStyle) -> Provenance:
    """``prov`` with the style it is exported in."""
    return dataclasses.replace(prov, style=style.to_dict())


def png_with(image, prov: Provenance | None) -> bytes:  # noqa: ANN001 - a PIL image
    """A Pillow image as PNG bytes carrying ``prov``."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=PNG_LEVEL,
               pnginfo=None if prov is None else png_info(prov))
    return buffer.getvalue()


# ---- animations --------------------------------------------------------------------------

def animation_bytes(frames: int, width: int, height: int, fmt: str,
                    transparent: bool = False) -> int:
    """About what exporting ``frames`` frames of ``width`` x ``height`` as ``fmt`` takes in
    memory at its peak (see ``MAX_ANIMATION_BYTES``)."""
    pixels = width * height
    fixed, per_frame = _ENCODER_BYTES_PER_PIXEL.get(fmt, (24, 4))
    held = frames * pixels * (4 if transparent else 3)
    if fmt == "sprite":
        held *= 2  # the frames and the sheet they are laid out on
    return held + pixels * (fixed + per_frame * frames)


def check_animation_size(frames: int, width: int, height: int, fmt: str,
                         transparent: bool = False) -> None:
    """Refuse, before any work, an animation over ``MAX_ANIMATION_BYTES``."""
    need = animation_bytes(frames, width, height, fmt, transparent)
    if need > MAX_ANIMATION_BYTES:
        raise UsageError(f"{frames} frames of {width}x{height} px as {fmt} are too much to "
                         f"export at once (about {need / 2**20:,.0f} MB of memory; the limit "
                         f"is {MAX_ANIMATION_BYTES // 2**20} MB); choose fewer frames or a "
                         "smaller size")


def _check_animation(images: np.ndarray, prov: Provenance, style: ExportStyle,
                     fmt: str) -> None:
    n = check_frames(len(images))
    if len(prov.latent) != n:
        raise UsageError(f"{n} frames but {len(prov.latent)} latents in the provenance")
    h, w = style.output_size(*np.asarray(images[0]).shape[:2])
    check_animation_size(n, w, h, fmt, style.transparent)


def _gif_frame(image: np.ndarray, style: ExportStyle):
    """A palette frame: the style's 256-colour ink ramp, or ink / transparent for a
    transparent paper (GIF has no partial alpha: a level under one half is transparent)."""
    from PIL import Image

    levels = render_levels(image, style)
    if levels.ndim == 3:  # colour: Pillow builds an adaptive palette per frame
        return Image.fromarray(to_uint8(levels))
    q = to_uint8(levels)
    if style.transparent:
        frame = Image.fromarray((q >= 128).astype(np.uint8))
        frame.putpalette(bytes(parse_colour(style.ink)) * 2)
        return frame
    lut = palette_lut(style)
    frame = Image.fromarray(q)
    frame.putpalette((np.repeat(lut, 3, axis=1) if lut.shape[1] == 1 else lut).tobytes())
    return frame


def _encode(frames: list, fmt: str, prov: Provenance, timing: Timing,
            transparent: bool) -> bytes:
    try:
        return _encode_with_pillow(frames, fmt, prov, timing, transparent)
    except MemoryError:
        raise OutputError(f"out of memory while encoding the {fmt.upper()} animation; choose "
                          "fewer frames or a smaller size") from None
    except (OSError, ValueError) as exc:  # an encoder that gave up (libwebp returns false)
        raise OutputError(f"the {fmt.upper()} encoder failed ({exc}); choose fewer frames or "
                          "a smaller size") from None


def _encode_with_pillow(frames: list, fmt: str, prov: Provenance, timing: Timing,
                        transparent: bool) -> bytes:
    buffer = io.BytesIO()
    first, rest = frames[0], frames[1:]
    ms = timing.duration_ms(fmt)
    once = timing.playback == "once"
    if fmt == "gif":
        extra = {} if once else {"loop": 0}
        if transparent:  # each frame replaces the last, or old ink would show through
            extra.update(transparency=0, disposal=2)
        first.save(buffer, format="GIF", save_all=True, append_images=rest, duration=ms,
                   optimize=False, comment=gif_comment(prov), **extra)
    elif fmt == "apng":
        first.save(buffer, format="PNG", save_all=True, append_images=rest, duration=ms,
                   loop=1 if once else 0, default_image=False, compress_level=PNG_LEVEL,
                   pnginfo=png_info(prov))
    elif fmt == "webp":
        first.save(buffer, format="WEBP", save_all=True, append_images=rest, duration=ms,
                   loop=1 if once else 0, lossless=True, quality=50, method=2,
                   xmp=webp_xmp(prov))
    else:  # pragma: no cover - guarded by export_animation
        raise UsageError(f"unknown animation format {fmt!r}")
    return buffer.getvalue()


def _frame_prov(prov: Provenance, i: int) -> Provenance:
    return dataclasses.replace(prov, latent=prov.latent[i:i + 1], frame=i,
                               labels=None if prov.labels is None else prov.labels[i:i + 1])


def _frame_files(folder: Path, frames: list, prov: Provenance) -> dict[Path, bytes]:
    return {folder / f"frame_{i:04d}.png": png_with(frame, _frame_prov(prov, i))
            for i, frame in enumerate(frames)}


def _sprite_files(path: Path, images: np.ndarray, style: ExportStyle, prov: Provenance,
                  timing: Timing, pages: list | None = None) -> dict[Path, bytes]:
    """A sprite sheet and its JSON map: PNG, or SVG from the frames' traced ``pages``."""
    n = len(images)
    columns = math.ceil(math.sqrt(n))
    h, w = style.output_size(*np.asarray(images[0]).shape[:2])
    if pages is None:
        sheet = contact_sheet(images, style, columns=columns)
        size, data = (sheet.width, sheet.height), png_with(sheet, prov)
    else:
        from genai_studio.core.export import vector

        sheet = vector.sprite_page(pages, columns)
        size, data = (sheet.width, sheet.height), vector.svg_bytes(sheet, prov)
    frames = [{"name": f"frame_{i:04d}", "x": (i % columns) * w, "y": (i // columns) * h,
               "w": w, "h": h, "duration_ms": timing.duration_ms("sprite")} for i in range(n)]
    frame_map = {
        "frames": frames,
        "meta": {"image": path.name, "size": {"w": size[0], "h": size[1]},
                 "frame_size": {"w": w, "h": h}, "columns": columns,
                 "rows": math.ceil(n / columns), "fps": timing.fps,
                 "playback": timing.playback, "easing": timing.easing},
        "provenance": prov.to_dict(),
    }
    return {path: data,
            path.with_suffix(".json"): json.dumps(frame_map, indent=1).encode("utf-8")}


def _vector_files(target: Path, fmt: str, images: np.ndarray, pages: list, prov: Provenance,
                  style: ExportStyle, timing: Timing) -> dict[Path, bytes]:
    from genai_studio.core.export import vector

    if fmt == "pdf":
        return {target: vector.pdf_bytes(pages, prov)}
    if fmt == "svg-sprite":
        return _sprite_files(target, images, style, prov, timing, pages)
    out = {}
    for i, page in enumerate(pages):
        out[target / f"frame_{i:04d}.svg"] = vector.svg_bytes(page, _frame_prov(prov, i))
    return out


def check_target(target: Path, fmt: str, inputs: Sequence[Path] = ()) -> Path:
    """Check where an export goes before any work (``core.store.outputs``); a frame folder
    may be new (its parent must exist) or empty. ``inputs`` (the model, anchor images) are
    never overwritten."""
    if fmt in ("frames", "svg-frames"):
        if target.exists() and not target.is_dir():
            raise UsageError(f"{target} is a file; a frame sequence needs a folder")
        _check_empty(target)
        check_writable((target if target.is_dir() else target.parent) / "frame_0000.png")
        check_not_held(target)
    elif fmt in ("sprite", "svg-sprite"):
        check_outputs({"the export": target, "its map": target.with_suffix(".json")}, inputs)
        _check_own_map(target.with_suffix(".json"))
    else:
        check_outputs({"the export": target}, inputs)
    return target


def _check_own_map(path: Path) -> None:
    """A sheet's map is a file the artist never names: it replaces only a map the studio
    wrote (one with a GenAI Studio provenance), never a .json of theirs of the same name."""
    import os

    from genai_studio.core.errors import GenAIError
    from genai_studio.core.export.provenance import FORMAT, MAX_JSON_BYTES
    from genai_studio.core.store.files import read_untrusted
    from genai_studio.core.validate import loads_json

    if not os.path.lexists(path):
        return
    try:
        record = loads_json(read_untrusted(path, 4 * MAX_JSON_BYTES + (1 << 20), OutputError),
                            path.name, OutputError)
    except GenAIError:
        record = None
    prov = record.get("provenance") if isinstance(record, dict) else None
    if not (isinstance(prov, dict) and prov.get("format") == FORMAT):
        raise OutputError(f"refused: {path.name} is there already and is not a sprite map "
                          "GenAI Studio wrote; move it or give the sheet another name")


def _check_empty(target: Path) -> None:
    try:
        busy = target.is_dir() and any(target.iterdir())
    except OSError as exc:
        raise OutputError(f"cannot read {target}: {exc.strerror or exc}") from None
    if busy:
        raise UsageError(f"{target} is not empty; choose a new or empty folder for frames")


def export_animation(target: Path | str, images: np.ndarray, prov: Provenance,
                     style: ExportStyle, timing: Timing, fmt: str | None = None,
                     inputs: Sequence[Path] = ()) -> Iterator[ExportEvent]:
    """Write ``images`` (frames) as ``fmt`` (default: from the target's name); ``prov`` holds
    the frame latents and the anchors or path; its timing and style are filled in here.

    The target is held (``OutputLock``) from the first check to the last file written: a
    second export into the same file or frame folder is refused, never mixed with this one.
    """
    fmt = fmt or format_for(target)
    if fmt not in ANIMATION_FORMATS:
        raise UsageError(f"unknown animation format {fmt!r}")
    target = check_target(Path(target), fmt, inputs)
    _check_animation(images, prov, style, fmt)
    with OutputLock(target):
        yield from _export_animation(target, images, prov, style, timing, fmt)


def _export_animation(target: Path, images: np.ndarray, prov: Provenance, style: ExportStyle,
                      timing: Timing, fmt: str) -> Iterator[ExportEvent]:
    prov = dataclasses.replace(
        with_style(prov, style),
        animation={"frames": len(images), "fps": float(timing.fps),
                   "duration_ms": timing.duration_ms(fmt), "playback": timing.playback,
                   "easing": timing.easing})
    total = len(images) + 1
    if fmt == "sprite":
        yield ExportProgress(0, total, "rendering")
        files = _sprite_files(target, images, style, prov, timing)
    elif fmt in VECTOR_ANIMATION_FORMATS:
        from genai_studio.core.export import vector

        pages = []
        for i, image in enumerate(images):
            pages.append(vector.tile_page(image, style))
            yield ExportProgress(i + 1, total, "tracing")
        files = _vector_files(target, fmt, images, pages, prov, style, timing)
    else:
        frames = []
        for i, image in enumerate(images):
            frames.append(_gif_frame(image, style) if fmt == "gif" else
                          _pil(colourise(render_levels(image, style), style)))
            yield ExportProgress(i + 1, total, "rendering")
        if fmt == "frames":
            files = _frame_files(target, frames, prov)
        else:
            transparent = style.transparent and np.asarray(images[0]).ndim == 2
            files = {target: _encode(frames, fmt, prov, timing, transparent)}
    yield ExportProgress(total - 1, total, "encoding")
    if fmt in ("frames", "svg-frames"):
        paths = _write_frames(target, files)
    else:
        paths = write_group(files)
    yield ExportProgress(total, total, "encoding")
    yield ExportDone(tuple(paths))


def _write_frames(target: Path, files: dict[Path, bytes]) -> list[Path]:
    """A frame sequence into its folder, made here or found empty: anything another writer
    put there meanwhile is refused, never mixed with these frames."""
    made = False
    try:
        target.mkdir()
        made = True
    except FileExistsError:
        _check_empty(target)
    except OSError as exc:
        raise OutputError(f"cannot make {target}: {exc.strerror or exc}") from None
    try:
        return write_group(files)
    except BaseException:
        if made:
            try:
                target.rmdir()
            except OSError:
                pass
        raise


def _pil(pixels: np.ndarray):
    from PIL import Image

    return Image.fromarray(pixels)
