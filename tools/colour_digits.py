"""A small colour folder for trying genes on colour data: MNIST digits inked in colour.

Each PNG is one MNIST training digit, 28x28 RGB on black, its ink coloured with a hue drawn
from 0 to 240 degrees (red, through yellow and green, to blue: a range, not the whole wheel,
so "hue" has two ends), a brightness from 45% to 100% and a saturation from 55% to 100%.
Deterministic for a seed, so ``benchmarks/genes.py`` can be rerun on the same data:

    python tools/colour_digits.py --out /tmp/colour-digits --n 4000
    genai-studio dataset create /tmp/colour-digits --out colour-digits --colour rgb --fit crop
    genai-studio train vae --data colour-digits --latent-dim 16 ... --out colour-vae.safetensors
"""

from __future__ import annotations

import argparse
import colorsys
from pathlib import Path

import numpy as np
from PIL import Image

from genai_studio.core.data.mnist import load_mnist_arrays

HUES = (0.0, 240.0)
BRIGHTNESS = (0.45, 1.0)
SATURATION = (0.55, 1.0)


def colour_digits(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n RGB digits (n, 28, 28, 3) uint8 and their (hue, brightness, saturation) (n, 3)."""
    images, _ = load_mnist_arrays("train")
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(images), size=n, replace=False)
    params = np.stack([rng.uniform(*HUES, n), rng.uniform(*BRIGHTNESS, n),
                       rng.uniform(*SATURATION, n)], axis=1)
    out = np.zeros((n, 28, 28, 3), dtype=np.uint8)
    for k, (index, (hue, value, saturation)) in enumerate(zip(pick, params, strict=True)):
        rgb = np.array(colorsys.hsv_to_rgb(hue / 360.0, saturation, value))
        out[k] = np.round(images[index][:, :, None] / 255.0 * rgb[None, None, :] * 255)
    return out, params


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--n", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    images, _ = colour_digits(args.n, args.seed)
    for k, image in enumerate(images):
        Image.fromarray(image).save(args.out / f"digit-{k:05d}.png")
    print(f"wrote {args.n} images to {args.out}")


if __name__ == "__main__":
    main()
