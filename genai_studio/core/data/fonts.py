"""Reading font files for glyph datasets: one font's glyphs, or why the file is refused
(``core.data.font_dataset`` reads many into a labelled dataset: the label is the character,
the style the font).

    glyphs = read_font(Path("DejaVuSans.ttf"), "ABC...xyz0123456789", GlyphGrid.for_size(28))

Font files are untrusted. Each is a regular file of at most ``MAX_FONT_BYTES``, decided to be
TrueType / OpenType (or a collection of them) by its first bytes, not its name; its character
map and names are read with fontTools, its glyphs drawn with FreeType (through Pillow). A file
that is not a font, is truncated or damaged, or has no glyphs is refused with one line saying
so; a font lacking any of the characters asked for is skipped with the characters it lacks, so
that every style in the set has every character. Nothing is written here.

Every glyph is drawn in the same square cell, at the same size and on the same baseline
(``GlyphGrid``), so its place in the cell keeps what a typeface needs (x-height, descenders,
a full stop's size); it is centred on its ink box horizontally, as the advance width of a font
made from the model is measured from the ink anyway (``core.export.typeface``). A font whose
glyphs do not fit the cell at the standard size is drawn smaller, all its glyphs alike. Each
glyph is drawn four times larger and reduced (box filter) for clean anti-aliasing.
"""

from __future__ import annotations

import io
import os
import re
import string
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from genai_studio.core.data.dataset_header import MAX_CLASSES
from genai_studio.core.errors import DataError, UsageError
from genai_studio.core.store.files import read_untrusted

DEFAULT_CHARS = string.ascii_uppercase + string.ascii_lowercase + string.digits
MAX_FONT_BYTES = 32 * 1024 * 1024
MAX_FACES = 32  # faces read from one collection (.ttc)
FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")
_MAGIC = {b"\x00\x01\x00\x00": "TrueType", b"true": "TrueType", b"OTTO": "OpenType (CFF)",
          b"ttcf": "collection"}
SUPERSAMPLE = 4
SIZES = (28, 32, 64)
_DINGBAT_NAME = re.compile(r"a[0-9]{1,3}")  # ITC Zapf Dingbats' glyph names (Adobe): a1-a191


@dataclass(frozen=True)
class GlyphGrid:
    """Where glyphs sit in their square cell: ``em`` pixels to the em, the baseline ``baseline``
    pixels from the top. A font made from a model reads them back to place its outlines."""

    size: int
    em: float
    baseline: float

    @classmethod
    def for_size(cls, size: int) -> GlyphGrid:
        return cls(size, em=round(0.8 * size, 3), baseline=round(0.75 * size, 3))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class FontSkipped:
    path: str
    reason: str  # "not a font", "damaged", "no glyphs", "lacks characters", "symbol font", ...
    detail: str


def check_chars(chars: str) -> str:
    """The characters asked for: printable, no white space, each once, in order given."""
    if not isinstance(chars, str):
        raise UsageError("--chars takes a text of characters")
    seen = list(dict.fromkeys(chars))
    bad = [c for c in seen if not c.isprintable() or c.isspace()]
    if bad:
        raise UsageError(f"--chars: {bad[0]!r} is not a printable, visible character")
    if not 1 <= len(seen) <= MAX_CLASSES:
        raise UsageError(f"--chars: give 1 to {MAX_CLASSES} characters, not {len(seen)}")
    return "".join(seen)


def list_font_files(paths: Iterable[Path]) -> tuple[list[Path], list[FontSkipped]]:
    """Files named directly, and every file with a font's suffix under the folders named
    (recursively, never following links to folders); what cannot be entered is reported."""
    from genai_studio.core.data.folder_import import list_files

    files: list[Path] = []
    problems: list[FontSkipped] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            found, trouble = list_files(path)
            files += [f for f in found if f.suffix.lower() in FONT_SUFFIXES]
            problems += [FontSkipped(str(path / t.path), t.reason, t.detail) for t in trouble]
        elif path.exists() or path.is_symlink():
            files.append(path)
        else:
            problems.append(FontSkipped(str(path), "not found", "no such file or folder"))
    return list(dict.fromkeys(files)), problems


