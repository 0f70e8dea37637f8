"""Image repair: fill the masked pixels of an image from the model, keeping the visible ones.

The method, for every model kind, is MAP estimation of the latent from the visible pixels
alone (``core.latent_fit``): minimise  -log p(x_visible | z) + ||z||^2 / 2  over z, then take
the model's image of that z in the hole and the original everywhere else. The prior term is
what makes the fill plausible: among the latents that explain what is left, it prefers the
ones the model considers likely.

For a VAE the optimisation starts where *iterated conditional imputation* leaves it (Rezende
et al. 2014, section 5): fill the hole with the decoder's image of the encoder's mean, encode
the filled image again, repeat (``IMPUTATION_ROUNDS`` times); that fixed point is already a
good repair and a good start. A GAN starts from seeded prior draws, as in projection.

Alternatives are other local optima: the other starts (for a VAE, the imputation's point
moved by noise of its posterior's own spread, and prior draws), ranked by the energy each
reached, best first, without near-duplicates. The same seed gives the same alternatives.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch

from genai_studio.core.errors import UsageError
from genai_studio.core.latent.encoding import check_shape, seeded_starts
from genai_studio.core.latent.fit import (
    CancelToken,
    FitProgress,
    FitResult,
    fit_latents,
    run_fit,
    to_numpy_images,
)
from genai_studio.core.models.base import Generator, from_studio_layout
from genai_studio.core.validate import seed_value

IMPUTATION_ROUNDS = 20
REPAIR_STEPS = 150
MAX_ALTERNATIVES = 64  # 128 starts: each costs the model's activations over the whole fit
DISTINCT_RMSE = 0.02  # alternatives closer than this in the hole are the same repair


@dataclass(frozen=True)
class Repair:
    """Repairs of one image, best first."""

    images: np.ndarray  # (k, H, W) or (k, H, W, 3): visible pixels kept, the hole filled
    latents: np.ndarray  # (k, D)
    labels: np.ndarray | None  # (k,) digits conditioned on (conditional models)
    energy: np.ndarray  # (k,) -log p(x_visible | z) + |z|^2 / 2 reached
    visible_error: np.ndarray  # (k,) RMSE of the model's image on the visible pixels
    cancelled: bool = False


def _tensors(model: Generator, images: np.ndarray, masks: np.ndarray
             ) -> tuple[torch.Tensor, torch.Tensor]:
    """Images (n, C, H, W) and visibility (n, 1, H, W) (1 = keep) on the model's device."""
    device = next(model.parameters()).device
    x = from_studio_layout(torch.from_numpy(np.asarray(images, np.float32))).contiguous()
    hole = torch.from_numpy(np.asarray(masks, dtype=bool)).unsqueeze(1)
    return x.to(device), (~hole).to(device, torch.float32)


def impute(model: Generator, x: torch.Tensor, visible: torch.Tensor,
           labels: torch.Tensor | None = None, rounds: int = IMPUTATION_ROUNDS
           ) -> tuple[torch.Tensor, torch.Tensor]:
    """Iterated conditional imputation through a VAE's encoder and decoder: the final
    encoder mean (n, D) and standard deviation (n, D)."""
    filled = x * visible
    with torch.inference_mode():
        for _ in range(max(1, rounds)):
            mu, logvar = model.encode(filled, labels)
            filled = torch.where(visible > 0, x, model.decode_images(mu, labels))
        mu, logvar = model.encode(filled, labels)
    return mu.clone(), torch.exp(0.5 * logvar).clone()


