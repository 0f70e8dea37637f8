"""Holding the digit: a steered latent pulled to the model's own drawing of the digit it
started from, transformed as the sliders say (torch).

A gene is one step, or one path, through the latent space, the same for every digit. On a
model whose digits are fragile that is not enough: +2 of slant turned 22% of the GAN's digits
into other digits (benchmarks/RESULTS.md), while the same digits *sheared* keep their class
(the judge keeps 98.7% of real digits sheared by 1.6 standard deviations). So for the genes
with a transformation (``core.genes.paired``: shear, dilation, stretches, a turn of the colour
wheel, a lighter ink), the latents the sliders give are held to their digit:

1. the latent is moved by the genes *without* a transformation (ink, roundness, the artist's
   own genes) and decoded: x = G(z'), the digit as those sliders leave it;
2. x is transformed by each gene with a transformation, at the strength that moved its
   measure by the slider's units on the model's own samples (``Gene.strengths``, found with
   the gene by bisection, ``strengths_for``): the target T(x);
3. starting from the latent *all* the sliders give, ``HOLD_STEPS`` Adam steps on the pixels'
   error against T(x), with a light pull towards that start (``paired.invert``), find the
   latent whose image is the model's nearest drawing of the target.

The latent moves only where the genes' path left the digit: a gene's step brings it near,
the inversion brings it home. What a held gene does is measured with it (``Gene.held``, at
+1, +2, -1 and -2, in its units), and it is what the panel shows. It takes a few hundred
milliseconds for a grid, so the grid, new grids, the morph's ends, exports of them and the
CLI hold; the pad's preview and the selected tile follow the genes' path live, as a slider
moves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import torch

from genai_studio.core.errors import UsageError
from genai_studio.core.genes.genes import HOLD_LIMITS, HOLDABLE, Gene, GeneSet
from genai_studio.core.genes.measures import BY_NAME, difference, measure
from genai_studio.core.genes.paired import TRANSFORMS, invert, paired_measures
from genai_studio.core.latent.sampling import decode

# Adam steps per hold and their rate: at slant +2 on 500 samples the GAN kept 84.6% with 30
# steps at 0.05, 88.0% with 60 at 0.1 (the VAE-GAN 83.8% and 88.2%), at 11 ms a sample
HOLD_STEPS = 60
HOLD_LR = 0.1
CHUNK = 512  # latents held at once (the inversion keeps a graph per latent)
BISECTIONS = 10  # a strength found to 1/1,000 of its search range
REACH = 4.0  # a strength is searched up to this many times the largest the gene was found with
STRENGTH_SAMPLES = 200  # samples a strength is found on
HELD_SAMPLES = 64  # samples a held gene's effect is measured on (the inversion is the cost)
SETTINGS = (1.0, 2.0, -1.0, -2.0)  # where a held gene is measured (as ``Gene.effect``)
MARGIN = 0.05  # a side held keeps at least the step's share of digits at +-2, less this
MIN_HELD = 0.5  # a gene whose held +-1 measures less than this (in units) is not held
MAX_BOOST = 2.0  # a strength is corrected at most this many times up or down, once

Check = Callable[[], None]
Classify = Callable[[np.ndarray], np.ndarray]  # images -> class probabilities (n, C)


def strength_at(gene: Gene, value: float) -> float:
    """The transformation's strength for a setting: the strengths found at +-1 and +-2 joined
    by straight lines from 0, the last stretch carried on beyond +-2."""
    one, two = gene.strengths[:2] if value >= 0 else gene.strengths[2:]
    x = abs(float(value))
    limit = HOLD_LIMITS[gene.name]
    return float(np.clip(x * one if x <= 1.0 else one + (x - 1.0) * (two - one), -limit, limit))


def hold(model, genes: GeneSet, values: dict[str, float], base: np.ndarray,  # noqa: ANN001
         labels: np.ndarray | torch.Tensor | None = None, steps: int = HOLD_STEPS,
         check: Check = lambda: None) -> np.ndarray:
    """Latents ``base`` (n, D) moved by the genes' ``values``, each held to its digit (see the
    module doc); where no gene set holds, the genes' own path (``GeneSet.apply``). A
    conditional model needs the digits' ``labels``."""
    if getattr(model, "conditional", False) and labels is None:
        raise UsageError("this model draws the digit it is given: the digits' labels are "
                         "needed to hold its genes")
    steered = genes.apply(base, values)
    holdable = paired_measures(int(model.image_shape[0]) == 3)  # a hue needs colour images
    held = {k: float(v) for k, v in values.items()
            if v and k in holdable and genes.get(k).holds(v)}
    if not held or steps <= 0 or len(steered) == 0:
        return steered
    start = genes.apply(base, {k: v for k, v in values.items() if k not in held})
    strengths = {k: np.full(len(base), strength_at(genes.get(k), v)) for k, v in held.items()}
    out = _held(model, strengths, start, steered, labels, steps, check)
    if not np.isfinite(out).all():
        raise UsageError("holding these genes sent the latents beyond any number (is the "
                         "genes file damaged?)")
    return out


