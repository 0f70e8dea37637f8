"""Augmentations for small datasets: more looks at the same few images.

``"shift"`` moves each image by a few pixels (zero-filled): a VAE's data then teaches it that a
digit or a leaf a little to the left is the same thing, rather than 200 exact pictures.

``"diff"`` is DiffAugment (Zhao et al. 2020): the discriminator sees every image, real and
generated, through the same random, differentiable transformation: translation by up to 1/8
of the side (zero-filled), cutout of a square half the side, and for colour images random
brightness, saturation and contrast. The generator's gradient passes through it, so the
generator learns the un-augmented distribution while the discriminator, which would memorise
a few hundred images within minutes, is kept from doing so.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

AUGMENTS = ("none", "shift", "diff")


def translate(x: torch.Tensor, fraction: float, generator: torch.Generator) -> torch.Tensor:
    """Each image of x (B, C, H, W) moved by its own whole-pixel offset of up to ``fraction``
    of its side on each axis, the rest zero (differentiable in x: a gather)."""
    b, c, h, w = x.shape
    sh, sw = max(1, int(h * fraction + 0.5)), max(1, int(w * fraction + 0.5))
    padded = F.pad(x, (sw, sw, sh, sh))
    dy = torch.randint(0, 2 * sh + 1, (b,), generator=generator, device=generator.device)
    dx = torch.randint(0, 2 * sw + 1, (b,), generator=generator, device=generator.device)
    rows = (dy.to(x.device)[:, None] + torch.arange(h, device=x.device))  # (B, H)
    cols = (dx.to(x.device)[:, None] + torch.arange(w, device=x.device))  # (B, W)
    batch = torch.arange(b, device=x.device)[:, None, None]
    out = padded.permute(0, 2, 3, 1)[batch, rows[:, :, None], cols[:, None, :]]  # (B, H, W, C)
    return out.permute(0, 3, 1, 2)


def cutout(x: torch.Tensor, fraction: float, generator: torch.Generator) -> torch.Tensor:
    """Each image with a square of ``fraction`` of its side set to zero, at a random place."""
    b, _, h, w = x.shape
    ch, cw = max(1, int(h * fraction + 0.5)), max(1, int(w * fraction + 0.5))
    cy = torch.randint(0, h - ch + 1, (b, 1, 1), generator=generator,
                       device=generator.device).to(x.device)
    cx = torch.randint(0, w - cw + 1, (b, 1, 1), generator=generator,
                       device=generator.device).to(x.device)
    ys = torch.arange(h, device=x.device)[None, :, None]
    xs = torch.arange(w, device=x.device)[None, None, :]
    hole = (ys >= cy) & (ys < cy + ch) & (xs >= cx) & (xs < cx + cw)  # (B, H, W)
    return x * (~hole).unsqueeze(1).to(x.dtype)


def colour(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random brightness, saturation and contrast per image (images in [-1, 1], RGB)."""
    b = x.shape[0]

    def draw() -> torch.Tensor:
        return torch.rand((b, 1, 1, 1), generator=generator,
                          device=generator.device).to(x.device, x.dtype)

    x = x + (draw() - 0.5)
    mean = x.mean(dim=1, keepdim=True)
    x = (x - mean) * (draw() * 2.0) + mean
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * (draw() + 0.5) + mean


def diff_augment(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """DiffAugment's colour (RGB only), translation and cutout, for a discriminator's input."""
    if x.shape[1] == 3:
        x = colour(x, generator)
    return cutout(translate(x, 0.125, generator), 0.5, generator)


def shift(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """A VAE's training images moved by up to 1/8 of their side."""
    return translate(x, 0.125, generator)
