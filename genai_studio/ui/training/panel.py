"""The training panel: the form, Train / Pause / Cancel, progress, the loss plot with plain
names, the quality meter and the fixed-noise preview.

The form is bound to ``state.training.settings``; where the run is, its latest losses, preview
and quality are the rest of ``state.training``, which the run
(:class:`~genai_studio.ui.training.run.TrainingRun`) writes and this panel draws; its buttons
are the window's actions.
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

from genai_studio.core.train import loss_terms
from genai_studio.core.train.events import Preview, Progress, RunState
from genai_studio.ui.common import icons, theme
from genai_studio.ui.common.bind import bind, enable, mirror, refill, show
from genai_studio.ui.common.guard import gui_slot
from genai_studio.ui.common.imaging import ImagePreview
from genai_studio.ui.studio.state import StudioState
from genai_studio.ui.training.quality_meter import QualityMeter
from genai_studio.ui.training.state import TrainingStatus

PLOT_INTERVAL_S = 0.25  # the loss plot redraws at most 4 times a second
WIDE = 760  # px: wider than this, form | progress and plot | preview side by side
CURVE_COLOURS = ("ACCENT", "#e0a43a", "#3fbfa0", "DANGER")


class TrainingPanel(QWidget):
    def __init__(self, state: StudioState, actions: Mapping[str, QAction],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainingPanel")
        self.state = state
        self.history: dict[str, list[float]] = {}
        self.steps: list[int] = []
        self.plot: Any = None
        self.curves: dict[str, Any] = {}
        self._plotted_at = 0.0
        self._build(actions)
        self._bind(actions)

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
        self.preview = ImagePreview()
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
        self.inputs = (self.kind, self.latent, self.epochs, self.batch, self.lr, self.device,
                       self.data)
        return form

    def _bind(self, actions: Mapping[str, QAction]) -> None:
        t = self.state.training
        show(self.device, self.state.session, "devices", self.on_devices)
        show(self.data, self.state.library, "datasets", self.on_datasets)
        bind(self.kind, t, "settings", "kind", back=self._kind_chosen)
        for widget, attr in ((self.latent, "latent_dim"), (self.epochs, "epochs"),
                             (self.batch, "batch_size"), (self.lr, "lr"),
                             (self.device, "device"), (self.data, "data"),
                             (self.conditional, "conditional")):
            bind(widget, t, "settings", attr)
        for widget in self.inputs:
            enable(widget, t, "can_train")
        enable(self.conditional, t, "can_condition")
        for button, name in ((self.train_button, "train"), (self.pause_button, "pause_training"),
                             (self.cancel_button, "cancel_training")):
            mirror(button, actions[name])
        show(self, t, "status", self.on_status)
        show(self, t, "runs", self.on_run_started)
        t.progress_changed.connect(self.on_progress)
        t.preview_changed.connect(self.on_preview)
        show(self, t, "quality", self.meter.show_quality)

    def _kind_chosen(self, kind: str) -> str:
        """A new kind brings its own latent size and learning rate into the form."""
        self.state.training.choose_kind(kind)
        return kind

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

    # ---------------------------------------------------------------- the form's lists

    def on_devices(self, devices: tuple[str, ...]) -> None:
        refill(self.device, [("same as the studio", "app")]
                + [("CPU" if name == "cpu" else name.upper(), name) for name in devices])

    def on_datasets(self, datasets: tuple) -> None:
        items: list[tuple[str, Any]] = [("MNIST digits (bundled)", None)]
        for info in datasets:
            c, h, _ = info.image_shape
            items.append((f"{info.name} · {info.num_images} · {h}px "
                          f"{'grey' if c == 1 else 'RGB'}", info.path))
        refill(self.data, items)
        t = self.state.training
        if t.settings.data is not None and all(i.path != t.settings.data for i in datasets):
            t.settings = replace(t.settings, data=None)  # it was deleted

    # ---------------------------------------------------------------- the run

    def on_status(self, status: TrainingStatus) -> None:
        paused = status.state is RunState.PAUSED
        self.pause_button.setText("Resume" if paused else "Pause")
        self.pause_button.setIcon(icons.icon("play" if paused else "pause"))
        self.train_button.setIcon(icons.icon("bolt", theme.ON_ACCENT))
        self.cancel_button.setIcon(icons.icon("stop", theme.DANGER))
        self.progress_bar.setValue(int(1000 * status.fraction))
        self.progress_bar.setFormat(status.detail or status.state.value)
        if status.state is RunState.FINISHED:
            self._redraw()  # the final stretch of the curve

    def on_run_started(self, runs: int) -> None:
        if not runs:
            return  # no run yet in this session
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
    def on_progress(self, event: Progress | None) -> None:
        if event is None:
            return
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
    def on_preview(self, event: Preview | None) -> None:
        from genai_studio.core.export.render import tile_grid

        if event is None:
            return
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
