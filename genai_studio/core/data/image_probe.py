"""What an image file says about itself, read before any decoder sees it (no Pillow).

Pillow's ``Image.open`` reads only headers, but "headers" include whatever a file puts before
its first frame: a GIF's comment blocks (Pillow joins them all in memory: a 300 MB comment
took 784 MB before anything was refused), a PNG's text chunks, a WebP's XMP. So every image
the studio opens (``core.data.image_input``, the gallery, provenance) is first walked here,
container block by block, with every length checked against the file's real size and only
seeks between them:

* the size it declares (a GIF's logical screen and every frame's extent, a PNG's IHDR, a WebP's
  canvas, a JPEG's frame header, a BMP's info header) and how many frames;
* how many bytes of metadata it carries (comments, text, EXIF, XMP, ICC), refused past a budget
  before any of it is read into memory;
* a GIF's first comment, read within that budget (where GenAI Studio keeps a GIF's provenance).

Anything the walk cannot follow is left for the decoder to refuse; what it can follow is
refused here with a :class:`ProbeRefused` (a reason of ``image_input.REASONS`` and a detail).
"""

from __future__ import annotations

import io
import os
import struct
from dataclasses import dataclass
from typing import BinaryIO

MAX_FRAMES = 10_000
MAX_METADATA_BYTES = 8 * 1024 * 1024
_MAX_BLOCKS = 2_000_000  # sub-blocks and chunks walked: a 256 MB GIF of 255-byte blocks is 1 M
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_METADATA = (b"tEXt", b"zTXt", b"iTXt", b"iCCP", b"eXIf")
_WEBP_METADATA = (b"EXIF", b"XMP ", b"ICCP")


class ProbeRefused(Exception):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Probe:
    format: str  # "PNG", "GIF", "WEBP", "JPEG", "BMP", or "" when not one of these
    width: int  # 0 when the walk could not tell
    height: int
    frames: int
    metadata_bytes: int
    comment: bytes | None = None  # a GIF's first comment block


_WINDOW = 1 << 16


class _Walk:
    """A forward reader over the file in 64 KB windows: skipping is arithmetic, so walking a
    GIF's thousands of 255-byte sub-blocks costs no call per block into the file."""

    def __init__(self, fh: BinaryIO, size: int, max_metadata: int) -> None:
        self.fh, self.size, self.max_metadata = fh, size, max_metadata
        self.metadata = 0
        self.blocks = 0
        self.base, self.buf, self.pos = 0, b"", 0  # buf holds the file from offset base

    def tell(self) -> int:
        return self.base + self.pos

    def _window(self, need: int) -> None:
        """Make buf hold at least ``need`` bytes from pos (fewer at the end of the file)."""
        if self.pos + need <= len(self.buf):
            return
        self.base += self.pos
        self.pos = 0
        self.fh.seek(self.base)
        self.buf = self.fh.read(max(need, _WINDOW))

    def read(self, n: int) -> bytes:
        self._window(n)
        data = self.buf[self.pos:self.pos + n]
        if len(data) != n:
            raise EOFError
        self.pos += n
        return data

    def skip(self, n: int) -> None:
        if n > self.size - self.tell():
            raise EOFError
        self.pos += n

    def skip_chain(self) -> int:
        """Skip a GIF sub-block chain (length byte, data, ..., 0); its data length."""
        total = blocks = 0
        while True:
            if self.pos >= len(self.buf):
                self._window(1)
                if not self.buf:
                    raise EOFError
            n = self.buf[self.pos]
            self.pos += 1 + n
            blocks += 1
            if n == 0:
                break
            total += n
        if self.tell() > self.size:
            raise EOFError
        self.blocks += blocks
        if self.blocks > _MAX_BLOCKS:
            raise ProbeRefused("decompression bomb", f"more than {_MAX_BLOCKS:,} blocks")
        return total

    def count(self) -> None:
        self.blocks += 1
        if self.blocks > _MAX_BLOCKS:
            raise ProbeRefused("decompression bomb", f"more than {_MAX_BLOCKS:,} blocks")

    def add_metadata(self, n: int) -> None:
        self.metadata += n
        if self.metadata > self.max_metadata:
            raise ProbeRefused("decompression bomb",
                               f"it carries more than {self.max_metadata / 2**20:.0f} MB of "
                               "metadata (comments, text, EXIF, XMP)")


