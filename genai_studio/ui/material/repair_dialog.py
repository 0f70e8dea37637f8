"""Repair: paint a mask over the damaged part of an image (a tile, an imported image or the
sketch), let the model fill it in (on the inference worker, with progress and Stop), compare
before and after, pick one of the alternatives, export it or send it to the pad."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QMouseEvent, QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from genai_studio.ui.common.guard import gui_slot
from genai_studio.ui.common.imaging import ImagePreview, gray_image
from genai_studio.ui.common.input_policy import apply_input_policy
from genai_studio.ui.common.spin import SpinBox
from genai_studio.ui.material.state import Target, TargetKind
from genai_studio.ui.studio.kinds import MorphEnd
from genai_studio.ui.studio.state import StudioState

if TYPE_CHECKING:
    import numpy as np

    from genai_studio.workers.messages import RepairResult


class MaskCanvas(QWidget):
    """The image, large and crisp, with the mask in red over it. Left button paints the mask,
    right button erases it; the brush is in model pixels."""

    def __init__(self, image: np.ndarray, parent: QWidget | None = None) -> None:
        import numpy as np

        super().__init__(parent)
        self.setObjectName("repairMask")
        self.setMinimumSize(200, 200)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.image = image
        self.hole = np.zeros(image.shape[:2], bool)
        self.brush = max(2, image.shape[0] // 7)
        self._qimage = gray_image(image)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(320, 320)

    def square(self) -> QRectF:
        side = min(self.width(), self.height()) - 2
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def paint_at(self, pos: QPointF, value: bool) -> None:
        sq = self.square()
        h, w = self.hole.shape
        col = int((pos.x() - sq.left()) / sq.width() * w)
        row = int((pos.y() - sq.top()) / sq.height() * h)
        r = self.brush // 2
        self.hole[max(0, row - r):max(0, row - r + self.brush),
                  max(0, col - r):max(0, col - r + self.brush)] = value
        self.update()

    def clear(self) -> None:
        self.hole[:] = False
        self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self.paint_at(event.position(), event.button() != Qt.MouseButton.RightButton)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.buttons() & (Qt.MouseButton.LeftButton | Qt.MouseButton.RightButton):
            self.paint_at(event.position(),
                          not bool(event.buttons() & Qt.MouseButton.RightButton))

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        import numpy as np

        p = QPainter(self)
        sq = self.square()
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        p.drawImage(sq, self._qimage)
        overlay = np.zeros((*self.hole.shape, 4), np.uint8)
        overlay[self.hole] = (230, 60, 60, 170)
        h, w = self.hole.shape
        mask = QImage(overlay.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()
        p.drawImage(sq, mask)


class RepairDialog(QDialog):
    """Takes the state, the image and where it came from: Repair, Stop, Export and Send are
    intents the material controller answers; the alternatives come back as
    ``state.material.repair``."""

    repair_requested = Signal(object, object, int, int)  # image, hole, alternatives, seed
    stop_requested = Signal()
    export_requested = Signal(object, str)  # the chosen image, a file name
    use_requested = Signal(object, str, Target)  # the chosen image, its source, where to

    def __init__(self, state: StudioState, image: np.ndarray, source: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("repairDialog")
        self.setWindowTitle(f"Repair: {source}")
        self.state, self.source = state, source
        self.result: RepairResult | None = None
        self.chosen = 0
        self._build(image)
        apply_input_policy(self)
        self._waiting = False  # this dialog asked for a repair and waits for it
        state.material.repair_changed.connect(self.on_repaired)
        state.material.repair_progress_changed.connect(self.on_progress)
        self._busy(False)

    def _build(self, image: np.ndarray) -> None:
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.canvas = MaskCanvas(image)
        top.addWidget(self.canvas, 1)
        self.after = ImagePreview("repairAfter")
        self.after.caption = "after"
        top.addWidget(self.after, 1)
        layout.addLayout(top, 1)
        hint = QLabel("Paint over what is damaged or missing (right button erases), then "
                      "Repair: the model fills the red part and keeps the rest.")
        hint.setProperty("role", "hint")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        layout.addLayout(self._controls())
        self.alternatives_row = QHBoxLayout()
        self.alternatives_row.addStretch(1)
        layout.addLayout(self.alternatives_row)
        bottom = QHBoxLayout()
        for name, text, slot in (("repairExport", "Export PNG…", self.export),
                                 ("repairToPad", "Send to pad", self.to_pad),
                                 ("repairToA", "Morph A", lambda: self.to_morph(MorphEnd.START)),
                                 ("repairToB", "Morph B", lambda: self.to_morph(MorphEnd.END))):
            button = QPushButton(text)
            button.setObjectName(name)
            button.clicked.connect(slot)
            bottom.addWidget(button)
        bottom.addStretch(1)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        bottom.addWidget(close)
        layout.addLayout(bottom)
        self.result_buttons = [bottom.itemAt(k).widget() for k in range(4)]
        self.resize(720, 520)

    def _controls(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.brush = QSlider(Qt.Orientation.Horizontal)
        self.brush.setObjectName("repairBrush")
        self.brush.setRange(1, max(2, self.canvas.hole.shape[0] // 2))
        self.brush.setValue(self.canvas.brush)
        self.brush.valueChanged.connect(lambda v: setattr(self.canvas, "brush", int(v)))
        self.count = SpinBox()
        self.count.setObjectName("repairAlternatives")
        self.count.setRange(1, 8)
        self.count.setValue(4)
        self.count.setToolTip("How many different repairs to look for")
        self.seed = SpinBox()
        self.seed.setObjectName("repairSeed")
        self.seed.setRange(0, 999_999)
        self.seed.setToolTip("Seed of the alternatives: the same seed, the same repairs")
        clear = QPushButton("Clear mask")
        clear.setObjectName("repairClear")
        clear.clicked.connect(self.canvas.clear)
        self.repair_button = QPushButton("Repair")
        self.repair_button.setObjectName("repairRun")
        self.repair_button.setProperty("accent", True)
        self.repair_button.clicked.connect(self.run)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName("repairStop")
        self.stop_button.clicked.connect(self.stop_requested)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        for widget in (QLabel("Brush"), self.brush, clear, QLabel("Alternatives"), self.count,
                       QLabel("Seed"), self.seed, self.repair_button, self.stop_button,
                       self.progress):
            row.addWidget(widget)
        return row

    def _busy(self, busy: bool) -> None:
        self.repair_button.setEnabled(not busy)
        self.stop_button.setEnabled(busy)
        self.progress.setVisible(busy)
        for button in self.result_buttons:
            button.setEnabled(not busy and self.result is not None)

    @gui_slot()
    def run(self) -> None:
        if not self.canvas.hole.any():
            self.state.post("Paint the part to repair first")
            return
        if self.canvas.hole.all():
            self.state.post("The whole image is masked: nothing is left to repair from")
            return
        self._busy(True)
        self._waiting = True
        self.repair_requested.emit(self.canvas.image, self.canvas.hole.copy(),
                                   self.count.value(), self.seed.value())

    @gui_slot(object)
    def on_progress(self, progress: tuple[int, int]) -> None:
        step, steps = progress
        self.progress.setValue(int(1000 * step / max(steps, 1)))

    @gui_slot(object)
    def on_repaired(self, result: RepairResult | None) -> None:
        if result is None or not self._waiting:
            return
        self._waiting = False
        self.result, self.chosen = result, 0
        self._busy(False)
        while self.alternatives_row.count() > 1:
            item = self.alternatives_row.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        for k, image in enumerate(result.images):
            button = QToolButton()
            button.setObjectName(f"repairAlternative{k}")
            button.setIcon(QIcon(QPixmap.fromImage(gray_image(image))))
            button.setIconSize(QSize(72, 72))
            button.setToolTip(f"alternative {k + 1}" + (" (the best)" if k == 0 else ""))
            button.setCheckable(True)
            button.setChecked(k == 0)
            button.clicked.connect(lambda _c=False, i=k: self.choose(i))
            self.alternatives_row.insertWidget(k, button)
        self.choose(0)

    def choose(self, index: int) -> None:
        if self.result is None:
            return
        self.chosen = index
        for k in range(self.alternatives_row.count() - 1):
            self.alternatives_row.itemAt(k).widget().setChecked(k == index)
        stopped = " (stopped early)" if self.result.cancelled else ""
        self.after.set_pixels(self.result.images[index],
                              f"after: alternative {index + 1}{stopped}")

    def chosen_image(self) -> Any:
        return None if self.result is None else self.result.images[self.chosen]

    @gui_slot()
    def export(self) -> None:
        if self.result is not None:
            self.export_requested.emit(self.chosen_image(), f"repaired-{self.chosen + 1}")

    @gui_slot()
    def to_pad(self) -> None:
        if self.result is not None:
            self.use_requested.emit(self.chosen_image(), f"repair of {self.source}",
                                    Target(TargetKind.PAD))

    def to_morph(self, end: MorphEnd) -> None:
        if self.result is not None:
            self.use_requested.emit(self.chosen_image(), f"repair of {self.source}",
                                    Target(TargetKind.MORPH, end=end))

    def closeEvent(self, event: Any) -> None:  # noqa: N802
        if self._waiting:
            self.stop_requested.emit()
        super().closeEvent(event)
