"""NumPy <-> QImage helpers. Every QImage returned owns its pixels (``.copy()``): a QImage
built on a NumPy buffer only borrows it, and the buffer may be gone before the paint."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QImage

if TYPE_CHECKING:
    import numpy as np


def to_uint8(images: np.ndarray) -> np.ndarray:
    import numpy as np
    return (np.clip(images, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def gray_image(pixels: np.ndarray) -> QImage:
    """(h, w) uint8 or float in [0, 1] -> an owning Format_Grayscale8 QImage."""
    import numpy as np
    if pixels.dtype != np.uint8:
        pixels = to_uint8(pixels)
    pixels = np.ascontiguousarray(pixels)
    h, w = pixels.shape
    return QImage(pixels.data, w, h, w, QImage.Format.Format_Grayscale8).copy()


def upscale_nearest(pixels: np.ndarray, size: int) -> np.ndarray:
    """A crisp square upscale of one (28, 28) image to ``size`` px (nearest neighbour)."""
    import numpy as np
    h, w = pixels.shape
    rows = (np.arange(size) * h // size).clip(0, h - 1)
    cols = (np.arange(size) * w // size).clip(0, w - 1)
    return pixels[rows][:, cols]
