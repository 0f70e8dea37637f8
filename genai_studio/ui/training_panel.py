"""The training dock: choose a model, train it in the background, watch loss and previews."""

from __future__ import annotations

import math
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
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

from genai_studio.core.defaults import DEFAULT_LATENT, DEFAULT_LR
from genai_studio.ui import icons, theme
from genai_studio.ui.guard import gui_slot
from genai_studio.ui.latent_pad import PadPreview
from genai_studio.ui.quality_meter import QualityMeter
from genai_studio.workers.training import TrainingController, TrainRequest

if TYPE_CHECKING:
    import numpy as np


def format_eta(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "–"
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 \
        else f"{seconds // 60}:{seconds % 60:02d}"


PLOT_INTERVAL_S = 0.25  # the loss plot redraws at most 4 times a second


class TrainingPanel(QWidget):
    """Owns at most one training run (its controller and thread)."""

    state_changed = Signal(str)  # "idle" | "loading data" | "training 12%" | "paused" | ...
    model_trained = Signal(object)  # Path of the finished model
    failed = Signal(str)

    def __init__(self, models_dir: Path, judge_path: Path | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.models_dir = Path(models_dir)
        self.judge_path = judge_path  # scores previews for the quality meter (None: no meter)
        self.controller: TrainingController | None = None
        self.app_device = "auto"
        self.limit: int | None = None  # set for quick runs and tests
        self.history: dict[str, list[float]] = {}
        self.steps: list[int] = []
        self.plot: Any = None
        self.curves: dict[str, Any] = {}
        self.last_progress: Any = None
        self._plotted_at = 0.0
        self.progress_count = 0
        self._build()
        self._set_running(False)

    # ---------------------------------------------------------------- layout

    def _build(self) -> None:
        outer = QHBoxLayout(self)
        outer.setContentsMargins(10, 8, 10, 8)
        outer.setSpacing(16)
        outer.addLayout(self._build_form(), 0)
        middle = QVBoxLayout()
        middle.addLayout(self._build_buttons())
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setFormat("idle")
        self.progress_bar.setTextVisible(True)
        middle.addWidget(self.progress_bar)
        middle.addWidget(self.stats)
        self.meter = QualityMeter()
        middle.addWidget(self.meter)
        self.plot_holder = QVBoxLayout()
        self.plot_hint = QLabel("Loss curves appear here while a model trains.\n"
                                "Choose a model on the left and press Train (Ctrl+T).")
        self.plot_hint.setProperty("role", "hint")
        self.plot_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.plot_holder.addWidget(self.plot_hint)
        middle.addLayout(self.plot_holder, 1)
        outer.addLayout(middle, 3)
        right = QVBoxLayout()
        caption = QLabel("Preview (fixed noise)")
        caption.setProperty("role", "section")
        right.addWidget(caption)
        self.preview = PadPreview()
        self.preview.setObjectName("trainingPreview")
        self.preview.setMinimumSize(150, 150)
        right.addWidget(self.preview, 1)
        outer.addLayout(right, 1)

    def _build_form(self) -> QGridLayout:
        form = QGridLayout()
        form.setHorizontalSpacing(8)
        form.setVerticalSpacing(6)
        self.kind = QComboBox()
        self.kind.addItem("VAE", "vae")
        self.kind.addItem("GAN", "gan")
        self.kind.addItem("VAE-GAN", "vaegan")
        self.kind.setToolTip("VAE: smooth latent space, great for the pad. GAN: sharper digits. "
                             "VAE-GAN: an encoder for the pad and a GAN's sharpness")
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.conditional = QCheckBox("conditional (pick the digit)")
        self.latent = self._spin(1, 256, 2, "Latent size: 2 makes the pad a map of all digits")
        self.epochs = self._spin(1, 500, 5, "Passes over the 60 000 MNIST digits")
        self.batch = self._spin(8, 4096, 128, "Images per step")
        self.lr = QDoubleSpinBox()
        self.lr.setDecimals(5)
        self.lr.setRange(0.00001, 0.1)
        self.lr.setSingleStep(0.0001)
        self.lr.setValue(0.001)
        self.lr.setToolTip("Learning rate (Adam)")
        self.device = QComboBox()
        self.device.setObjectName("trainDeviceSelector")
        self.device.addItem("same as the app", "app")
        self.device.setToolTip("Where to train; the app's device by default")
        cells = (("Model", self.kind), ("Latent", self.latent), ("Epochs", self.epochs),
                 ("Batch", self.batch), ("LR", self.lr), ("Device", self.device))
        for k, (label, widget) in enumerate(cells):
            row, col = divmod(k, 2)
            text = QLabel(label)
            text.setProperty("role", "hint")
            text.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            form.addWidget(text, row, col * 2)
            form.addWidget(widget, row, col * 2 + 1)
        form.addWidget(self.conditional, 3, 1, 1, 3)
        form.setRowStretch(4, 1)
        return form

    def _spin(self, low: int, high: int, value: int, tip: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(low, high)
        spin.setValue(value)
        spin.setToolTip(tip)
        return spin

    def _build_buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.train_button = QPushButton(icons.icon("bolt", "#10131a"), "Train")
        self.train_button.setObjectName("trainButton")
        self.train_button.setProperty("accent", True)
        self.train_button.setToolTip("Train a new model in the background (Ctrl+T)")
        self.pause_button = QPushButton(icons.icon("pause"), "Pause")
        self.pause_button.setObjectName("pauseButton")
        self.pause_button.setCheckable(True)
        self.pause_button.setToolTip("Pause / resume training (Ctrl+P)")
        self.cancel_button = QPushButton(icons.icon("stop", theme.DANGER), "Cancel")
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setToolTip("Stop training; the last checkpoint is kept (Ctrl+.)")
        self.train_button.clicked.connect(self.start)
        self.pause_button.toggled.connect(self._pause_toggled)
        self.cancel_button.clicked.connect(self.cancel)
        self.stats = QLabel("")
        self.stats.setProperty("role", "hint")
        # Ignored width: a long loss line must not widen the dock (and the window) mid-run.
        self.stats.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        for button in (self.train_button, self.pause_button, self.cancel_button):
            row.addWidget(button)
        row.addStretch(1)
        return row

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
        self.plot.setMinimumHeight(110)
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.plot.setDownsampling(auto=True, mode="peak")
        self.plot.setClipToView(True)
        self.plot.setLabel("bottom", "step")
        self.plot.addLegend(offset=(-10, 2), colCount=4, labelTextColor=theme.MUTED)
        self.plot_holder.addWidget(self.plot)
        self.plot.hide()  # until the first run: an empty chart says nothing

    def set_devices(self, devices: list[str]) -> None:
        for name in devices:
            if self.device.findData(name) < 0:
                self.device.addItem(name.upper() if name != "cpu" else "CPU", name)

    @gui_slot(int)
    def _kind_changed(self, _index: int) -> None:
        kind = str(self.kind.currentData())
        self.latent.setValue(DEFAULT_LATENT[kind])
        self.lr.setValue(DEFAULT_LR[kind])

    # ---------------------------------------------------------------- control

    def is_running(self) -> bool:
        """True from Train until the GUI has handled the thread's end (``on_thread_done``),
        so a new run can never start while the old controller is still being torn down."""
        return self.controller is not None

    def request(self) -> TrainRequest:
        kind = str(self.kind.currentData())
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        cond = "c" if self.conditional.isChecked() else ""
        name = f"{cond}{kind}-{self.latent.value()}d-{stamp}.safetensors"
        device = self.device.currentData()
        return TrainRequest(
            kind=kind, conditional=self.conditional.isChecked(), latent_dim=self.latent.value(),
            epochs=self.epochs.value(), batch_size=self.batch.value(), lr=self.lr.value(),
            device=self.app_device if device == "app" else str(device),
            out_path=self.models_dir / name, limit=self.limit, judge_path=self.judge_path,
        )

    @gui_slot()
    def start(self) -> None:
        if self.is_running():
            return
        self.ensure_plot()
        self._reset_plot()
        self.plot_hint.hide()
        self.plot.show()
        self.controller = TrainingController(self.request(), self)
        w = self.controller.worker
        w.started.connect(self.on_started)
        w.progress.connect(self.on_progress)
        w.preview.connect(self.on_preview)
        w.quality.connect(self.on_quality)
        w.quality_unavailable.connect(self.on_quality_unavailable)
        w.finished.connect(self.on_finished)
        w.failed.connect(self.on_failed)
        self.controller.thread.finished.connect(self.on_thread_done)
        self._set_running(True)
        self.meter.reset("waiting")
        self.progress_bar.setFormat("loading data…")
        self.state_changed.emit("loading data")
        self.controller.start()

    @gui_slot(bool)
    def _pause_toggled(self, paused: bool) -> None:
        if not self.is_running():
            return
        assert self.controller is not None
        if paused:
            self.controller.worker.pause()
        else:
            self.controller.worker.resume()
        self.pause_button.setText("Resume" if paused else "Pause")
        self.pause_button.setIcon(icons.icon("play" if paused else "pause"))
        self.state_changed.emit("paused" if paused else "training")

    def toggle_pause(self) -> None:
        if self.is_running():
            self.pause_button.toggle()

    @gui_slot()
    def cancel(self) -> None:
        if self.is_running():
            assert self.controller is not None
            self.controller.worker.cancel()
            self.progress_bar.setFormat("cancelling…")

    def shutdown(self) -> None:
        """Window closing: cancel, let the run write its checkpoint, join the thread."""
        if self.controller is not None:
            self.controller.shutdown()

    def _set_running(self, running: bool) -> None:
        self.train_button.setEnabled(not running)
        self.pause_button.setEnabled(running)
        self.cancel_button.setEnabled(running)
        for widget in (self.kind, self.conditional, self.latent, self.epochs, self.batch,
                       self.lr, self.device):
            widget.setEnabled(not running)
        if not running:
            self.pause_button.blockSignals(True)
            self.pause_button.setChecked(False)
            self.pause_button.setText("Pause")
            self.pause_button.setIcon(icons.icon("pause"))
            self.pause_button.blockSignals(False)

    def _reset_plot(self) -> None:
        self.history.clear()
        self.steps.clear()
        self.progress_count = 0
        if self.plot is not None:
            self.plot.clear()
            self.curves.clear()

    # ---------------------------------------------------------------- worker events

    @gui_slot(object)
    def on_started(self, event: Any) -> None:
        self.progress_bar.setFormat(f"starting on {event.device}…")
        self.state_changed.emit("training")

    @gui_slot(object)
    def on_progress(self, event: Any) -> None:
        self.last_progress = event
        self.progress_count += 1
        self.progress_bar.setValue(int(1000 * event.step / max(event.total_steps, 1)))
        pct = 100 * event.step / max(event.total_steps, 1)
        self.progress_bar.setFormat(f"{pct:.0f}%   ETA {format_eta(event.eta_s)}   "
                                    f"{event.images_per_s / 1000:.1f}k img/s")
        losses = "  ".join(f"{k} {v:.3g}" for k, v in event.losses.items())
        self.stats.setText(f"epoch {event.epoch}/{event.epochs}   {losses}")
        self._plot(event.step, event.losses)
        if not self.pause_button.isChecked():
            self.state_changed.emit(f"training {pct:.0f}%")

    def _plot(self, step: int, losses: dict[str, float]) -> None:
        self.steps.append(step)
        for name, value in losses.items():
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
                colour = [theme.ACCENT, "#f6bd60", "#84dcc6", theme.DANGER][k % 4]
                curve = self.plot.plot(pen={"color": colour, "width": 2}, name=name)
                self.curves[name] = curve
            curve.setData(self.steps[-len(values):], values)

    @gui_slot(object)
    def on_preview(self, event: Any) -> None:
        from genai_studio.core.images import tile_grid

        images: np.ndarray = event.images
        self.preview.set_pixels(tile_grid(images[:64], columns=8, padding=1),
                                f"step {event.step}", immediate=False)

    @gui_slot(object)
    def on_quality(self, scores: Any) -> None:
        self.meter.set_scores(scores)

    @gui_slot(str)
    def on_quality_unavailable(self, reason: str) -> None:
        self.meter.set_unavailable(reason)

    @gui_slot(object)
    def on_finished(self, event: Any) -> None:
        if event.cancelled:
            self.progress_bar.setFormat(f"cancelled – checkpoint kept: {event.checkpoint.name}")
            self.state_changed.emit("cancelled")
        else:
            self.progress_bar.setValue(1000)
            self._redraw()  # the final stretch of the curve
            self.progress_bar.setFormat(f"done – saved {event.path.name}")
            self.state_changed.emit("finished")
            self.model_trained.emit(event.path)

    @gui_slot(str)
    def on_failed(self, message: str) -> None:
        self.progress_bar.setFormat("failed")
        self.state_changed.emit("failed")
        self.failed.emit(message)

    @gui_slot()
    def on_thread_done(self) -> None:
        # ``finished`` is emitted just before the thread really ends: join it before letting
        # go, or Qt aborts with "QThread: Destroyed while thread is still running".
        if self.controller is not None:
            self.controller.thread.wait()
            self.controller.deleteLater()
            self.controller = None
        self._set_running(False)
