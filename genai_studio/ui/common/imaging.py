"""NumPy <-> QImage helpers. Every QImage returned owns its pixels (``.copy()``): a QImage
built on a NumPy buffer only borrows it, and the buffer may be gone before the paint."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QImage

if TYPE_CHECKING:
    import numpy as np


def to_uint8(images: np.ndarray) -> np.ndarray:
    import numpy as np
    return (np.clip(images, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def gray_image(pixels: np.ndarray) -> QImage:
    """(h, w) grey or (h, w, 3) RGB, uint8 or float in [0, 1] -> an owning QImage in
    Format_RGB32: colour models are drawn in colour everywhere, and RGB32 is the raster
    painter's own format (a Grayscale8 image was converted on every paint: scaling one to the
    pad's preview took 0.6-0.8 ms against 0.2 ms, measured)."""
    import numpy as np
    if pixels.dtype != np.uint8:
        pixels = to_uint8(pixels)
    h, w = pixels.shape[:2]
    channels = pixels.astype(np.uint32)
    if pixels.ndim == 2:
        r = g = b = channels
    else:
        r, g, b = channels[..., 0], channels[..., 1], channels[..., 2]
    argb = np.ascontiguousarray(0xFF000000 | (r << 16) | (g << 8) | b, dtype=np.uint32)
    return QImage(argb.data, w, h, 4 * w, QImage.Format.Format_RGB32).copy()


def upscale_nearest(pixels: np.ndarray, size: int) -> np.ndarray:
    """A crisp square upscale of one (h, w) or (h, w, 3) image to ``size`` px (nearest
    neighbour)."""
    import numpy as np
    h, w = pixels.shape[:2]
    rows = (np.arange(size) * h // size).clip(0, h - 1)
    cols = (np.arange(size) * w // size).clip(0, w - 1)
    return pixels[rows][:, cols]


IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".jpe", ".webp", ".bmp", ".dib", ".gif")


def dropped_image(mime) -> Path | None:  # noqa: ANN001 - QMimeData
    """The first local image file a drag carries (by its name: the worker checks the content)."""
    if not mime.hasUrls():
        return None
    for url in mime.urls():
        if url.isLocalFile() and url.toLocalFile().lower().endswith(IMAGE_SUFFIXES):
            return Path(url.toLocalFile())
    return None


# A canvas tile dragged within the window (to a pad corner, onto the inside view): its index.
TILE_MIME = "application/x-genai-studio-tile"
EXPORT_SUFFIXES = (".png", ".gif", ".webp")  # what the studio exports, and can reopen


def dropped_images(mime: Any) -> list[Path]:
    """Local image files in a drop (what the window can reopen)."""
    return [Path(url.toLocalFile()) for url in mime.urls()
            if url.isLocalFile() and url.toLocalFile().lower().endswith(EXPORT_SUFFIXES)]


def style_image(pixels: Any) -> QImage:
    """A rendered Pillow image as an owning QImage (grey, RGB or RGBA)."""
    import numpy as np

    a = np.ascontiguousarray(np.asarray(pixels))
    h, w = a.shape[:2]
    fmt = {2: QImage.Format.Format_Grayscale8}.get(a.ndim) or (
        QImage.Format.Format_RGB888 if a.shape[2] == 3 else QImage.Format.Format_RGBA8888)
    channels = 1 if a.ndim == 2 else a.shape[2]
    return QImage(a.data, w, h, w * channels, fmt).copy()
