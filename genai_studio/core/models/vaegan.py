"""VAE-GAN (Larsen, Sønderby, Larochelle & Winther 2016, "Autoencoding beyond pixels using a
learned similarity metric"): a VAE whose decoder is also a GAN's generator, and whose
reconstruction error is measured in the discriminator's feature space instead of pixel space.

Three networks: encoder q(z|x) = N(mu, sigma^2), decoder Dec(z) (= the generator) and
discriminator Dis. With x a real digit, z ~ q(z|x), x~ = Dec(z), z_p ~ N(0, I), x_p = Dec(z_p)
and Dis_l(.) the activations of the discriminator's last convolution (the paper's l-th layer):

  L_prior = KL(q(z|x) || N(0, I))                                  (as in the VAE, nats)
  L_llike = -E_q[log N(Dis_l(x) | Dis_l(x~), I)]
          = 1/2 ||Dis_l(x) - Dis_l(x~)||^2 + (F/2) log 2 pi          (F features; the constant is
                                                                    dropped from the figures)
  L_GAN   = -[log Dis(x) + log(1 - Dis(x~)) + log(1 - Dis(x_p))]   (the discriminator's
                                                                    cross-entropy: the negative
                                                                    of the paper's eq. 6)

and each network descends its own objective (paper, Algorithm 1):

  encoder        L_prior + L_llike          (no GAN gradient reaches the encoder)
  decoder        gamma * L_llike - L_GAN    (gamma weighs content against style)
  discriminator  L_GAN                      (L_llike does not train the discriminator)

Written as the cross-entropy, L_GAN makes Algorithm 1's updates right as the paper prints
them; with the sign of the paper's eq. 6 they would push the decoder and the discriminator the
wrong way. The decoder term -L_GAN is the minimax generator loss: it lowers log(1 - Dis(x~)) +
log(1 - Dis(x_p)). ``adversarial="non-saturating"`` swaps in -log Dis(x~) - log Dis(x_p)
(Goodfellow et al.'s remedy for a generator whose samples the discriminator rejects easily:
same fixed point, strong gradients early). Images are in [-1, 1] inside the networks (tanh).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
from torch import nn

from genai_studio.core.models.base import (
    MNIST_SHAPE,
    Generator,
    ModelConfig,
    check_image_shape,
    from_studio_layout,
    one_hot,
)
from genai_studio.core.models.blocks import D_NORMS, DownStack, UpStack
from genai_studio.core.models.gan import GANDiscriminator, dcgan_init

ADVERSARIAL = ("minimax", "non-saturating")


@dataclass(frozen=True)
class VAEGANConfig(ModelConfig):
    kind: ClassVar[str] = "vaegan"

    latent_dim: int = 32
    channels: int = 32  # encoder and decoder base channels (next stage: twice)
    d_channels: int | None = None  # discriminator base channels; None: the same
    hidden: int = 512  # the encoder's fully connected layer before mu and log sigma^2
    conditional: bool = False
    num_classes: int = 10
    gamma: float = 0.01  # the decoder's weight of L_llike against the GAN loss
    adversarial: str = "minimax"
    norm: str = "spectral"  # the discriminator's normalisation
    image_shape: tuple[int, int, int] = MNIST_SHAPE  # (channels, height, width)

    def __post_init__(self) -> None:
        if min(self.latent_dim, self.channels, self.hidden, self.num_classes) < 1:
            raise ValueError("latent_dim, channels, hidden and num_classes must be positive")
        if self.d_channels is not None and self.d_channels < 1:
            raise ValueError("d_channels must be positive")
        if not (self.gamma > 0 and self.gamma < float("inf")):
            raise ValueError(f"gamma must be positive, not {self.gamma}")
        if self.adversarial not in ADVERSARIAL:
            raise ValueError(f"adversarial must be one of {', '.join(ADVERSARIAL)}, "
                             f"not {self.adversarial!r}")
        if self.norm not in D_NORMS:
            raise ValueError(f"norm must be one of {', '.join(D_NORMS)}, not {self.norm!r}")
        object.__setattr__(self, "image_shape", check_image_shape(self.image_shape, conv=True))


class VAEGAN(Generator):
    def __init__(self, config: VAEGANConfig) -> None:
        super().__init__(config)
        cond = config.num_classes if config.conditional else 0
        self.encoder = DownStack(config.channels, config.image_shape, norm="batch")
        self.encoder_body = nn.Sequential(
            nn.Linear(self.encoder.out_features + cond, config.hidden),
            nn.BatchNorm1d(config.hidden), nn.ReLU(),
        )
        self.mu_head = nn.Linear(config.hidden, config.latent_dim)
        self.logvar_head = nn.Linear(config.hidden, config.latent_dim)
        self.decoder = UpStack(config.latent_dim + cond, config.channels, config.image_shape)
        self.discriminator = GANDiscriminator(config.d_channels or config.channels,
                                              config.image_shape, config.norm, cond)
        self.apply(dcgan_init)

    def _condition(self, h: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        if not self.conditional:
            return h
        return torch.cat([h, one_hot(labels, self.num_classes)], dim=1)

    def encode(
        self, x: torch.Tensor, labels: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """x (B, C, H, W) in [0, 1] -> mu, logvar (B, D) of q(z|x)."""
        h = self.encoder(x * 2.0 - 1.0)
        h = self.encoder_body(self._condition(h, labels))
        return self.mu_head(h), self.logvar_head(h)

    def generate(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """z (B, D) -> images (B, C, H, W) in [-1, 1], the discriminator's range."""
        return torch.tanh(self.decoder(self._condition(z, labels)))

    def decode_images(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Images (B, C, H, W) in [0, 1]. Call in eval mode: BatchNorm then uses running
        stats."""
        return (self.generate(z, labels) + 1.0) * 0.5

    def reconstruct(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Dec(mu(x)) in the studio's layout, in [0, 1], for images x (B, C, H, W) in [0, 1]."""
        mu, _ = self.encode(x, labels)
        return self.decode(mu, labels)

    def discriminate(self, images: torch.Tensor, labels: torch.Tensor | None = None
                     ) -> torch.Tensor:
        """Dis's probability (B,) that images in the studio's layout ((B, H, W) grey, (B, H, W, 3)
        colour), in [0, 1], are real."""
        x = from_studio_layout(images) * 2.0 - 1.0
        return torch.sigmoid(self.discriminator(x, labels))