def held_ends(model, steering, start: np.ndarray, end: np.ndarray,  # noqa: ANN001
              label: int | None) -> tuple[np.ndarray, np.ndarray]:
    """A morph's two ends (D,) moved by ``steering`` (``genes.Steering``) and held, as the
    grid's tiles are; ``label``: the one digit a conditional model draws the morph as."""
    labels = None if not getattr(model, "conditional", False) or label is None \
        else np.full(2, int(label))
    moved = steering.move(model, np.stack([start, end]).astype(np.float32), labels)
    return moved[0], moved[1]


def _held(model, strengths: dict[str, np.ndarray], start: np.ndarray,  # noqa: ANN001
          steered: np.ndarray, labels, steps: int, check: Check) -> np.ndarray:  # noqa: ANN001
    """Latents from ``steered`` (n, D) whose images come near the images of ``start``
    transformed by each gene's strengths (n,), ``CHUNK`` at a time."""
    out = np.empty_like(steered)
    for i in range(0, len(steered), CHUNK):
        check()
        rows = slice(i, i + CHUNK)
        out[rows] = _inverted(model, {k: v[rows] for k, v in strengths.items()}, start[rows],
                              steered[rows], None if labels is None else labels[rows], steps)
    return out


def _inverted(model, strengths: dict[str, np.ndarray], start: np.ndarray,  # noqa: ANN001
              steered: np.ndarray, labels, steps: int) -> np.ndarray:  # noqa: ANN001
    from genai_studio.core.genes.finding import free_coordinates

    device = next(model.parameters()).device
    y = None if labels is None else torch.as_tensor(np.asarray(labels), dtype=torch.int64,
                                                    device=device)
    # the window decodes in inference mode on other threads; the inversion needs a graph
    with torch.inference_mode(False), torch.enable_grad():
        with torch.no_grad():
            target = model.decode_images(torch.from_numpy(start).to(device), y).float()
        for name in sorted(strengths, key=HOLDABLE.index):
            t = torch.as_tensor(strengths[name], dtype=torch.float32, device=device)
            target = TRANSFORMS[name][0](target, t)
        free = torch.from_numpy(free_coordinates(model)).to(device)
        z = invert(model, target.detach(), torch.from_numpy(steered).to(device), y, free, steps,
                   HOLD_LR)
    return z.float().cpu().numpy().astype(np.float32)


def strengths_for(name: str, images: np.ndarray, sigma: float) -> tuple[float, ...]:
    """The strengths (+1, +2, -1, -2) at which the transformation of ``name`` moves the
    measure of ``images`` (a model's samples, studio layout) by that many units (``sigma``
    each) on average; where it cannot reach one (a lighter ink has a ceiling, a stretch the
    image's edge), the strongest searched (``REACH`` times the largest it was found with)."""
    from genai_studio.core.models.base import from_studio_layout, to_studio_layout

    transform, tried, _colour = TRANSFORMS[name]
    images = np.asarray(images[:STRENGTH_SAMPLES], np.float32)
    x = from_studio_layout(torch.from_numpy(np.ascontiguousarray(images)))
    before = measure(images)[name]

    def change(s: float) -> float:
        moved = transform(x, torch.full((len(x),), s))
        after = measure(to_studio_layout(moved).numpy())[name]
        return float(np.mean(difference(name, after, before))) / sigma

    far = min(REACH * max(abs(t) for t in tried), HOLD_LIMITS[name])
    if BY_NAME[name].circular:  # a turn past half the wheel is a turn the other way
        far = min(far, 179.0)
    way = 1.0 if change(max(tried)) >= 0 else -1.0  # which way of t raises the measure
    out = []
    for want in (1.0, 2.0, -1.0, -2.0):
        end = far * way * (1.0 if want > 0 else -1.0)
        if (change(end) - want) * np.sign(want) < 0:
            out.append(end)
            continue
        near = 0.0
        for _ in range(BISECTIONS):
            mid = (near + end) / 2
            near, end = (mid, end) if (change(mid) - want) * np.sign(want) < 0 else (near, mid)
        out.append((near + end) / 2)
    return tuple(out)


