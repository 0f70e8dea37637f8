"""Finding the latent that explains an image (or the visible part of one): MAP estimation.

For a target x with a mask of visible pixels v, each start z0 is moved by Adam to a minimum of

    E(z) = -log p(x_v | z) + ||z||^2 / 2        (-log p(z) for the N(0, I) prior, up to a constant)

where p(x_v | z) is the model's own pixel likelihood: Bernoulli with the decoder's logits for
a VAE (the cross-entropy it was trained with), a Gaussian N(G(z), sigma^2) for a GAN, which has
no likelihood of its own (sigma = ``GAN_PIXEL_SIGMA``, so the error weighs as much as the
prior). The prior term keeps z where the model has learnt to draw, which is what lets a
repair fill a hole with a plausible stroke instead of anything that fits the visible pixels.

``fit_latents`` runs all starts as one batch and yields progress, so the GUI worker and the CLI
both show it and can cancel between steps. The model's weights are never changed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import torch
import torch.nn.functional as F

from genai_studio.core.models.base import Generator, to_studio_layout

GAN_PIXEL_SIGMA = 0.1
DEFAULT_LR = 0.05


class CancelToken(Protocol):
    def is_set(self) -> bool: ...


@dataclass(frozen=True)
class FitProgress:
    step: int
    steps: int
    error: float  # the best start's root-mean-square error on the visible pixels so far


@dataclass(frozen=True)
class FitResult:
    """One row per start: latents (k, D) and decoded images (k, C, H, W) on the CPU."""

    latents: torch.Tensor
    images: torch.Tensor
    energy: torch.Tensor  # (k,) E(z) at the end
    error: torch.Tensor  # (k,) RMSE on the visible pixels
    labels: torch.Tensor | None
    cancelled: bool


def pixel_nll(model: Generator, z: torch.Tensor, labels: torch.Tensor | None,
              target: torch.Tensor, visible: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(-log p(x_v | z) per start (k,), decoded images (k, C, H, W))."""
    if hasattr(model, "decode_logits"):
        logits = model.decode_logits(z, labels)
        nll = F.binary_cross_entropy_with_logits(logits, target.expand_as(logits),
                                                 reduction="none")
        return (nll * visible).flatten(1).sum(1), torch.sigmoid(logits)
    images = model.decode_images(z, labels)
    squared = (images - target).pow(2) * visible
    return squared.flatten(1).sum(1) / (2 * GAN_PIXEL_SIGMA**2), images


def rmse(images: torch.Tensor, target: torch.Tensor, visible: torch.Tensor) -> torch.Tensor:
    """Root-mean-square error per image (k,) over the visible pixels."""
    weight = visible.expand_as(images).flatten(1).sum(1).clamp(min=1.0)
    return ((images - target).pow(2) * visible).flatten(1).sum(1).div(weight).sqrt()


def fit_latents(model: Generator, target: torch.Tensor, visible: torch.Tensor,
                z0: torch.Tensor, labels: torch.Tensor | None = None, *, steps: int = 150,
                lr: float = DEFAULT_LR, cancel: CancelToken | None = None,
                report_every: int = 10) -> Iterator[FitProgress | FitResult]:
    """Minimise E(z) from each start z0 (k, D); target and visible are (k or 1, C, H, W)
    on the model's device. Yields FitProgress every ``report_every`` steps, then a FitResult."""
    was_training = model.training
    model.eval()
    params = list(model.parameters())
    saved = [p.requires_grad for p in params]
    for p in params:
        p.requires_grad_(False)
    z = z0.detach().clone().to(target.device).requires_grad_(True)
    optimiser = torch.optim.Adam([z], lr=lr)
    cancelled = False
    try:
        for step in range(1, steps + 1):
            if cancel is not None and cancel.is_set():
                cancelled = True
                break
            with torch.enable_grad():
                nll, images = pixel_nll(model, z, labels, target, visible)
                energy = nll + 0.5 * z.pow(2).sum(1)
                optimiser.zero_grad(set_to_none=True)
                energy.sum().backward()
            optimiser.step()
            if step % report_every == 0 or step == steps:
                error = rmse(images.detach(), target, visible)
                yield FitProgress(step, steps, float(error.min()))
        with torch.no_grad():
            nll, images = pixel_nll(model, z, labels, target, visible)
            energy = nll + 0.5 * z.pow(2).sum(1)
            error = rmse(images, target, visible)
    finally:
        for p, flag in zip(params, saved, strict=True):
            p.requires_grad_(flag)
        model.train(was_training)
    yield FitResult(z.detach().cpu(), images.cpu(), energy.cpu(), error.cpu(),
                    None if labels is None else labels.cpu(), cancelled)


def run_fit(events: Iterator[FitProgress | FitResult]) -> FitResult:
    """Drain :func:`fit_latents` (no progress) and return its result."""
    result = None
    for event in events:
        if isinstance(event, FitResult):
            result = event
    assert result is not None
    return result


def to_numpy_images(images: torch.Tensor) -> np.ndarray:
    """(k, C, H, W) -> float32 NumPy copy in the studio's layout."""
    return to_studio_layout(images.detach().cpu()).numpy().astype(np.float32, copy=True)


def from_numpy_image(image: np.ndarray, device: torch.device | str = "cpu") -> torch.Tensor:
    """One image (H, W) or (H, W, 3) -> (1, C, H, W) float32 tensor."""
    x = torch.as_tensor(np.asarray(image, dtype=np.float32))
    x = x.unsqueeze(0) if x.ndim == 2 else x.permute(2, 0, 1)
    return x.unsqueeze(0).contiguous().to(device)
