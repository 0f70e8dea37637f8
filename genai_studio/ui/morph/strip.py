"""The morph strip: N frames along the slerp between anchors A and B, playable as a loop.

Draws ``state.morph.frames`` (decoded on the worker when A, B or the frame count change) and
its ends; the frame count is bound to the state. Left/Right step through the frames when the
strip has focus; P plays them as a ping-pong loop.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from genai_studio.ui.common import theme
from genai_studio.ui.common.bind import bind
from genai_studio.ui.common.guard import gui_slot
from genai_studio.ui.common.imaging import gray_image
from genai_studio.ui.common.spin import SpinBox
from genai_studio.ui.morph.state import FRAMES
from genai_studio.ui.studio.kinds import Anchor
from genai_studio.ui.studio.state import StudioState

if TYPE_CHECKING:
    import numpy as np

FPS = 12
MIN_FRAME = 48  # px: the strip asks for room for two rows of frames this large
GAP = 3
MIN_ROWS_HEIGHT = 2 * (MIN_FRAME + GAP) + 4  # 16 frames as 2 rows of 8 fit a 1366 px window


class FrameRow(QWidget):
    """Paints the frames in one row (crisp); click or arrow keys pick one."""

    picked = Signal(int)

    def __init__(self, state: StudioState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("morphFrames")
        self.setMinimumHeight(MIN_ROWS_HEIGHT)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.state = state
        self.frames: list[QImage] = []
        self.current = -1

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(600, MIN_ROWS_HEIGHT)

    def layout_grid(self) -> tuple[int, int, float]:
        """(rows, columns, side): the frames as large as the space allows, wrapped into more
        rows when that makes them larger (a tall dock), one row otherwise."""
        n = max(len(self.frames), 1)
        best = (1, n, 0.0)
        for rows in range(1, n + 1):
            cols = -(-n // rows)
            side = min((self.width() - 4) / cols - GAP, (self.height() - 4) / rows - GAP)
            if side > best[2]:
                best = (rows, cols, side)
        return best[0], best[1], max(best[2], 4.0)

    def _rect(self, k: int) -> QRectF:
        rows, cols, side = self.layout_grid()
        used = min(len(self.frames), cols)
        left = (self.width() - used * (side + GAP)) / 2
        top = (self.height() - rows * (side + GAP)) / 2
        r, c = divmod(k, cols)
        return QRectF(left + c * (side + GAP) + GAP / 2, top + r * (side + GAP) + GAP / 2,
                      side, side)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        if not self.frames:
            p.setPen(QColor(theme.MUTED))
            hint = "Double-click two tiles (or press A and B) to morph between them"
            if p.fontMetrics().horizontalAdvance(hint) > self.width():
                hint = "Double-click two tiles to morph"
            text = p.fontMetrics().elidedText(hint, Qt.TextElideMode.ElideRight, self.width())
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, text)
            return
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.state.view.smooth)
        for k, image in enumerate(self.frames):
            rect = self._rect(k)
            p.fillRect(rect, QColor(theme.TILE))
            p.drawImage(rect, image)
            if k == self.current:
                p.setPen(QPen(QColor(theme.ACCENT), 2))
                p.drawRect(rect.adjusted(-1, -1, 1, 1))
        self._mark_ends(p)
        if self.hasFocus():
            p.setPen(QPen(QColor(theme.ACCENT_DIM), 1))
            p.drawRect(self.rect().adjusted(0, 0, -1, -1))

    def _mark_ends(self, p: QPainter) -> None:
        """A and B on the first and last frames: the morph's two anchors."""
        font = p.font()
        font.setBold(True)
        p.setFont(font)
        size = p.fontMetrics().height()
        for k, letter in ((0, "A"), (len(self.frames) - 1, "B")):
            rect = self._rect(k)
            badge = QRectF(rect.left(), rect.top(), size + 2, size)
            p.fillRect(badge, QColor(theme.ACCENT))
            p.setPen(QColor(theme.ON_ACCENT))
            p.drawText(badge, Qt.AlignmentFlag.AlignCenter, letter)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self.setFocus()
        for k in range(len(self.frames)):
            if self._rect(k).contains(event.position()):
                self.picked.emit(k)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        step = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1}.get(Qt.Key(event.key()))
        if step is None or not self.frames:
            super().keyPressEvent(event)
            return
        self.picked.emit(min(max(self.current + step, 0), len(self.frames) - 1))


