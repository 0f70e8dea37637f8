"""Turning generated images into output pixels: size, resampling, ink and paper (Pillow, no Qt).

Images come as NumPy floats in [0, 1]: grey (H, W) or colour (H, W, 3), any size. For grey
images the level is how much ink a pixel holds (MNIST draws white strokes on black, so by
default ink is white and paper black); the style maps level 0 to the paper colour and level 1 to
the ink colour, or, with ``transparent``, paints everything in ink and makes the level the alpha.
Colour images keep their colours; only ``invert`` and the resampling apply to them.

Resampling: ``nearest`` keeps the model's square pixels; ``lanczos`` is a smooth upscale;
``ink`` is the smooth upscale followed by a soft threshold about one output pixel wide, which
turns the blurry grey edge of a stroke into a clean, anti-aliased one.

Also the plain outputs every command shares: uint8 levels, a grid of tiles, PNG and NumPy files
(written atomically).
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from genai_studio.core.errors import UsageError
from genai_studio.core.export.options import MAX_SHEET_PIXELS, ExportStyle, parse_colour
from genai_studio.core.store.files import check_writable, write_atomic

# ---- plain grids and files -----------------------------------------------------------------

# A grid's pixels in memory (bytes, channels counted): checked before anything is allocated.
# 128 MB is a 11,000 x 11,000 grey grid; the PNG encoder needs about as much again.
MAX_GRID_BYTES = 128 * 1024 * 1024

def to_uint8(images: np.ndarray) -> np.ndarray:
    """Float images in [0, 1] -> uint8, rounding to nearest."""
    return (np.clip(images, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def grid_shape(shape: Sequence[int], columns: int | None = None, padding: int = 2,
               scale: int = 1) -> tuple[int, ...]:
    """The shape of :func:`tile_grid`'s grid of images of ``shape`` (n, h, w[, 3]), refused
    (UsageError) before anything is allocated when it is over ``MAX_GRID_BYTES``."""
    n, h, w = (int(v) for v in shape[:3])
    columns = columns or max(1, math.ceil(math.sqrt(n)))
    rows = math.ceil(n / columns)
    out = (rows * (h * scale + padding) + padding, columns * (w * scale + padding) + padding,
           *(int(v) for v in shape[3:]))
    size = math.prod(out)
    if size > MAX_GRID_BYTES:
        raise UsageError(f"a grid of {n:,} images at scale {scale} would be {out[1]:,} x "
                         f"{out[0]:,} pixels ({size / 2**20:,.0f} MB; the limit is "
                         f"{MAX_GRID_BYTES // 2**20} MB); use a smaller scale or fewer images")
    return out


def tile_grid(
    images: np.ndarray, columns: int | None = None, padding: int = 2, scale: int = 1
) -> np.ndarray:
    """(n, h, w) or (n, h, w, 3) floats in [0, 1] -> one (H, W) or (H, W, 3) uint8 grid,
    nearest-neighbour upscaled."""
    n, h, w = images.shape[:3]
    columns = columns or max(1, math.ceil(math.sqrt(n)))
    shape = grid_shape(images.shape, columns, padding, scale)
    h, w = h * scale, w * scale
    grid = np.zeros(shape, np.uint8)
    for k in range(n):
        r, c = divmod(k, columns)
        top, left = padding + r * (h + padding), padding + c * (w + padding)
        tile = to_uint8(images[k])
        if scale > 1:
            tile = tile.repeat(scale, axis=0).repeat(scale, axis=1)
        grid[top:top + h, left:left + w] = tile
    return grid


def png_bytes(image: np.ndarray, pnginfo: Any = None) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG", pnginfo=pnginfo)
    return buffer.getvalue()


def save_png(path: Path, image: np.ndarray, inputs: Iterable[Path | None] = (),
             pnginfo: Any = None) -> None:
    """Write a uint8 (H, W) grey or (H, W, 3) RGB image as PNG, atomically; never over one
    of ``inputs``. ``pnginfo``: its text chunks (``core.imagemeta.png_info`` for
    provenance)."""
    check_writable(Path(path), inputs)
    write_atomic(Path(path), png_bytes(image, pnginfo), inputs=inputs)


def save_npy(path: Path, array: np.ndarray, inputs: Iterable[Path | None] = ()) -> None:
    """Write an array as .npy, atomically (same bytes for the same array)."""
    check_writable(Path(path), inputs)
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    write_atomic(Path(path), buffer.getvalue(), inputs=inputs)


# ---- styled images ---------------------------------------------------------------------------

def _check_image(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[2] == 3 or image.ndim == 2:
        if min(image.shape[:2]) < 1:
            raise UsageError(f"an image of shape {image.shape} holds no pixels")
        return image.astype(np.float32, copy=False)
    raise UsageError(f"expected a grey (H, W) or colour (H, W, 3) image, got {image.shape}")


def _soft_threshold(levels: np.ndarray, scale: float) -> np.ndarray:
    # After a Lanczos upscale by k, an edge climbs from 0 to 1 over about k output pixels; a
    # ramp of half-width 0.75/k around 0.5 turns that into ~1.5 px of anti-aliasing.
    half = min(0.45, max(0.02, 0.75 / max(scale, 1.0)))
    t = np.clip((levels - (0.5 - half)) / (2 * half), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)  # smoothstep


def _resize_plane(plane: np.ndarray, out_h: int, out_w: int, resampling: str) -> np.ndarray:
    from PIL import Image

    h, w = plane.shape
    if resampling == "nearest":
        if out_h % h == 0 and out_w % w == 0:  # whole multiples: a repeat is exact and fast
            return plane.repeat(out_h // h, axis=0).repeat(out_w // w, axis=1)
        rows = np.minimum(np.arange(out_h) * h // out_h, h - 1)
        cols = np.minimum(np.arange(out_w) * w // out_w, w - 1)
        return plane[rows][:, cols]
    big = Image.fromarray(np.ascontiguousarray(plane, dtype=np.float32), mode="F")
    big = big.resize((out_w, out_h), Image.Resampling.LANCZOS)
    levels = np.clip(np.asarray(big, dtype=np.float32), 0.0, 1.0)
    if resampling == "ink":
        levels = _soft_threshold(levels, out_w / w)
    return levels


def render_levels(image: np.ndarray, style: ExportStyle) -> np.ndarray:
    """Resampled float levels in [0, 1]: (h, w) for grey, (h, w, 3) for colour."""
    image = _check_image(image)
    out_h, out_w = style.output_size(*image.shape[:2])
    if image.ndim == 2:
        levels = _resize_plane(image, out_h, out_w, style.resampling)
    else:
        levels = np.stack([_resize_plane(image[..., c], out_h, out_w, style.resampling)
                           for c in range(3)], axis=2)
    return 1.0 - levels if style.invert else levels


def mode_for(style: ExportStyle, colour_input: bool) -> str:
    """The Pillow mode a style produces: L, RGB or RGBA."""
    if colour_input:
        return "RGB"
    if style.transparent:
        return "RGBA"
    ink, paper = parse_colour(style.ink), parse_colour(style.paper)
    return "L" if len(set(ink)) == 1 and len(set(paper)) == 1 else "RGB"


def palette_lut(style: ExportStyle) -> np.ndarray:
    """(256, channels) uint8: the colour of every ink level 0..255 under this style."""
    ink = np.array(parse_colour(style.ink), np.float64)
    paper = np.array(parse_colour(style.paper), np.float64)
    t = np.arange(256, dtype=np.float64)[:, None] / 255.0
    mode = mode_for(style, colour_input=False)
    if mode == "RGBA":
        rgb = np.repeat(ink[None, :], 256, axis=0)
        return np.concatenate([rgb, t * 255.0], axis=1).round().astype(np.uint8)
    lut = (paper + t * (ink - paper)).round().astype(np.uint8)
    return lut[:, :1] if mode == "L" else lut


def colourise(levels: np.ndarray, style: ExportStyle) -> np.ndarray:
    """Float levels -> uint8 pixels: (h, w) for L, (h, w, 3|4) for RGB / RGBA."""
    q = to_uint8(levels)
    if q.ndim == 3:
        return q
    lut = palette_lut(style)
    if lut.shape[1] == 1:
        return q if np.array_equal(lut[:, 0], np.arange(256)) else lut[q, 0]
    return lut[q]


def render(image: np.ndarray, style: ExportStyle):
    """One image -> a Pillow image in this style (mode L, RGB or RGBA)."""
    from PIL import Image

    return Image.fromarray(colourise(render_levels(image, style), style))


# ---- contact sheets ----------------------------------------------------------------------

def _sheet_colours(style: ExportStyle, colour: bool) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(background, caption) pixel values: the colour an empty input pixel gets, and the
    colour a full-ink one gets, so gutters match the tiles' own background."""
    if colour:
        black, white = (0, 0, 0), (255, 255, 255)
        return (white, black) if style.invert else (black, white)
    lut = palette_lut(style)
    empty, full = (255, 0) if style.invert else (0, 255)
    return tuple(int(v) for v in lut[empty]), tuple(int(v) for v in lut[full])


