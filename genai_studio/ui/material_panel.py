"""The "Sketch & images" panel: the sketch surface, what the model sees (the prepared image)
and the model's own version of it, and where to send it (pad, corners, morph), Repair.

Draws ``state.material``; every action goes through the :class:`MaterialController`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
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

from genai_studio.ui.guard import gui_slot
from genai_studio.ui.material import MaterialController, Target
from genai_studio.ui.preview import PadPreview
from genai_studio.ui.sketch import SketchSurface
from genai_studio.ui.state import Corner, Material, MorphEnd, StudioState

if TYPE_CHECKING:
    from collections.abc import Callable


class MaterialPanel(QWidget):
    def __init__(self, state: StudioState, controller: MaterialController,
                 open_repair: Callable[[], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("materialPanel")
        self.state, self.controller = state, controller
        self.open_repair = open_repair
        self._build()
        self.sketch.changed.connect(controller.sketch_changed)
        self.sketch.cleared.connect(controller.sketch_cleared)
        state.material_changed.connect(self.on_material)
        state.model_changed.connect(self.on_model)
        controller.progress.connect(self.on_progress)
        controller.busy_changed.connect(self.on_busy)
        self.on_material(None)
        self.on_busy(False)

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
        self.caption = QLabel("")
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
        self.stop_button.clicked.connect(self.controller.cancel)
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
                ("materialOpen", "Open…", self.controller.open_image,
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
        grid.addWidget(label, 0, 0)
        self.send_buttons: list[QToolButton] = []
        targets = [("Pad", Target("pad"), "Move the pad's point to it"),
                   ("A", Target("morph", end=MorphEnd.START), "Morph start (A)"),
                   ("B", Target("morph", end=MorphEnd.END), "Morph end (B)")]
        targets += [(c.arrow, Target("corner", c.value), f"Pad corner {c.arrow}")
                    for c in Corner]
        for k, (text, target, tip) in enumerate(targets):
            # Pad, A and B on the first row, the four corners on the second.
            row, column = (0, k + 1) if k < 3 else (1, k - 2)
            button = QToolButton()
            button.setText(text)
            button.setObjectName(f"materialSend_{target.kind}_{target.index}"
                                 f"{'' if target.end is None else target.end.value}")
            button.setToolTip(tip)
            button.clicked.connect(lambda _c=False, t=target: self.controller.send(t))
            grid.addWidget(button, row, column)
            self.send_buttons.append(button)
        self.repair_button = QPushButton("Repair…")
        self.repair_button.setObjectName("materialRepair")
        self.repair_button.setToolTip("Mask a part of this image and let the model fill it in")
        self.repair_button.clicked.connect(self.open_repair)
        grid.addWidget(self.repair_button, 2, 0, 1, 5)
        grid.setColumnStretch(5, 1)
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
            self.controller.sketch_changed(self.sketch.pixels())

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

    @gui_slot(bool)
    def on_busy(self, busy: bool) -> None:
        self.busy_bar.setVisible(busy)
        self.stop_button.setVisible(busy)
        if busy:
            self.busy_bar.setValue(0)
            self.busy_bar.setFormat("fitting the GAN's latent…")

    @gui_slot(int, int, float)
    def on_progress(self, step: int, steps: int, error: float) -> None:
        self.busy_bar.setValue(int(1000 * step / max(steps, 1)))
        self.busy_bar.setFormat(f"fitting the GAN's latent: step {step}/{steps}, "
                                f"error {error:.3f}")


def _preview(name: str, caption: str) -> PadPreview:
    preview = PadPreview()
    preview.setObjectName(name)
    preview.setMinimumSize(90, 90)
    preview.caption = caption
    return preview
