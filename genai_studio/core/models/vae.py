"""Variational auto-encoder (Kingma & Welling 2014), MLP or convolutional, optionally conditional.

The decoder outputs Bernoulli logits; the loss is the exact negative ELBO per image:
    BCE summed over the pixels  +  beta * KL(q(z|x) || N(0, I)) summed over latent dims,
with the analytic KL of a diagonal Gaussian against the standard normal:
    KL = -1/2 * sum_j (1 + log sigma_j^2 - mu_j^2 - sigma_j^2).
The encoder predicts log sigma^2 ("logvar"), so sigma = exp(logvar / 2).

Images are ``image_shape`` = (channels, height, width), MNIST's (1, 28, 28) by default. The conv
architecture halves the image with stride-2 convolutions while both sides are even and above
8 px (``conv_levels``: 28 -> 14 -> 7, 32 -> 16 -> 8, 64 -> 32 -> 16 -> 8), doubling the channels
each time, and mirrors that with transposed convolutions. Grey levels or colour channels in
[0, 1] that are not binary use the same cross-entropy (the "continuous Bernoulli" without its
normaliser): a standard, if not normalised, reconstruction term for such data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

import torch
import torch.nn.functional as F
from torch import nn

from genai_studio.core.defaults import MAX_PRIOR_COMPONENTS
from genai_studio.core.models.base import (
    MNIST_SHAPE,
    Generator,
    ModelConfig,
    check_image_shape,
    conv_levels,
    one_hot,
)


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
    image_shape: tuple[int, int, int] = MNIST_SHAPE  # (channels, height, width)
    prior_components: int = 0  # a fitted mixture prior of this many parts; 0: none

    def __post_init__(self) -> None:
        if not 0 <= self.prior_components <= MAX_PRIOR_COMPONENTS:
            raise ValueError(f"prior_components must be 0 to {MAX_PRIOR_COMPONENTS}")
        if self.arch not in ("mlp", "conv"):
            raise ValueError(f"arch must be 'mlp' or 'conv', not {self.arch!r}")
        if self.latent_dim < 1 or not self.hidden or min(self.hidden) < 1 or self.channels < 1:
            raise ValueError("latent_dim, hidden widths and channels must be positive")
        if self.num_classes < 1:
            raise ValueError("num_classes must be positive")
        object.__setattr__(self, "hidden", tuple(int(h) for h in self.hidden))
        object.__setattr__(self, "image_shape",
                           check_image_shape(self.image_shape, conv=self.arch == "conv"))


@dataclass
class VAEOutput:
    logits: torch.Tensor  # (B, C, H, W) Bernoulli logits of the reconstruction
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
        super().__init__(config)
        cond = config.num_classes if config.conditional else 0
        d, hidden = config.latent_dim, list(config.hidden)
        channels, height, width = config.image_shape
        pixels = channels * height * width
        if config.arch == "mlp":
            # C*H*W (+10) -> hidden... -> ReLU; the last hidden layer feeds both heads.
            self.encoder_body = nn.Sequential(_mlp([pixels + cond, *hidden]), nn.ReLU())
            # z (+10) -> reversed hidden... -> C*H*W logits
            self.decoder_body = _mlp([d + cond, *reversed(hidden), pixels])
        else:
            levels = conv_levels(height, width)
            self._bottom = (config.channels * 2 ** (levels - 1),
                            height >> levels, width >> levels)
            flat = self._bottom[0] * self._bottom[1] * self._bottom[2]
            self.encoder_conv = _conv_encoder(channels, config.channels, levels)
            self.encoder_body = nn.Sequential(nn.Linear(flat + cond, hidden[-1]), nn.ReLU())
            self.decoder_fc = nn.Sequential(
                nn.Linear(d + cond, hidden[-1]), nn.ReLU(),
                nn.Linear(hidden[-1], flat), nn.ReLU(),
            )
            self.decoder_conv = _conv_decoder(channels, config.channels, levels)
        self.mu_head = nn.Linear(hidden[-1], d)
        self.logvar_head = nn.Linear(hidden[-1], d)

    def _condition(self, h: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        if not self.conditional:
            return h
        assert labels is not None, "conditional VAE needs labels"
        return torch.cat([h, one_hot(labels, self.num_classes)], dim=1)

    def encode(
        self, x: torch.Tensor, labels: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """x (B, C, H, W) in [0, 1] -> mu, logvar (B, D)."""
        if self.config.arch == "mlp":
            h = x.reshape(x.shape[0], -1)  # (B, C*H*W)
        else:
            h = self.encoder_conv(x)  # (B, bottom channels * bottom pixels)
        h = self.encoder_body(self._condition(h, labels))  # (B, H)
        return self.mu_head(h), self.logvar_head(h)

    def decode_logits(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """z (B, D) -> Bernoulli logits (B, C, H, W)."""
        h = self._condition(z, labels)
        if self.config.arch == "mlp":
            return self.decoder_body(h).reshape(-1, *self.image_shape)
        h = self.decoder_fc(h).reshape(-1, *self._bottom)
        return self.decoder_conv(h)

    def decode_images(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """The mean image (B, C, H, W) in [0, 1]: the Bernoulli probabilities."""
        return torch.sigmoid(self.decode_logits(z, labels))

    def forward(
        self,
        x: torch.Tensor,
        labels: torch.Tensor | None = None,
        generator: torch.Generator | None = None,
        eps: torch.Tensor | None = None,
    ) -> VAEOutput:
        """``eps`` (B, D): the reparameterisation noise, if the caller drew it (a process of a
        multi-process run draws the whole batch's and passes its rows); else drawn here."""
        mu, logvar = self.encode(x, labels)
        # Reparameterisation: z = mu + sigma * eps, eps ~ N(0, I), so gradients reach mu, sigma.
        # Drawn in float32 whatever autocast computes mu in: the noise is the same either way.
        if eps is None:
            eps = torch.randn(mu.shape, generator=generator, device=mu.device,
                              dtype=torch.float32)
        z = mu + torch.exp(0.5 * logvar) * eps
        return VAEOutput(self.decode_logits(z, labels), mu, logvar)


def _conv_encoder(image_channels: int, c: int, levels: int) -> nn.Sequential:
    """Stride-2 convolutions c, 2c, 4c, ... then Flatten; at 28 px: (B, c, 14, 14) ->
    (B, 2c, 7, 7) -> (B, 2c*49)."""
    layers: list[nn.Module] = []
    c_in = image_channels
    for level in range(levels):
        c_out = c * 2 ** level
        layers += [nn.Conv2d(c_in, c_out, 4, 2, 1), nn.ReLU()]
        c_in = c_out
    return nn.Sequential(*layers, nn.Flatten())


def _conv_decoder(image_channels: int, c: int, levels: int) -> nn.Sequential:
    """The mirror of :func:`_conv_encoder`: transposed convolutions back to (B, C, H, W)
    logits (no activation after the last)."""
    layers: list[nn.Module] = []
    for level in reversed(range(levels)):
        c_in = c * 2 ** level
        c_out = image_channels if level == 0 else c * 2 ** (level - 1)
        layers.append(nn.ConvTranspose2d(c_in, c_out, 4, 2, 1))
        if level:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, sigma^2) || N(0, I)) per sample (B,), summed over latent dimensions."""
    return -0.5 * torch.sum(1.0 + logvar - mu.pow(2) - logvar.exp(), dim=1)


def bernoulli_nll(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """-log p(x|z) per sample (B,): binary cross-entropy summed over all pixels."""
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

