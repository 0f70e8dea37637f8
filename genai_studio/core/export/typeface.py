"""A typeface from a model: every character decoded at one point of the style latent, traced
into outlines and written as an OpenType (CFF) font with fontTools (no Qt).

A conditional model's classes are its characters: a model trained on a fonts dataset
(``core.data.fonts``) records them (``dataset.classes``) with the cell its glyphs were drawn in
(``dataset.glyphs``: the size, pixels to the em and the baseline); a model of MNIST's digits
makes a font of ``0``-``9`` on MNIST's field. Each glyph is decoded at the same latent, traced
(``core.export.trace``, the vector export's tracer) and placed on the cell's baseline; its
metrics come from its ink box: the left side bearing and the advance are the ink's width plus
``SIDE_BEARING`` on each side, the ascent and descent are the cell's. The space is
``SPACE_SHARE`` of the average advance. The name table records the model (file name and
sha256) and the latent, as one line (Description, name ID 10) and as JSON (name ID 256), which
``genai-studio info`` prints.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from genai_studio import __version__
from genai_studio.core.errors import ImageFileError, UsageError

UNITS_PER_EM = 1000
SIDE_BEARING = 0.05  # of the em, each side of a glyph's ink
SPACE_SHARE = 0.5  # the space: half the average advance
PROVENANCE_NAME_ID = 256
PREVIEW_TEXT = "Hamburgefonstiv 0123"
MAX_FONT_FILE = 32 * 1024 * 1024
MNIST_GRID = {"size": 28, "em": 28.0, "baseline": 24.0}  # digits' 20 px box: 0.71 em tall
_PS_NAME = re.compile(r"[^A-Za-z0-9-]")


@dataclass(frozen=True)
class GlyphSet:
    """What a model draws as a typeface: its characters (one per class), in the order of its
    labels, and the cell they were drawn in."""

    chars: tuple[str, ...]
    size: int
    em: float
    baseline: float


def glyph_set(model: Any, metadata: dict[str, Any]) -> GlyphSet:
    """The characters a conditional model draws, from its file's dataset record; MNIST's
    digits for a digit model. Refused for a model with no classes."""
    if not getattr(model, "conditional", False):
        raise UsageError("a typeface needs a conditional model (one class per character), "
                         "e.g. one trained on a fonts dataset: genai-studio dataset fonts")
    dataset = metadata.get("dataset") if isinstance(metadata, dict) else None
    dataset = dataset if isinstance(dataset, dict) else {}
    classes = dataset.get("classes")
    grid = dataset.get("glyphs") if isinstance(dataset.get("glyphs"), dict) else None
    n = int(model.num_classes)
    if classes is None:
        if n != 10:
            raise UsageError(f"the model's {n} classes name no characters")
        classes, grid = [str(d) for d in range(10)], MNIST_GRID
    if not isinstance(classes, list) or len(classes) != n or len(set(classes)) != n or not all(
            isinstance(c, str) and len(c) == 1 and c.isprintable() and not c.isspace()
            for c in classes):
        raise UsageError("the model's classes are not one character each, each once")
    size = int(model.image_shape[1])
    grid = grid or {"size": size, "em": 0.8 * size, "baseline": 0.75 * size}
    try:
        em, baseline = float(grid["em"]), float(grid["baseline"])
    except (KeyError, TypeError, ValueError):
        raise UsageError("the model's glyph cell is damaged") from None
    if not (0 < em <= 4 * size and 0 < baseline <= size) or model.image_shape[0] != 1:
        raise UsageError("the model's glyph cell is out of range (grey glyphs only)")
    return GlyphSet(tuple(classes), size, em, baseline)


def decode_glyphs(model: Any, latent: np.ndarray, glyphs: GlyphSet,
                  chars: Sequence[str] | None = None) -> np.ndarray:
    """The glyphs of ``chars`` (default: all) at one latent: (n, H, W) floats in [0, 1]."""
    from genai_studio.core.latent.sampling import decode

    chars = glyphs.chars if chars is None else chars
    labels = np.array([glyphs.chars.index(c) for c in chars], np.int64)
    z = np.repeat(np.asarray(latent, np.float32).reshape(1, -1), len(labels), axis=0)
    return decode(model, z, labels)


# ---- outlines -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Outline:
    """One glyph in font units: its contours (y up), ink box and metrics."""

    contours: tuple[tuple[tuple, ...], ...]
    advance: int
    lsb: int
    box: tuple[float, float, float, float] | None  # xmin, ymin, xmax, ymax; None: no ink


def outline(image: np.ndarray, glyphs: GlyphSet) -> Outline:
    """A decoded glyph traced and placed: x from its ink's left edge plus the side bearing,
    y from the cell's baseline, in units of ``UNITS_PER_EM``."""
    from genai_studio.core.export.options import ExportStyle
    from genai_studio.core.export.trace import outline_points, trace

    unit = UNITS_PER_EM / glyphs.em
    contours = []
    for shape in trace(image, ExportStyle(resampling="ink")).shapes:
        contours += outline_points(shape.commands)
    points = [(c[i], c[i + 1]) for contour in contours for c in contour
              for i in range(1, len(c), 2)]
    if not points:
        return Outline((), 0, 0, None)
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    side = SIDE_BEARING * UNITS_PER_EM
    x0 = min(xs)

    def place(x: float, y: float) -> tuple[float, float]:
        return (round((x - x0) * unit + side, 1), round((glyphs.baseline - y) * unit, 1))

    placed = []
    for contour in contours:
        out = []
        for c in contour:
            coords = [place(c[i], c[i + 1]) for i in range(1, len(c), 2)]
            out.append((c[0], *coords))
        placed.append(tuple(out))
    width = (max(xs) - x0) * unit
    box = (side, (glyphs.baseline - max(ys)) * unit, side + width,
           (glyphs.baseline - min(ys)) * unit)
    return Outline(tuple(placed), round(width + 2 * side), round(side), box)


