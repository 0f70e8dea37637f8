"""Provenance inside image files: PNG / APNG text chunks, WebP XMP, GIF comments, and the
SVG and PDF files of ``core.export.vector`` (which writes and finds its own).

Written: PNG and APNG get an iTXt chunk ``genai-studio.provenance`` (the JSON record, zlib
compressed) and a tEXt ``parameters`` line for people and other tools; WebP gets an XMP packet
with both as attributes; GIF gets the JSON as its comment.

Read: the file's container is walked chunk by chunk with every length checked against the
limits and against what the file holds before anything is read or decompressed, so a hostile
file cannot make us allocate what it claims. A missing, oversized or damaged record is one
ImageFileError line.
"""

from __future__ import annotations

import os
import re
import struct
import zlib
from pathlib import Path
from typing import BinaryIO
from xml.sax.saxutils import escape, unescape

from genai_studio.core.errors import ImageFileError
from genai_studio.core.export.provenance import MAX_JSON_BYTES, Provenance, from_json
from genai_studio.core.store.files import open_regular

KEY = "genai-studio.provenance"
PARAMETERS_KEY = "parameters"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_STOP = (b"IDAT", b"IEND", b"fdAT")  # our chunks come before the image data
_TEXT_CHUNKS = (b"tEXt", b"iTXt", b"zTXt")
_MAX_CHUNKS = 10_000
_XMP_ATTRS = {"&quot;": '"', "&apos;": "'", "&#10;": "\n", "&#13;": "\r", "&#9;": "\t"}


def png_info(prov: Provenance):
    """A Pillow PngInfo holding the record and its summary line."""
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_itxt(KEY, prov.to_json(), zip=True)
    info.add_text(PARAMETERS_KEY, prov.summary())
    return info


def webp_xmp(prov: Provenance) -> bytes:
    """An XMP packet with the record and the summary as attributes."""
    def attr(text: str) -> str:
        return escape(text, {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:genai="urn:genai-studio:provenance:1" '
        f'genai:provenance="{attr(prov.to_json())}" genai:parameters="{attr(prov.summary())}"/>'
        '</rdf:RDF></x:xmpmeta><?xpacket end="r"?>'
    ).encode()


def gif_comment(prov: Provenance) -> bytes:
    return prov.to_json().encode("utf-8")


# ---- reading -----------------------------------------------------------------------------

def _read_exact(fh: BinaryIO, size: int, what: str) -> bytes:
    data = fh.read(size)
    if len(data) != size:
        raise ImageFileError(f"{what}: truncated")
    return data


def _inflate(data: bytes, source: str) -> bytes:
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, MAX_JSON_BYTES + 1)
    except zlib.error:
        raise ImageFileError(f"{source}: damaged provenance (bad compressed text)") from None
    if len(out) > MAX_JSON_BYTES or inflater.unconsumed_tail:
        raise ImageFileError(f"{source}: refused: its provenance is too large "
                             f"(more than {MAX_JSON_BYTES} bytes)")
    return out


def _png_text(ctype: bytes, body: bytes, source: str) -> tuple[str, str] | None:
    """(keyword, text) of a tEXt / iTXt / zTXt chunk body; None if not ours."""
    keyword, sep, rest = body.partition(b"\0")
    key = keyword.decode("latin-1")
    if not sep or key not in (KEY, PARAMETERS_KEY):
        return None
    if ctype == b"tEXt":
        return key, rest.decode("latin-1")
    if ctype == b"zTXt":
        return key, _inflate(rest[1:], source).decode("latin-1")
    if len(rest) < 2:
        raise ImageFileError(f"{source}: damaged provenance (short text chunk)")
    compressed, _method, tail = rest[0], rest[1], rest[2:]
    _language, _, tail = tail.partition(b"\0")
    _translated, _, text = tail.partition(b"\0")
    if compressed:
        text = _inflate(text, source)
    try:
        return key, text.decode("utf-8")
    except UnicodeDecodeError:
        raise ImageFileError(f"{source}: damaged provenance (not UTF-8 text)") from None


def _png_texts(fh: BinaryIO, size: int, source: str) -> dict[str, str]:
    found: dict[str, str] = {}
    fh.seek(len(PNG_SIGNATURE))
    for _ in range(_MAX_CHUNKS):
        head = fh.read(8)
        if len(head) < 8:
            break
        length, ctype = struct.unpack(">I4s", head)
        if ctype in _PNG_STOP:
            break
        if length > size - fh.tell():
            raise ImageFileError(f"{source}: truncated or damaged (a chunk runs past the end)")
        if ctype not in _TEXT_CHUNKS:
            fh.seek(length + 4, 1)
            continue
        peeked = fh.read(min(length, 80))
        if peeked.partition(b"\0")[0].decode("latin-1") not in (KEY, PARAMETERS_KEY):
            fh.seek(length - len(peeked) + 4, 1)  # someone else's text: not our business
            continue
        if length > MAX_JSON_BYTES:
            raise ImageFileError(f"{source}: refused: its provenance chunk is too large "
                                 f"({length} bytes, at most {MAX_JSON_BYTES})")
        body = peeked + _read_exact(fh, length - len(peeked), source)
        (crc,) = struct.unpack(">I", _read_exact(fh, 4, source))
        if zlib.crc32(ctype + body) != crc:
            raise ImageFileError(f"{source}: damaged (its provenance fails its checksum)")
        text = _png_text(ctype, body, source)
        if text is not None:
            found.setdefault(*text)
    return found


