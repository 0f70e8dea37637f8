"""Convolutional stacks shared by the GAN and the VAE-GAN, parametrised by image shape.

Images are (channels, height, width). A stack takes ``conv_levels`` stride-2 steps (two at 28
and 32 px, three at 64): going down it doubles the channels at each step from ``base``; going
up it projects z to (base * 2^(L-1), H / 2^L, W / 2^L) and doubles the size L times, halving
the channels. With the default options the layouts are exactly the DCGAN modules of the first
model files (format version 1), so their weights still load by name.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm as _spectral_norm

from genai_studio.core.defaults import D_NORMS
from genai_studio.core.models.base import conv_levels

__all__ = ["D_NORMS", "DownStack", "MinibatchStd", "UpStack", "bottom", "spectral"]



def bottom(base: int, image_shape: tuple[int, int, int]) -> tuple[int, int, int, int]:
    """(levels, channels, height, width) of the smallest feature map."""
    _, height, width = image_shape
    levels = conv_levels(height, width)
    return levels, base * 2 ** (levels - 1), height >> levels, width >> levels


def spectral(module: nn.Module, enabled: bool) -> nn.Module:
    """``module`` with its weight divided by its largest singular value (Miyato et al. 2018),
    estimated by one power iteration per training forward pass."""
    return _spectral_norm(module) if enabled else module


class UpStack(nn.Module):
    """z (B, D) -> (B, C, H, W) raw outputs (the caller picks tanh, sigmoid or logits): a linear
    projection to the bottom feature map (BatchNorm, ReLU), then a 4x4 stride-2 transposed
    convolution per level (BatchNorm and ReLU between them)."""

    def __init__(self, in_features: int, base: int, image_shape: tuple[int, int, int]) -> None:
        super().__init__()
        levels, top, h, w = bottom(base, image_shape)
        self.project = nn.Sequential(
            nn.Linear(in_features, top * h * w, bias=False),  # 28 px: (B, 2c*49)
            nn.BatchNorm1d(top * h * w),
            nn.ReLU(),
        )
        layers: list[nn.Module] = []
        for level in reversed(range(1, levels)):  # 28 px: (B, c, 14, 14)
            c_in, c_out = base * 2 ** level, base * 2 ** (level - 1)
            layers += [nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=False),
                       nn.BatchNorm2d(c_out), nn.ReLU()]
        layers.append(nn.ConvTranspose2d(base, image_shape[0], 4, 2, 1))  # 28 px: (B, 1, 28, 28)
        self.upsample = nn.Sequential(*layers)
        self.bottom = (top, h, w)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.upsample(self.project(z).reshape(-1, *self.bottom))


class MinibatchStd(nn.Module):
    """Appends one feature map: the standard deviation of each feature across a group of
    ``group`` images, averaged over features and positions (Karras et al. 2018, sec. 3). A
    generator that draws the same digit again and again gives groups with a small spread,
    which the discriminator can then see and punish."""

    def __init__(self, group: int = 4) -> None:
        super().__init__()
        self.group = group

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        g = next(size for size in (self.group, 2, 1) if b % size == 0)
        y = x.reshape(g, b // g, c, h, w)
        std = (y.var(dim=0, unbiased=False) + 1e-8).sqrt()  # (B/g, C, H, W)
        std = std.mean(dim=(1, 2, 3)).reshape(1, b // g, 1, 1, 1).expand(g, -1, 1, h, w)
        return torch.cat([x, std.reshape(b, 1, h, w)], dim=1)


class DownStack(nn.Module):
    """(B, C, H, W) -> features (B, F): a 4x4 stride-2 convolution per level with LeakyReLU(0.2),
    flattened. ``norm``: "batch" (DCGAN: BatchNorm after every level but the first),
    "spectral" (every weight spectrally normalised, no BatchNorm: a sample's features never
    depend on the rest of its batch) or "none" (plain convolutions: for a gradient penalty, which
    BatchNorm's batch coupling would blur). ``mbstd``: a minibatch standard-deviation map is
    appended to the last level's output (``MinibatchStd``)."""

    def __init__(self, base: int, image_shape: tuple[int, int, int], norm: str = "batch",
                 mbstd: bool = False) -> None:
        super().__init__()
        if norm not in D_NORMS:
            raise ValueError(f"norm must be one of {', '.join(D_NORMS)}, not {norm!r}")
        levels, top, h, w = bottom(base, image_shape)
        sn = norm == "spectral"
        layers: list[nn.Module] = [spectral(nn.Conv2d(image_shape[0], base, 4, 2, 1), sn),
                                   nn.LeakyReLU(0.2)]  # 28 px: (B, c, 14, 14)
        for level in range(1, levels):  # 28 px: (B, 2c, 7, 7)
            c_in, c_out = base * 2 ** (level - 1), base * 2 ** level
            if norm != "batch":
                layers += [spectral(nn.Conv2d(c_in, c_out, 4, 2, 1), sn), nn.LeakyReLU(0.2)]
            else:
                layers += [nn.Conv2d(c_in, c_out, 4, 2, 1, bias=False), nn.BatchNorm2d(c_out),
                           nn.LeakyReLU(0.2)]
        if mbstd:
            layers.append(MinibatchStd())
        self.features = nn.Sequential(*layers, nn.Flatten())
        self.out_features = (top + int(mbstd)) * h * w

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x)
