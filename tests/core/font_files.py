"""Small font files made with fontTools for the tests: real TrueType fonts whose glyphs are
plain shapes, and the hostile ones (truncated, not a font, no glyphs, empty glyphs)."""

from __future__ import annotations

import io
from pathlib import Path

from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen


def _box(pen: TTGlyphPen, x0: int, y0: int, x1: int, y1: int) -> None:
    pen.moveTo((x0, y0))
    pen.lineTo((x0, y1))
    pen.lineTo((x1, y1))
    pen.lineTo((x1, y0))
    pen.closePath()


def font_bytes(chars: str, name: str = "Test Sans", weight: int = 120, empty: str = "",
               widths: dict[str, int] | None = None, descend: str = "",
               glyph_names: dict[str, str] | None = None) -> bytes:
    """A TrueType font mapping each of ``chars`` to a glyph: a box ``widths[c]`` wide (default
    by the character's code) with a hole, 700 units tall on the baseline; the characters in
    ``empty`` map to glyphs with no outline; those in ``descend`` reach 200 units below it;
    ``glyph_names`` names some glyphs (by default a character's glyph is g<its code>)."""
    names = {c: (glyph_names or {}).get(c, f"g{ord(c)}") for c in chars}
    fb = FontBuilder(1000, isTTF=True)
    # The same bytes for the same arguments: the head table is stamped with the time otherwise.
    fb.font["head"].created = fb.font["head"].modified = 3_000_000_000
    fb.setupGlyphOrder([".notdef", *names.values()])
    fb.setupCharacterMap({ord(c): n for c, n in names.items()})
    glyphs, metrics = {}, {}
    empty_pen = TTGlyphPen(None)
    glyphs[".notdef"] = empty_pen.glyph()
    metrics[".notdef"] = (500, 0)
    for c, n in names.items():
        pen = TTGlyphPen(None)
        width = (widths or {}).get(c, 200 + (ord(c) * 37) % 400)
        if c not in empty:
            low = -200 if c in descend else 0
            _box(pen, 50, low, 50 + width, 700)
            _box(pen, 50 + weight, low + weight, 50 + width - weight, 700 - weight)  # a counter
        glyphs[n] = pen.glyph()
        metrics[n] = (width + 100, 50)
    fb.setupGlyf(glyphs)
    fb.setupHorizontalMetrics(metrics)
    fb.setupHorizontalHeader(ascent=800, descent=-200)
    fb.setupNameTable({"familyName": name, "styleName": "Regular"})
    fb.setupOS2(sTypoAscender=800, sTypoDescender=-200, usWinAscent=800, usWinDescent=200)
    fb.setupPost()
    buffer = io.BytesIO()
    fb.save(buffer)
    return buffer.getvalue()


def write_font(path: Path, chars: str, **kwargs) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(font_bytes(chars, **kwargs))
    return path