def font_folders() -> list[Path]:
    """The operating system's font folders that exist here (system-wide and the user's)."""
    home = Path.home()
    candidates = [Path("/usr/share/fonts"), Path("/usr/local/share/fonts"),
                  home / ".local/share/fonts", home / ".fonts", Path("/Library/Fonts"),
                  Path("/System/Library/Fonts"), home / "Library/Fonts"]
    windir = os.environ.get("WINDIR")
    if windir:
        candidates.append(Path(windir) / "Fonts")
    local = os.environ.get("LOCALAPPDATA")
    if local:
        candidates.append(Path(local) / "Microsoft/Windows/Fonts")
    return [p for p in candidates if p.is_dir()]


# ---- one font ------------------------------------------------------------------------------

class FontRefused(DataError):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail = reason, detail


def read_font_bytes(path: Path) -> tuple[bytes, int]:
    """A font file's bytes and how many faces it holds, after checking its first bytes."""
    try:
        data = read_untrusted(Path(path), MAX_FONT_BYTES, DataError, "font file")
    except DataError as exc:
        reason = "too large" if "too large" in str(exc) else "unreadable"
        raise FontRefused(reason, str(exc)) from None
    kind = _MAGIC.get(data[:4])
    if kind is None:
        raise FontRefused("not a font", "not a TrueType or OpenType font (by its first bytes)")
    if len(data) < 12:
        raise FontRefused("damaged", "truncated (shorter than a font's header)")
    if kind != "collection":
        return data, 1
    faces = int.from_bytes(data[8:12], "big")
    if not 1 <= faces or 12 + 4 * faces > len(data):
        raise FontRefused("damaged", "a font collection whose face table runs past its end")
    return data, min(faces, MAX_FACES)


def _character_map(data: bytes, face: int) -> tuple[dict[int, str], str]:
    """(code point -> glyph name, "Family Style") read with fontTools; any failure of a
    damaged file is one refusal (fontTools raises many kinds of errors on bad input)."""
    from fontTools.ttLib import TTFont

    try:
        font = TTFont(io.BytesIO(data), lazy=True, fontNumber=face)
        cmap = font.getBestCmap() or {}
        name = _font_name(font)
    except MemoryError:
        raise FontRefused("damaged", "claims more memory than a font needs") from None
    except Exception as exc:  # noqa: BLE001 - any parse error of an untrusted file
        raise FontRefused("damaged", f"unreadable font tables ({type(exc).__name__})") from None
    return cmap, name


def _check_not_symbols(cmap: dict[int, str], chars: str) -> None:
    """Refuse a symbol font: one whose glyphs for most of ``chars`` are named as other
    characters (Standard Symbols maps 'A' to Alpha) or as dingbats (a1-a191), so that a star
    is never labelled 'A'. Generic names (g65, cid00034) say nothing and pass."""
    from fontTools.agl import toUnicode

    other = []
    for c in chars:
        name = cmap[ord(c)]
        meant = toUnicode(name.split(".")[0])
        if (meant and meant != c) or _DINGBAT_NAME.fullmatch(name):
            other.append((c, name))
    if 2 * len(other) > len(chars):
        c, name = other[0]
        raise FontRefused("symbol font", f"its glyph for {c!r} is {name!r} ({len(other)} of "
                                         f"{len(chars)} characters are other shapes)")


def _font_name(font: Any) -> str:
    table = font["name"] if "name" in font else None
    if table is None:
        return ""
    full = table.getDebugName(4)
    if full:
        return str(full)[:120]
    parts = [table.getDebugName(1), table.getDebugName(2)]
    return " ".join(str(p) for p in parts if p)[:120]


def _load_face(data: bytes, face: int, px: int):
    from PIL import ImageFont

    try:
        return ImageFont.truetype(io.BytesIO(data), size=max(1, px), index=face,
                                  layout_engine=ImageFont.Layout.BASIC)
    except (OSError, ValueError, MemoryError) as exc:
        raise FontRefused("damaged", f"FreeType cannot read it ({exc})") from None


def _ink_boxes(font: Any, chars: str) -> list[tuple[int, int, int, int]]:
    try:
        return [font.getbbox(c, anchor="ls") for c in chars]
    except (OSError, ValueError, MemoryError) as exc:
        raise FontRefused("damaged", f"a glyph cannot be drawn ({exc})") from None


