"""The sample canvas: a grid of generated digits, crisp at any size, with per-tile actions."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QMimeData, QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QDrag,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QApplication, QMenu, QSizePolicy, QWidget

from genai_studio.ui import theme
from genai_studio.ui.imaging import gray_image

if TYPE_CHECKING:
    import numpy as np

TILE_MIME = "application/x-genai-studio-tile"
GAP = 6

# (action id, menu text, shortcut shown in the menu)
TILE_ACTIONS = [
    ("copy", "Copy image", "Ctrl+C"),
    ("save", "Save as PNG…", "Ctrl+S"),
    ("favourite", "Favourite", "F"),
    ("corner0", "Send to pad corner ↖", "1"),
    ("corner1", "Send to pad corner ↗", "2"),
    ("corner2", "Send to pad corner ↙", "3"),
    ("corner3", "Send to pad corner ↘", "4"),
    ("morph_start", "Set as morph start", "A"),
    ("morph_end", "Set as morph end", "B"),
]


class SampleCanvas(QWidget):
    """Paints ``images`` as a square-ish grid; emits ``tile_action(action, index)``."""

    tile_action = Signal(str, int)
    selection_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sampleCanvas")
        self.setMinimumSize(280, 280)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setToolTip("Click selects a tile; right-click for actions; drag a tile onto a "
                        "pad corner to make it an anchor")
        self.images: np.ndarray | tuple = ()  # (n, 28, 28) once a grid arrives
        self.latents: np.ndarray | tuple = ()  # (n, D)
        self.labels: np.ndarray | None = None
        self.favourites: set[int] = set()
        self.selected = -1
        self.smooth = False
        self._qimages: list[QImage] = []
        self._columns = 1
        self._empty = ("", "")
        self._press: QPoint | None = None

    # ---------------------------------------------------------------- content

    def set_samples(self, images: np.ndarray, latents: np.ndarray,
                    labels: np.ndarray | None) -> None:
        self.images, self.latents, self.labels = images, latents, labels
        self._qimages = [gray_image(img) for img in images]
        self._columns = max(1, math.ceil(math.sqrt(len(images))))
        self.favourites.clear()
        self.selected = min(self.selected, len(images) - 1) if len(images) else -1
        self.update()

    def set_empty_message(self, title: str, hint: str) -> None:
        """Shown while there are no samples (no model yet, or loading)."""
        self._empty = (title, hint)
        self.update()

    def clear(self) -> None:
        import numpy as np
        self.set_samples(np.zeros((0, 28, 28), np.float32), np.zeros((0, 0), np.float32), None)

    def tile_count(self) -> int:
        return len(self._qimages)

    def image_at(self, index: int) -> np.ndarray:
        return self.images[index]

    def set_smooth(self, smooth: bool) -> None:
        self.smooth = smooth
        self.update()

    def select(self, index: int) -> None:
        if 0 <= index < self.tile_count() and index != self.selected:
            self.selected = index
            self.selection_changed.emit(index)
            self.update()

    # ---------------------------------------------------------------- geometry

    def _cell(self) -> int:
        n = self.tile_count()
        if n == 0:
            return 0
        rows = math.ceil(n / self._columns)
        side = min((self.width() - GAP) // self._columns, (self.height() - GAP) // rows)
        return max(side, 4)

    def tile_rect(self, index: int) -> QRect:
        cell = self._cell()
        rows = math.ceil(self.tile_count() / self._columns)
        left = (self.width() - cell * self._columns) // 2
        top = (self.height() - cell * rows) // 2
        r, c = divmod(index, self._columns)
        return QRect(left + c * cell + GAP // 2, top + r * cell + GAP // 2, cell - GAP, cell - GAP)

    def index_at(self, pos: QPoint) -> int:
        for k in range(self.tile_count()):
            if self.tile_rect(k).contains(pos):
                return k
        return -1

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(560, 560)

    # ---------------------------------------------------------------- painting

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(theme.BG))
        if not self._qimages:
            self._paint_empty(p)
            return
        # Nearest-neighbour unless the artist chose smoothing: digits stay crisp at any size.
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.smooth)
        for k, img in enumerate(self._qimages):
            rect = self.tile_rect(k)
            p.fillRect(rect.adjusted(-1, -1, 1, 1), QColor(theme.TILE))
            p.drawImage(QRectF(rect), img)
            if k in self.favourites:
                p.setPen(QColor("#ffd43b"))
                p.drawText(rect.adjusted(4, 2, -4, -2), Qt.AlignmentFlag.AlignTop
                           | Qt.AlignmentFlag.AlignRight, "★")
        if 0 <= self.selected < len(self._qimages):
            p.setPen(QPen(QColor(theme.ACCENT), 2))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(self.tile_rect(self.selected).adjusted(-2, -2, 2, 2), 3, 3)

    def _paint_empty(self, p: QPainter) -> None:
        title, hint = self._empty
        p.setPen(QColor(theme.TEXT))
        font = p.font()
        font.setPointSize(15)
        p.setFont(font)
        mid = self.rect().adjusted(40, 0, -40, -self.height() // 2 + 10)
        p.drawText(mid, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, title)
        font.setPointSize(10)
        p.setFont(font)
        p.setPen(QColor(theme.MUTED))
        low = self.rect().adjusted(60, self.height() // 2 + 20, -60, 0)
        p.drawText(low, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
                   | Qt.TextFlag.TextWordWrap, hint)

    # ---------------------------------------------------------------- input

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        index = self.index_at(event.position().toPoint())
        if index >= 0:
            self.select(index)
        self._press = event.position().toPoint() if index >= 0 else None
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._press is None or not (event.buttons() & Qt.MouseButton.LeftButton):
            return
        if (event.position().toPoint() - self._press).manhattanLength() \
                < QApplication.startDragDistance():
            return
        self._press = None
        self._start_drag(self.selected)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        """Arrow keys walk the selection over the grid; Enter sends the tile to the morph."""
        steps = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1,
                 Qt.Key.Key_Up: -self._columns, Qt.Key.Key_Down: self._columns}
        key = Qt.Key(event.key())
        if key in steps and self.tile_count():
            self.select(min(max(self.selected + steps[key], 0), self.tile_count() - 1))
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.selected >= 0:
            self.tile_action.emit("morph_next", self.selected)
        else:
            super().keyPressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        index = self.index_at(event.position().toPoint())
        if index >= 0:
            self.tile_action.emit("morph_next", index)

    def _start_drag(self, index: int) -> None:
        mime = QMimeData()
        mime.setData(TILE_MIME, QByteArray(str(index).encode()))
        drag = QDrag(self)
        drag.setMimeData(mime)
        drag.setPixmap(self.grab(self.tile_rect(index)).scaled(56, 56))
        drag.exec(Qt.DropAction.CopyAction)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802
        index = self.index_at(event.pos())
        if index < 0:
            return
        self.select(index)
        menu = QMenu(self)
        for action_id, text, shortcut in TILE_ACTIONS:
            action = menu.addAction(f"{text}\t{shortcut}")
            action.setData(action_id)
        chosen = menu.exec(event.globalPos())
        if chosen is not None:
            self.tile_action.emit(str(chosen.data()), index)