def with_hold(model, gene: Gene, images: np.ndarray, z: np.ndarray,  # noqa: ANN001
              labels: np.ndarray | None, classify: Classify | None = None,
              check: Check = lambda: None) -> Gene:
    """``gene`` held to its digit: its strengths found on the samples ``images`` (latents
    ``z``), then what it does held, measured on ``HELD_SAMPLES`` of them. The model's drawing
    lags behind the target or overshoots it (a GAN thickens less than a dilation does), so
    each strength is corrected once by the share its held digit fell short or went beyond (at
    most ``MAX_BOOST`` times either way), and measured again. A side (+ or -) is not held
    where its held +-1 measures under ``MIN_HELD`` units, or, given the judge, where held
    digits at +-2 keep their class less often than the step's own (by ``MARGIN``): thinning
    strokes to a target breaks them."""
    rows = slice(0, HELD_SAMPLES)
    sample_images = np.asarray(images[rows], np.float32)
    z, base = z[rows], measure(sample_images)[gene.name]
    labels = None if labels is None else labels[rows]
    gene = replace(gene, strengths=strengths_for(gene.name, images, gene.sigma))
    moved = _held_images(model, gene, z, labels, check)
    held = _effect(gene, moved, base)
    boost = [min(MAX_BOOST, max(1.0 / MAX_BOOST, want / got)) if want * got > 0 else 1.0
             for want, got in zip(SETTINGS, held, strict=True)]
    if any(abs(b - 1.0) > 0.05 for b in boost):
        limit = HOLD_LIMITS[gene.name]
        s1, s2, s3, s4 = (float(np.clip(s * b, -limit, limit))
                          for s, b in zip(gene.strengths, boost, strict=True))
        # farther settings never ask for less (a boost at +-1 can pass the one at +-2)
        s2, s4 = (s2 if abs(s2) >= abs(s1) else s1), (s4 if abs(s4) >= abs(s3) else s3)
        gene = replace(gene, strengths=(s1, s2, s3, s4))
        moved = _held_images(model, gene, z, labels, check)
        held = _effect(gene, moved, base)
    keep = [held[0] >= MIN_HELD, held[2] <= -MIN_HELD]
    if classify is not None:
        keep = [k and judged for k, judged in zip(keep, _judged_sides(
            model, gene, z, labels, moved, classify(sample_images).argmax(axis=1), classify),
            strict=True)]
    if not any(keep):
        return replace(gene, strengths=())
    strengths, effect = list(gene.strengths), list(held)
    step = gene.effect if len(gene.effect) == 4 else held
    for side, kept in enumerate(keep):
        if not kept:  # moved along the step alone there, and measured so (``Gene.effect``)
            strengths[2 * side:2 * side + 2] = (0.0, 0.0)
            effect[2 * side:2 * side + 2] = step[2 * side:2 * side + 2]
    return replace(gene, strengths=tuple(strengths), held=tuple(effect))


def _judged_sides(model, gene: Gene, z: np.ndarray, labels: np.ndarray | None,  # noqa: ANN001
                  moved: np.ndarray, classes: np.ndarray, classify: Classify) -> list[bool]:
    """For + and -: whether the held digits at +-2 (``moved``, from ``_held_images``) keep
    their class at least as often as the step's own, less ``MARGIN``."""
    genes = GeneSet("0" * 64, z.shape[1], (gene,))
    out = []
    for index, value in ((1, 2.0), (3, -2.0)):
        stepped = decode(model, genes.apply(z, {gene.name: value}), labels)
        held, step = (float((classify(x).argmax(axis=1) == classes).mean())
                      for x in (moved[index], stepped))
        out.append(held >= step - MARGIN)
    return out


def _held_images(model, gene: Gene, z: np.ndarray, labels: np.ndarray | None,  # noqa: ANN001
                 check: Check) -> np.ndarray:
    """Latents ``z`` (n, D) moved by ``gene`` held at +1, +2, -1 and -2, decoded: (4, n, ...),
    the four settings held at once."""
    genes = GeneSet("0" * 64, z.shape[1], (gene,))
    steered = np.concatenate([genes.apply(z, {gene.name: v}) for v in SETTINGS])
    strengths = np.repeat([strength_at(gene, v) for v in SETTINGS], len(z))
    labels = None if labels is None else np.tile(np.asarray(labels), len(SETTINGS))
    moved = _held(model, {gene.name: strengths}, np.tile(z, (len(SETTINGS), 1)), steered,
                  labels, HOLD_STEPS, check)
    images = decode(model, moved, labels)
    return images.reshape(len(SETTINGS), len(z), *images.shape[1:])


def _effect(gene: Gene, images: np.ndarray, base: np.ndarray) -> tuple[float, ...]:
    """What the images at each setting (``_held_images``) measure against ``base``, in units."""
    return tuple(float(np.mean(difference(gene.name, measure(x)[gene.name], base)))
                 / gene.sigma for x in images)