def probe(fh: BinaryIO, *, max_metadata: int = MAX_METADATA_BYTES,
          max_frames: int = MAX_FRAMES, keep_comment: int = 0) -> Probe:
    """Walk an image file (a seekable binary file, at its start); see the module doc.
    ``keep_comment``: read a GIF's first comment up to this many bytes (0: none)."""
    size = os.fstat(fh.fileno()).st_size if _has_fileno(fh) else _length(fh)
    walk = _Walk(fh, size, max_metadata)
    head = fh.read(12)
    fh.seek(0)
    try:
        if head.startswith(_PNG_SIGNATURE):
            return _png(walk, max_frames)
        if head[:6] in (b"GIF87a", b"GIF89a"):
            return _gif(walk, max_frames, keep_comment)
        if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
            return _webp(walk, max_frames)
        if head[:2] == b"\xff\xd8":
            return _jpeg(walk)
        if head[:2] == b"BM":
            return _bmp(walk)
    except (EOFError, struct.error):
        pass  # truncated: the decoder says so in its own words
    return Probe("", 0, 0, 1, walk.metadata)


def _has_fileno(fh: BinaryIO) -> bool:
    try:
        fh.fileno()
    except (OSError, AttributeError, io.UnsupportedOperation):
        return False
    return True


def _length(fh: BinaryIO) -> int:
    here = fh.tell()
    end = fh.seek(0, io.SEEK_END)
    fh.seek(here)
    return end


def _frames(count: int, max_frames: int) -> None:
    if count > max_frames:
        raise ProbeRefused("decompression bomb", f"it declares more than {max_frames:,} frames")


def _png(walk: _Walk, max_frames: int) -> Probe:
    walk.read(8)
    width = height = 0
    frames = 1
    while True:
        walk.count()
        length, ctype = struct.unpack(">I4s", walk.read(8))
        if ctype == b"IHDR" and length >= 8:
            width, height = struct.unpack(">II", walk.read(8))
            walk.skip(length - 8 + 4)
            continue
        if ctype == b"acTL" and length >= 4:
            frames = max(1, struct.unpack(">I", walk.read(4))[0])
            _frames(frames, max_frames)
            walk.skip(length - 4 + 4)
            continue
        if ctype in _PNG_METADATA:
            walk.add_metadata(length)
        if ctype == b"IEND":
            break
        walk.skip(length + 4)
    return Probe("PNG", width, height, frames, walk.metadata)


def _sub_blocks(walk: _Walk, keep: int = 0, what: int = -1) -> tuple[int, bytes | None]:
    """Skip (or read up to ``keep`` bytes of) a GIF sub-block chain; its total length.
    ``what`` >= 0: the chain is metadata, counted against the budget as it goes."""
    if not keep and what < 0:
        return walk.skip_chain(), None
    total, kept = 0, [] if keep else None
    while True:
        walk.count()
        (n,) = walk.read(1)
        if n == 0:
            return total, (b"".join(kept) if kept is not None else None)
        total += n
        if what >= 0:
            walk.add_metadata(n)
        if kept is not None and total <= keep:
            kept.append(walk.read(n))
        else:
            if kept is not None:
                raise ProbeRefused("decompression bomb", f"its comment is over {keep:,} bytes")
            walk.skip(n)


