"""The sample canvas: a grid of generated digits, crisp at any size, with per-tile actions."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QMimeData, QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QContextMenuEvent,
    QDrag,
    QDragEnterEvent,
    QDropEvent,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QApplication, QMenu, QSizePolicy, QWidget

from genai_studio.ui.canvas.state import Grid
from genai_studio.ui.common import theme
from genai_studio.ui.common.guard import gui_slot
from genai_studio.ui.common.imaging import (
    TILE_MIME,
    dropped_image,
    gray_image,
    has_local_files,
    why_not,
)
from genai_studio.ui.studio.state import StudioState

if TYPE_CHECKING:
    pass

GAP = 6

class SampleCanvas(QWidget):
    """Paints ``state.canvas.grid`` as a square-ish grid; click selects, double-click or Enter
    sends
    a tile to the morph (``activated``), right-click offers the tile actions."""

    activated = Signal(int)
    image_dropped = Signal(Path)  # an image file: into latent space, a morph end

    def __init__(self, state: StudioState, tile_actions: list[QAction],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sampleCanvas")
        self.setMinimumSize(200, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setToolTip("Click selects a tile; right-click for actions; drag a tile onto a "
                        "pad corner to make it an anchor; drop an image file to morph from it")
        self.setAcceptDrops(True)
        self.state = state
        self.tile_actions = tile_actions
        self._qimages: list[QImage] = []
        self._columns = 1
        self._press: QPoint | None = None
        state.canvas.grid_changed.connect(self.on_grid)
        state.canvas.favourites_changed.connect(self.on_repaint)
        state.canvas.selected_changed.connect(self.on_repaint)
        state.view.smooth_changed.connect(self.on_repaint)
        self.on_grid(state.canvas.grid)

    # ---------------------------------------------------------------- content

    @gui_slot(object)
    def on_grid(self, grid: Grid | None) -> None:
        images = () if grid is None else grid.images
        self._qimages = [gray_image(img) for img in images]
        self._columns = max(1, math.ceil(math.sqrt(len(images))))
        if self.state.canvas.selected >= len(images):
            self.state.canvas.selected = len(images) - 1
        self.update()

    @gui_slot(object)
    def on_repaint(self, _value: object = None) -> None:
        self.update()

    def tile_count(self) -> int:
        return len(self._qimages)

    def select(self, index: int) -> None:
        if 0 <= index < self.tile_count():
            self.state.canvas.selected = index

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
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.state.view.smooth)
        favourites, selected = self.state.canvas.favourites, self.state.canvas.selected
        for k, img in enumerate(self._qimages):
            rect = self.tile_rect(k)
            p.fillRect(rect.adjusted(-1, -1, 1, 1), QColor(theme.TILE))
            p.drawImage(QRectF(rect), img)
            if k in favourites:
                p.setPen(QColor("#ffd43b"))
                p.drawText(rect.adjusted(4, 2, -4, -2), Qt.AlignmentFlag.AlignTop
                           | Qt.AlignmentFlag.AlignRight, "★")
        if 0 <= selected < len(self._qimages):
            p.setPen(QPen(QColor(theme.ACCENT), 2))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(self.tile_rect(selected).adjusted(-2, -2, 2, 2), 3, 3)
        grid = self.state.canvas.grid
        if grid is not None and grid.handle.live:
            self._paint_live_badge(p)

    def _paint_live_badge(self, p: QPainter) -> None:
        """Says the grid is drawn by a model still training (and redraws as it learns)."""
        text = "● LIVE · the model as it trains"
        box = p.fontMetrics().boundingRect(text).adjusted(-8, -4, 8, 4)
        box.moveTopLeft(QPoint(8, 8))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(theme.DANGER))
        p.drawRoundedRect(box, 4, 4)
        p.setPen(QColor("#ffffff"))
        p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    def _paint_empty(self, p: QPainter) -> None:
        p.setPen(QColor(theme.MUTED))
        p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Drawing the first grid…")

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
        self._start_drag(self.state.canvas.selected)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        """Arrow keys walk the selection over the grid; Enter sends the tile to the morph."""
        steps = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1,
                 Qt.Key.Key_Up: -self._columns, Qt.Key.Key_Down: self._columns}
        key, selected = Qt.Key(event.key()), self.state.canvas.selected
        if key in steps and self.tile_count():
            self.select(min(max(selected + steps[key], 0), self.tile_count() - 1))
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and selected >= 0:
            self.activated.emit(selected)
        else:
            super().keyPressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        index = self.index_at(event.position().toPoint())
        if index >= 0:
            self.activated.emit(index)

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
        self.select(index)  # the tile actions act on the selected tile
        menu = QMenu(self)
        menu.addActions(self.tile_actions)
        menu.exec(event.globalPos())

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if has_local_files(event.mimeData()):
            event.acceptProposedAction()  # an unusable file is refused in words on drop

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        path = dropped_image(event.mimeData())
        event.acceptProposedAction()
        if path is None:
            self.state.post(why_not(event.mimeData()), 8000)
        elif self.state.session.model is None:
            self.state.post("Load a model first: a dropped image is encoded for it", 8000)
        else:
            self.image_dropped.emit(path)