def _fit_scale(boxes: Sequence[tuple[int, int, int, int]], grid: GlyphGrid, px: int) -> float:
    """1.0 when every glyph fits the cell at ``px`` (supersampled) per em, else the scale that
    makes them fit, with a pixel of margin."""
    s = SUPERSAMPLE
    room_up, room_down = (grid.baseline - 1) * s, (grid.size - grid.baseline - 1) * s
    room_wide = (grid.size - 2) * s
    up = max(-b[1] for b in boxes)
    down = max(b[3] for b in boxes)
    wide = max(b[2] - b[0] for b in boxes)
    ratios = [room_up / up if up > 0 else 1.0, room_down / down if down > 0 else 1.0,
              room_wide / wide if wide > 0 else 1.0]
    return min(1.0, *ratios)


def render_font(data: bytes, face: int, chars: str, grid: GlyphGrid
                ) -> tuple[np.ndarray, float]:
    """The glyphs of ``chars`` in one face: (len(chars), size, size) uint8 (ink is light),
    and the scale it was drawn at (1.0: the grid's em)."""
    from PIL import Image, ImageDraw

    s = SUPERSAMPLE
    px = round(grid.em * s)
    font = _load_face(data, face, px)
    boxes = _ink_boxes(font, chars)
    empty = [c for c, b in zip(chars, boxes, strict=True) if b[2] <= b[0] or b[3] <= b[1]]
    if len(empty) == len(chars):
        raise FontRefused("no glyphs", "every character it maps draws nothing")
    if empty:
        raise FontRefused("no glyphs", f"its glyph for {_quote(empty)} draws nothing")
    scale = _fit_scale(boxes, grid, px)
    if scale < 1.0:
        px = max(1, int(px * scale))
        font = _load_face(data, face, px)
        boxes = _ink_boxes(font, chars)
    side = grid.size * s
    out = np.empty((len(chars), grid.size, grid.size), np.uint8)
    for k, (char, box) in enumerate(zip(chars, boxes, strict=True)):
        canvas = Image.new("L", (side, side), 0)
        x = side / 2 - (box[0] + box[2]) / 2
        try:  # FreeType refuses a damaged outline here ("raster overflow"), not before
            ImageDraw.Draw(canvas).text((x, grid.baseline * s), char, fill=255, font=font,
                                        anchor="ls")
        except (OSError, ValueError, MemoryError) as exc:
            raise FontRefused("damaged", f"its glyph for {char!r} cannot be drawn ({exc})") \
                from None
        out[k] = np.asarray(canvas.reduce(s))
    if not out.reshape(len(chars), -1).max(axis=1).all():
        raise FontRefused("no glyphs", "some glyphs vanish at this size")
    return out, min(1.0, px / (grid.em * s))


def _quote(chars: Sequence[str], limit: int = 12) -> str:
    shown = "".join(chars[:limit])
    more = f" and {len(chars) - limit} more" if len(chars) > limit else ""
    return f"{shown!r}{more}"


def read_font(path: Path, chars: str, grid: GlyphGrid
              ) -> list[tuple[str, np.ndarray, float]] | FontRefused:
    """Every usable face of one file as (name, glyphs, scale); or why the file is refused
    (a collection is refused only when none of its faces is usable)."""
    try:
        data, faces = read_font_bytes(path)
    except FontRefused as exc:
        return exc
    kept: list[tuple[str, np.ndarray, float]] = []
    first: FontRefused | None = None
    for face in range(faces):
        try:
            cmap, name = _character_map(data, face)
            if not cmap:
                raise FontRefused("no glyphs", "its character map is empty")
            missing = [c for c in chars if ord(c) not in cmap]
            if missing:
                raise FontRefused("lacks characters", f"has no {_quote(missing)}")
            _check_not_symbols(cmap, chars)
            glyphs, scale = render_font(data, face, chars, grid)
        except FontRefused as exc:
            first = first or exc
            continue
        suffix = f" #{face}" if faces > 1 else ""
        kept.append(((name or Path(path).stem) + suffix, glyphs, scale))
    return kept if kept else (first or FontRefused("no glyphs", "no usable face"))