def _gif(walk: _Walk, max_frames: int, keep_comment: int) -> Probe:
    walk.read(6)
    width, height, flags, _bg, _aspect = struct.unpack("<HHBBB", walk.read(7))
    if flags & 0x80:
        walk.skip(3 << ((flags & 7) + 1))
    frames, comment = 0, None
    while True:
        walk.count()
        (block,) = walk.read(1)
        if block == 0x3B:  # trailer
            break
        if block == 0x21:  # extension
            (label,) = walk.read(1)
            metadata = -1 if label == 0xF9 else label  # graphic control: 4 bytes of timing
            keep = keep_comment if label == 0xFE and comment is None else 0
            _, text = _sub_blocks(walk, keep, metadata)
            if text is not None:
                comment = text
            continue
        if block != 0x2C:  # not a GIF block: the decoder decides
            break
        left, top, w, h, local = struct.unpack("<HHHHB", walk.read(9))
        width, height = max(width, left + w), max(height, top + h)
        if local & 0x80:
            walk.skip(3 << ((local & 7) + 1))
        walk.read(1)  # LZW minimum code size
        _sub_blocks(walk)
        frames += 1
        _frames(frames, max_frames)
    return Probe("GIF", width, height, max(frames, 1), walk.metadata, comment)


def _webp(walk: _Walk, max_frames: int) -> Probe:
    walk.read(12)
    width = height = 0
    frames = 0
    while walk.tell() + 8 <= walk.size:
        walk.count()
        fourcc, length = struct.unpack("<4sI", walk.read(8))
        padded = length + (length & 1)
        if fourcc == b"VP8X" and length >= 10:
            body = walk.read(10)
            width = 1 + int.from_bytes(body[4:7], "little")
            height = 1 + int.from_bytes(body[7:10], "little")
            walk.skip(padded - 10)
            continue
        if fourcc in (b"VP8 ", b"VP8L") and not width and length >= 10:
            body = walk.read(10)
            if fourcc == b"VP8L":
                bits = int.from_bytes(body[1:5], "little")
                width, height = 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
            else:
                width = int.from_bytes(body[6:8], "little") & 0x3FFF
                height = int.from_bytes(body[8:10], "little") & 0x3FFF
            walk.skip(padded - 10)
            frames = max(frames, 1)
            continue
        if fourcc == b"ANMF":
            frames += 1
            _frames(frames, max_frames)
        elif fourcc in _WEBP_METADATA:
            walk.add_metadata(length)
        walk.skip(padded)
    return Probe("WEBP", width, height, max(frames, 1), walk.metadata)


def _jpeg(walk: _Walk) -> Probe:
    walk.read(2)
    width = height = 0
    while True:
        walk.count()
        marker = walk.read(2)
        if marker[0] != 0xFF:
            break
        kind = marker[1]
        if kind in (0xD8, 0x01) or 0xD0 <= kind <= 0xD7:  # no length
            continue
        if kind == 0xD9 or kind == 0xDA:  # end, or the scan: no more headers
            break
        (length,) = struct.unpack(">H", walk.read(2))
        if length < 2:
            break
        if 0xC0 <= kind <= 0xCF and kind not in (0xC4, 0xC8, 0xCC) and length >= 7:
            body = walk.read(5)
            height, width = struct.unpack(">HH", body[1:5])
            walk.skip(length - 2 - 5)
            continue
        if 0xE0 <= kind <= 0xEF or kind == 0xFE:  # APPn (EXIF, XMP, ICC), comments
            walk.add_metadata(length - 2)
        walk.skip(length - 2)
    return Probe("JPEG", width, height, 1, walk.metadata)


def _bmp(walk: _Walk) -> Probe:
    walk.read(14)
    (header,) = struct.unpack("<I", walk.read(4))
    if header == 12:
        width, height = struct.unpack("<HH", walk.read(4))
    else:
        width, height = struct.unpack("<ii", walk.read(8))
    return Probe("BMP", abs(width), abs(height), 1, 0)


__all__ = ["MAX_FRAMES", "MAX_METADATA_BYTES", "Probe", "ProbeRefused", "probe"]
