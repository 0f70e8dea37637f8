"""The morph strip: N frames along the slerp between anchors A and B, playable as a loop."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QWidget,
)

from genai_studio.ui import icons, theme
from genai_studio.ui.imaging import gray_image

if TYPE_CHECKING:
    import numpy as np

FPS = 12


class FrameRow(QWidget):
    """Paints the frames in one row (crisp); click picks one."""

    clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(56)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.frames: list[QImage] = []
        self.current = -1

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(600, 72)

    def _rect(self, k: int) -> QRectF:
        n = max(len(self.frames), 1)
        side = min(self.height() - 4, (self.width() - 4) / n - 4)
        left = (self.width() - n * (side + 4)) / 2
        return QRectF(left + k * (side + 4) + 2, (self.height() - side) / 2, side, side)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        if not self.frames:
            p.setPen(QColor(theme.MUTED))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter,
                       "Double-click two tiles (or press A and B) to morph between them")
            return
        for k, image in enumerate(self.frames):
            rect = self._rect(k)
            p.fillRect(rect, QColor(theme.TILE))
            p.drawImage(rect, image)
            if k == self.current:
                p.setPen(QPen(QColor(theme.ACCENT), 2))
                p.drawRect(rect.adjusted(-1, -1, 1, 1))

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        for k in range(len(self.frames)):
            if self._rect(k).contains(event.position()):
                self.clicked.emit(k)


class MorphStrip(QWidget):
    """A/B anchors, the frame row, frame count and play; asks for frames via ``requested``."""

    requested = Signal()  # A, B or the frame count changed: the owner decodes new frames
    frame_shown = Signal(object)  # (28, 28) image of the frame now showing
    set_from_pad = Signal(str)  # "a" | "b": take the pad's current point

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("morphStrip")
        self.start: np.ndarray | None = None
        self.end: np.ndarray | None = None
        self.images: np.ndarray | tuple = ()
        self._direction = 1
        self.timer = QTimer(self)
        self.timer.setInterval(1000 // FPS)
        self.timer.timeout.connect(self._tick)
        self._build()

    def _build(self) -> None:
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 6, 10, 6)
        row.setSpacing(8)
        self.a_button = QPushButton("A ← pad")
        self.a_button.setToolTip("Use the pad's point as the morph start (Shift+A)")
        self.b_button = QPushButton("B ← pad")
        self.b_button.setToolTip("Use the pad's point as the morph end (Shift+B)")
        self.row = FrameRow()
        self.frames_spin = QSpinBox()
        self.frames_spin.setRange(2, 48)
        self.frames_spin.setValue(16)
        self.frames_spin.setToolTip("Number of frames between A and B")
        self.play_button = QPushButton(icons.icon("play"), "Play")
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("Play the morph as a loop (P)")
        self.a_button.clicked.connect(self._a_from_pad)
        self.b_button.clicked.connect(self._b_from_pad)
        self.frames_spin.valueChanged.connect(self._frames_changed)
        self.play_button.toggled.connect(self.set_playing)
        self.row.clicked.connect(self.show_frame)
        for widget in (self.a_button, self.row, self.b_button, QLabel("frames"),
                       self.frames_spin, self.play_button):
            row.addWidget(widget, 1 if widget is self.row else 0)

    @Slot()
    def _a_from_pad(self) -> None:
        self.set_from_pad.emit("a")

    @Slot()
    def _b_from_pad(self) -> None:
        self.set_from_pad.emit("b")

    @Slot(int)
    def _frames_changed(self, _value: int) -> None:
        if self.ready():
            self.requested.emit()

    def set_anchor(self, which: str, z: np.ndarray) -> None:
        import numpy as np
        if which == "a":
            self.start = np.asarray(z, np.float32).copy()
        else:
            self.end = np.asarray(z, np.float32).copy()
        if self.ready():
            self.requested.emit()

    def ready(self) -> bool:
        return (self.start is not None and self.end is not None
                and self.start.shape == self.end.shape)

    def frame_count(self) -> int:
        return self.frames_spin.value()

    def clear(self) -> None:
        import numpy as np
        self.set_playing(False)
        self.start = self.end = None
        self.set_frames(np.zeros((0, 28, 28), np.float32))

    def set_frames(self, images: np.ndarray) -> None:
        self.images = images
        self.row.frames = [gray_image(img) for img in images]
        self.row.current = -1
        self.row.update()

    @Slot(bool)
    def set_playing(self, playing: bool) -> None:
        if self.play_button.isChecked() != playing:
            self.play_button.setChecked(playing)  # re-enters with the same value
            return
        self.play_button.setIcon(icons.icon("pause" if playing else "play"))
        self.play_button.setText("Pause" if playing else "Play")
        if playing and len(self.images):
            self.timer.start()
        else:
            self.timer.stop()

    @Slot(int)
    def show_frame(self, k: int) -> None:
        if 0 <= k < len(self.images):
            self.row.current = k
            self.row.update()
            self.frame_shown.emit(self.images[k])

    @Slot()
    def _tick(self) -> None:
        n = len(self.images)
        if n < 2:
            return
        k = self.row.current + self._direction
        if not 0 <= k < n:  # ping-pong: A -> B -> A reads as one continuous gesture
            self._direction = -self._direction
            k = self.row.current + self._direction
        self.show_frame(k)