def _caption_font(height: int):
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=max(8, int(height * 0.7)))
    except (OSError, TypeError, ValueError):  # a Pillow built without FreeType
        return ImageFont.load_default()


@dataclass(frozen=True)
class SheetLayout:
    """Where each image of a contact sheet goes: the raster sheet and the vector one share it."""

    images: Sequence[np.ndarray]
    first: np.ndarray  # the first image, checked: every other must have its shape
    tile: tuple[int, int]  # (height, width) of one tile, in output pixels
    columns: int
    cell_h: int  # a tile and its caption's line
    height: int
    width: int
    gutter: int

    def cells(self) -> Iterator[tuple[int, np.ndarray, int, int]]:
        """(index, image, top, left) of each tile, each image checked as it comes."""
        tw = self.tile[1]
        for k in range(len(self.images)):
            image = _check_image(self.images[k])
            if image.shape != self.first.shape:
                raise UsageError("every image on a contact sheet must have the same size")
            r, c = divmod(k, self.columns)
            yield (k, image, self.gutter + r * (self.cell_h + self.gutter),
                   self.gutter + c * (tw + self.gutter))


def sheet_layout(images: np.ndarray | Sequence[np.ndarray], style: ExportStyle,
                 columns: int | None, gutter: int, captions: Sequence[str] | None
                 ) -> SheetLayout:
    """The layout of a contact sheet, refused in one line when it cannot be made: no images,
    captions that do not match, a gutter out of range, or a sheet too large."""
    n = len(images)
    if n == 0:
        raise UsageError("a contact sheet needs at least one image")
    if captions is not None and len(captions) != n:
        raise UsageError(f"{len(captions)} captions for {n} images")
    if not 0 <= gutter <= 1024:
        raise UsageError(f"the gutter must be 0 to 1024 px, not {gutter}")
    first = _check_image(images[0])
    th, tw = style.output_size(*first.shape[:2])
    columns = max(1, min(columns or math.ceil(math.sqrt(n)), n))
    rows = math.ceil(n / columns)
    cell_h = th + (max(12, tw // 8) if captions is not None else 0)
    height, width = rows * (cell_h + gutter) + gutter, columns * (tw + gutter) + gutter
    if height * width > MAX_SHEET_PIXELS:
        raise UsageError(f"a {width}x{height} px sheet is too large; choose a smaller size")
    return SheetLayout(images, first, (th, tw), columns, cell_h, height, width, gutter)


def contact_sheet(images: np.ndarray | Sequence[np.ndarray], style: ExportStyle,
                  columns: int | None = None, gutter: int = 0,
                  captions: Sequence[str] | None = None):
    """A grid of images in one Pillow image: ``gutter`` px of background between and around
    the tiles and, with ``captions``, one line of text under each tile."""
    from PIL import Image, ImageDraw

    layout = sheet_layout(images, style, columns, gutter, captions)
    th, tw = layout.tile
    background, caption_ink = _sheet_colours(style, layout.first.ndim == 3)
    sheet = np.empty((layout.height, layout.width, len(background)), np.uint8)
    sheet[...] = np.array(background, np.uint8)
    corners = []
    for _k, image, top, left in layout.cells():
        sheet[top:top + th, left:left + tw] = colourise(render_levels(image, style),
                                                        style).reshape(th, tw, -1)
        corners.append((top, left))
    picture = Image.fromarray(sheet[..., 0] if sheet.shape[2] == 1 else sheet)
    if captions is not None:
        draw = ImageDraw.Draw(picture)
        line = layout.cell_h - th
        font = _caption_font(line)
        fill = caption_ink[0] if len(caption_ink) == 1 else caption_ink
        for (top, left), text in zip(corners, captions, strict=True):
            draw.text((left + tw // 2, top + th + line // 2), str(text)[:64], fill=fill,
                      font=font, anchor="mm")
    return picture