def starts_for(model: Generator, x: torch.Tensor, visible: torch.Tensor, starts: int,
               seed: int, label: int | None) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The starts of n images: (n * k, D) latents grouped by image, and their labels."""
    n, device = x.shape[0], x.device
    z0, labels = seeded_starts(model, starts, seed, label, device)
    k = len(z0)
    z = z0.repeat(n, 1)
    labels = None if labels is None else labels.repeat(n)
    if not hasattr(model, "encode"):
        return z, labels
    if labels is None:
        mu, sigma = impute(model, x, visible)
        mu, sigma = mu.repeat_interleave(k, 0), sigma.repeat_interleave(k, 0)
    else:
        mu, sigma = impute(model, x.repeat_interleave(k, 0), visible.repeat_interleave(k, 0),
                           labels)
    # Within each image's k starts: first the imputation's fixed point (one per digit for a
    # conditional model asked for none), then points moved by the posterior's own spread,
    # and the second half stays prior draws.
    generator = torch.Generator().manual_seed(seed_value(seed) + 1)
    moved = mu + sigma * torch.randn(mu.shape, generator=generator).to(device)
    first = model.num_classes if model.conditional and label is None else 1
    slot = (torch.arange(n * k, device=device) % k)[:, None]
    z = torch.where(slot < first, mu, torch.where(slot < max(first, k // 2), moved, z))
    return z, labels


def repair_batch(model: Generator, images: np.ndarray, masks: np.ndarray, *, starts: int = 8,
                 seed: int = 0, label: int | None = None, steps: int = REPAIR_STEPS,
                 cancel: CancelToken | None = None) -> Iterator[FitProgress | FitResult]:
    """Repair n images (n, H, W[, 3]) with hole masks (n, H, W) (True = missing) together:
    yields progress, then the FitResult of all n * starts starts (grouped by image)."""
    images = np.asarray(images, np.float32)
    masks = np.asarray(masks, bool)
    if images.ndim not in (3, 4) or masks.shape != images.shape[:3]:
        raise UsageError(f"a mask must have the image's height and width: images "
                         f"{images.shape}, masks {masks.shape}")
    for image in images:
        check_shape(model, image)
    if not masks.reshape(len(masks), -1).any(axis=1).all():
        raise UsageError("the mask marks no pixel to repair")
    if masks.reshape(len(masks), -1).all(axis=1).any():
        raise UsageError("the mask covers the whole image: nothing is left to repair from")
    x, visible = _tensors(model, images, masks)
    z0, labels = starts_for(model, x, visible, starts, seed, label)
    per_image = len(z0) // len(x)
    target = x.repeat_interleave(per_image, dim=0)
    keep = visible.repeat_interleave(per_image, dim=0)
    yield from fit_latents(model, target, keep, z0, labels, steps=steps, cancel=cancel)


def repair(model: Generator, image: np.ndarray, mask: np.ndarray, *, alternatives: int = 4,
           seed: int = 0, label: int | None = None, steps: int = REPAIR_STEPS,
           cancel: CancelToken | None = None) -> Iterator[FitProgress | Repair]:
    """Repair one image: yields progress, then a Repair of up to ``alternatives`` images."""
    if not 1 <= alternatives <= MAX_ALTERNATIVES:
        raise UsageError(f"the number of alternatives must be 1 to {MAX_ALTERNATIVES}, not "
                         f"{alternatives}")
    starts = max(8, 2 * alternatives)
    result: FitResult | None = None
    for event in repair_batch(model, np.asarray(image)[None], np.asarray(mask)[None],
                              starts=starts, seed=seed, label=label, steps=steps,
                              cancel=cancel):
        if isinstance(event, FitResult):
            result = event
        else:
            yield event
    assert result is not None
    yield assemble(result, np.asarray(image, np.float32), np.asarray(mask, bool), alternatives)


def assemble(result: FitResult, image: np.ndarray, mask: np.ndarray, alternatives: int
             ) -> Repair:
    """The best distinct repairs of one image from its starts' FitResult."""
    model_images = to_numpy_images(result.images)  # (k, H, W[, 3])
    hole = mask if image.ndim == 2 else mask[..., None]
    filled = np.where(hole, model_images, image[None]).astype(np.float32)
    chosen: list[int] = []
    for i in np.argsort(result.energy.numpy(), kind="stable"):
        if len(chosen) == alternatives:
            break
        if all(_hole_rmse(filled[i], filled[j], mask) > DISTINCT_RMSE for j in chosen):
            chosen.append(int(i))
    labels = None if result.labels is None else result.labels.numpy()[chosen]
    return Repair(filled[chosen], result.latents.numpy()[chosen].astype(np.float32), labels,
                  result.energy.numpy()[chosen], result.error.numpy()[chosen],
                  result.cancelled)


def _hole_rmse(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> float:
    diff = (a - b)[mask]
    return float(np.sqrt(np.mean(diff * diff))) if diff.size else 0.0


def best_repairs(model: Generator, images: np.ndarray, masks: np.ndarray, **kwargs
                 ) -> np.ndarray:
    """The best repair of each of n images (n, H, W[, 3]): for benchmarks and batch use."""
    result = run_fit(repair_batch(model, images, masks, **kwargs))
    n = len(images)
    per_image = result.energy.shape[0] // n
    best = result.energy.reshape(n, per_image).argmin(dim=1) + torch.arange(n) * per_image
    model_images = to_numpy_images(result.images[best])
    hole = masks if np.asarray(images).ndim == 3 else np.asarray(masks)[..., None]
    return np.where(hole, model_images, images).astype(np.float32)
