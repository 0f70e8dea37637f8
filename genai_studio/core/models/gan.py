"""DCGAN-style generator and discriminator (Goodfellow et al. 2014; Radford et al. 2016) at the
images' own size, optionally class-conditional (generator: one-hot label joined to z, Mirza &
Osindero 2014; discriminator: projection, Miyato & Koyama 2018).

Losses, written with logits l = D(.) so that log D = -softplus(-l), log(1 - D) = -softplus(l):
    discriminator  L_D = -E[log D(x)] - E[log(1 - D(G(z)))] = softplus(-l_real) + softplus(l_fake)
    generator      L_G = -E[log D(G(z))]                    = softplus(-l_fake)   (non-saturating)
The minimax form log(1 - D(G(z))) saturates early in training; -log D(G(z)) has the same fixed
point and strong gradients. The discriminator step sees G(z).detach().

Images are ``image_shape`` = (channels, height, width), MNIST's (1, 28, 28) by default. Both
networks take ``conv_levels`` stride-2 steps (two at 28 and 32 px, three at 64): the generator
projects z to (2^(L-1) c, H / 2^L, W / 2^L) and doubles the size L times, halving the channels;
the discriminator mirrors it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from genai_studio.core.models.base import (
    MNIST_SHAPE,
    Generator,
    ModelConfig,
    check_image_shape,
    conv_levels,
    one_hot,
)


@dataclass(frozen=True)
class GANConfig(ModelConfig):
    kind: ClassVar[str] = "gan"

    latent_dim: int = 64
    channels: int = 64  # width of the last generator / first discriminator convolution
    conditional: bool = False
    num_classes: int = 10
    image_shape: tuple[int, int, int] = MNIST_SHAPE  # (channels, height, width)

    def __post_init__(self) -> None:
        if self.latent_dim < 1 or self.channels < 1 or self.num_classes < 1:
            raise ValueError("latent_dim, channels and num_classes must be positive")
        object.__setattr__(self, "image_shape", check_image_shape(self.image_shape, conv=True))


def _bottom(config: GANConfig) -> tuple[int, int, int, int]:
    """(levels, channels, height, width) of the smallest feature map."""
    _, height, width = config.image_shape
    levels = conv_levels(height, width)
    return levels, config.channels * 2 ** (levels - 1), height >> levels, width >> levels


class GANGenerator(nn.Module):
    def __init__(self, config: GANConfig) -> None:
        super().__init__()
        c, d = config.channels, config.latent_dim
        levels, top, h, w = _bottom(config)
        self.num_classes = config.num_classes if config.conditional else 0
        self.project = nn.Sequential(
            nn.Linear(d + self.num_classes, top * h * w, bias=False),  # 28 px: (B, 2c*49)
            nn.BatchNorm1d(top * h * w),
            nn.ReLU(),
        )
        layers: list[nn.Module] = []
        for level in reversed(range(1, levels)):  # 28 px: (B, c, 14, 14)
            c_in, c_out = c * 2 ** level, c * 2 ** (level - 1)
            layers += [nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=False),
                       nn.BatchNorm2d(c_out), nn.ReLU()]
        layers += [nn.ConvTranspose2d(c, config.image_shape[0], 4, 2, 1), nn.Tanh()]
        self.upsample = nn.Sequential(*layers)  # 28 px: (B, 1, 28, 28)
        self.bottom = (top, h, w)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """z (B, D) -> images (B, C, H, W) in [-1, 1]."""
        if self.num_classes:
            z = torch.cat([z, one_hot(labels, self.num_classes)], dim=1)  # (B, D + 10)
        h = self.project(z).reshape(-1, *self.bottom)
        return self.upsample(h)


class GANDiscriminator(nn.Module):
    def __init__(self, config: GANConfig) -> None:
        super().__init__()
        c = config.channels
        levels, top, h, w = _bottom(config)
        layers: list[nn.Module] = [nn.Conv2d(config.image_shape[0], c, 4, 2, 1),  # (B, c, 14, 14)
                                   nn.LeakyReLU(0.2)]
        for level in range(1, levels):  # 28 px: (B, 2c, 7, 7)
            c_in, c_out = c * 2 ** (level - 1), c * 2 ** level
            layers += [nn.Conv2d(c_in, c_out, 4, 2, 1, bias=False), nn.BatchNorm2d(c_out),
                       nn.LeakyReLU(0.2)]
        self.features = nn.Sequential(*layers, nn.Flatten())  # 28 px: (B, 2c*49)
        feature_dim = top * h * w
        self.head = nn.Linear(feature_dim, 1)
        self.label_projection = (
            nn.Embedding(config.num_classes, feature_dim) if config.conditional else None
        )

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """x (B, C, H, W) in [-1, 1] -> logits (B,) of 'real'."""
        h = self.features(x)
        logits = self.head(h).squeeze(1)
        if self.label_projection is not None:
            logits = logits + (self.label_projection(labels) * h).sum(dim=1)
        return logits


class GAN(Generator):
    def __init__(self, config: GANConfig) -> None:
        super().__init__()
        self.config = config
        self.latent_dim = config.latent_dim
        self.conditional = config.conditional
        self.num_classes = config.num_classes
        self.image_shape = config.image_shape
        self.generator = GANGenerator(config)
        self.discriminator = GANDiscriminator(config)
        self.apply(_dcgan_init)

    def decode_images(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Images (B, C, H, W) in [0, 1]. Call in eval mode: BatchNorm then uses running
        stats."""
        return (self.generator(z, labels) + 1.0) * 0.5


def _dcgan_init(module: nn.Module) -> None:
    """DCGAN's initialisation: N(0, 0.02) weights, BatchNorm scales N(1, 0.02); the label
    projection starts at zero so the conditional discriminator begins as the plain one."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)
    elif isinstance(module, nn.Embedding):
        nn.init.zeros_(module.weight)


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """-log D(x) - log(1 - D(G(z))), averaged over the batch."""
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """Non-saturating generator loss -log D(G(z)), averaged over the batch."""
    return F.softplus(-fake_logits).mean()
