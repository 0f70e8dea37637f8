"""The "Sketch & images" panel: the sketch surface, what the model sees (the prepared image)
and the model's own version of it, and where to send it (pad, corners, morph), Repair.

Draws ``state.material.current``; every action goes through the :class:`MaterialController`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from genai_studio.ui.common.bind import show
from genai_studio.ui.common.guard import gui_slot
from genai_studio.ui.common.imaging import ImagePreview
from genai_studio.ui.common.plain import plain
from genai_studio.ui.material.sketch import SketchSurface
from genai_studio.ui.material.state import Material, Target, TargetKind
from genai_studio.ui.studio.kinds import Corner, MorphEnd
from genai_studio.ui.studio.state import StudioState

if TYPE_CHECKING:
    pass


class MaterialPanel(QWidget):
    """Takes the state alone: it draws ``state.material`` and says what the artist asked for
    through its signals, which the material controller answers."""

    sketch_changed = Signal(object)  # np.ndarray: the drawing, after each stroke
    sketch_cleared = Signal()
    open_requested = Signal()
    send_requested = Signal(Target)
    stop_requested = Signal()
    repair_requested = Signal()

    def __init__(self, state: StudioState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("materialPanel")
        self.state = state
        self._build()
        self.sketch.changed.connect(self.sketch_changed)
        self.sketch.cleared.connect(self.sketch_cleared)
        m = state.material
        show(self, m, "current", self.on_material)
        show(self, m, "encoding", self.on_busy)
        m.progress_changed.connect(self.on_progress)
        state.session.model_changed.connect(self.on_model)

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        # A column: the panel lives in a narrow side dock by default.
        self.sketch = SketchSurface()
        layout.addWidget(self.sketch, 3)
        views = QHBoxLayout()
        self.prepared = _preview("materialPrepared", "model input")
        self.version = _preview("materialVersion", "its version")
        views.addWidget(self.prepared)
        views.addWidget(self.version)
        layout.addLayout(views, 2)
        self.caption = plain(QLabel(""))  # the material's name is its file's
        self.caption.setObjectName("materialCaption")
        self.caption.setProperty("role", "hint")
        self.caption.setWordWrap(True)
        # Ignored width: a long file name wraps instead of widening the dock.
        self.caption.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout.addWidget(self.caption)
        layout.addLayout(self._drawing_row())
        busy = QHBoxLayout()
        self.busy_bar = QProgressBar()
        self.busy_bar.setObjectName("materialProgress")
        self.busy_bar.setRange(0, 1000)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName("materialStop")
        self.stop_button.setToolTip("Stop fitting the GAN's latent: keep the best so far")
        self.stop_button.clicked.connect(self.stop_requested)
        busy.addWidget(self.busy_bar, 1)
        busy.addWidget(self.stop_button)
        layout.addLayout(busy)
        layout.addLayout(self._send_row())

    def _drawing_row(self) -> QVBoxLayout:
        rows = QVBoxLayout()
        top = QHBoxLayout()
        brush_label = QLabel("Brush")
        brush_label.setProperty("role", "hint")
        self.brush = QSlider(Qt.Orientation.Horizontal)
        self.brush.setObjectName("sketchBrush")
        self.brush.setRange(4, 48)
        self.brush.setValue(int(self.sketch.brush))
        self.brush.setToolTip("Brush size (a pen's pressure scales it)")
        self.brush.valueChanged.connect(self._brush_changed)
        top.addWidget(brush_label)
        top.addWidget(self.brush, 1)
        rows.addLayout(top)
        row = QHBoxLayout()
        for name, text, slot, tip in (
                ("sketchUndo", "Undo", self.sketch.undo, "Undo the last stroke"),
                ("sketchClear", "Clear", self.sketch.clear, "Start a new sketch"),
                ("materialOpen", "Open…", self.open_requested.emit,
                 "Open an image (PNG, JPEG, WebP, BMP, GIF): it is prepared the way the "
                 "model's data was and placed on the pad. You can also drop one on the pad "
                 "or the canvas")):
            button = QPushButton(text)
            button.setObjectName(name)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            row.addWidget(button)
        rows.addLayout(row)
        return rows

    def _send_row(self) -> QGridLayout:
        grid = QGridLayout()
        grid.setSpacing(4)
        label = QLabel("Send to")
        label.setProperty("role", "hint")
        grid.addWidget(label, 0, 0, 1, 4)  # a row of its own: the panel fits a side dock
        self.send_buttons: list[QToolButton] = []
        targets = [("Pad", Target(TargetKind.PAD), "Move the pad's point to it"),
                   ("A", Target(TargetKind.MORPH, end=MorphEnd.START), "Morph start (A)"),
                   ("B", Target(TargetKind.MORPH, end=MorphEnd.END), "Morph end (B)")]
        targets += [(c.arrow, Target(TargetKind.CORNER, c.value), f"Pad corner {c.arrow}")
                    for c in Corner]
        for k, (text, target, tip) in enumerate(targets):
            # Pad, A and B on one row, the four corners on the next.
            row, column = (1, k) if k < 3 else (2, k - 3)
            button = QToolButton()
            button.setText(text)
            button.setObjectName(f"materialSend_{target.kind.value}_{target.index}"
                                 f"{'' if target.end is None else target.end.value}")
            button.setToolTip(tip)
            button.clicked.connect(lambda _c=False, t=target: self.send_requested.emit(t))
            grid.addWidget(button, row, column)
            self.send_buttons.append(button)
        self.repair_button = QPushButton("Repair…")
        self.repair_button.setObjectName("materialRepair")
        self.repair_button.setToolTip("Mask a part of this image and let the model fill it in")
        self.repair_button.clicked.connect(self.repair_requested)
        grid.addWidget(self.repair_button, 3, 0, 1, 4)
        grid.setColumnStretch(4, 1)
        return grid

    @gui_slot(int)
    def _brush_changed(self, value: int) -> None:
        self.sketch.brush = float(value)

    @gui_slot(object)
    def on_model(self, handle: object) -> None:
        # Corners exist only for latents other than 2-D; the sketch is re-encoded for the new
        # model (the controller cleared the old model's material).
        plane = handle is not None and handle.latent_dim == 2
        for button in self.send_buttons[3:]:
            button.setEnabled(handle is not None and not plane)
        if handle is not None and not self.sketch.is_blank():
            self.sketch_changed.emit(self.sketch.pixels())

    @gui_slot(object)
    def on_material(self, material: Material | None) -> None:
        has = material is not None and material.latent is not None
        for button in self.send_buttons[:3]:
            button.setEnabled(has)
        self.repair_button.setEnabled(material is not None)
        if material is None:
            self.prepared.image = self.version.image = None
            self.prepared.caption, self.version.caption = "model input", "its version"
            self.prepared.update()
            self.version.update()
            self.caption.setText("Sketch, open (Ctrl+I) or drop an image: it lands in latent "
                                 "space, and you can morph from it or repair it.")
            return
        self.prepared.set_pixels(material.prepared, "model input", immediate=False)
        if material.reconstruction is not None:
            self.version.set_pixels(material.reconstruction, "its version", immediate=False)
        text = f"{material.source}: reconstruction error {material.error:.3f}"
        if material.label is not None:
            text += f", digit {material.label}"
        self.caption.setText(text + (f". Note: {material.note}" if material.note else ""))

    def on_busy(self, busy: bool) -> None:
        self.busy_bar.setVisible(busy)
        self.stop_button.setVisible(busy)
        if busy:
            self.busy_bar.setValue(0)
            self.busy_bar.setFormat("fitting the GAN's latent…")

    @gui_slot(object)
    def on_progress(self, progress: tuple[int, int, float]) -> None:
        step, steps, error = progress
        self.busy_bar.setValue(int(1000 * step / max(steps, 1)))
        self.busy_bar.setFormat(f"fitting the GAN's latent: step {step}/{steps}, "
                                f"error {error:.3f}")


def _preview(name: str, caption: str) -> ImagePreview:
    preview = ImagePreview(name)
    preview.setMinimumSize(90, 90)
    preview.caption = caption
    return preview
