"""Variational auto-encoder (Kingma & Welling 2014), MLP or convolutional, optionally conditional.

The decoder outputs Bernoulli logits; the loss is the exact negative ELBO per image:
    BCE summed over the 784 pixels  +  beta * KL(q(z|x) || N(0, I)) summed over latent dims,
with the analytic KL of a diagonal Gaussian against the standard normal:
    KL = -1/2 * sum_j (1 + log sigma_j^2 - mu_j^2 - sigma_j^2).
The encoder predicts log sigma^2 ("logvar"), so sigma = exp(logvar / 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

import torch
import torch.nn.functional as F
from torch import nn

from genai_studio.core.models.base import NUM_PIXELS, Generator, ModelConfig, one_hot


@dataclass(frozen=True)
class VAEConfig(ModelConfig):
    kind: ClassVar[str] = "vae"

    arch: Literal["mlp", "conv"] = "mlp"
    latent_dim: int = 2
    # MLP: widths of the hidden layers (784-400-20 is pytorch/examples' model).
    # conv: width of the fully connected layer between the convolutions and the latent.
    hidden: tuple[int, ...] = (400,)
    channels: int = 32  # conv only: channels of the first convolution (the second has twice)
    conditional: bool = False
    num_classes: int = 10

    def __post_init__(self) -> None:
        if self.arch not in ("mlp", "conv"):
            raise ValueError(f"arch must be 'mlp' or 'conv', not {self.arch!r}")
        if self.latent_dim < 1 or not self.hidden or min(self.hidden) < 1 or self.channels < 1:
            raise ValueError("latent_dim, hidden widths and channels must be positive")
        if self.num_classes < 1:
            raise ValueError("num_classes must be positive")
        object.__setattr__(self, "hidden", tuple(int(h) for h in self.hidden))


@dataclass
class VAEOutput:
    logits: torch.Tensor  # (B, 1, 28, 28) Bernoulli logits of the reconstruction
    mu: torch.Tensor  # (B, D)
    logvar: torch.Tensor  # (B, D) log sigma^2


def _mlp(sizes: list[int]) -> nn.Sequential:
    """Linear layers with ReLU between them (none after the last)."""
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class VAE(Generator):
    def __init__(self, config: VAEConfig) -> None:
        super().__init__()
        self.config = config
        self.latent_dim = config.latent_dim
        self.conditional = config.conditional
        self.num_classes = config.num_classes
        cond = config.num_classes if config.conditional else 0
        d, hidden = config.latent_dim, list(config.hidden)
        if config.arch == "mlp":
            # 784 (+10) -> hidden... -> ReLU; the last hidden layer feeds both heads.
            self.encoder_body = nn.Sequential(_mlp([NUM_PIXELS + cond, *hidden]), nn.ReLU())
            feature_dim = hidden[-1]
            # z (+10) -> reversed hidden... -> 784 logits
            self.decoder_body = _mlp([d + cond, *reversed(hidden), NUM_PIXELS])
        else:
            c = config.channels
            self.encoder_conv = nn.Sequential(
                nn.Conv2d(1, c, 4, 2, 1), nn.ReLU(),  # (B, c, 14, 14)
                nn.Conv2d(c, 2 * c, 4, 2, 1), nn.ReLU(),  # (B, 2c, 7, 7)
                nn.Flatten(),  # (B, 2c*49)
            )
            self.encoder_body = nn.Sequential(nn.Linear(2 * c * 49 + cond, hidden[-1]), nn.ReLU())
            feature_dim = hidden[-1]
            self.decoder_fc = nn.Sequential(
                nn.Linear(d + cond, hidden[-1]), nn.ReLU(),
                nn.Linear(hidden[-1], 2 * c * 49), nn.ReLU(),
            )
            self.decoder_conv = nn.Sequential(
                nn.ConvTranspose2d(2 * c, c, 4, 2, 1), nn.ReLU(),  # (B, c, 14, 14)
                nn.ConvTranspose2d(c, 1, 4, 2, 1),  # (B, 1, 28, 28) logits
            )
        self.mu_head = nn.Linear(feature_dim, d)
        self.logvar_head = nn.Linear(feature_dim, d)

    def _condition(self, h: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        if not self.conditional:
            return h
        assert labels is not None, "conditional VAE needs labels"
        return torch.cat([h, one_hot(labels, self.num_classes)], dim=1)

    def encode(
        self, x: torch.Tensor, labels: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """x (B, 1, 28, 28) in [0, 1] -> mu, logvar (B, D)."""
        if self.config.arch == "mlp":
            h = x.reshape(x.shape[0], NUM_PIXELS)  # (B, 784)
        else:
            h = self.encoder_conv(x)  # (B, 2c*49)
        h = self.encoder_body(self._condition(h, labels))  # (B, H)
        return self.mu_head(h), self.logvar_head(h)

    def decode_logits(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """z (B, D) -> Bernoulli logits (B, 1, 28, 28)."""
        h = self._condition(z, labels)
        if self.config.arch == "mlp":
            return self.decoder_body(h).reshape(-1, 1, 28, 28)
        h = self.decoder_fc(h).reshape(-1, 2 * self.config.channels, 7, 7)
        return self.decoder_conv(h)

    def decode(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """The mean image (B, 28, 28) in [0, 1]: the Bernoulli probabilities."""
        return torch.sigmoid(self.decode_logits(z, labels)).squeeze(1)

    def forward(
        self,
        x: torch.Tensor,
        labels: torch.Tensor | None = None,
        generator: torch.Generator | None = None,
    ) -> VAEOutput:
        mu, logvar = self.encode(x, labels)
        # Reparameterisation: z = mu + sigma * eps, eps ~ N(0, I), so gradients reach mu, sigma.
        eps = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
        z = mu + torch.exp(0.5 * logvar) * eps
        return VAEOutput(self.decode_logits(z, labels), mu, logvar)


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, sigma^2) || N(0, I)) per sample (B,), summed over latent dimensions."""
    return -0.5 * torch.sum(1.0 + logvar - mu.pow(2) - logvar.exp(), dim=1)


def bernoulli_nll(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """-log p(x|z) per sample (B,): binary cross-entropy summed over all 784 pixels."""
    bce = F.binary_cross_entropy_with_logits(logits, x, reduction="none")
    return bce.flatten(1).sum(dim=1)


def vae_loss(
    out: VAEOutput, x: torch.Tensor, beta: float = 1.0
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(loss, reconstruction, kl), each the mean over the batch of a per-image sum, in nats.

    With beta = 1 the loss is the negative ELBO. Averaging over the batch (rather than summing)
    only rescales the gradient, which Adam is invariant to; the figures stay per image.
    """
    rec = bernoulli_nll(out.logits, x).mean()
    kl = gaussian_kl(out.mu, out.logvar).mean()
    return rec + beta * kl, rec, kl

