"""Images on screen: NumPy <-> QImage helpers, drops and drags of images, and the one-image
preview widget. Every QImage returned owns its pixels (``.copy()``): a QImage built on a NumPy
buffer only borrows it, and the buffer may be gone before the paint."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from genai_studio.ui.common import theme

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


def has_local_files(mime: Any) -> bool:
    """A drag that carries files: accepted, so that a file the studio cannot use is refused
    in words when dropped (not by a silent no-entry cursor)."""
    return mime.hasUrls() and any(url.isLocalFile() for url in mime.urls())


def why_not(mime: Any, suffixes: tuple[str, ...] = IMAGE_SUFFIXES) -> str:
    """Why a drop carries nothing the studio can use, in one line."""
    files = [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()] \
        if mime.hasUrls() else []
    kinds = ", ".join(s[1:].upper() for s in suffixes if s not in (".jpe", ".dib", ".jpeg"))
    if not files:
        return f"Only image files can be dropped here ({kinds})"
    name = files[0].name + (f" and {len(files) - 1} more" if len(files) > 1 else "")
    if not files[0].suffix:
        return f"{name} is not an image file (a folder? use File > New dataset from folder)"
    return f"{name} is not an image the studio can use here: drop a {kinds} file"


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
EXPORT_SUFFIXES = (".png", ".gif", ".webp", ".svg", ".pdf")  # what the studio exports and reopens


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


class ImagePreview(QWidget):
    """One image, scaled to fit with its caption under it; counts frames for the benchmarks."""

    def __init__(self, name: str = "imagePreview", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        # A 28 px digit at 4x: small enough that the pad's column fits a 1024x640 screen.
        self.setMinimumSize(112, 112)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        # It paints every pixel it owns (the window's background around its tile), so Qt need
        # not repaint the window behind it on every frame of a drag (1.3 ms a frame, measured).
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.image: QImage | None = None
        self.pixels: np.ndarray | None = None
        self.smooth = False
        self.caption = ""
        self.frames_painted = 0

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(280, 280)

    def set_pixels(self, pixels: np.ndarray, caption: str = "", immediate: bool = True) -> None:
        """``immediate`` repaints now (the artist's hand is on the pad); otherwise Qt
        coalesces the paint with others (training previews)."""
        self.pixels = pixels
        self.image = gray_image(pixels)
        self.caption = caption
        if immediate:
            self.repaint()
        else:
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(theme.BG))  # what the window shows around the tile
        side = min(self.width(), self.height()) - 2
        sq = QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QPen(QColor(theme.BORDER), 1))
        p.setBrush(QColor(theme.TILE))
        p.drawRoundedRect(sq, 8, 8)
        inner = sq.adjusted(8, 8, -8, -8)
        if self.caption:  # keep a strip under the image for the caption, image still square
            shrink = 18.0
            inner = QRectF(inner.left() + shrink / 2, inner.top(), inner.width() - shrink,
                           inner.height() - shrink)
            p.setPen(QColor(theme.MUTED))
            box = sq.adjusted(10, 4, -10, -3)
            caption = p.fontMetrics().elidedText(self.caption, Qt.TextElideMode.ElideRight,
                                                 int(box.width()))
            p.drawText(box, Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignHCenter,
                       caption)
        if self.image is not None:
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.smooth)
            p.drawImage(inner, self.image)
        self.frames_painted += 1
