"""DCGAN-style generator and discriminator (Goodfellow et al. 2014; Radford et al. 2016) at the
images' own size, optionally class-conditional (generator: one-hot label joined to z, Mirza &
Osindero 2014; discriminator: projection, Miyato & Koyama 2018), with the later fixes as options.

Losses, written with logits l = D(.) so that log D = -softplus(-l), log(1 - D) = -softplus(l):
  "bce" (Goodfellow et al.; the first model files):
    discriminator  L_D = -E[log D(x)] - E[log(1 - D(G(z)))] = softplus(-l_real) + softplus(l_fake)
    generator      L_G = -E[log D(G(z))]                    = softplus(-l_fake)   (non-saturating)
  The minimax form log(1 - D(G(z))) saturates early in training; -log D(G(z)) has the same fixed
  point and strong gradients.
  "hinge" (Lim & Ye 2017; Miyato et al. 2018):
    discriminator  L_D = E[max(0, 1 - l_real)] + E[max(0, 1 + l_fake)]
    generator      L_G = -E[l_fake]
The discriminator step sees G(z).detach().

Options beyond DCGAN (each off in a config that does not name it, so format-1 files load as
they were written):
  norm="spectral"  spectral normalisation of every discriminator weight (Miyato et al. 2018)
                   instead of BatchNorm: each layer's gain is held at 1, so D cannot
                   sharpen without bound and saturates more slowly
  ema_decay > 0    samples come from an exponential moving average of the generator's weights
                   (Yazici et al. 2019): G_ema <- decay * G_ema + (1 - decay) * G after each step
                   (the decay ramps up over the first steps, see update_ema)
  d_channels       a discriminator wider (or narrower) than the generator
  norm="none"      no normalisation in the discriminator (for the R1 penalty)
  mbstd            a minibatch standard-deviation feature in the discriminator (Karras et al.
                   2018): it sees how varied a group of images is, so a generator that draws
                   few different digits is caught
  r1_gamma > 0     the R1 penalty on real images (Mescheder et al. 2018, eq. 9), added to L_D:
                       R1 = gamma / 2 * E_x[ ||grad_x D(x)||^2 ]
                   "lazily", every r1_every discriminator steps and multiplied by r1_every so
                   its average weight stays gamma / 2 (Karras et al. 2020)
  clusters = K     self-conditioning without labels (Liu et al. 2020): the training images are
                   split into K k-means clusters (of their 2x-downsampled pixels) before
                   training, and the discriminator is told which cluster each real image is in
                   (its nearest centre) and which each generated one was drawn for
                   (projection, as for labels), so no cluster can be left without images.
                   The latent is z (latent_dim, N(0, I)) followed by K cluster coordinates: a
                   mixture prior (``core.models.prior``) whose component k puts 1 at
                   coordinate k (with a little spread, CLUSTER_SPREAD) and 0 elsewhere, with
                   the clusters' shares as weights. The generator reads the cluster as surely
                   as a conditional GAN reads its label (random well-separated means in z's
                   own space were confused for one another: a 20-cluster run needed three
                   times the epochs), and still maps one latent vector to one image, so the
                   pad, morphs between clusters and genes work as for any GAN.
  betas            Adam's (beta1, beta2) for both players
Two time-scale learning rates (Heusel et al. 2017) are a training option (TrainConfig.d_lr).

Images are ``image_shape`` = (channels, height, width), MNIST's (1, 28, 28) by default; the
networks are ``core.models.blocks``' stacks.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from genai_studio.core.defaults import GAN_LOSSES
from genai_studio.core.models.base import (
    MNIST_SHAPE,
    Generator,
    ModelConfig,
    check_image_shape,
    from_studio_layout,
    one_hot,
)
from genai_studio.core.models.blocks import D_NORMS, DownStack, UpStack, spectral
from genai_studio.core.models.prior import MixturePrior, kmeans, nearest_centre

# The spread of a draw's cluster coordinates around its component's one-hot: small enough
# that the cluster is never in doubt, large enough that the generator sees a neighbourhood
# of each one-hot rather than a point (so morphs between clusters stay in a trained range
# longer).
CLUSTER_SPREAD = 0.05


@dataclass(frozen=True)
class GANConfig(ModelConfig):
    kind: ClassVar[str] = "gan"

    latent_dim: int = 64
    channels: int = 64  # width of the last generator / first discriminator convolution
    conditional: bool = False
    num_classes: int = 10
    image_shape: tuple[int, int, int] = MNIST_SHAPE  # (channels, height, width)
    loss: str = "bce"
    norm: str = "batch"  # the discriminator's normalisation
    ema_decay: float = 0.0  # 0: sample from the trained generator itself
    d_channels: int | None = None  # None: the same as channels
    mbstd: bool = False  # a minibatch standard-deviation feature in the discriminator
    r1_gamma: float = 0.0  # the R1 penalty's weight; 0: none
    r1_every: int = 16  # lazy R1: every this many discriminator steps
    clusters: int = 0  # self-conditioning on this many k-means clusters; 0: none
    betas: tuple[float, float] = (0.5, 0.999)  # Adam's, both players (DCGAN's by default)

    # What a config written before these options existed (format version 1's first files) meant.
    LEGACY: ClassVar[dict[str, Any]] = {"loss": "bce", "norm": "batch", "ema_decay": 0.0,
                                        "d_channels": None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GANConfig:
        """A missing option is read as the DCGAN the file was made with, not today's default."""
        return super().from_dict({**cls.LEGACY, **data} if isinstance(data, dict) else data)

    def __post_init__(self) -> None:
        if self.latent_dim < 1 or self.channels < 1 or self.num_classes < 1:
            raise ValueError("latent_dim, channels and num_classes must be positive")
        if self.d_channels is not None and self.d_channels < 1:
            raise ValueError("d_channels must be positive")
        if self.loss not in GAN_LOSSES:
            raise ValueError(f"loss must be one of {', '.join(GAN_LOSSES)}, not {self.loss!r}")
        if self.norm not in D_NORMS:
            raise ValueError(f"norm must be one of {', '.join(D_NORMS)}, not {self.norm!r}")
        if not 0.0 <= self.ema_decay < 1.0:
            raise ValueError(f"ema_decay must be in [0, 1), not {self.ema_decay}")
        if not (0.0 <= self.r1_gamma < 1e6) or not 1 <= self.r1_every <= 1000:
            raise ValueError("r1_gamma must be in [0, 1e6) and r1_every in 1..1000")
        if not 0 <= self.clusters <= 1000:
            raise ValueError(f"clusters must be 0 to 1000, not {self.clusters}")
        if self.clusters and self.conditional:
            raise ValueError("a conditional GAN takes labels; clusters are for one without")
        betas = tuple(float(b) for b in self.betas)
        if len(betas) != 2 or not all(0.0 <= b < 1.0 for b in betas):
            raise ValueError(f"betas must be two numbers in [0, 1), not {self.betas!r}")
        object.__setattr__(self, "betas", betas)
        object.__setattr__(self, "image_shape", check_image_shape(self.image_shape, conv=True))


