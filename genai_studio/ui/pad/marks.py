"""What the latent pad draws over its plane: the quarter grid, the cross-hair cursor and the
inside view's diamond."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap

from genai_studio.ui.common import theme

CURSOR_HALF = 18.5  # half the cross-hair's box (15 px arms, 2-4 px pens)


def paint_grid(p: QPainter, sq: QRectF) -> None:
    """Lines at each quarter of the pad's square ``sq``."""
    p.setPen(QPen(theme.qcolour("GRID_LINE"), 1))
    for k in (1, 2, 3):
        x = sq.left() + sq.width() * k / 4
        y = sq.top() + sq.height() * k / 4
        p.drawLine(QPointF(x, sq.top()), QPointF(x, sq.bottom()))
        p.drawLine(QPointF(sq.left(), y), QPointF(sq.right(), y))


def paint_diamond(p: QPainter, c: QPointF) -> None:
    """The inside view's sampled z: a small diamond centred on ``c``."""
    diamond = [c + QPointF(0, -6), c + QPointF(6, 0), c + QPointF(0, 6), c + QPointF(-6, 0)]
    p.setPen(QPen(QColor(0, 0, 0, 180), 1.5))
    p.setBrush(QColor(theme.TEXT))
    p.drawPolygon(diamond)


def cross_hair(ratio: float, colour: str) -> QPixmap:
    """The cursor at device pixel ratio ``ratio``, for drawing once per scale and colour:
    antialiased wide-pen circles cost 0.5 ms a frame of the drag, a blit almost nothing."""
    side = 2 * CURSOR_HALF
    pm = QPixmap(round(side * ratio), round(side * ratio))
    pm.setDevicePixelRatio(ratio)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    c = QPointF(CURSOR_HALF, CURSOR_HALF)
    p.setPen(QPen(QColor(0, 0, 0, 160), 4))
    p.drawEllipse(c, 9, 9)
    p.setPen(QPen(QColor(colour), 2))
    p.drawEllipse(c, 9, 9)
    p.drawLine(c + QPointF(-15, 0), c + QPointF(-5, 0))
    p.drawLine(c + QPointF(5, 0), c + QPointF(15, 0))
    p.drawLine(c + QPointF(0, -15), c + QPointF(0, -5))
    p.drawLine(c + QPointF(0, 5), c + QPointF(0, 15))
    p.end()
    return pm
