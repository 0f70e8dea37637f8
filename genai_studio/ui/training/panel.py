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

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from genai_studio.core.train import loss_terms
from genai_studio.core.train.events import Preview, Progress, RunState
from genai_studio.core.train.plan import PRESETS
from genai_studio.ui.common import icons, theme
from genai_studio.ui.common.bind import bind, enable, mirror, refill, show
from genai_studio.ui.common.guard import gui_slot
from genai_studio.ui.common.imaging import ImagePreview
from genai_studio.ui.common.spin import DoubleSpinBox, SpinBox
from genai_studio.ui.studio.state import StudioState
from genai_studio.ui.training.loss_plot import LossPlot
from genai_studio.ui.training.quality_meter import QualityMeter
from genai_studio.ui.training.state import TrainingStatus

WIDE = 760  # px: wider than this, form | progress and plot | preview side by side
PARTS = "  ·  "  # between the parts of a status ("41%  ·  1:06 left  ·  199 images a second")


class FittingProgressBar(QProgressBar):
    """A progress bar whose words fit it: the status's last parts are dropped (then the rest
    elided) when the bar is too narrow, and the whole status is its tooltip. In a side dock
    at 1366x768, Qt centred the full status and cut off both its ends ("% · 1:06 left · 199
    images a seco")."""

    def __init__(self) -> None:
        super().__init__()
        self._words = ""

    def set_words(self, words: str) -> None:
        self._words = words
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        metrics, room = self.fontMetrics(), self.contentsRect().width() - 6
        parts = self._words.split(PARTS)
        while len(parts) > 1 and metrics.horizontalAdvance(PARTS.join(parts)) > room:
            parts.pop()
        shown = metrics.elidedText(PARTS.join(parts), Qt.TextElideMode.ElideRight, room)
        self.setFormat(shown)
        self.setToolTip(self._words if shown != self._words else "")


