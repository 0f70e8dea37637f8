"""The big picture of one image, crisp at any size: the pad's point, a morph frame, a training
preview, a dataset's first images, a sketch's reading, a repair."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from genai_studio.ui.common import theme
from genai_studio.ui.common.imaging import gray_image

if TYPE_CHECKING:
    import numpy as np


class ImagePreview(QWidget):
    """One image, scaled to fit with its caption under it; counts frames for the benchmarks."""

    def __init__(self, name: str = "imagePreview", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setMinimumSize(160, 160)
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
