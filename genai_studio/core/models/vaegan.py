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

``arch="mlp"`` builds the encoder and decoder of the MLP VAE (``core.models.vae``, the same
layer names and sizes, ``mlp_hidden``), so a trained VAE can start the VAE-GAN (Ham et al.
2020: a VAE-GAN warm-started from a VAE trains faster and more stably): its encoder is
copied as is, and its decoder's Bernoulli logits l become the image 2 sigmoid(l) - 1 =
tanh(l / 2), so the warm-started VAE-GAN begins by drawing exactly the VAE's mean images.
``ema_decay`` samples from a moving average of the decoder (as the GAN's ``ema_decay``), and
``r1_gamma`` adds the R1 penalty on real images to the discriminator's loss (as the GAN's).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import ClassVar

import torch
from torch import nn

from genai_studio.core.defaults import MAX_PRIOR_COMPONENTS
from genai_studio.core.models.base import (
    MNIST_SHAPE,
    Generator,
    ModelConfig,
    check_image_shape,
    from_studio_layout,
    one_hot,
)
from genai_studio.core.models.blocks import D_NORMS, DownStack, UpStack
from genai_studio.core.models.gan import GANDiscriminator, dcgan_init, ema_update
from genai_studio.core.models.vae import _mlp

ADVERSARIAL = ("minimax", "non-saturating")
ARCHS = ("conv", "mlp")
LLIKE_VARIANCES = ("unit", "fitted")  # see core.train.adversarial.feature_llike


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
    llike_variance: str = "unit"  # sigma^2 of L_llike: "unit" (the paper's) or "fitted"
    image_shape: tuple[int, int, int] = MNIST_SHAPE  # (channels, height, width)
    arch: str = "conv"  # the encoder and decoder: conv (DCGAN stacks) or mlp (the VAE's)
    mlp_hidden: tuple[int, ...] = (512, 512)  # mlp only: the VAE's hidden widths
    ema_decay: float = 0.0  # 0: decode with the trained decoder itself
    r1_gamma: float = 0.0  # the R1 penalty's weight; 0: none
    r1_every: int = 16  # lazy R1: every this many steps
    prior_components: int = 0  # a fitted mixture prior of this many parts; 0: none

    def __post_init__(self) -> None:
        if not 0 <= self.prior_components <= MAX_PRIOR_COMPONENTS:
            raise ValueError(f"prior_components must be 0 to {MAX_PRIOR_COMPONENTS}")
        if self.llike_variance not in LLIKE_VARIANCES:
            raise ValueError(f"llike_variance must be one of {', '.join(LLIKE_VARIANCES)}, "
                             f"not {self.llike_variance!r}")
        if self.arch not in ARCHS:
            raise ValueError(f"arch must be one of {', '.join(ARCHS)}, not {self.arch!r}")
        hidden = tuple(int(h) for h in self.mlp_hidden)
        if not hidden or min(hidden) < 1 or len(hidden) > 16:
            raise ValueError("mlp_hidden must be 1 to 16 positive widths")
        object.__setattr__(self, "mlp_hidden", hidden)
        if not 0.0 <= self.ema_decay < 1.0:
            raise ValueError(f"ema_decay must be in [0, 1), not {self.ema_decay}")
        if not (0.0 <= self.r1_gamma < 1e6) or not 1 <= self.r1_every <= 1000:
            raise ValueError("r1_gamma must be in [0, 1e6) and r1_every in 1..1000")
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
        if config.arch == "mlp":
            pixels = config.image_shape[0] * config.image_shape[1] * config.image_shape[2]
            hidden = list(config.mlp_hidden)
            self.encoder_body = nn.Sequential(_mlp([pixels + cond, *hidden]), nn.ReLU())
            self.decoder: nn.Module = _mlp([config.latent_dim + cond, *reversed(hidden), pixels])
            width = hidden[-1]
        else:
            self.encoder = DownStack(config.channels, config.image_shape, norm="batch")
            self.encoder_body = nn.Sequential(
                nn.Linear(self.encoder.out_features + cond, config.hidden),
                nn.BatchNorm1d(config.hidden), nn.ReLU(),
            )
            self.decoder = UpStack(config.latent_dim + cond, config.channels, config.image_shape)
            width = config.hidden
        self.mu_head = nn.Linear(width, config.latent_dim)
        self.logvar_head = nn.Linear(width, config.latent_dim)
        self.discriminator = GANDiscriminator(config.d_channels or config.channels,
                                              config.image_shape, config.norm, cond)
        if config.arch == "conv":
            self.apply(dcgan_init)
        else:  # the VAE's (PyTorch's default) initialisation for the MLP; DCGAN's for D
            self.discriminator.apply(dcgan_init)
        self.decoder_ema: nn.Module | None = None
        if config.ema_decay > 0:
            self.decoder_ema = copy.deepcopy(self.decoder).requires_grad_(False)

    def encoder_parameters(self) -> list[nn.Parameter]:
        parts = [self.encoder_body, self.mu_head, self.logvar_head]
        if self.config.arch == "conv":
            parts.insert(0, self.encoder)
        return [p for part in parts for p in part.parameters()]

    @torch.no_grad()
    def update_ema(self, step: int) -> None:
        """The decoder's moving average after training step ``step`` (see GAN.update_ema)."""
        if self.decoder_ema is not None:
            ema_update(self.decoder_ema, self.decoder, self.config.ema_decay, step)

    def warm_start_mismatch(self, vae: Generator) -> str | None:
        """Why a VAE cannot start this VAE-GAN, or None when its encoder and decoder fit."""
        mine, theirs = self.config, vae.config
        if getattr(theirs, "kind", None) != "vae":
            return "the model to start from must be a VAE"
        wanted = {"arch": ("mlp", mine.arch), "hidden": (mine.mlp_hidden, theirs.hidden),
                  "latent size": (mine.latent_dim, theirs.latent_dim),
                  "image shape": (mine.image_shape, theirs.image_shape),
                  "conditional": (mine.conditional, theirs.conditional)}
        if theirs.arch != "mlp" or mine.arch != "mlp":
            return "only an MLP VAE can start an MLP VAE-GAN (--arch mlp)"
        for what, (a, b) in wanted.items():
            if a != b:
                return f"the VAE's {what} ({b}) differs from the VAE-GAN's ({a})"
        return None

    def warm_start(self, vae: nn.Module) -> None:
        """Copy a trained MLP VAE's encoder and decoder (the same sizes: checked first by
        ``warm_start_mismatch``); a fitted prior of the VAE is not part of them."""
        own = self.state_dict()
        for name, tensor in vae.state_dict().items():
            if name.startswith("fitted_prior."):
                continue
            target = name.replace("decoder_body.", "decoder.")
            own[target].copy_(tensor)
            if self.decoder_ema is not None and target.startswith("decoder."):
                own["decoder_ema." + target[len("decoder."):]].copy_(tensor)

    def _condition(self, h: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        if not self.conditional:
            return h
        return torch.cat([h, one_hot(labels, self.num_classes)], dim=1)

    def encode(
        self, x: torch.Tensor, labels: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """x (B, C, H, W) in [0, 1] -> mu, logvar (B, D) of q(z|x)."""
        if self.config.arch == "mlp":  # the VAE's input: grey levels in [0, 1]
            h = self.encoder_body(self._condition(x.reshape(x.shape[0], -1), labels))
            return self.mu_head(h), self.logvar_head(h)
        h = self.encoder(x * 2.0 - 1.0)
        h = self.encoder_body(self._condition(h, labels))
        return self.mu_head(h), self.logvar_head(h)

    def generate(self, z: torch.Tensor, labels: torch.Tensor | None = None,
                 decoder: nn.Module | None = None) -> torch.Tensor:
        """z (B, D) -> images (B, C, H, W) in [-1, 1], the discriminator's range, from the
        trained decoder (or ``decoder``: its moving average)."""
        out = (decoder or self.decoder)(self._condition(z, labels))
        if self.config.arch == "mlp":  # Bernoulli logits l: 2 sigmoid(l) - 1 = tanh(l / 2)
            return torch.tanh(0.5 * out).reshape(-1, *self.image_shape)
        return torch.tanh(out)

    def decode_images(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Images (B, C, H, W) in [0, 1], from the decoder's moving average when there is one.
        Call in eval mode: BatchNorm then uses running stats."""
        return (self.generate(z, labels, self.decoder_ema) + 1.0) * 0.5

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
