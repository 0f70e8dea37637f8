"""Convolutional building blocks shared by the GAN and the VAE-GAN, parametrised by image shape.

A stack halves (or doubles) the spatial size once per stride-2 stage, as many times as the image
size allows (28 -> 14 -> 7: two stages; 32 or 64 px: three or four), with channels doubling on
the way down and halving on the way up: ``base`` channels at the stage nearest to the image,
``base * 2**(stages - 1)`` at the one nearest to the latent.

The layouts for two stages and the default options are exactly the DCGAN modules that the first
model files (format version 1) were written with, so their weights still load by name.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm as _spectral_norm


def num_stages(size: int) -> int:
    """Stride-2 stages for a square image of ``size`` px: halve while even and >= 8."""
    stages = 0
    while size % 2 == 0 and size >= 8:
        size //= 2
        stages += 1
    return stages


def bottom_size(size: int) -> int:
    """Side of the feature map after all stages (7 for 28 px, 4 for 32 or 64 px)."""
    return size // 2 ** num_stages(size)


def _maybe_sn(module: nn.Module, spectral: bool) -> nn.Module:
    return _spectral_norm(module) if spectral else module


class UpStack(nn.Module):
    """z (B, D) -> images (B, C, S, S): a linear projection to the bottom feature map, then one
    transposed 4x4 stride-2 convolution per stage (BatchNorm + ReLU between), raw outputs (the
    caller picks tanh, sigmoid or logits)."""

    def __init__(self, in_features: int, base: int, image_channels: int = 1,
                 image_size: int = 28) -> None:
        super().__init__()
        stages = num_stages(image_size)
        self.bottom = bottom_size(image_size)
        self.top_channels = base * 2 ** (stages - 1)
        top = self.top_channels * self.bottom ** 2
        self.project = nn.Sequential(
            nn.Linear(in_features, top, bias=False),  # (B, top*b*b); BatchNorm has the bias
            nn.BatchNorm1d(top),
            nn.ReLU(),
        )
        layers: list[nn.Module] = []
        channels = self.top_channels
        for _ in range(stages - 1):
            layers += [nn.ConvTranspose2d(channels, channels // 2, 4, 2, 1, bias=False),
                       nn.BatchNorm2d(channels // 2), nn.ReLU()]
            channels //= 2
        layers.append(nn.ConvTranspose2d(channels, image_channels, 4, 2, 1))  # (B, C, S, S)
        self.upsample = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.project(z).reshape(-1, self.top_channels, self.bottom, self.bottom)
        return self.upsample(h)


class DownStack(nn.Module):
    """Images (B, C, S, S) -> features (B, F): one 4x4 stride-2 convolution per stage with
    LeakyReLU(0.2), then flattened. ``norm``: "batch" (DCGAN: BatchNorm after every stage but the
    first), "spectral" (Miyato et al. 2018: every weight divided by its largest singular value,
    no BatchNorm, so a sample's features never depend on the rest of its batch) or "none"."""

    def __init__(self, base: int, image_channels: int = 1, image_size: int = 28,
                 norm: str = "batch") -> None:
        super().__init__()
        if norm not in ("batch", "spectral", "none"):
            raise ValueError(f"norm must be 'batch', 'spectral' or 'none', not {norm!r}")
        stages = num_stages(image_size)
        spectral = norm == "spectral"
        layers: list[nn.Module] = []
        channels_in, channels = image_channels, base
        for stage in range(stages):
            batch_norm = norm == "batch" and stage > 0
            layers.append(_maybe_sn(nn.Conv2d(channels_in, channels, 4, 2, 1,
                                              bias=not batch_norm), spectral))
            if batch_norm:
                layers.append(nn.BatchNorm2d(channels))
            layers.append(nn.LeakyReLU(0.2))
            channels_in, channels = channels, channels * 2
        layers.append(nn.Flatten())
        self.features = nn.Sequential(*layers)
        self.out_features = channels_in * bottom_size(image_size) ** 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)


def linear(in_features: int, out_features: int, spectral: bool = False) -> nn.Module:
    return _maybe_sn(nn.Linear(in_features, out_features), spectral)


def embedding(num: int, dim: int, spectral: bool = False) -> nn.Module:
    return _maybe_sn(nn.Embedding(num, dim), spectral)
