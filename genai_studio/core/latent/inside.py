"""The inside view's numbers: one image through a model, every intermediate tensor kept.

For a model with an encoder (VAE, VAE-GAN) the path is the seed article's diagram:

    x --encoder--> mu, sigma --(z = mu + sigma * eps)--> z --decoder--> x~

and a VAE-GAN's discriminator gives its verdicts D(x) and D(x~). A GAN has no encoder: its path
starts at z (a tile's latent or the pad's point), G(z) is the generated image, and D judges it
and a real digit beside it. Everything returned is a NumPy copy, safe to hand to the GUI thread.
Torch is imported when a view is computed, not with this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from genai_studio.core.validate import seed_value


@dataclass(frozen=True)
class Inside:
    """One pass through a model, every tensor a NumPy copy."""

    kind: str  # "vae" | "gan" | "vaegan"
    x: np.ndarray | None  # the input image (H, W) in [0, 1]; for a GAN, the real digit judged
    mu: np.ndarray | None  # (D,) the encoder's mean; None without an encoder
    sigma: np.ndarray | None  # (D,) the encoder's standard deviation
    z: np.ndarray  # (D,) the latent the decoder / generator was given
    x_out: np.ndarray  # (H, W) the decoded / generated image in [0, 1]
    d_x: float | None  # D(x): the discriminator's verdict on the input (real) image
    d_out: float | None  # D(x~): its verdict on the decoded / generated image
    latent_dim: int

    @property
    def has_encoder(self) -> bool:
        return self.mu is not None


def look_inside(model: Any, kind: str, *, image: np.ndarray | None = None,
                latent: np.ndarray | None = None, label: int | None = None,
                real: np.ndarray | None = None, seed: int = 0) -> Inside:
    """Run ``image`` (H, W) in [0, 1] through an encoder model (or, without an image, the
    decoded ``latent``: the round trip), or ``latent`` (D,) through a GAN's generator.
    ``real``: the real digit a GAN's discriminator judges beside its sample. ``seed`` fixes
    eps in z = mu + sigma * eps, so a still input shows a still z."""
    import torch

    from genai_studio.core.models.base import from_studio_layout

    model.eval()
    device = next(model.parameters()).device
    labels = None if not model.conditional else torch.tensor([int(label or 0)], device=device)
    mu = sigma = None
    with torch.inference_mode():
        if image is None and latent is not None and hasattr(model, "encode"):
            # The pad's point through an encoder model: its decoded image is the input, so the
            # view shows the round trip x = Dec(z_pad) -> q(z|x) -> z -> Dec(z).
            z_pad = torch.as_tensor(np.asarray(latent, np.float32)).reshape(1, -1).to(device)
            image = _copy(model.decode(z_pad, labels)[0])
        if image is not None and hasattr(model, "encode"):
            x = from_studio_layout(torch.as_tensor(image, dtype=torch.float32)[None]).to(device)
            mean, logvar = model.encode(x, labels)
            std = torch.exp(0.5 * logvar)
            eps = torch.randn(mean.shape, generator=torch.Generator().manual_seed(seed_value(seed)))
            z = mean + std * eps.to(device)
            mu, sigma = _copy(mean[0]), _copy(std[0])
        elif latent is not None:
            z = torch.as_tensor(np.asarray(latent, np.float32)).reshape(1, -1).to(device)
            image = real
        else:
            raise ValueError("the inside view needs an image or a latent")
        out = model.decode(z, labels)  # (1, H, W) in the studio's layout
        d_x = d_out = None
        if hasattr(model, "discriminate"):
            d_out = float(model.discriminate(out, labels)[0])
            if image is not None:
                judged = torch.as_tensor(image, dtype=torch.float32)[None].to(device)
                d_x = float(model.discriminate(judged, labels)[0])
    return Inside(kind=kind, x=None if image is None else np.asarray(image, np.float32).copy(),
                  mu=mu, sigma=sigma, z=_copy(z[0]), x_out=_copy(out[0]), d_x=d_x, d_out=d_out,
                  latent_dim=int(model.latent_dim))


def _copy(t: Any) -> np.ndarray:
    return t.detach().to("cpu").numpy().astype(np.float32, copy=True)


_REAL: dict[str, np.ndarray] = {}
REAL_BANK = 2000  # the first test digits searched for a GAN sample's nearest real one


def nearest_real(image: np.ndarray, label: int | None = None) -> tuple[int, np.ndarray]:
    """The MNIST test digit (index, (H, W) in [0, 1]) nearest ``image`` in pixel space, among
    the first ``REAL_BANK`` (of class ``label`` when given): the real image a GAN's
    discriminator is shown beside its sample."""
    from genai_studio.core.data.mnist import load_mnist

    if "images" not in _REAL:
        test = load_mnist("test", limit=REAL_BANK)
        _REAL["images"] = test.images.numpy().astype(np.float32) / 255.0
        _REAL["labels"] = test.labels.numpy().copy()
    bank, labels = _REAL["images"], _REAL["labels"]
    if bank.shape[1:] != image.shape:
        raise ValueError("the model's images are not MNIST-shaped: no real digit to compare")
    candidates = np.arange(len(bank)) if label is None else np.flatnonzero(labels == label)
    distances = ((bank[candidates] - image[None]) ** 2).reshape(len(candidates), -1).sum(1)
    index = int(candidates[int(np.argmin(distances))])
    return index, bank[index].copy()