def _webp_xmp(fh: BinaryIO, size: int, source: str) -> bytes | None:
    fh.seek(12)
    for _ in range(_MAX_CHUNKS):
        head = fh.read(8)
        if len(head) < 8:
            return None
        fourcc, length = struct.unpack("<4sI", head)
        if length > size - fh.tell():
            raise ImageFileError(f"{source}: truncated or damaged (a chunk runs past the end)")
        if fourcc == b"XMP ":
            if length > MAX_JSON_BYTES * 2:  # escaped JSON and the summary
                raise ImageFileError(f"{source}: refused: its XMP block is too large "
                                     f"({length} bytes)")
            return _read_exact(fh, length, source)
        fh.seek(length + (length & 1), 1)
    return None


def _from_xmp(xmp: bytes, source: str) -> str | None:
    match = re.search(rb'genai:provenance="([^"]*)"', xmp)
    if match is None:
        return None
    try:
        return unescape(match.group(1).decode("utf-8"), _XMP_ATTRS)
    except UnicodeDecodeError:
        raise ImageFileError(f"{source}: damaged provenance (not UTF-8 text)") from None


def _gif_comment(fh: BinaryIO, source: str) -> bytes | None:
    """A GIF's first comment, read block by block within the record's own limit
    (``core.data.image_probe``): Pillow would join every comment of the file in memory first,
    and decode nothing we need."""
    from genai_studio.core.data.image_probe import ProbeRefused, probe

    fh.seek(0)
    try:
        found = probe(fh, max_metadata=MAX_JSON_BYTES + 1, keep_comment=MAX_JSON_BYTES)
    except ProbeRefused as exc:
        raise ImageFileError(f"{source}: refused: {exc.detail}") from None
    return found.comment


def read_texts(path: Path) -> tuple[str | None, str | None]:
    """(provenance JSON, summary line) stored in an image file, each None when absent."""
    path = Path(path)
    source = path.name
    with open_regular(path, ImageFileError, "image") as fh:
        try:
            size = os.fstat(fh.fileno()).st_size
            head = fh.read(12)
            if head.startswith(PNG_SIGNATURE):
                texts = _png_texts(fh, size, source)
                return texts.get(KEY), texts.get(PARAMETERS_KEY)
            if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
                xmp = _webp_xmp(fh, size, source)
                return (None if xmp is None else _from_xmp(xmp, source)), None
            if head[:6] in (b"GIF87a", b"GIF89a"):
                comment = _gif_comment(fh, source)
                return (None if comment is None else comment.decode("utf-8", "replace")), None
        except OSError as exc:
            raise ImageFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    if head.startswith(b"%PDF-") or _is_svg(head):
        return _vector_texts(path, source)
    raise ImageFileError(f"{source}: not a PNG, WebP, GIF, SVG or PDF image")


def _is_svg(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return text.startswith((b"<?xml", b"<svg"))


def _vector_texts(path: Path, source: str) -> tuple[str | None, str | None]:
    """An SVG's first or a PDF's last ``MAX_SCAN_BYTES`` (where the record is written),
    searched without an XML or PDF parser."""
    from genai_studio.core.export.vector import MAX_SCAN_BYTES, read_vector_texts

    with open_regular(path, ImageFileError, "image") as fh:
        try:
            size = os.fstat(fh.fileno()).st_size
            pdf = fh.read(5) == b"%PDF-"
            fh.seek(max(0, size - MAX_SCAN_BYTES) if pdf else 0)
            data = fh.read(min(size, MAX_SCAN_BYTES))
        except OSError as exc:
            raise ImageFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    if pdf and not data.startswith(b"%PDF-"):
        data = b"%PDF-" + data  # the tail of a large PDF: still searched as a PDF
    return read_vector_texts(data, source)


def read_provenance(path: Path) -> Provenance:
    """The checked provenance record of an image the studio (or its CLI) wrote."""
    text, _ = read_texts(path)
    if text is None:
        raise ImageFileError(f"{Path(path).name}: carries no GenAI Studio provenance")
    return from_json(text, Path(path).name)


def read_anchor(path: Path, latent_dim: int) -> Provenance:
    """The record of a single-tile image used as a morph anchor (its one latent).

    A tile holds one latent; a frame of a frame sequence too. A grid, sheet or animation holds
    many, and which one was meant is unknowable: refused, naming the file.
    """
    from genai_studio.core.export.provenance import check_model

    prov = read_provenance(path)
    check_model(prov, latent_dim, source=Path(path).name)
    if len(prov.latent) != 1:
        raise ImageFileError(f"{Path(path).name} holds {len(prov.latent)} latents ({prov.kind}); "
                             "an anchor must be a single tile or frame")
    return prov
