"""Turning any image into a model's input, the way that model's training data was made.

Four fits, for square images of ``size`` px, grey or RGB:

* ``crop``: the largest centred square, resized (photos, textures);
* ``pad``: the whole image, resized to fit and padded with its own border colour;
* ``glyph``: for letters, as the font datasets draw them: grey, ink made light on a dark
  ground (a dark-on-light drawing or scan is inverted), cropped to its ink, scaled to a
  capital's height in the dataset's em (keeping the aspect; narrower where it would not fit)
  and set on the dataset's baseline, centred across. How large the letter was drawn, or on
  what canvas, does not matter;
* ``digit``: MNIST's own preparation (LeCun et al.), for models of digits and glyphs: grey,
  ink made light on a dark ground (a dark-on-light drawing is inverted), cropped to its ink,
  strokes thickened to MNIST's width when they are thinner, fitted into a 20 x 20 box keeping
  the aspect (20/28 of ``size`` for other sizes), then placed in the 28 x 28 field so that
  its centre of mass sits at the centre (MNIST's test digits: 14.0, 14.0 in pixel indices).

A transparent image is first laid on a ground that contrasts with its opaque part (so dark ink
on transparency and light ink on transparency both stay visible). Output is float32 in [0, 1]
in the studio's layout: (H, W) grey, (H, W, 3) RGB. NumPy and Pillow only (no torch).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from genai_studio.core.errors import UsageError

if TYPE_CHECKING:
    from PIL import Image

Fit = Literal["crop", "pad", "digit", "glyph"]
Colour = Literal["grey", "rgb"]
SIZES = (28, 32, 64)
FITS = ("crop", "pad", "digit", "glyph")
INK_FITS = ("digit", "glyph")  # grey only, ink made light on a dark ground
COLOURS = ("grey", "rgb")

# MNIST's geometry, measured on its test set: ink fills a 20-px box of the 28-px field, and
# strokes are ~1.85 px wide (2 * area / perimeter of the ink above half intensity).
_BOX_SHARE = 20 / 28
_STROKE_SHARE = 1.85 / 20
_INK_FLOOR = 0.1  # below this (after the ground is removed) a pixel is background noise
_WORK_SIDE = 96  # the ink is measured and thickened at this size before the final resize
_CAP_SHARE = 0.7  # a capital's height in the em (0.7-0.73 in common typefaces)


class BlankImage(UsageError):
    """The image has no ink to centre (digit fit of a blank or uniform image)."""


@dataclass(frozen=True)
class PrepareSpec:
    size: int = 28
    colour: Colour = "grey"
    fit: Fit = "digit"

    def __post_init__(self) -> None:
        if self.fit not in FITS or self.colour not in COLOURS:
            raise UsageError(f"fit must be one of {FITS} and colour one of {COLOURS}")
        if self.fit in INK_FITS and self.colour != "grey":
            raise UsageError(f"the {self.fit} fit makes grey images; choose crop or pad for "
                             "colour")
        if not 8 <= int(self.size) <= 128:
            raise UsageError(f"image size must be 8 to 128 px, not {self.size}")

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return (1 if self.colour == "grey" else 3, self.size, self.size)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> PrepareSpec:
        data = data or {}
        return cls(int(data.get("size", 28)), data.get("colour", "grey"),
                   data.get("fit", "digit"))


MNIST_SPEC = PrepareSpec(28, "grey", "digit")


def spec_for_model(image_shape: tuple[int, int, int],
                   dataset: dict[str, Any] | None) -> PrepareSpec:
    """How to prepare images for a model: its data set's recorded options (when they make
    images of the model's shape), else MNIST's digit preparation for 28-px grey models and a
    centre crop for anything else."""
    options = (dataset or {}).get("options")
    if isinstance(options, dict):
        try:
            spec = PrepareSpec.from_dict(options)
        except (UsageError, TypeError, ValueError, OverflowError):
            spec = None
        if spec is not None and spec.image_shape == tuple(image_shape):
            return spec
    c, h, _ = image_shape
    if (c, h) == (1, 28):
        return MNIST_SPEC
    return PrepareSpec(int(h), "grey" if c == 1 else "rgb", "crop")


def prepare(image: Image.Image, spec: PrepareSpec) -> np.ndarray:
    """A Pillow image ("L", "LA", "RGB" or "RGBA") -> float32 (H, W) or (H, W, 3) in [0, 1]."""
    image = flatten_alpha(image)
    image = image.convert("L" if spec.colour == "grey" else "RGB")
    if spec.fit == "digit":
        return prepare_digit(np.asarray(image, dtype=np.float32) / 255.0, spec.size)
    from PIL import Image as PILImage
    from PIL import ImageOps

    size = (spec.size, spec.size)
    if spec.fit == "crop":
        out = ImageOps.fit(image, size, PILImage.Resampling.LANCZOS)
    elif spec.fit == "glyph":
        return prepare_glyph(np.asarray(image, dtype=np.float32) / 255.0, spec.size)
    else:
        out = ImageOps.pad(image, size, PILImage.Resampling.LANCZOS, color=_border_colour(image))
    return np.asarray(out, dtype=np.float32) / 255.0


def flatten_alpha(image: Image.Image) -> Image.Image:
    """Lay a transparent image on a ground that contrasts with its opaque pixels."""
    from PIL import Image as PILImage

    if image.mode not in ("LA", "RGBA"):
        return image
    rgba = np.asarray(image.convert("RGBA"), dtype=np.float32) / 255.0
    alpha = rgba[..., 3:]
    if float(alpha.min()) >= 1.0:
        return image.convert("RGB" if image.mode == "RGBA" else "L")
    weight = float(alpha.sum())
    luma = rgba[..., :3] @ np.array([0.299, 0.587, 0.114], np.float32)
    mean_luma = float((luma * alpha[..., 0]).sum() / weight) if weight > 0 else 0.0
    ground = 0.0 if mean_luma > 0.5 else 1.0
    flat = rgba[..., :3] * alpha + ground * (1.0 - alpha)
    out = PILImage.fromarray((flat * 255.0 + 0.5).astype(np.uint8), "RGB")
    return out.convert("L") if image.mode == "LA" else out


def _border_colour(image: Image.Image) -> int | tuple[int, ...]:
    a = np.asarray(image)
    ring = np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]]).reshape(len(a[0]) * 2 + len(a) * 2,
                                                                    -1)
    median = np.sort(ring, axis=0)[ring.shape[0] // 2]
    return int(median[0]) if median.size == 1 else tuple(int(v) for v in median)


def prepare_digit(grey: np.ndarray, size: int = 28) -> np.ndarray:
    """MNIST's preparation of a grey image (H, W) in [0, 1] -> (size, size) float32: the ink
    cropped, scaled into a 20/28 box, thickened and centred by its mass."""
    ink = _ink(grey)
    if not (ink > _INK_FLOOR).any():
        raise BlankImage("the image is blank: no ink to centre")
    # Crop with a margin (so strokes on the box's edge can be thickened outwards), bring to
    # the working size, thicken, and crop again to what is there now.
    (ink,) = _crop_to_content([ink], margin=0.04)
    work = _thicken(_resize(ink, _WORK_SIDE))
    (work,) = _crop_to_content([work], margin=0.0)
    h, w = work.shape
    box = max(1, round(size * _BOX_SHARE))
    scale = box / max(h, w)
    out_h, out_w = max(1, round(h * scale)), max(1, round(w * scale))
    small = _resize_exact(work, out_h, out_w)
    peak = float(small.max())
    if peak <= 0:
        raise BlankImage("the image is blank: no ink to centre")
    small = np.clip(small / peak, 0.0, 1.0)
    top, left = _offset_by_mass(small, size)
    out = np.zeros((size, size), np.float32)
    out[top:top + out_h, left:left + out_w] = small
    return out


def prepare_glyph(grey: np.ndarray, size: int = 28) -> np.ndarray:
    """A letter (H, W) in [0, 1] -> (size, size) float32 as the font datasets draw glyphs:
    light ink cropped, a capital's height in the em, its foot on the baseline, centred across
    (``core.data.fonts.GlyphGrid``)."""
    from genai_studio.core.data.fonts import GlyphGrid

    ink = _ink(grey)
    if not (ink > _INK_FLOOR).any():
        raise BlankImage("the image is blank: no letter to set")
    (ink,) = _crop_to_content([ink], margin=0.0)
    grid = GlyphGrid.for_size(size)
    h, w = ink.shape
    scale = min(_CAP_SHARE * grid.em / h, (size - 2) / w)
    out_h = max(1, min(round(h * scale), int(grid.baseline)))
    out_w = max(1, min(round(w * scale), size))
    small = _resize_exact(ink, out_h, out_w)
    top, left = int(round(grid.baseline)) - out_h, (size - out_w) // 2
    out = np.zeros((size, size), np.float32)
    out[top:top + out_h, left:left + out_w] = small
    return out


def _crop_to_content(layers: list[np.ndarray], margin: float) -> list[np.ndarray]:
    """Crop every layer to the box of the ink (layer 0), plus ``margin`` of the box's longer
    side on each side (zero-padded past the image's edge)."""
    found = layers[0] > _INK_FLOOR
    rows, cols = np.nonzero(found)
    r0, r1, c0, c1 = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    pad = int(round(margin * max(r1 - r0, c1 - c0))) + (2 if margin else 0)
    out = []
    for layer in layers:
        padded = np.pad(layer, pad) if pad else layer
        out.append(np.ascontiguousarray(padded[r0:r1 + 2 * pad, c0:c1 + 2 * pad]))
    return out


def prepare_with_hole(image: Image.Image, hole: np.ndarray | None, spec: PrepareSpec
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Prepare a damaged image and its hole mask (H, W) bool (True = missing) for a repair,
    keeping the image's framing: nothing is cropped to the ink or re-centred (what is left of
    a damaged digit is not the digit's box, and stretching it would make a different digit).

    An image of the model's size is only converted (grey or RGB; digits made light on dark).
    Another is padded to a square with its border's colour and scaled to the model's size, the
    mask with it. The window's repair (which prepares the image without a mask, then lets the
    artist paint one) and the CLI's give the same image for the same file.
    """
    from PIL import Image as PILImage
    from PIL import ImageOps

    hole = np.zeros((image.height, image.width), bool) if hole is None \
        else np.asarray(hole, dtype=bool)
    if hole.shape != (image.height, image.width):
        raise UsageError(f"the mask is {hole.shape[1]}x{hole.shape[0]} px, the image "
                         f"{image.width}x{image.height}: they must be the same size")
    image = flatten_alpha(image).convert("L" if spec.colour == "grey" else "RGB")
    size = (spec.size, spec.size)
    if image.size != size:
        mask_image = PILImage.fromarray(hole.astype(np.uint8) * 255, "L")
        if spec.fit == "crop":
            image = ImageOps.fit(image, size, PILImage.Resampling.LANCZOS)
            mask_image = ImageOps.fit(mask_image, size, PILImage.Resampling.BOX)
        else:  # digit, glyph and pad: the whole image, padded with its paper
            image = ImageOps.pad(image, size, PILImage.Resampling.LANCZOS,
                                 color=_border_colour(image))
            mask_image = ImageOps.pad(mask_image, size, PILImage.Resampling.BOX, color=0)
        hole = np.asarray(mask_image) > 25
    pixels = np.asarray(image, dtype=np.float32) / 255.0
    return (_ink(pixels) if spec.fit in INK_FITS else pixels), hole


def _ink(grey: np.ndarray) -> np.ndarray:
    """Ink in [0, 1], light on dark: the ground (median of the border) is made 0."""
    grey = np.asarray(grey, dtype=np.float32)
    ground = _median(np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]]))
    if ground > 0.5:  # dark ink on light paper: invert
        grey, ground = 1.0 - grey, 1.0 - ground
    span = float(grey.max()) - ground
    if span < 0.05:
        return np.zeros_like(grey)
    ink = grey - ground
    ink *= 1.0 / span
    np.clip(ink, 0.0, 1.0, out=ink)
    ink[ink < _INK_FLOOR] = 0.0
    return ink


def _median(values: np.ndarray) -> float:
    # np.median's generality costs ~0.2 ms a call; a folder import makes thousands.
    ordered = np.sort(values, axis=None)
    return float(ordered[ordered.size // 2])


def _resize(ink: np.ndarray, longest: int) -> np.ndarray:
    """Resize so that the longest side is at most ``longest`` (never enlarge)."""
    h, w = ink.shape
    if max(h, w) <= longest:
        return ink
    scale = longest / max(h, w)
    return _resize_exact(ink, max(1, round(h * scale)), max(1, round(w * scale)))


def _resize_exact(ink: np.ndarray, h: int, w: int) -> np.ndarray:
    from PIL import Image as PILImage

    image = PILImage.fromarray(np.ascontiguousarray(ink, dtype=np.float32), "F")
    out = np.array(image.resize((w, h), PILImage.Resampling.LANCZOS), dtype=np.float32)
    return np.clip(out, 0.0, 1.0, out=out)


def stroke_width(ink: np.ndarray) -> float:
    """Mean stroke width in px: 2 * area / perimeter of the ink above half intensity."""
    solid = ink > 0.5
    area = int(solid.sum())
    edges = int(np.count_nonzero(np.diff(solid, axis=0))) + int(
        np.count_nonzero(np.diff(solid, axis=1)))
    edges += int(solid[0].sum() + solid[-1].sum() + solid[:, 0].sum() + solid[:, -1].sum())
    return 2.0 * area / edges if edges else 0.0


def _thicken(ink: np.ndarray) -> np.ndarray:
    """Dilate strokes thinner than MNIST's (relative to the box the ink will fill)."""
    from PIL import Image as PILImage
    from PIL import ImageFilter

    peak = float(ink.max())
    if peak <= 0:
        return ink
    ink = ink / peak  # a hairline comes out of the resize faint: measure it at full strength
    target = _STROKE_SHARE * max(ink.shape)  # MNIST's width at this working size
    width = stroke_width(ink)
    grow = target - max(width, 1.0)
    radius = min(int(round(grow / 2)), 8)
    if radius < 1:
        return ink
    # A hairline is also fainter than the other strokes after the resize: lift every stroke
    # to full strength (MNIST's strokes are saturated at their core), then widen it.
    ink = np.clip(ink * 2.0, 0.0, 1.0)
    image = PILImage.fromarray(ink.astype(np.float32), "F")
    return np.asarray(image.filter(ImageFilter.MaxFilter(2 * radius + 1)), dtype=np.float32)


def _offset_by_mass(small: np.ndarray, size: int) -> tuple[int, int]:
    """Top-left offset that puts the centre of mass of ``small`` at (size/2, size/2) of a
    size x size field (kept inside the field)."""
    h, w = small.shape
    mass = float(small.sum())
    cy = float((small.sum(axis=1) * np.arange(h)).sum() / mass)
    cx = float((small.sum(axis=0) * np.arange(w)).sum() / mass)
    top = int(np.clip(round(size / 2 - cy), 0, size - h))
    left = int(np.clip(round(size / 2 - cx), 0, size - w))
    return top, left
