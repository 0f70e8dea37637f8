"""What an image looks like, in numbers: the measures genes are found from (NumPy only).

Every measure is a smooth function of the pixels (moments and gradients, no thresholds), so a
small change of the image is a small change of the measure and a regression on latents can
follow it. Images are the studio's float32 in [0, 1]: grey (n, H, W) or colour (n, H, W, 3).
The shape measures read the *ink*: the grey level itself, or a colour image's luminance.

With the ink's mass m = sum I, its centre (cx, cy) and central second moments
mu20 = E[(x - cx)^2], mu02 = E[(y - cy)^2], mu11 = E[(x - cx)(y - cy)] (weights I / m; y grows
downwards):

=========  ===========================================  ==================================
measure    formula                                      in plain words
=========  ===========================================  ==================================
slant      atan(-mu11 / mu02), degrees                  leaning right (+) or left (-)
thickness  2 sum I / sum |grad I|, pixels               how thick the strokes are (area
                                                        over half the outline; about the
                                                        width, a little less for short
                                                        strokes, 2 for 1-px lines)
width      4 sqrt(mu20 - mu11^2 / mu02), pixels         how wide, once the slant is undone
height     4 sqrt(mu02), pixels                         how tall
ink        100 mean I, % of the image                   how much ink: size and weight
roundness  2 lambda_min / (lambda_min + lambda_max) of   round (1: the outline turns
           the gradients' structure tensor              through every direction alike)
           sum [[gx^2, gx gy], [gx gy, gy^2]]           or straight (0: one direction)
hue        circular mean of the hue, weighted by        the colour, degrees on the
           chroma (max - min of r, g, b)                colour wheel
brightness 100 sum V^2 / sum V, V = max(r, g, b), %     how light the colours are where
                                                        they are (not how much of them)
saturation 100 sum chroma / sum max(r, g, b), %         how vivid the colours are
=========  ===========================================  ==================================

Morpho-MNIST (Castro et al. 2019) measures slant, thickness, width and height the same way in
spirit, from moments and the stroke's outline; it thins the strokes to a skeleton, which needs
SciPy, and thresholds, which make the measures jump.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EPS = 1e-6


@dataclass(frozen=True)
class Measure:
    name: str
    unit: str  # what a value is in ("degrees", "px", "%", "")
    plain: str  # the artist's words for a step up ("leans further right")
    colour_only: bool = False
    circular: bool = False  # an angle on a wheel (hue): differences wrap at +-180


MEASURES: tuple[Measure, ...] = (
    Measure("slant", "degrees", "leans further right"),
    Measure("thickness", "px", "thicker strokes"),
    Measure("width", "px", "wider"),
    Measure("height", "px", "taller"),
    Measure("ink", "%", "more ink: bigger and heavier"),
    Measure("roundness", "", "rounder"),
    Measure("hue", "degrees", "turns the colour wheel", colour_only=True, circular=True),
    Measure("brightness", "%", "lighter", colour_only=True),
    Measure("saturation", "%", "more vivid colours", colour_only=True),
)
BY_NAME = {m.name: m for m in MEASURES}


def measures_for(colour: bool) -> tuple[Measure, ...]:
    """The measures that mean something for grey or colour images."""
    return tuple(m for m in MEASURES if colour or not m.colour_only)


LUMA = (0.299, 0.587, 0.114)  # Rec. 601: a colour image's ink is its luminance


def ink(images: np.ndarray) -> np.ndarray:
    """(n, H, W) ink: grey levels as they are, colour as luminance (``LUMA``)."""
    x = np.asarray(images, dtype=np.float32)
    if x.ndim == 4:
        return x @ np.array(LUMA, dtype=np.float32)
    if x.ndim != 3:
        raise ValueError(f"expected images (n, H, W) or (n, H, W, 3), got {x.shape}")
    return x


def _moments(i: np.ndarray) -> tuple[np.ndarray, ...]:
    """mass (n,), mu20, mu02, mu11 (n,) of ink maps (n, H, W)."""
    n, h, w = i.shape
    ys = np.arange(h, dtype=np.float64)[None, :, None]
    xs = np.arange(w, dtype=np.float64)[None, None, :]
    i = i.astype(np.float64)
    mass = i.sum(axis=(1, 2)) + EPS
    cx = (i * xs).sum(axis=(1, 2)) / mass
    cy = (i * ys).sum(axis=(1, 2)) / mass
    dx, dy = xs - cx[:, None, None], ys - cy[:, None, None]
    mu20 = (i * dx * dx).sum(axis=(1, 2)) / mass
    mu02 = (i * dy * dy).sum(axis=(1, 2)) / mass
    mu11 = (i * dx * dy).sum(axis=(1, 2)) / mass
    return mass, mu20, mu02, mu11


def _gradients(i: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Central differences (n, H, W) of ink maps, zero outside the image."""
    p = np.pad(i.astype(np.float64), ((0, 0), (1, 1), (1, 1)))
    return (p[:, 1:-1, 2:] - p[:, 1:-1, :-2]) * 0.5, (p[:, 2:, 1:-1] - p[:, :-2, 1:-1]) * 0.5


