"""The sketch surface: draw with the mouse or a pen (pressure sets the width where the device
reports it), dark ink on light paper, with a brush size, undo and clear.

The drawing is a grey QImage of ``SIDE`` px. While a stroke goes on, ``changed`` is emitted at
most every ``EMIT_MS`` (and once when it ends) with a NumPy copy of the pixels, for the
controller to encode off the GUI thread; drawing itself only paints a line segment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QTabletEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from genai_studio.ui.common import theme
from genai_studio.ui.common.guard import gui_slot

if TYPE_CHECKING:
    import numpy as np

SIDE = 280  # px of the drawing (10x MNIST's 28)
EMIT_MS = 40  # at most 25 encodes a second while drawing
UNDO_DEPTH = 30
PAPER, INK = 255, 0


class SketchSurface(QWidget):
    changed = Signal(object)  # np.ndarray (SIDE, SIDE) uint8, dark ink on light paper
    cleared = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sketchSurface")
        self.setMinimumSize(140, 140)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Draw (mouse or pen); the model's version appears beside it")
        self.setAttribute(Qt.WidgetAttribute.WA_TabletTracking, True)
        self.image = QImage(SIDE, SIDE, QImage.Format.Format_Grayscale8)
        self.image.fill(PAPER)
        self.brush = 18.0  # px of the drawing at full pressure
        self.undo_stack: list[tuple[QImage, int]] = []  # (drawing, strokes) before each edit
        self.strokes = 0
        self._last: QPointF | None = None
        self._dirty = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(EMIT_MS)
        self._timer.timeout.connect(self._emit)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(240, 240)

    def square(self) -> QRectF:
        side = min(self.width(), self.height()) - 2
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def is_blank(self) -> bool:
        return self.strokes == 0

    def pixels(self) -> np.ndarray:
        import numpy as np

        view = np.frombuffer(self.image.constBits(), np.uint8).reshape(
            SIDE, self.image.bytesPerLine())
        return view[:, :SIDE].copy()

    def set_pixels(self, pixels: np.ndarray, light_on_dark: bool = False) -> None:
        """Start from an image (an imported or repaired one): any size, grey or colour,
        scaled to the surface; a light-on-dark image (a model's input) is shown as ink."""
        import numpy as np

        from genai_studio.ui.common.imaging import gray_image, to_uint8

        grey = np.asarray(pixels)
        grey = grey.mean(axis=2) if grey.ndim == 3 else grey
        grey = to_uint8(grey) if grey.dtype != np.uint8 else grey
        if light_on_dark:
            grey = 255 - grey
        self._push_undo()
        scaled = gray_image(grey).scaled(SIDE, SIDE, Qt.AspectRatioMode.IgnoreAspectRatio,
                                         Qt.TransformationMode.SmoothTransformation)
        self.image = scaled.convertToFormat(QImage.Format.Format_Grayscale8)
        self.strokes += 1
        self.update()
        self._emit()

    # ---------------------------------------------------------------- editing

    def clear(self) -> None:
        if self.is_blank():
            return
        self._push_undo()
        self.image.fill(PAPER)
        self.strokes = 0
        self.update()
        self.cleared.emit()

    def undo(self) -> None:
        if not self.undo_stack:
            return
        self.image, self.strokes = self.undo_stack.pop()
        self.update()
        if self.strokes:
            self._emit()
        else:
            self.cleared.emit()

    def _push_undo(self) -> None:
        self.undo_stack.append((self.image.copy(), self.strokes))
        del self.undo_stack[:-UNDO_DEPTH]

    # ---------------------------------------------------------------- input

    def _to_image(self, pos: QPointF) -> QPointF:
        sq = self.square()
        return QPointF((pos.x() - sq.left()) * SIDE / max(sq.width(), 1.0),
                       (pos.y() - sq.top()) * SIDE / max(sq.height(), 1.0))

    def begin(self, pos: QPointF, pressure: float = 1.0) -> None:
        self._push_undo()
        self.strokes += 1
        self._last = self._to_image(pos)
        self._segment(self._last, self._last, pressure)

    def extend(self, pos: QPointF, pressure: float = 1.0) -> None:
        if self._last is None:
            return
        point = self._to_image(pos)
        self._segment(self._last, point, pressure)
        self._last = point

    def end(self) -> None:
        if self._last is not None:
            self._last = None
            self._timer.stop()
            self._emit()

    def _segment(self, a: QPointF, b: QPointF, pressure: float) -> None:
        p = QPainter(self.image)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        width = max(1.0, self.brush * (0.25 + 0.75 * min(max(pressure, 0.0), 1.0)))
        p.setPen(QPen(QColor(INK, INK, INK), width, Qt.PenStyle.SolidLine,
                      Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
        p.drawLine(a, b)
        p.end()
        sq = self.square()
        scale = sq.width() / SIDE
        pad = width * scale + 2
        box = QRectF(a, b).normalized().adjusted(-width, -width, width, width)
        self.update(QRectF(sq.left() + box.left() * scale, sq.top() + box.top() * scale,
                           box.width() * scale + pad, box.height() * scale + pad).toRect())
        self._dirty = True
        if not self._timer.isActive():
            self._timer.start()

    @gui_slot()
    def _emit(self) -> None:
        self._dirty = False
        self.changed.emit(self.pixels())

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self.begin(event.position())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.buttons() & Qt.MouseButton.LeftButton:
            self.extend(event.position())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self.end()

    def tabletEvent(self, event: QTabletEvent) -> None:  # noqa: N802
        """A pen: its pressure sets the stroke's width (Qt sends no mouse events for it)."""
        kind = event.type()
        if kind == QTabletEvent.Type.TabletPress:
            self.begin(event.position(), event.pressure())
        elif kind == QTabletEvent.Type.TabletMove and event.pressure() > 0:
            self.extend(event.position(), event.pressure())
        elif kind == QTabletEvent.Type.TabletRelease:
            self.end()
        event.accept()

    # ---------------------------------------------------------------- painting

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        sq = self.square()
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        p.drawImage(sq, self.image)
        p.setPen(QPen(QColor(theme.BORDER), 1))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(sq)
        if self.is_blank():
            p.setPen(QColor(theme.MUTED))
            p.drawText(sq, Qt.AlignmentFlag.AlignCenter, "Draw here")
