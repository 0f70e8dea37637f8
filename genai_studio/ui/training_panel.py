"""The training panel: the form, Train / Pause / Cancel, progress, the loss plot with plain
names, the quality meter and the fixed-noise preview.

The form is ``state.training_settings``; where the run is, ``state.training``; the run itself
belongs to :class:`~genai_studio.ui.training_run.TrainingRun`, whose events this panel draws.
It lays itself out in a row when wide (docked under the canvas) and in a column when narrow
(docked at a side, as it is by default, in a tab beside the library).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from genai_studio.core import loss_terms
from genai_studio.core.defaults import DEFAULT_LATENT, DEFAULT_LR
from genai_studio.core.events import Preview, Progress, RunState
from genai_studio.ui import icons, theme
from genai_studio.ui.guard import gui_slot
from genai_studio.ui.preview import PadPreview
from genai_studio.ui.quality_meter import QualityMeter
from genai_studio.ui.state import StudioState, TrainingSettings, TrainingStatus
from genai_studio.ui.training_run import TrainingRun

PLOT_INTERVAL_S = 0.25  # the loss plot redraws at most 4 times a second
WIDE = 760  # px: wider than this, form | progress and plot | preview side by side
CURVE_COLOURS = ("ACCENT", "#e0a43a", "#3fbfa0", "DANGER")


class TrainingPanel(QWidget):
    def __init__(self, state: StudioState, run: TrainingRun, actions: Mapping[str, QAction],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainingPanel")
        self.state, self.run = state, run
        self.history: dict[str, list[float]] = {}
        self.steps: list[int] = []
        self.plot: Any = None
        self.curves: dict[str, Any] = {}
        self._plotted_at = 0.0
        self._build(actions)
        state.training_changed.connect(self.on_status)
        state.training_settings_changed.connect(self.on_settings)
        state.devices_changed.connect(self.on_devices)
        state.datasets_changed.connect(self.on_datasets)
        run.started.connect(self.on_run_started)
        run.progress.connect(self.on_progress)
        run.preview.connect(self.on_preview)
        run.quality.connect(self.meter.set_scores)
        run.quality_unavailable.connect(self.meter.set_unavailable)
        self.on_devices(state.devices)
        self.on_datasets(state.datasets)
        self.on_settings(state.training_settings)
        self.on_status(state.training)

    # ---------------------------------------------------------------- layout

    def _build(self, actions: Mapping[str, QAction]) -> None:
        self.box = QBoxLayout(QBoxLayout.Direction.TopToBottom, self)
        self.box.setContentsMargins(8, 8, 8, 8)
        self.box.setSpacing(10)
        form_holder = QWidget()
        form_holder.setLayout(self._build_form())
        self.box.addWidget(form_holder, 0)
        middle = QVBoxLayout()
        middle.setSpacing(6)
        middle.addLayout(self._build_buttons(actions))
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("trainingProgress")
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setTextVisible(True)
        middle.addWidget(self.progress_bar)
        self.stats = QLabel("")
        self.stats.setProperty("role", "hint")
        self.stats.setWordWrap(True)
        # Ignored width: a long loss line must not widen the dock (and the window) mid-run.
        self.stats.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        middle.addWidget(self.stats)
        self.meter = QualityMeter()
        middle.addWidget(self.meter)
        self.plot_holder = QVBoxLayout()
        self.plot_hint = QLabel("Loss curves appear here while a model trains.")
        self.plot_hint.setProperty("role", "hint")
        self.plot_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.plot_hint.setWordWrap(True)
        self.plot_holder.addWidget(self.plot_hint)
        self.legend = QHBoxLayout()
        self.legend.setSpacing(10)
        self.plot_holder.addLayout(self.legend)
        middle.addLayout(self.plot_holder, 1)
        self.box.addLayout(middle, 3)
        right = QVBoxLayout()
        caption = QLabel("Preview (fixed noise)")
        caption.setProperty("role", "section")
        right.addWidget(caption)
        self.preview = PadPreview()
        self.preview.setObjectName("trainingPreview")
        self.preview.setMinimumSize(120, 120)
        self.preview.setMaximumHeight(360)
        right.addWidget(self.preview, 1)
        self.box.addLayout(right, 1)

    def _build_form(self) -> QGridLayout:
        form = QGridLayout()
        form.setHorizontalSpacing(8)
        form.setVerticalSpacing(6)
        self.kind = QComboBox()
        self.kind.setObjectName("trainKind")
        self.kind.addItem("VAE", "vae")
        self.kind.addItem("GAN", "gan")
        self.kind.addItem("VAE-GAN", "vaegan")
        self.kind.setToolTip("VAE: a smooth latent space, great for the pad. GAN: sharper digits. "
                             "VAE-GAN: a GAN's sharpness with an encoder for the pad")
        self.conditional = QCheckBox("conditional")
        self.conditional.setToolTip("A conditional model draws the digit you pick")
        self.latent = _spin(1, 256, 2, "Latent size: 2 makes the pad a map of all digits")
        self.epochs = _spin(1, 500, 5, "Passes over the 60,000 MNIST digits")
        self.batch = _spin(8, 4096, 128, "Images per step")
        self.lr = QDoubleSpinBox()
        self.lr.setDecimals(5)
        self.lr.setRange(0.00001, 0.1)
        self.lr.setSingleStep(0.0001)
        self.lr.setToolTip("Learning rate (Adam)")
        self.device = QComboBox()
        self.device.setObjectName("trainDeviceSelector")
        self.device.setToolTip("Where to train; the studio's device by default")
        self.data = QComboBox()
        self.data.setObjectName("trainData")
        self.data.setToolTip("What to train on: the bundled MNIST digits, or one of your "
                             "datasets (File > New dataset from folder)")
        self.form = form
        self.form_cells = []
        for label, widget in (("Model", self.kind), ("Latent", self.latent),
                              ("Epochs", self.epochs), ("Batch", self.batch), ("LR", self.lr),
                              ("Device", self.device), ("Data", self.data)):
            text = QLabel(label)
            text.setProperty("role", "hint")
            text.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            widget.setMinimumWidth(60)
            self.form_cells.append((text, widget))
        self._place_form(pairs_per_row=1)
        self.inputs = (self.kind, self.conditional, self.latent, self.epochs, self.batch,
                       self.lr, self.device, self.data)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        for signal in (self.conditional.toggled, self.latent.valueChanged,
                       self.epochs.valueChanged, self.batch.valueChanged, self.lr.valueChanged,
                       self.device.currentIndexChanged, self.data.currentIndexChanged):
            signal.connect(self._form_changed)
        return form

    def _place_form(self, pairs_per_row: int) -> None:
        """Two label/field pairs a row when wide, one when narrow (a side dock)."""
        for text, widget in self.form_cells:
            self.form.removeWidget(text)
            self.form.removeWidget(widget)
        self.form.removeWidget(self.conditional)
        for k, (text, widget) in enumerate(self.form_cells):
            row, col = divmod(k, pairs_per_row)
            self.form.addWidget(text, row, col * 2)
            self.form.addWidget(widget, row, col * 2 + 1)
        rows = -(-len(self.form_cells) // pairs_per_row)
        self.form.addWidget(self.conditional, rows, 1, 1, 2 * pairs_per_row - 1)

    def _place_buttons(self, one_row: bool) -> None:
        for button in (self.train_button, self.pause_button, self.cancel_button):
            self.button_grid.removeWidget(button)
        if one_row:
            for k, button in enumerate((self.train_button, self.pause_button,
                                        self.cancel_button)):
                self.button_grid.addWidget(button, 0, k)
        else:  # Train across, then Pause | Cancel: fits a 240 px side dock
            self.button_grid.addWidget(self.train_button, 0, 0, 1, 2)
            self.button_grid.addWidget(self.pause_button, 1, 0)
            self.button_grid.addWidget(self.cancel_button, 1, 1)

    def _build_buttons(self, actions: Mapping[str, QAction]) -> QGridLayout:
        row = QGridLayout()
        self.button_grid = row
        self.train_button = QPushButton("Train")
        self.train_button.setObjectName("trainButton")
        self.train_button.setProperty("accent", True)
        self.train_button.setToolTip("Train a new model in the background (Ctrl+T)")
        self.pause_button = QPushButton("Pause")
        self.pause_button.setObjectName("pauseButton")
        self.pause_button.setToolTip("Pause / resume training (Ctrl+P)")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setToolTip("Stop training; the last checkpoint is kept and the run "
                                      "can be resumed from the library (Ctrl+.)")
        for button, name in ((self.train_button, "train"), (self.pause_button, "pause_training"),
                             (self.cancel_button, "cancel_training")):
            button.clicked.connect(actions[name].trigger)
        self._place_buttons(one_row=False)
        return row

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        wide = event.size().width() >= WIDE
        direction = QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        if self.box.direction() != direction:
            self.box.setDirection(direction)
            self._place_form(pairs_per_row=2 if wide else 1)
            self._place_buttons(one_row=wide)
            self.meter.set_compact(not wide)
        super().resizeEvent(event)

    # ---------------------------------------------------------------- the form <-> the state

    @gui_slot(int)
    def _kind_changed(self, _index: int) -> None:
        kind = str(self.kind.currentData())
        self.latent.setValue(DEFAULT_LATENT.get(kind, 2))
        self.lr.setValue(DEFAULT_LR.get(kind, 1e-3))
        self._form_changed()

    @gui_slot()
    def _form_changed(self, *_args: object) -> None:
        self.state.training_settings = replace(
            self.state.training_settings, kind=str(self.kind.currentData()),
            latent_dim=self.latent.value(),
            epochs=self.epochs.value(), batch_size=self.batch.value(), lr=self.lr.value(),
            device=str(self.device.currentData() or "app"), data=self.data.currentData(),
            conditional=self.conditional.isChecked() and self.data.currentData() is None)

    @gui_slot(object)
    def on_settings(self, t: TrainingSettings) -> None:
        for widget in self.inputs:
            widget.blockSignals(True)
        self.kind.setCurrentIndex(max(self.kind.findData(t.kind), 0))
        self.conditional.setChecked(t.conditional)
        self.latent.setValue(t.latent_dim)
        self.epochs.setValue(t.epochs)
        self.batch.setValue(t.batch_size)
        self.lr.setValue(t.lr)
        self.device.setCurrentIndex(max(self.device.findData(t.device), 0))
        self.data.setCurrentIndex(max(self.data.findData(t.data), 0))
        # Datasets have no labels: conditional models train on MNIST.
        self.conditional.setEnabled(t.data is None and not self.state.training.state.active)
        for widget in self.inputs:
            widget.blockSignals(False)

    @gui_slot(object)
    def on_datasets(self, datasets: tuple) -> None:
        self.data.blockSignals(True)
        self.data.clear()
        self.data.addItem("MNIST digits (bundled)", None)
        for info in datasets:
            c, h, w = info.image_shape
            self.data.addItem(f"{info.name} · {info.num_images} · {h}px "
                              f"{'grey' if c == 1 else 'RGB'}", info.path)
        self.data.blockSignals(False)
        settings = self.state.training_settings
        if settings.data is not None and all(i.path != settings.data for i in datasets):
            self.state.training_settings = replace(settings, data=None)  # it was deleted
        self.on_settings(self.state.training_settings)

    @gui_slot(object)
    def on_devices(self, devices: tuple[str, ...]) -> None:
        self.device.blockSignals(True)
        self.device.clear()
        self.device.addItem("same as the studio", "app")
        for name in devices:
            self.device.addItem("CPU" if name == "cpu" else name.upper(), name)
        self.device.blockSignals(False)
        self.on_settings(self.state.training_settings)

    # ---------------------------------------------------------------- the run

    @gui_slot(object)
    def on_status(self, status: TrainingStatus) -> None:
        active = status.state.active
        self.train_button.setEnabled(not active)
        self.pause_button.setEnabled(status.state in (RunState.TRAINING, RunState.PAUSED))
        self.cancel_button.setEnabled(active and status.state is not RunState.CANCELLING)
        paused = status.state is RunState.PAUSED
        self.pause_button.setText("Resume" if paused else "Pause")
        self.pause_button.setIcon(icons.icon("play" if paused else "pause"))
        self.train_button.setIcon(icons.icon("bolt", theme.ON_ACCENT))
        self.cancel_button.setIcon(icons.icon("stop", theme.DANGER))
        for widget in self.inputs:
            widget.setEnabled(not active)
        self.conditional.setEnabled(not active and self.state.training_settings.data is None)
        self.progress_bar.setValue(int(1000 * status.fraction))
        self.progress_bar.setFormat(status.detail or status.state.value)
        if status.state is RunState.FINISHED:
            self._redraw()  # the final stretch of the curve

    @gui_slot()
    def on_run_started(self) -> None:
        self.ensure_plot()
        self.history.clear()
        self.steps.clear()
        self.plot.clear()
        self.curves.clear()
        _clear(self.legend)
        self.plot_hint.hide()
        self.plot.show()
        self.meter.reset("waiting")

    def ensure_plot(self) -> None:
        """Create the pyqtgraph plot lazily: importing it is not on the first-paint path."""
        if self.plot is not None:
            return
        import pyqtgraph as pg

        # No antialiasing: antialiased polylines cost the GUI thread ~10x more to draw, and
        # this plot redraws while training competes for the same two cores.
        pg.setConfigOptions(antialias=False, background=theme.PANEL, foreground=theme.MUTED)
        self.plot = pg.PlotWidget()
        self.plot.setObjectName("lossPlot")
        self.plot.setMinimumHeight(90)
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.plot.setDownsampling(auto=True, mode="peak")
        self.plot.setClipToView(True)
        self.plot.setLabel("bottom", "step")
        self.plot_holder.insertWidget(0, self.plot, 1)
        self.plot.hide()

    @gui_slot(object)
    def on_progress(self, event: Progress) -> None:
        parts = [f"{loss_terms.label(k)} {v:.3g}" for k, v in event.losses.items()]
        self.stats.setText(f"epoch {event.epoch}/{event.epochs}   " + "   ".join(parts))
        self.steps.append(event.step)
        for name, value in event.losses.items():
            self.history.setdefault(name, []).append(value)
        if time.perf_counter() - self._plotted_at >= PLOT_INTERVAL_S:
            self._redraw()  # otherwise the data waits; the curve catches up next time

    def _redraw(self) -> None:
        if self.plot is None:
            return
        self._plotted_at = time.perf_counter()
        for k, (name, values) in enumerate(self.history.items()):
            curve = self.curves.get(name)
            if curve is None:
                colour = theme.qcolour(CURVE_COLOURS[k % len(CURVE_COLOURS)])
                curve = self.plot.plot(pen={"color": colour, "width": 2})
                self.curves[name] = curve
                self._add_legend(name, colour.name())
            curve.setData(self.steps[-len(values):], values)

    def _add_legend(self, name: str, colour: str) -> None:
        """A legend under the plot, never over the curves; the formula is its tooltip."""
        chip = QLabel(f"<span style='color:{colour}'>■</span> {loss_terms.label(name)}")
        chip.setToolTip(loss_terms.formula(name))
        chip.setProperty("role", "hint")
        self.legend.insertWidget(self.legend.count(), chip)

    @gui_slot(object)
    def on_preview(self, event: Preview) -> None:
        from genai_studio.core.images import tile_grid

        self.preview.set_pixels(tile_grid(event.images[:64], columns=8, padding=1),
                                f"step {event.step}", immediate=False)


def _spin(low: int, high: int, value: int, tip: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setToolTip(tip)
    return spin


def _clear(layout: QHBoxLayout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        if item.widget() is not None:
            item.widget().deleteLater()