def _isotropy(gx: np.ndarray, gy: np.ndarray) -> np.ndarray:
    """2 lambda_min / trace of the 2x2 structure tensor of the gradients (n,)."""
    jxx, jyy, jxy = ((a * b).sum(axis=(1, 2)) for a, b in ((gx, gx), (gy, gy), (gx, gy)))
    half_trace = (jxx + jyy) / 2
    gap = np.sqrt(((jxx - jyy) / 2) ** 2 + jxy * jxy)
    return np.maximum(half_trace - gap, 0.0) / np.maximum(half_trace, EPS)


def shape_measures(images: np.ndarray) -> dict[str, np.ndarray]:
    """slant, thickness, width, height, ink and roundness (each (n,) float64) of images."""
    i = ink(images)
    mass, mu20, mu02, mu11 = _moments(i)
    mu02 = np.maximum(mu02, EPS)
    across = np.maximum(mu20 - mu11 * mu11 / mu02, 0.0)
    gx, gy = _gradients(i)
    outline = np.sqrt(gx * gx + gy * gy).sum(axis=(1, 2))
    return {
        "slant": np.degrees(np.arctan(-mu11 / mu02)),
        "thickness": 2.0 * mass / np.maximum(outline, EPS),
        "width": 4.0 * np.sqrt(across),
        "height": 4.0 * np.sqrt(mu02),
        "ink": 100.0 * i.reshape(len(i), -1).mean(axis=1),
        "roundness": _isotropy(gx, gy),
    }


def colour_measures(images: np.ndarray) -> dict[str, np.ndarray]:
    """hue (degrees in [0, 360)), brightness and saturation (%) of colour images (n, H, W, 3)."""
    x = np.asarray(images, dtype=np.float64)
    top, bottom = x.max(axis=3), x.min(axis=3)
    chroma = top - bottom
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    # The hue angle without the six-sector formula: the point (r, g, b) seen down the grey
    # axis (Hanbury's IHLS); its angle is the hue, its length the chroma's.
    hx = r - 0.5 * (g + b)
    hy = (np.sqrt(3.0) / 2.0) * (g - b)
    length = np.sqrt(hx * hx + hy * hy) + EPS
    weight = chroma  # grey pixels have no hue and say nothing about it
    cos = (weight * hx / length).sum(axis=(1, 2))
    sin = (weight * hy / length).sum(axis=(1, 2))
    hue = np.degrees(np.arctan2(sin, cos)) % 360.0
    return {
        "hue": hue,
        "brightness": 100.0 * (top * top).sum(axis=(1, 2)) / np.maximum(top.sum(axis=(1, 2)),
                                                                          EPS),
        "saturation": 100.0 * chroma.sum(axis=(1, 2)) / np.maximum(top.sum(axis=(1, 2)), EPS),
    }


def measure(images: np.ndarray) -> dict[str, np.ndarray]:
    """Every measure that means something for these images, by name (each (n,) float64)."""
    out = shape_measures(images)
    if np.asarray(images).ndim == 4:
        out.update(colour_measures(images))
    return out


def difference(name: str, after: np.ndarray, before: np.ndarray) -> np.ndarray:
    """after - before for one measure; a circular one (hue) wraps into (-180, 180]."""
    d = np.asarray(after, dtype=np.float64) - np.asarray(before, dtype=np.float64)
    if BY_NAME[name].circular:
        d = (d + 180.0) % 360.0 - 180.0
    return d


def unwrap(name: str, values: np.ndarray) -> np.ndarray:
    """A circular measure as offsets from its circular mean (so a regression sees no jump at
    0/360); other measures as they are."""
    v = np.asarray(values, dtype=np.float64)
    if not BY_NAME[name].circular:
        return v
    angles = np.radians(v)
    centre = np.degrees(np.arctan2(np.sin(angles).mean(), np.cos(angles).mean()))
    return difference(name, v, np.full_like(v, centre))


def spread(name: str, values: np.ndarray) -> float:
    """The standard deviation of a measure (a circular one about its circular mean)."""
    return float(np.std(unwrap(name, values)))
