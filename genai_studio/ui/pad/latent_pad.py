"""The latent pad: drag a point over a plane of latent space and watch the decoded digit.

Two faces (docs/architecture.md, The latent pad). With a 2-D latent the pad is the latent
plane (through the inverse normal CDF) over an optional atlas / encoded-digit map. With larger
latents it is the slerp plane through four corner anchors, whose thumbnails sit in the corners
over a faint atlas of that plane; canvas tiles dropped onto a corner replace it. The point
lives in the studio state (``state.pad.point``); arrow keys nudge it. Decoding is coalesced: moves
only record the newest point and one zero-delay timer decodes whatever is newest when the
event queue drains.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QPolygonF,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from genai_studio.ui.common import theme
from genai_studio.ui.common.guard import gui_slot
from genai_studio.ui.common.imaging import (
    TILE_MIME,
    dropped_image,
    gray_image,
    has_local_files,
    why_not,
)
from genai_studio.ui.pad.marks import CURSOR_HALF, cross_hair, paint_diamond, paint_grid
from genai_studio.ui.pad.state import PadMode, RecordedPath
from genai_studio.ui.studio.kinds import Corner
from genai_studio.ui.studio.state import StudioState

if TYPE_CHECKING:
    import numpy as np

NUDGE = 0.01  # an arrow key moves the point 1% of the pad (Shift: 10%)


class LatentPad(QWidget):
    """The square pad; writes ``state.pad.point`` (u, v in [0, 1]^2) while dragged."""

    tile_dropped = Signal(int, int)  # canvas tile index, corner 0..3
    image_dropped = Signal(Path, int)  # an image file, corner 0..3 or -1 (the point)

    def __init__(self, state: StudioState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("latentPad")
        self.setMinimumSize(120, 120)  # the pad's column fits a 1024x640 screen
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Drag (or use the arrow keys) to explore latent space; drop canvas "
                        "tiles on corners; drop an image file to find it in latent space")
        self.state = state
        self.point = state.pad.point  # the cursor drawn now (state.pad.point once painted)
        self.marker: tuple[float, float] | None = None  # the inside view's sampled z, if shown
        self.mode = PadMode.EMPTY
        self._atlas: QImage | None = None
        # Empty until a 2-D model's background arrives; no NumPy before the first paint.
        self._points: np.ndarray | tuple = ()
        self._point_labels: np.ndarray | tuple = ()
        self._dots: QImage | None = None  # points pre-rendered once; paint only blits
        self._cursor: tuple[tuple[float, str], QPixmap] | None = None  # (dpr, colour), pixmap
        self._corners: list[QImage | None] = [None] * 4
        self._drop_corner = -1
        self._static: QPixmap | None = None
        self._trail: list[tuple[float, float]] = []  # the path being recorded
        state.pad.point_changed.connect(self.on_point)
        state.pad.recording_changed.connect(self.on_recording)
        state.pad.path_changed.connect(self.on_pad_path)
        for signal in (state.pad.show_atlas_changed, state.pad.show_points_changed,
                       state.pad.dot_opacity_changed, state.view.theme_changed):
            signal.connect(self.on_layers)

    @property
    def show_atlas(self) -> bool:
        return self.state.pad.show_atlas

    @property
    def show_points(self) -> bool:
        return self.state.pad.show_points

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(360, 360)

    def square(self) -> QRectF:
        side = min(self.width(), self.height()) - 2
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def set_mode(self, mode: PadMode) -> None:
        self.mode = mode
        self._trail = []  # a path half-drawn on another model's pad means nothing here
        self._atlas, self._dots = None, None
        self._points, self._point_labels = (), ()
        self._corners = [None] * 4
        self.invalidate()

    def set_background(self, atlas: np.ndarray | None, points: np.ndarray | None,
                       labels: np.ndarray | None) -> None:
        self._atlas = gray_image(atlas) if atlas is not None else None
        self._points = points if points is not None else ()
        self._point_labels = labels if labels is not None else ()
        self._dots = None
        self.invalidate()

    def has_points(self) -> bool:
        return len(self._points) > 0

    def set_corner_image(self, corner: int, image: np.ndarray) -> None:
        self._corners[corner] = gray_image(image)
        self.invalidate()

    @gui_slot(object)
    def on_layers(self, _value: object = None) -> None:
        self._dots = None
        self.invalidate()

    # ---------------------------------------------------------------- painting

    def invalidate(self) -> None:
        """The static layers changed: re-render them on the next paint."""
        self._static = None
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        # Everything but the cursor is cached in one pixmap: a drag repaints only the small
        # regions the cursor left and entered, by blitting that pixmap (docs/architecture.md,
        # Budgets).
        if self._static is None or self._static.deviceIndependentSize().toSize() != self.size():
            self._static = self._render_static()
        p = QPainter(self)
        p.drawPixmap(0, 0, self._static)
        if self.mode is not PadMode.EMPTY:
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            self._paint_path(p, self.square())
            self._paint_cursor(p, self.square())
            if self.marker is not None:
                self._paint_marker(p, self.square())

    def _render_static(self) -> QPixmap:
        ratio = self.devicePixelRatioF()  # crisp on high-DPI screens
        pix = QPixmap(self.size() * ratio)
        pix.setDevicePixelRatio(ratio)
        pix.fill(Qt.GlobalColor.transparent)
        p = QPainter(pix)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        sq = self.square()
        p.setPen(QPen(QColor(theme.BORDER), 1))
        p.setBrush(QColor(theme.TILE))
        p.drawRoundedRect(sq, 8, 8)
        if self.mode is PadMode.EMPTY:
            p.setPen(QColor(theme.MUTED))
            p.drawText(sq, Qt.AlignmentFlag.AlignCenter, "The latent pad wakes up\nwhen a "
                       "model is loaded")
            p.end()
            return pix
        if self.show_atlas and self._atlas is not None:
            # Faint: the atlas is a map, the preview is the picture; fainter still under
            # strong dots, so the two layers balance (the dots' slider sets both).
            p.setOpacity(0.55 - 0.25 * self.state.pad.dot_opacity if self.has_points() else 0.5)
            p.drawImage(sq, self._atlas)
            p.setOpacity(1.0)
        if self.show_points and len(self._points):
            p.drawImage(sq.topLeft(), self._dot_layer(sq))
        paint_grid(p, sq)
        if self.mode is PadMode.CORNERS:
            self._paint_corners(p, sq)
        p.end()
        return pix

    def _cursor_rect(self) -> QRect:
        sq = self.square()
        u, v = self.point
        c = QPointF(sq.left() + u * sq.width(), sq.top() + v * sq.height())
        return QRect(int(c.x()) - 18, int(c.y()) - 18, 37, 37)

    def _dot_layer(self, sq: QRectF) -> QImage:
        side = int(sq.width())
        if self._dots is None or self._dots.width() != side:
            img = QImage(side, side, QImage.Format.Format_ARGB32_Premultiplied)
            img.fill(Qt.GlobalColor.transparent)
            q = QPainter(img)
            q.setRenderHint(QPainter.RenderHint.Antialiasing)
            q.setPen(Qt.PenStyle.NoPen)
            strength = self.state.pad.dot_opacity
            alpha, radius = int(40 + 200 * strength), 1.4 + 1.6 * strength
            for (u, v), label in zip(self._points, self._point_labels, strict=True):
                colour = QColor(theme.CLASS_COLOURS[int(label) % 10])
                colour.setAlpha(alpha)
                q.setBrush(colour)
                q.drawEllipse(QPointF(u * side, v * side), radius, radius)
            q.end()
            self._dots = img
        return self._dots

    def _paint_corners(self, p: QPainter, sq: QRectF) -> None:
        size = max(36.0, sq.width() / 6)
        for k, (u, v) in ((c.value, c.uv) for c in Corner):
            x = sq.left() + 6 if u == 0 else sq.right() - size - 6
            y = sq.top() + 6 if v == 0 else sq.bottom() - size - 6
            rect = QRectF(x, y, size, size)
            highlight = k == self._drop_corner
            p.setPen(QPen(QColor(theme.ACCENT if highlight else theme.BORDER), 2))
            p.setBrush(QColor(theme.BG))
            p.drawRoundedRect(rect.adjusted(-2, -2, 2, 2), 4, 4)
            image = self._corners[k]
            if image is not None:
                p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
                p.drawImage(rect, image)

    def _marker_rect(self) -> QRect:
        if self.marker is None:
            return QRect()
        sq = self.square()
        u, v = self.marker
        return QRect(int(sq.left() + u * sq.width()) - 8, int(sq.top() + v * sq.height()) - 8,
                     17, 17)

    def set_marker(self, uv: tuple[float, float] | None) -> None:
        """Show (or hide, None) the inside view's sampled z: a small diamond at pad coords."""
        before = self._marker_rect()
        self.marker = uv
        self.update(before.united(self._marker_rect()))

    def _paint_marker(self, p: QPainter, sq: QRectF) -> None:
        u, v = self.marker
        paint_diamond(p, QPointF(sq.left() + u * sq.width(), sq.top() + v * sq.height()))

    def _path_points(self) -> list[tuple[float, float]]:
        if self._trail:
            return self._trail
        path = self.state.pad.path
        if path is None or path.handle is not self.state.session.model:
            return []
        return [(float(u), float(v)) for u, v in path.points]

    def _paint_path(self, p: QPainter, sq: QRectF) -> None:
        points = self._path_points()
        if len(points) < 2:
            return
        colour = QColor(theme.DANGER if self._trail else theme.ACCENT)
        colour.setAlpha(200 if self._trail else 150)
        p.setPen(QPen(colour, 2, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                      Qt.PenJoinStyle.RoundJoin))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPolyline(QPolygonF([QPointF(sq.left() + u * sq.width(), sq.top() + v * sq.height())
                                  for u, v in points]))

    @gui_slot(bool)
    def on_recording(self, on: bool) -> None:
        """Record on: collect every point the pad moves to, from where the pen next goes down
        (not from where the point was: that would start the path with a straight jump). Off:
        they become the state's recorded path (with the plane they were drawn on), if the pen
        moved at all."""
        s = self.state
        s.pad.trail_start = None
        if on:
            self._trail = []
        else:
            trail, self._trail = self._trail, []
            plane = s.pad.plane
            if len(set(trail)) >= 2 and s.session.model is not None and plane is not None:
                import numpy as np

                s.pad.path = RecordedPath(np.array(trail, np.float32), plane.corners,
                                          s.session.model, s.pad.effective_digit)
            elif trail:
                s.post("Nothing recorded: drag on the pad while Record is on")
        self.update()

    @gui_slot(object)
    def on_pad_path(self, _path: object) -> None:
        self.update()

    def _paint_cursor(self, p: QPainter, sq: QRectF) -> None:
        u, v = self.point
        c = QPointF(sq.left() + u * sq.width(), sq.top() + v * sq.height())
        p.drawPixmap(QPointF(c.x() - CURSOR_HALF, c.y() - CURSOR_HALF), self._cursor_pixmap())

    def _cursor_pixmap(self) -> QPixmap:
        key = (self.devicePixelRatioF(), theme.ACCENT)
        if self._cursor is None or self._cursor[0] != key:
            self._cursor = (key, cross_hair(*key))
        return self._cursor[1]

    # ---------------------------------------------------------------- input

    def _uv(self, pos: QPointF) -> tuple[float, float]:
        sq = self.square()
        u = (pos.x() - sq.left()) / max(sq.width(), 1.0)
        v = (pos.y() - sq.top()) / max(sq.height(), 1.0)
        return min(max(u, 0.0), 1.0), min(max(v, 0.0), 1.0)

    def set_point(self, u: float, v: float) -> None:
        self.state.pad.point = (u, v)

    @gui_slot(object)
    def on_point(self, point: tuple[float, float]) -> None:
        before = self._cursor_rect()
        self.point = point
        if self.state.pad.recording and self.mode is not PadMode.EMPTY:
            if not self._trail:
                self.state.pad.trail_start = point
            self._trail.append(point)  # the new segment lies within the two cursor boxes
        self.update(before.united(self._cursor_rect()))

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton and self.mode is not PadMode.EMPTY:
            self.set_point(*self._uv(event.position()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.buttons() & Qt.MouseButton.LeftButton and self.mode is not PadMode.EMPTY:
            self.set_point(*self._uv(event.position()))

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        steps = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0),
                 Qt.Key.Key_Up: (0, -1), Qt.Key.Key_Down: (0, 1)}
        step = steps.get(Qt.Key(event.key()))
        if step is None or self.mode is PadMode.EMPTY:
            super().keyPressEvent(event)
            return
        size = NUDGE * (10 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 1)
        u, v = self.state.pad.point
        self.set_point(u + step[0] * size, v + step[1] * size)

    def _corner_at(self, pos: QPointF) -> int:
        u, v = self._uv(pos)
        return (1 if u >= 0.5 else 0) + (2 if v >= 0.5 else 0)

    def _drop_target(self, event: QDragMoveEvent | QDropEvent) -> int:
        """-2: not for the pad; -1: the point; 0..3: a corner (corner planes only, and for
        images only near a corner thumbnail)."""
        mime = event.mimeData()
        if self.mode is PadMode.EMPTY:
            return -2
        if mime.hasFormat(TILE_MIME):
            return self._corner_at(event.position()) if self.mode is PadMode.CORNERS else -2
        if dropped_image(mime) is None:
            return -2
        if self.mode is not PadMode.CORNERS:
            return -1
        u, v = self._uv(event.position())
        near = min(u, 1 - u) < 0.2 and min(v, 1 - v) < 0.2
        return self._corner_at(event.position()) if near else -1

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if self._drop_target(event) != -2 or has_local_files(event.mimeData()):
            event.acceptProposedAction()  # an unusable file is refused in words on drop

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802
        self._drop_corner = self._drop_target(event)
        self.invalidate()
        event.acceptProposedAction()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:  # noqa: N802
        self._drop_corner = -1
        self.invalidate()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        self._drop_corner = -1
        target = self._drop_target(event)
        image = dropped_image(event.mimeData())
        if image is not None and target != -2:
            self.image_dropped.emit(image, target)
        elif target >= 0:
            index = int(bytes(event.mimeData().data(TILE_MIME)).decode() or -1)
            self.tile_dropped.emit(index, target)
        elif has_local_files(event.mimeData()):
            self.state.post("Load a model first: a dropped image is encoded for it"
                            if self.mode is PadMode.EMPTY else why_not(event.mimeData()), 8000)
        event.acceptProposedAction()
        self.invalidate()