class GANGenerator(UpStack):
    """z (B, D) [+ one-hot label] -> images (B, C, H, W) in [-1, 1]."""

    def __init__(self, latent_dim: int, channels: int, image_shape: tuple[int, int, int],
                 num_classes: int = 0) -> None:
        super().__init__(latent_dim + num_classes, channels, image_shape)
        self.num_classes = num_classes

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if self.num_classes:
            z = torch.cat([z, one_hot(labels, self.num_classes)], dim=1)  # (B, D + 10)
        return torch.tanh(super().forward(z))


class GANDiscriminator(DownStack):
    """x (B, C, H, W) in [-1, 1] -> logits (B,) of 'real'; ``logits_and_features`` also gives
    the last convolution's activations (B, F): the VAE-GAN's learned similarity space."""

    def __init__(self, channels: int, image_shape: tuple[int, int, int], norm: str,
                 num_classes: int = 0, mbstd: bool = False) -> None:
        super().__init__(channels, image_shape, norm, mbstd)
        sn = norm == "spectral"
        self.head = spectral(nn.Linear(self.out_features, 1), sn)
        self.label_projection = (
            spectral(nn.Embedding(num_classes, self.out_features), sn) if num_classes else None
        )

    def logits_and_features(
        self, x: torch.Tensor, labels: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.features(x)  # (B, F)
        logits = self.head(h).squeeze(1)
        if self.label_projection is not None:
            logits = logits + (self.label_projection(labels) * h).sum(dim=1)
        return logits, h

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.logits_and_features(x, labels)[0]


class GAN(Generator):
    def __init__(self, config: GANConfig) -> None:
        super().__init__(config)
        classes = config.num_classes if config.conditional else 0
        self.generator = GANGenerator(config.latent_dim + config.clusters, config.channels,
                                      config.image_shape, classes)
        self.discriminator = GANDiscriminator(config.d_channels or config.channels,
                                              config.image_shape, config.norm,
                                              classes or config.clusters, config.mbstd)
        self.apply(dcgan_init)
        self.mixture: MixturePrior | None = None
        if config.clusters:
            k = config.clusters
            self.latent_dim = config.latent_dim + k  # z, then the cluster coordinates
            self.mixture = MixturePrior(k, self.latent_dim, fixed_gaussians=True)
            c, h, w = cluster_feature_shape(config.image_shape)
            self.register_buffer("cluster_centres", torch.zeros(k, c * h * w))
            means = torch.cat([torch.zeros(k, config.latent_dim), torch.eye(k)], dim=1)
            spread = torch.cat([torch.ones(config.latent_dim), torch.full((k,), CLUSTER_SPREAD)])
            self.mixture.set_gaussians(means, torch.diag(spread).expand(k, -1, -1),
                                       torch.ones(k))
        # A frozen copy whose weights follow the generator's (see update_ema).
        self.generator_ema = copy.deepcopy(self.generator) if config.ema_decay > 0 else None
        if self.generator_ema is not None:
            self.generator_ema.requires_grad_(False)

    @torch.no_grad()
    def fit_clusters(self, images: torch.Tensor, seed: int = 0) -> torch.Tensor:
        """Split training images (N, C, H, W) in [0, 1] into the config's clusters (k-means on
        ``cluster_features``), keep their centres and give each mixture component its
        cluster's share of the images; returns each image's cluster (N,)."""
        assert self.mixture is not None, "fit_clusters needs a GAN with clusters"
        features = cluster_features(images.float()).cpu()
        centres, assign = kmeans(features, self.config.clusters, seed=seed)
        self.cluster_centres.copy_(centres)
        shares = torch.bincount(assign, minlength=self.config.clusters).float()
        self.mixture.weights.copy_(shares.clamp(min=1.0) / shares.clamp(min=1.0).sum())
        return assign

    def cluster_of(self, images: torch.Tensor) -> torch.Tensor:
        """The cluster (N,) of images (N, C, H, W) in [0, 1]: their nearest centre."""
        return nearest_centre(cluster_features(images.float()), self.cluster_centres)

    def prior(self, n: int, generator: torch.Generator | None = None,
              fitted: bool | None = None) -> torch.Tensor:
        """n latents from the model's own prior: the cluster mixture when it has one."""
        if self.mixture is None:
            return super().prior(n, generator, fitted)
        return self.mixture.draw(n, generator)[0].to(self._param_device())

    @property
    def sampler(self) -> nn.Module:
        """The generator that draws samples: the moving average when there is one."""
        return self.generator_ema if self.generator_ema is not None else self.generator

    def decode_images(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Images (B, C, H, W) in [0, 1]. Call in eval mode: BatchNorm then uses running
        stats."""
        return (self.sampler(z, labels) + 1.0) * 0.5

    def discriminate(self, images: torch.Tensor, labels: torch.Tensor | None = None
                     ) -> torch.Tensor:
        """D's probability (B,) that images in the studio's layout ((B, H, W) grey, (B, H, W, 3)
        colour), in [0, 1], are real; for a hinge discriminator, the logistic of its score (a
        reading, not a calibrated probability)."""
        x = from_studio_layout(images) * 2.0 - 1.0
        return torch.sigmoid(self.discriminator(x, labels))

    @torch.no_grad()
    def update_ema(self, step: int) -> None:
        """G_ema <- decay * G_ema + (1 - decay) * G after training step ``step`` (0-based); the
        decay ramps up as min(ema_decay, (1 + step) / (10 + step)), so the average forgets the
        random initial weights within the first epoch instead of carrying them for thousands of
        steps. BatchNorm statistics are copied (and recomputed for the averaged weights by
        ``refresh_ema_statistics`` before saving)."""
        if self.generator_ema is None:
            return
        ema_update(self.generator_ema, self.generator, self.config.ema_decay, step)

    @torch.no_grad()
    def refresh_ema_statistics(self, batches: int = 10, batch_size: int = 256,
                               seed: int = 0) -> None:
        """BatchNorm's running statistics recomputed for the averaged weights ("standing
        statistics", Brock et al. 2019): a plain mean over ``batches`` seeded noise batches."""
        if self.generator_ema is None:
            return
        norms = [m for m in self.generator_ema.modules()
                 if isinstance(m, nn.BatchNorm1d | nn.BatchNorm2d)]
        device = next(self.generator_ema.parameters()).device
        gen = torch.Generator().manual_seed(seed)
        was_training = self.generator_ema.training
        saved = [m.momentum for m in norms]
        for m in norms:
            m.reset_running_stats()
            m.momentum = None  # cumulative moving average: the plain mean over the batches
        self.generator_ema.train()
        for i in range(batches):
            z = self.prior(batch_size, gen).to(device)  # the model's own prior
            labels = (torch.arange(batch_size, device=device) + i) % self.num_classes
            self.generator_ema(z, labels if self.conditional else None)
        for m, momentum in zip(norms, saved, strict=True):
            m.momentum = momentum
        self.generator_ema.train(was_training)


@torch.no_grad()
def ema_update(ema: nn.Module, live: nn.Module, decay: float, step: int) -> None:
    """ema <- d * ema + (1 - d) * live, d = min(decay, (1 + step) / (10 + step)); buffers (BatchNorm
    statistics) are copied."""
    d = min(decay, (1.0 + step) / (10.0 + step))
    averaged = dict(ema.named_parameters())
    for name, param in live.named_parameters():
        averaged[name].lerp_(param, 1.0 - d)
    buffers = dict(ema.named_buffers())
    for name, buffer in live.named_buffers():
        buffers[name].copy_(buffer)


def cluster_feature_shape(image_shape: tuple[int, int, int]) -> tuple[int, int, int]:
    """(C, H, W) of ``cluster_features``: the image averaged over 2x2 blocks."""
    c, h, w = image_shape
    return c, h // 2, w // 2


def cluster_features(images: torch.Tensor) -> torch.Tensor:
    """What images (N, C, H, W) in [0, 1] are clustered by: their pixels averaged over 2x2
    blocks and flattened (N, F). Halving the size makes the distances care about the shape of
    the strokes more than about where exactly each pixel of them lies."""
    return F.avg_pool2d(images, 2).flatten(1)


def dcgan_init(module: nn.Module) -> None:
    """DCGAN's initialisation: N(0, 0.02) weights, BatchNorm scales N(1, 0.02); the label
    projection starts at zero so the conditional discriminator begins as the plain one.

    Spectrally normalised layers keep PyTorch's default initialisation: their scale is divided
    out anyway, the power iteration's vectors were fitted to it when the norm was attached, and
    a zero matrix has no largest singular value to divide by."""
    if getattr(module, "parametrizations", None) is not None:
        return
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)
    elif isinstance(module, nn.Embedding):
        nn.init.zeros_(module.weight)


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor,
                       loss: str = "bce") -> torch.Tensor:
    """bce: -log D(x) - log(1 - D(G(z))); hinge: max(0, 1 - D(x)) + max(0, 1 + D(G(z)));
    each averaged over the batch."""
    if loss == "hinge":
        return F.relu(1.0 - real_logits).mean() + F.relu(1.0 + fake_logits).mean()
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def generator_loss(fake_logits: torch.Tensor, loss: str = "bce") -> torch.Tensor:
    """bce: the non-saturating -log D(G(z)); hinge: -D(G(z)); averaged over the batch."""
    if loss == "hinge":
        return -fake_logits.mean()
    return F.softplus(-fake_logits).mean()
