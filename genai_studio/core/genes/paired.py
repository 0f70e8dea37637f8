"""Paired data for genes: the same digit, transformed (torch for the images and latents).

A gene found by regressing a measure on latents across *different* digits learns whatever
goes with the measure across digits: slanted digits are more often ones and sevens, so the
slant direction also turns an eight into a one. Here each source image x is transformed by
one operation T_t that changes one measure and keeps the digit (a shear for slant, a
dilation or erosion of the ink for thickness, a horizontal or vertical stretch for width and
height, a turn of the colour wheel for hue, a brighter or darker ink for brightness), at a
few strengths t; the latents of the transformed images are found (encoder means for models
with an encoder, a short inversion by gradient descent from the source's latent for a GAN),
and the measure is regressed on those latents *centred within each source*, so nothing but
the transformation varies inside a group and the digit's identity cannot leak into the
direction (``core.genes.finding``).

The transformations act on images (n, C, H, W) in [0, 1] and ``t`` is one number per image:

=========  ===========================================================================
measure    transformation T_t
=========  ===========================================================================
slant      shear about the ink's centre: x' = x + t (cy - y) (t = tan of the lean)
thickness  grey dilation (t > 0) or erosion (t < 0) by a 3x3 cross, |t| times, the
           fraction of a pass blended in
width      horizontal stretch by 2^t about the ink's centre
height     vertical stretch by 2^t about the ink's centre
hue        a turn of t degrees about the grey axis of RGB (the measure's own hue wheel)
brightness the ink scaled by 2^t (clipped to 1)
=========  ===========================================================================
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812

from genai_studio.core.genes.measures import LUMA

Transform = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def _ink(x: torch.Tensor) -> torch.Tensor:
    """(n, H, W) ink of images (n, C, H, W), as ``measures.ink`` reads it."""
    if x.shape[1] == 3:
        w = torch.tensor(LUMA, dtype=x.dtype, device=x.device)
        return (x * w[None, :, None, None]).sum(1)
    return x[:, 0]


def _centre(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The ink's centre (cx, cy) in the grid's [-1, 1] coordinates (n,) each."""
    i = _ink(x)
    n, h, w = i.shape
    ys = (torch.arange(h, dtype=x.dtype, device=x.device) + 0.5) / h * 2 - 1
    xs = (torch.arange(w, dtype=x.dtype, device=x.device) + 0.5) / w * 2 - 1
    mass = i.sum((1, 2)) + 1e-6
    return (i * xs[None, None, :]).sum((1, 2)) / mass, (i * ys[None, :, None]).sum((1, 2)) / mass