class MorphStrip(QWidget):
    """A/B ends, the frame row, the frame count and Play."""

    frame_shown = Signal(object, int)  # (H, W) image of the frame now showing, its index

    def __init__(self, state: StudioState, actions: Mapping[str, QAction],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("morphStrip")
        self.state = state
        self.images: np.ndarray | tuple = ()
        self._direction = 1
        self.timer = QTimer(self)
        self.timer.setInterval(1000 // FPS)
        self.timer.timeout.connect(self._tick)
        self.play_action = actions["play_morph"]
        self._build(actions)
        state.morph.frames_changed.connect(self.on_frames)
        state.morph.start_changed.connect(self.on_ends)
        state.morph.end_changed.connect(self.on_ends)
        state.morph.playing_changed.connect(self.on_playing)
        state.view.smooth_changed.connect(self.row.update)
        state.session.model_changed.connect(self.on_model)
        self.on_ends(None)
        self.on_frames(state.morph.frames)

    def _build(self, actions: Mapping[str, QAction]) -> None:
        # The controls on one row, the frames on the whole width under them: beside the
        # controls they got a third of the strip (13 px frames at 1366x768).
        column = QVBoxLayout(self)
        column.setContentsMargins(8, 4, 8, 4)
        column.setSpacing(4)
        row = QHBoxLayout()
        row.setSpacing(6)
        self.a_button = self._button(actions["morph_start_from_pad"])
        self.b_button = self._button(actions["morph_end_from_pad"])
        self.row = FrameRow(self.state)
        self.row.picked.connect(self.show_frame)
        self.frames_spin = SpinBox()
        self.frames_spin.setObjectName("morphFrameCount")
        self.frames_spin.setRange(*FRAMES)
        self.frames_spin.setToolTip("Number of frames from A to B")
        self.frames_spin.setSuffix(" frames")
        bind(self.frames_spin, self.state.morph, "frame_count")
        self.play_button = self._button(self.play_action)
        self.play_button.setObjectName("morphPlay")
        for widget in (self.a_button, self.b_button, self.frames_spin, self.play_button):
            row.addWidget(widget)
        row.addStretch(1)
        column.addLayout(row)
        column.addWidget(self.row, 1)

    def _button(self, action: QAction) -> QToolButton:
        button = QToolButton()
        button.setDefaultAction(action)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        return button

    @gui_slot(object)
    def on_ends(self, _anchor: Anchor | None) -> None:
        for button, anchor, end in ((self.a_button, self.state.morph.start, "A"),
                                    (self.b_button, self.state.morph.end, "B")):
            where = f"{end}: {anchor.source}" if anchor is not None else f"{end}: not set"
            button.setToolTip(f"{where}. Click to use the pad's point as {end} "
                              f"(Shift+{end}); double-click a tile, or press {end} on one")

    @gui_slot(object)
    def on_model(self, _handle: object) -> None:
        self.state.morph.playing = False

    @gui_slot(object)
    def on_frames(self, images: np.ndarray | None) -> None:
        self.images = () if images is None else images
        self.row.frames = [gray_image(img) for img in self.images]
        self.row.current = 0 if len(self.images) else -1
        self.row.update()
        if len(self.images) < 2:
            self.state.morph.playing = False

    def frame_count(self) -> int:
        return self.state.morph.frame_count

    @gui_slot(bool)
    def on_playing(self, playing: bool) -> None:
        self.play_action.setIconText("Pause" if playing else "Play")
        if playing and len(self.images) > 1:
            self.timer.start()
        else:
            self.timer.stop()

    @gui_slot(int)
    def show_frame(self, k: int) -> None:
        if 0 <= k < len(self.images):
            self.row.current = k
            self.row.update()
            self.frame_shown.emit(self.images[k], k)

    @gui_slot()
    def _tick(self) -> None:
        n = len(self.images)
        if n < 2:
            return
        k = self.row.current + self._direction
        if not 0 <= k < n:  # ping-pong: A -> B -> A reads as one continuous gesture
            self._direction = -self._direction
            k = self.row.current + self._direction
        self.show_frame(k)
