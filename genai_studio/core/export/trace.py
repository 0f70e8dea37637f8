"""Tracing a generated image into outlines (vtracer), the shapes every vector writer draws.

A grey image is first enlarged ``TRACE_SCALE`` times with the bitmap export's ``ink``
resampling (a Lanczos upscale and a soft threshold), cut at half ink and traced by vtracer in
binary mode into smooth Bezier outlines, filled with the style's ink; a colour image is enlarged
the same way and traced in colour mode into stacked colour regions. With ``nearest``
resampling the model's square pixels are traced as they are (vtracer's ``none`` mode).

Why vtracer (MIT, a Rust wheel of 2.6 MB) and not potrace: on this machine, over 64 tiles of the
shipped VAE and GAN, the outlines of both rendered back at the tile's size match its ink
(IoU 0.95 vtracer, 0.96 potracer on the VAE's); vtracer takes 2 ms a tile where potracer, the
pure-Python port, takes 20 ms; vtracer traces colour regions itself; and potrace is GPL-2,
which an MIT-licensed installer cannot bundle (benchmarks/vector_trace.py, RESULTS.md).

Shapes are in the image's own pixels (x right, y down), as tuples of path commands:
``("M", x, y)``, ``("L", x, y)``, ``("C", x1, y1, x2, y2, x, y)`` and ``("Z",)``; each shape is
filled with the even-odd rule.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import numpy as np

from genai_studio.core.export.options import ExportStyle, parse_colour

TRACE_SCALE = 8  # 28 px tiles traced at 224 px: IoU 0.95 at 2 ms; x16 gains 0.01 at 5x the time
Command = tuple  # ("M", x, y) | ("L", x, y) | ("C", x1, y1, x2, y2, x, y) | ("Z",)
_PATH = re.compile(rb'<path d="([^"]*)" fill="#([0-9A-Fa-f]{6})" '
                   rb'transform="translate\((-?[0-9.]+),(-?[0-9.]+)\)"/>')
_TOKEN = re.compile(rb"[MLCZ]|-?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?")
_ARITY = {b"M": 2, b"L": 2, b"C": 6, b"Z": 0}


@dataclass(frozen=True)
class Shape:
    """One filled outline: its colour and its path commands (see the module doc)."""

    fill: tuple[int, int, int]
    commands: tuple[Command, ...]


@dataclass(frozen=True)
class Tracing:
    """An image as vector shapes: its size in its own pixels, the paper colour behind the
    shapes (None: transparent) and the shapes, painted in order."""

    width: int
    height: int
    paper: tuple[int, int, int] | None
    shapes: tuple[Shape, ...]


def _png(pixels: np.ndarray) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _parse(svg: bytes, scale: float) -> list[Shape]:
    """vtracer's SVG -> shapes in image pixels (its coordinates divided by ``scale``)."""
    shapes = []
    for match in _PATH.finditer(svg):
        d, colour, tx, ty = match.groups()
        dx, dy = float(tx), float(ty)
        tokens = _TOKEN.findall(d)
        commands: list[Command] = []
        k = 0
        while k < len(tokens):
            op = tokens[k]
            arity = _ARITY.get(op)
            if arity is None:
                raise ValueError(f"unexpected path data from the tracer: {op!r}")
            values = [float(v) for v in tokens[k + 1:k + 1 + arity]]
            xs = [(values[i] + (dx if i % 2 == 0 else dy)) / scale for i in range(arity)]
            commands.append((op.decode(), *xs))
            k += 1 + arity
        if commands:
            rgb = tuple(int(colour[i:i + 2], 16) for i in (0, 2, 4))
            shapes.append(Shape(rgb, tuple(commands)))  # type: ignore[arg-type]
    return shapes


def trace(image: np.ndarray, style: ExportStyle) -> Tracing:
    """One image (grey (H, W) or colour (H, W, 3), floats in [0, 1]) as outlines in ``style``:
    its ink and paper colours, ``invert``, ``transparent`` and its resampling."""
    import vtracer

    from genai_studio.core.export.render import render_levels, to_uint8

    image = np.asarray(image, dtype=np.float32)
    h, w = image.shape[:2]
    pixelated = style.resampling == "nearest"
    k = 1 if pixelated else TRACE_SCALE
    big = render_levels(image, ExportStyle(scale=k, resampling=style.resampling,
                                           invert=style.invert))
    mode = "none" if pixelated else "spline"
    if image.ndim == 3:
        svg = vtracer.convert_raw_image_to_svg(
            _png(to_uint8(big)), img_format="png", colormode="color", hierarchical="stacked",
            mode=mode, filter_speckle=1 if pixelated else 4, color_precision=6,
            layer_difference=16, path_precision=2)
        return Tracing(w, h, None, tuple(_parse(svg.encode(), k)))
    ink = parse_colour(style.ink)
    paper = None if style.transparent else parse_colour(style.paper)
    mask = big > 0.5
    if not mask.any():
        return Tracing(w, h, paper, ())
    svg = vtracer.convert_raw_image_to_svg(
        _png(np.where(mask, 0, 255).astype(np.uint8)), img_format="png", colormode="binary",
        mode=mode, filter_speckle=1 if pixelated else 4, path_precision=2)
    shapes = [Shape(ink, s.commands) for s in _parse(svg.encode(), k)]
    return Tracing(w, h, paper, tuple(shapes))


def outline_points(commands: tuple[Command, ...]) -> list[list[tuple[float, ...]]]:
    """The commands as subpaths of segments: each a list of ("L", x, y) or ("C", ...) after
    its start point ("M", x, y); used by the font writer, whose pens want closed contours."""
    contours: list[list[tuple[float, ...]]] = []
    for command in commands:
        if command[0] == "M":
            contours.append([command])
        elif command[0] in ("L", "C") and contours:
            contours[-1].append(command)
    return [c for c in contours if len(c) > 1]
