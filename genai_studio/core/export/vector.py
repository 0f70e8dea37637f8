"""Vector files: SVG and PDF of a tile, a contact sheet, or an animation's frames (no Qt).

Every image is traced into outlines (``core.export.trace``) and placed on a page laid out like
the bitmap export's (``render.contact_sheet``: the same tile size, gutter and captions), so an
SVG and a PNG of the same export line up pixel for pixel. Sizes are in CSS pixels; a PDF page
is the same size at 96 px to the inch (0.75 pt a pixel).

Provenance: an SVG carries the JSON record in ``<metadata id="genai-studio.provenance">``
(XML-escaped) and the summary line in ``<desc>``; a PDF carries the summary as its Subject and
the record, hex-encoded, under the document information key ``/GenAIStudioProvenance``.
``read_vector_texts`` finds them again without an XML or PDF parser (nothing a hostile file
declares is expanded or followed), reading at most ``MAX_SCAN_BYTES`` of the file.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, unescape

import numpy as np

from genai_studio.core.errors import ImageFileError
from genai_studio.core.export.options import ExportStyle
from genai_studio.core.export.provenance import MAX_JSON_BYTES, Provenance
from genai_studio.core.export.trace import Shape, Tracing, trace

KEY = "genai-studio.provenance"
PDF_KEY = b"/GenAIStudioProvenance"
PT_PER_PX = 0.75
MAX_SCAN_BYTES = 4 * MAX_JSON_BYTES + (1 << 20)  # the record sits near an SVG's start
_SVG_RECORD = re.compile(
    rb'<metadata id="genai-studio\.provenance"[^>]*>([^<]*)</metadata>')
_SVG_DESC = re.compile(rb"<desc>([^<]{0,4000})</desc>")
_PDF_RECORD = re.compile(rb"/GenAIStudioProvenance\s*<([0-9A-Fa-f\s]*)>")


@dataclass(frozen=True)
class Placed:
    """A traced image placed on a page: its top-left corner and its size, in page pixels."""

    tracing: Tracing
    left: float
    top: float
    width: float
    height: float


@dataclass(frozen=True)
class Page:
    width: int
    height: int
    background: tuple[int, int, int] | None
    items: tuple[Placed, ...]
    captions: tuple[tuple[float, float, float, str], ...] = ()  # (x centre, y middle, size, text)
    caption_colour: tuple[int, int, int] = (255, 255, 255)


# ---- layout ---------------------------------------------------------------------------------

def _colours(style: ExportStyle, colour: bool) -> tuple[tuple[int, int, int] | None,
                                                          tuple[int, int, int]]:
    from genai_studio.core.export.render import _sheet_colours

    background, caption = _sheet_colours(style, colour)
    background = tuple(background[:3]) if len(background) >= 3 else (background[0],) * 3
    caption = tuple(caption[:3]) if len(caption) >= 3 else (caption[0],) * 3
    if style.transparent and not colour:
        return None, caption  # type: ignore[return-value]
    return background, caption  # type: ignore[return-value]


def tile_page(image: np.ndarray, style: ExportStyle) -> Page:
    """One image on a page of the style's output size."""
    tracing = trace(image, style)
    h, w = style.output_size(tracing.height, tracing.width)
    return Page(w, h, tracing.paper, (Placed(tracing, 0, 0, w, h),))


def sheet_page(images: np.ndarray | Sequence[np.ndarray], style: ExportStyle,
               columns: int | None = None, gutter: int = 0,
               captions: Sequence[str] | None = None) -> Page:
    """A contact sheet laid out as ``render.contact_sheet`` lays out its bitmap."""
    from genai_studio.core.export.render import sheet_layout

    layout = sheet_layout(images, style, columns, gutter, captions)
    th, tw = layout.tile
    line = layout.cell_h - th
    background, caption_colour = _colours(style, layout.first.ndim == 3)
    items, texts = [], []
    for k, image, top, left in layout.cells():
        items.append(Placed(trace(image, style), left, top, tw, th))
        if captions is not None:
            texts.append((left + tw / 2, top + th + line / 2, max(8.0, line * 0.7),
                          str(captions[k])[:64]))
    return Page(layout.width, layout.height, background, tuple(items), tuple(texts),
                caption_colour)


