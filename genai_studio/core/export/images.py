"""Image grids and PNG/NumPy output for generated samples (Pillow, no Qt).

Images are in the studio's layout: (n, h, w) grey or (n, h, w, 3) colour."""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from genai_studio.core.store.files import check_writable, write_atomic


def to_uint8(images: np.ndarray) -> np.ndarray:
    """Float images in [0, 1] -> uint8, rounding to nearest."""
    return (np.clip(images, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def tile_grid(
    images: np.ndarray, columns: int | None = None, padding: int = 2, scale: int = 1
) -> np.ndarray:
    """(n, h, w) or (n, h, w, 3) floats in [0, 1] -> one (H, W) or (H, W, 3) uint8 grid,
    nearest-neighbour upscaled."""
    n, h, w = images.shape[:3]
    columns = columns or max(1, math.ceil(math.sqrt(n)))
    rows = math.ceil(n / columns)
    tiles = to_uint8(images)
    if scale > 1:
        tiles = tiles.repeat(scale, axis=1).repeat(scale, axis=2)
        h, w = h * scale, w * scale
    grid = np.zeros((rows * (h + padding) + padding, columns * (w + padding) + padding,
                     *images.shape[3:]), np.uint8)
    for k in range(n):
        r, c = divmod(k, columns)
        top, left = padding + r * (h + padding), padding + c * (w + padding)
        grid[top:top + h, left:left + w] = tiles[k]
    return grid


def png_bytes(image: np.ndarray, pnginfo: Any = None) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG", pnginfo=pnginfo)
    return buffer.getvalue()


def save_png(path: Path, image: np.ndarray, inputs: Iterable[Path | None] = (),
             pnginfo: Any = None) -> None:
    """Write a uint8 (H, W) grey or (H, W, 3) RGB image as PNG, atomically; never over one
    of ``inputs``. ``pnginfo``: its text chunks (``core.imagemeta.png_info`` for
    provenance)."""
    check_writable(Path(path), inputs)
    write_atomic(Path(path), png_bytes(image, pnginfo), inputs=inputs)


def save_npy(path: Path, array: np.ndarray, inputs: Iterable[Path | None] = ()) -> None:
    """Write an array as .npy, atomically (same bytes for the same array)."""
    check_writable(Path(path), inputs)
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    write_atomic(Path(path), buffer.getvalue(), inputs=inputs)