def _charstring(glyph: Outline):
    from fontTools.pens.t2CharStringPen import T2CharStringPen

    pen = T2CharStringPen(glyph.advance, None)
    for contour in glyph.contours:
        pen.moveTo(contour[0][1])
        for segment in contour[1:]:
            if segment[0] == "C":
                pen.curveTo(*segment[1:])
            else:
                pen.lineTo(segment[1])
        pen.closePath()
    return pen.getCharString()


def _glyph_name(char: str) -> str:
    from fontTools.agl import UV2AGL

    return UV2AGL.get(ord(char), f"uni{ord(char):04X}")


# ---- the font -------------------------------------------------------------------------------

@dataclass(frozen=True)
class FontProvenance:
    model_name: str
    model_sha256: str
    latent: tuple[float, ...]
    seed: int | None = None
    source_image: str | None = None  # --from IMAGE
    family: str = ""

    def to_json(self) -> str:
        return json.dumps({"format": "genai-studio.typeface", "version": 1,
                           "model_name": self.model_name, "model_sha256": self.model_sha256,
                           "latent": [float(f"{v:.9g}") for v in self.latent],
                           "seed": self.seed, "from": self.source_image,
                           "family": self.family, "app_version": __version__},
                           separators=(",", ":"))

    def summary(self) -> str:
        where = (f"seed {self.seed}" if self.seed is not None else
                 f"from {self.source_image}" if self.source_image else "the pad's point")
        z = ", ".join(f"{v:.3f}" for v in self.latent[:16])
        more = ", ..." if len(self.latent) > 16 else ""
        return (f"GenAI Studio {__version__}: model {self.model_name} (sha256 "
                f"{self.model_sha256[:12]}), {where}, style latent [{z}{more}]")


@dataclass(frozen=True)
class Typeface:
    data: bytes  # the .otf file
    empty: tuple[str, ...]  # characters the model drew no ink for (kept as blank glyphs)


def build_font(images: np.ndarray, glyphs: GlyphSet, prov: FontProvenance,
               family: str) -> Typeface:
    """An OpenType (CFF) font of ``images`` (one per ``glyphs.chars``), named ``family``."""
    from fontTools.fontBuilder import FontBuilder

    outlines = {c: outline(images[k], glyphs) for k, c in enumerate(glyphs.chars)}
    inked = [o for o in outlines.values() if o.box is not None]
    if not inked:
        raise UsageError("the model drew no ink for any character at this point")
    average = sum(o.advance for o in inked) / len(inked)
    blank = round(SPACE_SHARE * average)
    names = {c: _glyph_name(c) for c in glyphs.chars}
    order = [".notdef", "space", *names.values()]
    charstrings = {".notdef": _charstring(Outline((), blank, 0, None)),
                   "space": _charstring(Outline((), blank, 0, None))}
    metrics = {".notdef": (blank, 0), "space": (blank, 0)}
    for char, o in outlines.items():
        o = o if o.box is not None else Outline((), blank, 0, None)
        charstrings[names[char]] = _charstring(o)
        metrics[names[char]] = (o.advance, o.lsb)
    unit = UNITS_PER_EM / glyphs.em
    ascent = round(glyphs.baseline * unit)
    descent = -round((glyphs.size - glyphs.baseline) * unit)
    fb = FontBuilder(UNITS_PER_EM, isTTF=False)
    fb.setupGlyphOrder(order)
    fb.setupCharacterMap({32: "space", **{ord(c): names[c] for c in glyphs.chars}})
    ps_name = (_PS_NAME.sub("", family) or "GenAIStudio")[:60] + "-Regular"
    fb.setupCFF(ps_name, {"FullName": f"{family} Regular"}, charstrings, {})
    fb.setupHorizontalMetrics(metrics)
    fb.setupHorizontalHeader(ascent=ascent, descent=descent)
    fb.setupNameTable({"familyName": family, "styleName": "Regular",
                       "uniqueFontIdentifier": f"{family}; {prov.model_sha256[:12]}",
                       "fullName": f"{family} Regular", "psName": ps_name,
                       "version": "Version 1.000", "manufacturer": "GenAI Studio",
                       "description": prov.summary(), PROVENANCE_NAME_ID: prov.to_json()},
                      mac=False)
    caps = [outlines[c].box[3] for c in "HXIE" if c in outlines and outlines[c].box]
    xs = [outlines[c].box[3] for c in "xzvw" if c in outlines and outlines[c].box]
    fb.setupOS2(sTypoAscender=ascent, sTypoDescender=descent, sTypoLineGap=0,
                usWinAscent=ascent, usWinDescent=-descent,
                sCapHeight=round(max(caps)) if caps else ascent,
                sxHeight=round(max(xs)) if xs else round(0.5 * ascent), achVendID="GNAI")
    fb.setupPost()
    buffer = io.BytesIO()
    fb.save(buffer)
    empty = tuple(c for c, o in outlines.items() if o.box is None)
    return Typeface(buffer.getvalue(), empty)