def _affine(x: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def shear(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Leans each image right by t (the tangent of the lean) about its ink's centre."""
    _cx, cy = _centre(x)
    theta = torch.zeros(len(x), 2, 3, dtype=x.dtype, device=x.device)
    theta[:, 0, 0] = theta[:, 1, 1] = 1.0
    theta[:, 0, 1] = t  # the input is read at x_in = x_out + t (y - cy): the top goes right
    theta[:, 0, 2] = -t * cy
    return _affine(x, theta)


def stretch(x: torch.Tensor, t: torch.Tensor, axis: int) -> torch.Tensor:
    """Stretches each image by 2^t along ``axis`` (0: across, 1: up and down) about its
    ink's centre."""
    centre = _centre(x)[axis]
    theta = torch.zeros(len(x), 2, 3, dtype=x.dtype, device=x.device)
    theta[:, 0, 0] = theta[:, 1, 1] = 1.0
    inverse = torch.pow(2.0, -t)
    theta[:, axis, axis] = inverse
    theta[:, axis, 2] = centre * (1 - inverse)
    return _affine(x, theta)


def _one_pass(x: torch.Tensor, grow: bool) -> torch.Tensor:
    """A grey dilation (or erosion) by the 3x3 cross: each pixel takes the largest (smallest)
    of itself and its four neighbours."""
    sign = 1.0 if grow else -1.0
    p = F.pad(sign * x, (1, 1, 1, 1), value=0.0 if grow else -1.0)
    h, w = x.shape[2], x.shape[3]
    stack = torch.stack([p[:, :, 1:h + 1, 1:w + 1], p[:, :, :h, 1:w + 1], p[:, :, 2:, 1:w + 1],
                         p[:, :, 1:h + 1, :w], p[:, :, 1:h + 1, 2:]])
    return sign * stack.max(0).values


def thicken(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Dilates (t > 0) or erodes (t < 0) each image's ink |t| passes, a fraction blended."""
    out = x.clone()
    for grow in (True, False):
        amount = t.clamp(min=0) if grow else (-t).clamp(min=0)
        current = x
        for k in range(int(math.ceil(float(amount.max()))) if len(t) else 0):
            nxt = _one_pass(current, grow)
            share = (amount - k).clamp(0, 1)[:, None, None, None]
            rows = amount > k
            out[rows] = (current + share * (nxt - current))[rows]
            current = nxt
    return out


def turn_hue(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Turns colour images t degrees about RGB's grey axis (Rodrigues' rotation), clipped."""
    a = torch.deg2rad(t)[:, None, None]
    c, s = torch.cos(a), torch.sin(a)
    k = torch.full((3,), 1 / math.sqrt(3.0), dtype=x.dtype, device=x.device)
    cross = torch.tensor([[0, -1, 1], [1, 0, -1], [-1, 1, 0]], dtype=x.dtype,
                         device=x.device) / math.sqrt(3.0)
    r = c * torch.eye(3, dtype=x.dtype, device=x.device) + s * cross \
        + (1 - c) * torch.outer(k, k)
    return torch.einsum("nij,njhw->nihw", r, x).clamp(0, 1)


def brighten(x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Scales each image's ink by 2^t, clipped to 1."""
    return (x * torch.pow(2.0, t)[:, None, None, None]).clamp(0, 1)


# The transformations by measure, and the strengths t each is applied at (symmetric about 0,
# about +-2 units of the measure on MNIST-like data at the ends).
TRANSFORMS: dict[str, tuple[Transform, tuple[float, ...], bool]] = {  # (T, t values, colour)
    "slant": (shear, (-0.5, -0.25, 0.0, 0.25, 0.5), False),
    "thickness": (thicken, (-0.6, -0.3, 0.0, 0.5, 1.0), False),
    "width": (lambda x, t: stretch(x, t, 0), (-0.4, -0.2, 0.0, 0.2, 0.4), False),
    "height": (lambda x, t: stretch(x, t, 1), (-0.3, -0.15, 0.0, 0.15, 0.3), False),
    "hue": (turn_hue, (-60.0, -30.0, 0.0, 30.0, 60.0), True),
    "brightness": (brighten, (-0.6, -0.3, 0.0, 0.3, 0.6), True),
}


WORDS = {"slant": "sheared", "thickness": "dilated and eroded",
         "width": "stretched across", "height": "stretched up and down",
         "hue": "turned round the colour wheel", "brightness": "lightened and darkened"}
PAIRS = 1000  # samples transformed, for a model with an encoder (each an encoding: cheap)
PAIRS_INVERTED = 150  # ... and for one without (a GAN): each copy is an inversion


def paired_measures(colour: bool) -> tuple[str, ...]:
    """The measures with a transformation, for grey or colour images."""
    return tuple(k for k, (_t, _v, c) in TRANSFORMS.items() if colour or not c)


ENCODE_BATCH = 500
INVERT_STEPS = 30
INVERT_LR = 0.05
INVERT_PRIOR = 1e-3  # weight of ||z - z0||^2 per dimension against the pixels' mean error


def encode_means(model, images: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:  # noqa: ANN001
    """Encoder means (n, D) of images (n, C, H, W), in batches."""
    device = next(model.parameters()).device
    out = []
    with torch.inference_mode():
        for start in range(0, len(images), ENCODE_BATCH):
            y = None if labels is None else labels[start:start + ENCODE_BATCH].to(device)
            mu, _ = model.encode(images[start:start + ENCODE_BATCH].to(device), y)
            out.append(mu.float().cpu())
    return torch.cat(out)


def invert(model, targets: torch.Tensor, z0: torch.Tensor, labels: torch.Tensor | None,  # noqa: ANN001
           free: torch.Tensor, steps: int = INVERT_STEPS, lr: float = INVERT_LR) -> torch.Tensor:
    """Latents (n, D) whose images come near ``targets`` (n, C, H, W): Adam from z0 on the
    pixels' squared error plus a pull towards z0, moving the ``free`` coordinates only.

    The gradient is taken for z alone (``torch.autograd.grad``): the model is the one the
    window decodes with on other threads, and nothing may gather in its parameters' ``.grad``.
    """
    z = z0.detach().clone().requires_grad_(True)
    optimiser = torch.optim.Adam([z], lr=lr)
    mask = free.to(z.dtype)[None, :]
    for _ in range(steps):
        error = (model.decode_images(z, labels) - targets).pow(2).mean((1, 2, 3))
        loss = (error + INVERT_PRIOR * ((z - z0) * mask).pow(2).mean(1)).sum()
        (grad,) = torch.autograd.grad(loss, [z])
        z.grad = grad * mask
        optimiser.step()
    return z.detach()


def paired_data(model, name: str, images: np.ndarray, z0: np.ndarray,  # noqa: ANN001
                labels: np.ndarray | None, free: np.ndarray,
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(latents (n K, D), the measure ``name`` of the images they decode to (n K,), the source
    of each row (n K,)) for source images (n, ...) drawn from latents z0 (n, D), each
    transformed at the K strengths of ``TRANSFORMS[name]``."""
    from genai_studio.core.genes.measures import measure
    from genai_studio.core.models.base import from_studio_layout, to_studio_layout

    transform, strengths, _colour = TRANSFORMS[name]
    n, k = len(images), len(strengths)
    device = next(model.parameters()).device
    x = from_studio_layout(torch.from_numpy(np.ascontiguousarray(images, np.float32)))
    t = torch.tensor(strengths, dtype=torch.float32).repeat_interleave(n)
    moved = transform(x.repeat(k, 1, 1, 1), t).to(device)
    y = None if labels is None else \
        torch.from_numpy(np.asarray(labels, np.int64)).repeat(k).to(device)
    start = torch.from_numpy(np.asarray(z0, np.float32)).repeat(k, 1).to(device)
    if hasattr(model, "encode"):
        z = encode_means(model, moved, y).to(device)
    else:  # the untransformed source is its own latent: only the others are inverted
        z, move = start.clone(), (t != 0).to(device)
        z[move] = invert(model, moved[move], start[move], None if y is None else y[move],
                         torch.from_numpy(np.asarray(free)).to(device))
    with torch.inference_mode():
        drawn = to_studio_layout(model.decode_images(z, y)).float().cpu().numpy()
    z = z.float().cpu()
    return z.numpy().astype(np.float64), measure(drawn)[name], np.tile(np.arange(n), k)


def _within(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """values (m, ...) less the mean of their group."""
    counts = np.bincount(groups).astype(np.float64)
    sums = np.zeros((len(counts), *values.shape[1:]))
    np.add.at(sums, groups, values)
    return values - (sums / np.maximum(counts, 1.0).reshape(-1, *[1] * (values.ndim - 1)))[groups]


@dataclass(frozen=True)
class PairedStep:
    """A measure's latent step per unit (``vector`` (D,)), with how it changes across the
    latents (``slope`` (D, D) about ``centre`` (D,)) where that was fitted, and in words how
    it was found."""

    vector: np.ndarray
    slope: np.ndarray | None
    centre: np.ndarray | None
    how: str


def mean_step(model, name: str, images: np.ndarray, z0: np.ndarray,  # noqa: ANN001
              labels: np.ndarray | None, free: np.ndarray, sigma: float) -> PairedStep:
    """The mean latent step (D,) per unit (``sigma``) of ``name`` when the same digit is
    transformed: b = sum (z - z_g)(m - m_g) / sum (m - m_g)^2 over every transformed copy,
    centred within its source g (the regression of the latents on the measure). Where the
    latents are the encoder's (exact for each copy, not a short inversion) and few enough,
    also its slope: each source's own step s_g, regressed on where the source is (``_slope``)."""
    from genai_studio.core.genes.genes import MAX_SLOPE_DIM
    from genai_studio.core.genes.measures import unwrap

    z, values, groups = paired_data(model, name, images, z0, labels, free)
    zc = _within(z, groups)
    mc = _within(unwrap(name, values) / sigma, groups)
    b = (zc * mc[:, None]).sum(0) / max(float((mc * mc).sum()), 1e-12)
    encoder = hasattr(model, "encode")
    latents = "their encoder means" if encoder else \
        f"latents found by {INVERT_STEPS} Adam steps from each sample's own"
    how = (f"the mean latent step per unit of {name} when {len(images):,} of the model's "
           f"samples are {WORDS[name]} ({latents}; within each sample, so the digit stays "
           "out of it), off the judge's class lines where there is a judge")
    slope = centre = None
    if encoder and z.shape[1] <= MAX_SLOPE_DIM:
        slope, centre = _slope(np.asarray(z0, np.float64), zc, mc, groups, free)
    return PairedStep(b * free, slope, centre, how)


SLOPE_RIDGE = 0.1  # lambda per source: the slope is a D x D fit to a few hundred sources


def _slope(sources: np.ndarray, zc: np.ndarray, mc: np.ndarray, groups: np.ndarray,
           free: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(W (D, D), centre (D,)): each source's own step s_g = sum (z - z_g)(m - m_g) /
    sum (m - m_g)^2 regressed on the source's own latent (``sources`` (n, D): where the step
    will be taken from), s_g ~ b + W (z0_g - centre), by ridge regression (the step at the
    centre is the gene's ``vector``)."""
    moved = np.bincount(groups, mc * mc, minlength=len(sources))
    keep = moved > 1e-3  # a source its transformations barely changed says nothing
    steps = np.zeros_like(sources)
    np.add.at(steps, groups, zc * mc[:, None])
    steps = steps[keep] / moved[keep, None]
    where = sources[keep]
    centre = where.mean(axis=0)
    x, y = where - centre, steps - steps.mean(axis=0)
    w = np.linalg.solve(x.T @ x + SLOPE_RIDGE * len(x) * np.eye(x.shape[1]), x.T @ y).T
    return (w * free[:, None] * free[None, :]).astype(np.float32), centre.astype(np.float32)


def pairs_for(model) -> int:  # noqa: ANN001
    """How many samples are transformed: fewer where each takes an inversion (a GAN)."""
    return PAIRS if hasattr(model, "encode") else PAIRS_INVERTED