# ---- SVG ------------------------------------------------------------------------------------

def _num(v: float) -> str:
    text = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def path_data(shape: Shape) -> str:
    out = []
    for command in shape.commands:
        out.append(command[0] + " ".join(_num(v) for v in command[1:]))
    return "".join(out)


def _svg_item(item: Placed) -> list[str]:
    t = item.tracing
    sx, sy = item.width / t.width, item.height / t.height
    lines = [f'<g transform="translate({_num(item.left)} {_num(item.top)}) '
             f'scale({sx:.6g} {sy:.6g})">']
    if t.paper is not None:
        lines.append(f'<rect width="{t.width}" height="{t.height}" fill="{_hex(t.paper)}"/>')
    lines += [f'<path fill="{_hex(s.fill)}" fill-rule="evenodd" d="{path_data(s)}"/>'
              for s in t.shapes]
    lines.append("</g>")
    return lines


def svg_bytes(page: Page, prov: Provenance | None) -> bytes:
    """One page as an SVG document, with its provenance (see the module doc)."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{page.width}" '
             f'height="{page.height}" viewBox="0 0 {page.width} {page.height}">']
    if prov is not None:
        lines += [f"<title>{escape(prov.model_name)}</title>",
                  f"<desc>{escape(prov.summary())}</desc>",
                  f'<metadata id="{KEY}">{escape(prov.to_json())}</metadata>']
    if page.background is not None:
        lines.append(f'<rect width="{page.width}" height="{page.height}" '
                     f'fill="{_hex(page.background)}"/>')
    for item in page.items:
        lines += _svg_item(item)
    for x, y, size, text in page.captions:
        lines.append(f'<text x="{_num(x)}" y="{_num(y)}" font-size="{_num(size)}" '
                     f'font-family="sans-serif" text-anchor="middle" dominant-baseline="middle" '
                     f'fill="{_hex(page.caption_colour)}">{escape(text)}</text>')
    lines.append("</svg>")
    return ("\n".join(lines) + "\n").encode("utf-8")


# ---- PDF ------------------------------------------------------------------------------------

def _pdf_colour(rgb: tuple[int, int, int]) -> str:
    return " ".join(_num(c / 255) if c not in (0, 255) else str(c // 255) for c in rgb) + " rg"


def _pdf_path(shape: Shape, item: Placed) -> str:
    t = item.tracing
    sx, sy = item.width / t.width, item.height / t.height
    ops = []
    for command in shape.commands:
        op, values = command[0], command[1:]
        xy = [_num(item.left + v * sx if i % 2 == 0 else item.top + v * sy)
              for i, v in enumerate(values)]
        ops.append({"M": "{} {} m", "L": "{} {} l", "C": "{} {} {} {} {} {} c",
                    "Z": "h"}[op].format(*xy))
    return " ".join(ops) + " f*"


def _pdf_text(text: str) -> bytes:
    raw = text.encode("cp1252", "replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _pdf_content(page: Page) -> bytes:
    # PDF's y axis points up: flip once, then draw in page pixels with y down as the SVG does.
    parts = [f"{PT_PER_PX} 0 0 -{PT_PER_PX} 0 {_num(page.height * PT_PER_PX)} cm"]
    if page.background is not None:
        parts.append(f"{_pdf_colour(page.background)} 0 0 {page.width} {page.height} re f")
    for item in page.items:
        t = item.tracing
        if t.paper is not None:
            parts.append(f"{_pdf_colour(t.paper)} {_num(item.left)} {_num(item.top)} "
                         f"{_num(item.width)} {_num(item.height)} re f")
        for shape in t.shapes:
            parts.append(f"{_pdf_colour(shape.fill)} {_pdf_path(shape, item)}")
    data = "\n".join(parts).encode("ascii")
    for x, y, size, text in page.captions:
        width = 0.5 * size * len(text)  # Helvetica's average advance: near enough to centre
        data += (f"\nBT {_pdf_colour(page.caption_colour)} /F1 {_num(size)} Tf 1 0 0 -1 "
                 f"{_num(x - width / 2)} {_num(y + size * 0.35)} Tm ").encode() \
            + _pdf_text(text) + b" Tj ET"
    return data


def pdf_bytes(pages: Sequence[Page], prov: Provenance | None) -> bytes:
    """Pages as one PDF 1.4 document (content streams deflated), with its provenance."""
    objects: list[bytes] = []  # object k + 1

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in below
    tree = add(b"")
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
               b"/Encoding /WinAnsiEncoding >>")
    kids = []
    for page in pages:
        stream = zlib.compress(_pdf_content(page), 6)
        content = add(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream)
                      + stream + b"\nendstream")
        box = f"[0 0 {_num(page.width * PT_PER_PX)} {_num(page.height * PT_PER_PX)}]"
        kids.append(add(f"<< /Type /Page /Parent {tree} 0 R /MediaBox {box} /Contents "
                        f"{content} 0 R /Resources << /Font << /F1 {font} 0 R >> >> >>"
                        .encode()))
    objects[catalog - 1] = f"<< /Type /Catalog /Pages {tree} 0 R >>".encode()
    objects[tree - 1] = (f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] "
                         f"/Count {len(kids)} >>").encode()
    info = b"<< /Producer (GenAI Studio) /Creator (GenAI Studio)"
    if prov is not None:
        info += (b" /Title " + _pdf_text(prov.model_name) + b" /Subject "
                 + _pdf_text(prov.summary()[:2000]) + b" " + PDF_KEY + b" <"
                 + prov.to_json().encode("utf-8").hex().encode() + b">")
    info_id = add(info + b" >>")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for k, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % k + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += (b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objects) + 1, catalog, info_id, xref))
    return bytes(out)


# ---- animations ---------------------------------------------------------------------------

def sprite_page(pages: Sequence[Page], columns: int) -> Page:
    """Frames (each a one-image page of the same size) side by side, ``columns`` to a row,
    with no gutter: where ``writers._sprite_files``' JSON map says they are."""
    w, h = pages[0].width, pages[0].height
    items = [Placed(p.items[0].tracing, (i % columns) * w, (i // columns) * h, w, h)
             for i, p in enumerate(pages)]
    rows = math.ceil(len(pages) / columns)
    return Page(columns * w, rows * h, pages[0].background, tuple(items))


# ---- reading --------------------------------------------------------------------------------

def read_vector_texts(data: bytes, source: str) -> tuple[str | None, str | None]:
    """(provenance JSON, summary) from the bytes of an SVG or PDF (at most MAX_SCAN_BYTES of
    it: the record is written near an SVG's start and in a PDF's last object)."""
    if data.startswith(b"%PDF-"):
        match = _PDF_RECORD.search(data)
        if match is None:
            return None, None
        digits = re.sub(rb"\s", b"", match.group(1))
        if len(digits) > 2 * MAX_JSON_BYTES:
            raise ImageFileError(f"{source}: refused: its provenance is too large")
        try:
            return bytes.fromhex(digits.decode("ascii")).decode("utf-8"), None
        except (ValueError, UnicodeDecodeError):
            raise ImageFileError(f"{source}: damaged provenance (bad hex text)") from None
    match = _SVG_RECORD.search(data)
    desc = _SVG_DESC.search(data)
    summary = None if desc is None else unescape(desc.group(1).decode("utf-8", "replace"))
    if match is None:
        return None, summary
    if len(match.group(1)) > 2 * MAX_JSON_BYTES:
        raise ImageFileError(f"{source}: refused: its provenance is too large")
    try:
        return unescape(match.group(1).decode("utf-8")), summary
    except UnicodeDecodeError:
        raise ImageFileError(f"{source}: damaged provenance (not UTF-8 text)") from None