class TrainingPanel(QWidget):
    def __init__(self, state: StudioState, actions: Mapping[str, QAction],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainingPanel")
        self.state = state
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
        self.progress_bar = FittingProgressBar()
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
        self.live = QCheckBox("Show it live")  # short: the panel fits a 1366 px window's dock
        self.live.setObjectName("trainLive")
        middle.addWidget(self.live)
        self.meter = QualityMeter()
        middle.addWidget(self.meter)
        self.losses = LossPlot(self.state)
        middle.addWidget(self.losses, 1)
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
        # While a run goes in a side dock, one line stands for the form (which cannot change
        # then), so its loss curves are on screen at 1366x768.
        self.summary = QLabel("")
        self.summary.setObjectName("trainSummary")
        self.summary.setWordWrap(True)
        self.summary.hide()
        self.kind = QComboBox()
        self.kind.setObjectName("trainKind")
        self.kind.addItem("VAE", "vae")
        self.kind.addItem("GAN", "gan")
        self.kind.addItem("VAE-GAN", "vaegan")
        self.kind.setToolTip("VAE: a smooth latent space, great for the pad. GAN: sharper digits. "
                             "VAE-GAN: a GAN's sharpness with an encoder for the pad")
        self.conditional = QCheckBox("conditional")
        self.conditional.setToolTip("A conditional model draws the digit you pick")
        self.length = QComboBox()
        self.length.setObjectName("trainLength")
        for minutes in PRESETS.values():
            self.length.addItem(_length_title(minutes), minutes)
        self.length.addItem("Set epochs (advanced)", None)
        self.length.setToolTip("How long to train. A timed run sizes itself to your data and "
                               "stops on time with a finished model; the longer, the better "
                               "the model. Set epochs to choose passes, batch and rate yourself")
        self.latent = _spin(1, 256, 2, "Latent size: the numbers each image is made from. "
                            "2 makes the pad a map of every digit")
        self.epochs = _spin(1, 500, 5, "Epochs: passes over the whole training set")
        self.batch = _spin(8, 4096, 128, "Batch size: images per step")
        self.lr = DoubleSpinBox()
        self.lr.setDecimals(5)
        self.lr.setRange(0.00001, 0.1)
        self.lr.setSingleStep(0.0001)
        self.lr.setToolTip("Learning rate: how big each step is (Adam's step size)")
        self.device = QComboBox()
        self.device.setObjectName("trainDeviceSelector")
        self.device.setToolTip("Where to train; the studio's device by default")
        self.data = QComboBox()
        self.data.setObjectName("trainData")
        self.data.setToolTip("What to train on: the bundled MNIST digits, or one of your "
                             "datasets (File > New dataset from folder)")
        self.form = form
        self.form_cells = []
        for label, widget in (("Model", self.kind), ("Time", self.length),
                              ("Latent size", self.latent), ("Epochs", self.epochs),
                              ("Batch size", self.batch), ("Learning rate", self.lr),
                              ("Device", self.device), ("Data", self.data)):
            text = QLabel(label)
            text.setProperty("role", "hint")
            text.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            widget.setMinimumWidth(60)
            if isinstance(widget, QComboBox):  # a long item elides rather than widen the dock
                widget.setSizeAdjustPolicy(
                    QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
                widget.setMinimumContentsLength(8)
            self.form_cells.append((text, widget))
        self.advanced = (self.epochs, self.batch, self.lr)  # shown only to set epochs
        self.pairs_per_row = 1
        self._place_form()
        self.inputs = (self.kind, self.length, self.latent, self.epochs, self.batch, self.lr,
                       self.device, self.data)
        return form

    def _bind(self, actions: Mapping[str, QAction]) -> None:
        t = self.state.training
        show(self.device, self.state.session, "devices", self.on_devices)
        show(self.data, self.state.library, "datasets", self.on_datasets)
        bind(self.kind, t, "settings", "kind", back=self._kind_chosen)
        for widget, attr in ((self.length, "minutes"), (self.latent, "latent_dim"),
                             (self.epochs, "epochs"),
                             (self.batch, "batch_size"), (self.lr, "lr"),
                             (self.device, "device"), (self.data, "data"),
                             (self.conditional, "conditional")):
            bind(widget, t, "settings", attr)
        for widget in self.inputs:
            enable(widget, t, "can_train")
        enable(self.conditional, t, "can_condition")
        show(self, t, "advanced", lambda _on: self._place_form())
        show(self, t, "active", lambda _on: self._place_form())
        for button, name in ((self.train_button, "train"), (self.pause_button, "pause_training"),
                             (self.cancel_button, "cancel_training")):
            mirror(button, actions[name])
        bind(self.live, t, "live")
        self.live.setToolTip(actions["live_view"].toolTip())
        show(self, t, "status", self.on_status)
        show(self, t, "runs", self.on_run_started)
        t.progress_changed.connect(self.on_progress)
        t.preview_changed.connect(self.on_preview)
        show(self, t, "quality", self.meter.show_quality)

    def _kind_chosen(self, kind: str) -> str:
        """A new kind brings its own latent size and learning rate into the form."""
        self.state.training.choose_kind(kind)
        return kind

    def _place_form(self) -> None:
        """Two label/field pairs a row when wide, one when narrow (a side dock); epochs,
        batch and learning rate only when the artist sets epochs (the advanced choice)."""
        advanced = self.state.training.advanced
        for text, widget in self.form_cells:
            self.form.removeWidget(text)
            self.form.removeWidget(widget)
        self.form.removeWidget(self.conditional)
        self.form.removeWidget(self.summary)
        folded = self.state.training.active and self.pairs_per_row == 1
        shown = [(text, widget) for text, widget in self.form_cells
                 if advanced or widget not in self.advanced]
        self.summary.setVisible(folded)
        self.conditional.setVisible(not folded)
        if folded:
            length = f"{self.epochs.value()} epochs" if advanced else self.length.currentText()
            parts = [self.kind.currentText(), length, self.data.currentText()]
            self.summary.setText("Training: " + " · ".join(parts))
            self.form.addWidget(self.summary, 0, 0, 1, 2)
            for text, widget in self.form_cells:
                text.setVisible(False)
                widget.setVisible(False)
            return
        n = self.pairs_per_row
        for k, (text, widget) in enumerate(shown):
            row, col = divmod(k, n)
            self.form.addWidget(text, row, col * 2)
            self.form.addWidget(widget, row, col * 2 + 1)
        self.form.addWidget(self.conditional, -(-len(shown) // n), 1, 1, 2 * n - 1)
        for text, widget in self.form_cells:  # after addWidget, which would show them later
            visible = (text, widget) in shown
            text.setVisible(visible)
            widget.setVisible(visible)

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
            self.pairs_per_row = 2 if wide else 1
            self._place_form()
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
        self.progress_bar.set_words(status.detail or status.state.value)
        if status.state is RunState.FINISHED:
            self.losses.redraw()  # the final stretch of the curve

    def on_run_started(self, runs: int) -> None:
        if runs:  # not before the session's first run
            self.losses.start_run()
            self.meter.reset("waiting")

    @gui_slot(object)
    def on_progress(self, event: Progress | None) -> None:
        if event is None:
            return
        parts = [f"{loss_terms.label(k)} {v:.3g}" for k, v in event.losses.items()]
        self.stats.setText(f"epoch {event.epoch}/{event.epochs}   " + "   ".join(parts))
        self.losses.add(event.step, event.losses)

    @gui_slot(object)
    def on_preview(self, event: Preview | None) -> None:
        from genai_studio.core.export.render import tile_grid

        if event is None:
            return
        self.preview.set_pixels(tile_grid(event.images[:64], columns=8, padding=1),
                                f"step {event.step}", immediate=False)


def _length_title(minutes: float) -> str:
    name = next(k for k, v in PRESETS.items() if v == minutes).capitalize()
    return f"{name} · {minutes:g} min" if minutes < 60 else f"{name} · {minutes / 60:g} h"


def _spin(low: int, high: int, value: int, tip: str) -> SpinBox:
    spin = SpinBox()
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setToolTip(tip)
    return spin