def font_family(model_name: str, latent: np.ndarray) -> str:
    """A default family name: the model's, and a short tag of the latent."""
    import hashlib

    tag = hashlib.sha256(np.asarray(latent, np.float32).tobytes()).hexdigest()[:6]
    base = re.sub(r"[^A-Za-z0-9 ]+", " ", model_name).strip().title() or "GenAI"
    return f"{base[:40]} {tag}"


def read_font_provenance(path: Path) -> dict[str, Any]:
    """The typeface record a font made here carries (name ID 256), for ``info``."""
    from fontTools.ttLib import TTFont

    from genai_studio.core.store.files import read_untrusted
    from genai_studio.core.validate import loads_json

    data = read_untrusted(Path(path), MAX_FONT_FILE, ImageFileError, "font file")
    try:
        font = TTFont(io.BytesIO(data), lazy=True)
        record = font["name"].getName(PROVENANCE_NAME_ID, 3, 1, 0x409) if "name" in font \
            else None
        text = None if record is None else record.toUnicode()
    except Exception as exc:  # noqa: BLE001 - any parse error of an untrusted file
        raise ImageFileError(f"{Path(path).name}: damaged font ({type(exc).__name__})") from None
    if text is None:
        raise ImageFileError(f"{Path(path).name}: carries no GenAI Studio provenance")
    value = loads_json(text, f"{Path(path).name}: damaged provenance", ImageFileError)
    if not isinstance(value, dict) or value.get("format") != "genai-studio.typeface":
        raise ImageFileError(f"{Path(path).name}: carries no GenAI Studio provenance")
    return value


def preview_line(images: dict[str, np.ndarray], text: str, glyphs: GlyphSet) -> np.ndarray:
    """A line of ``text`` from decoded glyph images (``images``: character -> image; others
    are spaces), set with the font's metrics: each glyph cut to its ink columns with the side
    bearing either side. (H, W) floats, for a live preview."""
    side = max(1, round(SIDE_BEARING * glyphs.em))
    pieces: list[np.ndarray | None] = []
    widths = []
    for char in text:
        image = images.get(char)
        cols = np.array([], np.int64) if image is None else \
            np.flatnonzero(np.asarray(image).max(axis=0) > 0.25)
        if cols.size:
            piece = np.asarray(image, np.float32)[:, cols[0]:cols[-1] + 1]
            pieces.append(np.pad(piece, ((0, 0), (side, side))))
            widths.append(pieces[-1].shape[1])
        else:
            pieces.append(None)
    space = round(SPACE_SHARE * sum(widths) / len(widths)) if widths else glyphs.size // 3
    parts = [p if p is not None else np.zeros((glyphs.size, space), np.float32) for p in pieces]
    return np.concatenate(parts, axis=1) if parts else np.zeros((glyphs.size, 1), np.float32)


def write_typeface(model: Any, metadata: dict[str, Any], model_path: Path, latent: np.ndarray,
                   target: Path, family: str | None = None, seed: int | None = None,
                   source_image: str | None = None) -> tuple[Typeface, str]:
    """The whole job, as the CLI and the studio's jobs thread run it: read the model's sha256,
    decode every character at ``latent``, trace, build and write ``target`` atomically.
    Returns the typeface and its family name."""
    from genai_studio.core.export.provenance import model_identity
    from genai_studio.core.store.files import check_writable, write_atomic

    check_writable(Path(target), inputs=[model_path])
    glyphs = glyph_set(model, metadata)
    name, sha = model_identity(model_path)
    family = (family or "").strip() or font_family(name, latent)
    if len(family) > 60:
        raise UsageError("a family name has at most 60 characters")
    prov = FontProvenance(name, sha, tuple(float(v) for v in np.asarray(latent).ravel()), seed,
                          source_image, family)
    font = build_font(decode_glyphs(model, latent, glyphs), glyphs, prov, family)
    write_atomic(Path(target), font.data, inputs=[model_path])
    return font, family
