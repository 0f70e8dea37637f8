"""An image in latent space: VAEs encode it, GANs are fitted to it (projection).

* A VAE's encoder gives q(z | x) directly; the image's point is its mean. A conditional VAE
  without a digit given tries every digit and keeps the one with the best ELBO (evaluated at
  the mean), i.e. the digit under which the model finds the image most likely.
* A GAN has no encoder: the latent is found by optimisation (``core.latent_fit``): seeded
  starts drawn from the prior, all moved together by Adam on the pixel error plus the prior
  penalty, the best one kept. It takes a few hundred small steps, so it runs on a worker with
  progress and cancel.

Either way the result carries the model's own version of the image (its reconstruction), the
root-mean-square error between the two, and a note when the image is unlike the model's data
(``UNLIKE_RMSE``): such an image still gets a point, but the point means little.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch

from genai_studio.core.errors import UsageError
from genai_studio.core.latent.fit import (
    CancelToken,
    FitProgress,
    FitResult,
    fit_latents,
    from_numpy_image,
    to_numpy_images,
)
from genai_studio.core.models.base import Generator, from_studio_layout
from genai_studio.core.validate import seed_value

# Reconstruction RMSE above which an image is "unlike the model's data". On the shipped models:
# MNIST test digits reach at most 0.30 (99th percentile, vae-2d) and 0.18 (vae-32d); uniform
# noise 0.50 or more.
UNLIKE_RMSE = 0.35
PROJECTION_STEPS = 200
PROJECTION_STARTS = 8


@dataclass(frozen=True)
class Encoded:
    latent: np.ndarray  # (D,) float32
    label: int | None  # the digit conditioned on (conditional models)
    prepared: np.ndarray  # the model's input, studio layout
    reconstruction: np.ndarray  # the model's version of it, studio layout
    error: float  # RMSE between the two, over all pixels
    method: str  # "encoder mean" or "projection"
    note: str | None = None
    cancelled: bool = False

    def to_dict(self) -> dict:
        return {"latent": [round(float(v), 6) for v in self.latent], "label": self.label,
                "error": round(self.error, 6), "method": self.method, "note": self.note,
                "cancelled": self.cancelled}


def check_shape(model: Generator, image: np.ndarray) -> None:
    c, h, w = model.image_shape
    expected = (h, w) if c == 1 else (h, w, 3)
    if tuple(image.shape) != expected:
        raise UsageError(f"the model takes {expected} images, not {tuple(image.shape)}")


def unlike_note(error: float) -> str | None:
    if error > UNLIKE_RMSE:
        return (f"unlike the model's data (reconstruction error {error:.2f} > {UNLIKE_RMSE}): "
                "its point in latent space means little")
    return None


def _device(model: Generator) -> torch.device:
    return next(model.parameters()).device


@torch.inference_mode()
def encode_vae(model: Generator, images: np.ndarray, label: int | None = None) -> list[Encoded]:
    """Encoder means of prepared images (n, H, W) or (n, H, W, 3), one Encoded each."""
    images = np.asarray(images, dtype=np.float32)
    for image in images:
        check_shape(model, image)
    model.eval()
    x = from_studio_layout(torch.from_numpy(images)).contiguous().to(_device(model))
    labels = _best_labels(model, x, label)
    mu, _ = model.encode(x, labels)
    rec = model.decode_images(mu, labels)
    errors = (rec - x).pow(2).flatten(1).mean(1).sqrt().cpu().numpy()
    rec_np = to_numpy_images(rec)
    mu_np = mu.cpu().numpy().astype(np.float32)
    return [Encoded(mu_np[i].copy(), None if labels is None else int(labels[i]),
                    images[i].copy(), rec_np[i], float(errors[i]), "encoder mean",
                    unlike_note(float(errors[i])))
            for i in range(len(images))]


def _best_labels(model: Generator, x: torch.Tensor, label: int | None) -> torch.Tensor | None:
    """The digit to condition each image on: the one given, or the most likely under the
    model (lowest negative ELBO at the encoder's mean)."""
    from genai_studio.core.models.vae import bernoulli_nll, gaussian_kl

    n = x.shape[0]
    if not model.conditional:
        if label is not None:
            raise UsageError("this model is not conditional: it takes no digit")
        return None
    if label is not None:
        return model.check_labels(torch.full((n,), int(label), device=x.device), n)
    scores = []
    for digit in range(model.num_classes):
        labels = torch.full((n,), digit, dtype=torch.long, device=x.device)
        mu, logvar = model.encode(x, labels)
        scores.append(bernoulli_nll(model.decode_logits(mu, labels), x)
                      + gaussian_kl(mu, logvar))
    return torch.stack(scores, dim=1).argmin(dim=1)


def project(model: Generator, image: np.ndarray, *, seed: int = 0, label: int | None = None,
            starts: int = PROJECTION_STARTS, steps: int = PROJECTION_STEPS,
            init: np.ndarray | None = None,
            cancel: CancelToken | None = None) -> Iterator[FitProgress | Encoded]:
    """Fit a GAN's latent to a prepared image; yields progress, then the Encoded. ``init``
    (D,) replaces the first start: a sketch's last latent, so each stroke refines it."""
    check_shape(model, image)
    device = _device(model)
    target = from_numpy_image(image, device)
    visible = torch.ones_like(target)
    z0, labels = seeded_starts(model, starts, seed, label, device)
    if init is not None and np.shape(init) == (model.latent_dim,):
        z0[0] = torch.as_tensor(np.asarray(init, np.float32), device=device)
    result: FitResult | None = None
    for event in fit_latents(model, target, visible, z0, labels, steps=steps, cancel=cancel):
        if isinstance(event, FitResult):
            result = event
        else:
            yield event
    assert result is not None
    best = int(result.error.argmin())
    error = float(result.error[best])
    yield Encoded(result.latents[best].numpy().astype(np.float32),
                  None if result.labels is None else int(result.labels[best]),
                  np.asarray(image, np.float32).copy(),
                  to_numpy_images(result.images[best:best + 1])[0], error, "projection",
                  unlike_note(error), result.cancelled)


def seeded_starts(model: Generator, starts: int, seed: int, label: int | None,
                  device: torch.device) -> tuple[torch.Tensor, torch.Tensor | None]:
    """``starts`` prior draws (seeded, CPU then moved) and their labels: for a conditional
    model without a digit, the starts cycle through every digit."""
    from genai_studio.core.latent.sampling import labels_for

    if starts <= 0:
        raise UsageError(f"the number of starts must be positive, not {starts}")
    if model.conditional and label is None:
        starts = max(starts, model.num_classes)
    generator = torch.Generator().manual_seed(seed_value(seed))
    z0 = torch.randn(starts, model.latent_dim, generator=generator)
    labels = labels_for(model, starts, label)
    return z0.to(device), None if labels is None else labels.to(device)


def encode(model: Generator, image: np.ndarray, *, seed: int = 0, label: int | None = None,
           steps: int = PROJECTION_STEPS, starts: int = PROJECTION_STARTS,
           init: np.ndarray | None = None, cancel: CancelToken | None = None
           ) -> Iterator[FitProgress | Encoded]:
    """One prepared image into latent space, whatever the model: yields (for GANs) progress,
    then the Encoded."""
    if hasattr(model, "encode"):
        yield encode_vae(model, np.asarray(image, np.float32)[None], label)[0]
    else:
        yield from project(model, image, seed=seed, label=label, steps=steps, starts=starts,
                           init=init, cancel=cancel)
