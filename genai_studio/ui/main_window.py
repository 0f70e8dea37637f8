"""The studio window: wires canvas, pad, morph strip, library and training to the workers.

Nothing here runs long work: loading, grids, morphs and pad backgrounds go to the inference
worker, training to its own worker; only the pad's single-image decode runs here.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QStackedWidget,
    QWidget,
)

from genai_studio.ui import tile_actions, window_state
from genai_studio.ui.chrome import WindowChrome
from genai_studio.ui.guard import gui_slot
from genai_studio.ui.model_library import ModelLibrary
from genai_studio.ui.morph_strip import MorphStrip
from genai_studio.ui.pad_panel import PadPanel
from genai_studio.ui.sample_canvas import SampleCanvas
from genai_studio.ui.scores import headline
from genai_studio.ui.settings import Preferences
from genai_studio.ui.tile_actions import TileAnchors
from genai_studio.ui.toolbar import MAX_SEED, EmptyState, StudioToolbar
from genai_studio.ui.training_panel import TrainingPanel
from genai_studio.workers.inference import (
    BackgroundRequest,
    GenerateRequest,
    InferenceService,
    LoadRequest,
    ModelHandle,
    MorphRequest,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StudioPaths:
    shipped_models: Path
    user_models: Path


class MainWindow(QMainWindow, WindowChrome, TileAnchors):
    interactive = Signal()  # the first grid is on screen (or the empty state is final)

    def __init__(self, paths: StudioPaths, prefs: Preferences) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle("GenAI Studio")
        self.paths, self.prefs = paths, prefs
        self.handle: ModelHandle | None = None
        self.devices: list[str] = []
        self.startup_report: Any = None
        self.persist_settings = True  # --screenshot looks, it does not rewrite the user's layout
        self.started = False
        self.is_interactive = False
        self.warm = False  # the training warm-up step has run
        self.last_error = ""
        self.generations = 0
        self._morph_next = "a"
        self._morph_labels: dict[str, int | None] = {}
        self.inference = InferenceService(self)
        self._build()
        self._connect()
        self.shortcuts = tile_actions.install(self)
        window_state.restore(self)
        # If the application quits without closing the window, still join the workers.
        QApplication.instance().aboutToQuit.connect(self.shutdown_workers)

    # ---------------------------------------------------------------- layout

    def _build(self) -> None:
        self.toolbar = StudioToolbar(self)
        self.addToolBar(self.toolbar)
        self.canvas = SampleCanvas()
        self.empty = EmptyState()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.canvas)
        self.setCentralWidget(self.stack)
        self.library = ModelLibrary(self.paths.shipped_models, self.paths.user_models)
        self.pad_panel = PadPanel()
        self.morph = MorphStrip()
        self.training = TrainingPanel(self.paths.user_models,
                                      self.paths.shipped_models / "judge.safetensors")
        area = Qt.DockWidgetArea
        # The pad's dock runs the full height: the pad and its preview get room to be large.
        self.setCorner(Qt.Corner.BottomRightCorner, area.RightDockWidgetArea)
        self.docks = {
            "library": self._dock("Library", self.library, area.LeftDockWidgetArea),
            "pad": self._dock("Latent pad", self.pad_panel, area.RightDockWidgetArea),
            "morph": self._dock("Morph", self.morph, area.BottomDockWidgetArea),
            "training": self._dock("Training", self.training, area.BottomDockWidgetArea),
        }
        # The morph strip spans the width above the training panel, as in DESIGN §9.
        self.splitDockWidget(self.docks["morph"], self.docks["training"],
                             Qt.Orientation.Vertical)
        # Default proportions (a saved layout overrides them): a roomy pad, a slim library.
        self.resizeDocks([self.docks["library"], self.docks["pad"]], [240, 470],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["morph"], self.docks["training"]], [90, 240],
                         Qt.Orientation.Vertical)
        self.status = {name: QLabel("") for name in ("device", "model", "quality", "training")}
        for label in self.status.values():
            self.statusBar().addPermanentWidget(label)
        self.status["training"].setText("idle")
        self.resize(1440, 920)

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"{title.lower().replace(' ', '_')}_dock")
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(area, dock)
        return dock

    def _connect(self) -> None:
        w, t = self.inference.worker, self.toolbar
        w.started_up.connect(self.on_started_up)
        w.warmed_up.connect(self.on_warmed_up)
        w.model_loaded.connect(self.on_model_loaded)
        w.load_failed.connect(self.on_load_failed)
        w.generated.connect(self.on_generated)
        w.morphed.connect(self.on_morphed)
        w.background_ready.connect(self.on_background)
        w.failed.connect(self.on_worker_failed)
        t.generate.clicked.connect(self.generate)
        t.device.currentIndexChanged.connect(self.on_device_changed)
        t.grid.currentIndexChanged.connect(self.on_grid_changed)
        t.digit.currentIndexChanged.connect(self.on_digit_changed)
        self.canvas.tile_action.connect(self.on_tile_action)
        self.pad_panel.pad.tile_dropped.connect(self.on_tile_dropped)
        self.morph.requested.connect(self.request_morph)
        self.morph.frame_shown.connect(self.pad_panel.show_frame)
        self.morph.set_from_pad.connect(self.on_morph_from_pad)
        self.library.load_requested.connect(self.load_model)
        self.library.import_requested.connect(self.import_model)
        self.library.removed.connect(self.on_model_removed)
        self.library.renamed.connect(self.on_model_renamed)
        self.training.state_changed.connect(self.on_training_state)
        self.training.model_trained.connect(self.on_model_trained)
        self.training.failed.connect(self.on_training_failed)
        self.empty.quick_train.connect(self.quick_train)
        self.empty.import_model.connect(self.library.ask_import)

    # ---------------------------------------------------------------- start-up

    def event(self, event: QEvent) -> bool:
        if not getattr(self, "started", True) and event.type() == QEvent.Type.Paint:
            self.started = True
            # Only after the first paint does the worker import torch: an import running in
            # parallel would hold the GIL while the window tries to paint (DESIGN §1).
            QTimer.singleShot(0, self.inference.request_start_up.emit)
        return super().event(event)

    @gui_slot(object)
    def on_started_up(self, report: Any) -> None:
        self.startup_report = report
        self.devices = list(report.devices)
        self.toolbar.device.blockSignals(True)
        for name in self.devices:
            self.toolbar.device.addItem("CPU" if name == "cpu" else name.upper(), name)
        wanted = self.prefs.get_str("device", ["auto", *self.devices])
        self.toolbar.device.setCurrentIndex(max(self.toolbar.device.findData(wanted), 0))
        self.toolbar.device.blockSignals(False)
        self.training.set_devices(self.devices)
        self.training.app_device = wanted
        self.library.refresh()
        last = Path(self.prefs.get_str("last_model")) if self.prefs.get_str("last_model") else None
        usable = {e.path for e in self.library.entries if e.is_generator}
        target = last if last in usable else self.library.first_usable()
        self._update_status()
        if target is None:
            self.empty.set_state("empty")
            self.empty.train_button.setFocus()
            self._mark_interactive()
        else:
            self.load_model(target)

    @gui_slot()
    def on_warmed_up(self) -> None:
        self.warm = True

    def _mark_interactive(self) -> None:
        if not self.is_interactive:
            self.is_interactive = True
            self.interactive.emit()
            # Now, not when the artist presses Train: the first training step's lazy imports
            # would otherwise freeze the GUI (DESIGN §2). Queued behind the first grid.
            self.inference.request_warm_up.emit()

    # ---------------------------------------------------------------- models

    def device_name(self) -> str:
        return str(self.toolbar.device.currentData() or "auto")

    @gui_slot(object)
    def load_model(self, path: Path, reason: str = "open") -> None:
        self.inference.request_load.emit(LoadRequest(Path(path), self.device_name(), reason))

    @gui_slot(object)
    def import_model(self, path: Path) -> None:
        """Validate by loading (off the GUI thread); copied into the library only if it loads."""
        self.load_model(path, "import")

    @gui_slot(object, object)
    def on_model_loaded(self, handle: ModelHandle, request: LoadRequest) -> None:
        if request.reason == "import":
            handle.path = self.library.adopt(request.path)
        self.handle = handle
        self.library.set_active(handle.path)
        self.toolbar.model_label.setText(handle.name)
        self.toolbar.set_conditional(handle.conditional)
        label = self.toolbar.label() if handle.conditional else None
        self.pad_panel.label = label
        self.pad_panel.set_model(handle, seed=self.toolbar.seed.value())
        self.morph.clear()
        self._morph_labels.clear()
        self.stack.setCurrentWidget(self.canvas)
        self.canvas.setFocus()  # so Space, arrows and tile keys act on the canvas
        self.prefs.set("last_model", str(handle.path))
        self._update_status()
        self.generate()  # queued first: the grid matters more than the pad's backdrop
        if handle.latent_dim == 2:
            self.inference.request_background.emit(BackgroundRequest(handle, label=label))

    @gui_slot(str, object)
    def on_load_failed(self, message: str, request: LoadRequest) -> None:
        what = {"import": "Could not import this model",
                "device": "Could not move the model to that device"}.get(
            request.reason, "Could not load this model")
        keep = " The current model stays active." if self.handle is not None else ""
        self.show_error(what, f"{message}.{keep}" if not message.endswith(".") else
                        f"{message}{keep}")
        if request.reason == "device" and self.handle is not None:
            # Back to the device the active model really is on, or the next load fails too.
            selector = self.toolbar.device
            selector.blockSignals(True)
            selector.setCurrentIndex(max(selector.findData(self.handle.device), 0))
            selector.blockSignals(False)
            self.training.app_device = self.device_name()
            self._update_status()
        if self.handle is None and request.reason != "import":
            self.empty.set_state("empty")
            self._mark_interactive()

    @gui_slot(object, object)
    def on_model_renamed(self, old: Path, new: Path) -> None:
        if self.handle is not None and self.handle.path == old:
            self.handle.path = new
            self.toolbar.model_label.setText(self.handle.name)
            self._update_status()

    @gui_slot(object)
    def on_model_removed(self, path: Path) -> None:
        if self.handle is not None and self.handle.path == path:
            # The weights are in memory: keep drawing with them until another model is loaded.
            self.statusBar().showMessage(f"{path.name} was deleted; it stays open until you "
                                         "load another model", 6000)

    # ---------------------------------------------------------------- generating

    @gui_slot()
    def generate(self) -> None:
        if self.handle is None:
            return
        if not self.toolbar.lock.isChecked():
            self.toolbar.seed.setValue(random.randint(0, MAX_SEED))
        n = self.toolbar.grid_size()
        label = self.toolbar.label() if self.handle.conditional else None
        self.inference.request_generate.emit(
            GenerateRequest(self.handle, n * n, self.toolbar.seed.value(), label))

    @gui_slot(object)
    def on_generated(self, result: Any) -> None:
        if result.handle is not self.handle:
            return  # made by a model that is no longer active
        self.canvas.set_samples(result.images, result.latents, result.labels)
        self.generations += 1
        self.statusBar().showMessage(f"{len(result.images)} samples in "
                                     f"{result.seconds * 1000:.0f} ms (seed {result.seed})", 4000)
        self._mark_interactive()

    @gui_slot(int)
    def on_grid_changed(self, _index: int) -> None:
        self.generate()

    @gui_slot(int)
    def on_digit_changed(self, _index: int) -> None:
        if self.handle is not None and self.handle.conditional:
            label = self.toolbar.label()
            self.pad_panel.set_label(label)
            self.generate()
            if self.handle.latent_dim == 2:  # the atlas shows the chosen digit's plane
                self.inference.request_background.emit(
                    BackgroundRequest(self.handle, label=label))

    @gui_slot(int)
    def on_device_changed(self, _index: int) -> None:
        self.training.app_device = self.device_name()
        if self.handle is not None:
            self.load_model(self.handle.path, "device")
        self._update_status()

    # ---------------------------------------------------------------- tiles, pad, morph

    @gui_slot(str)
    def on_morph_from_pad(self, which: str) -> None:
        z = self.pad_panel.current_latent()
        if z is not None:
            self.set_morph_anchor(which, z)

    @gui_slot()
    def request_morph(self) -> None:
        if self.handle is None or not self.morph.ready():
            return
        assert self.morph.start is not None and self.morph.end is not None
        if self.morph.start.shape[-1] != self.handle.latent_dim:
            return
        self.inference.request_morph.emit(MorphRequest(
            self.handle, self.morph.start, self.morph.end, self.morph.frame_count(),
            self.morph_label()))

    @gui_slot(object)
    def on_morphed(self, result: Any) -> None:
        if result.handle is self.handle:
            self.morph.set_frames(result.images)
            self.morph.show_frame(0)

    @gui_slot(object)
    def on_background(self, background: Any) -> None:
        self.pad_panel.set_background(background)

    # ---------------------------------------------------------------- training

    @gui_slot()
    def quick_train(self) -> None:
        """The empty state's offer: a 2-D VAE for 1 epoch, on the app's device."""
        t = self.training
        t.kind.setCurrentIndex(t.kind.findData("vae"))
        t.conditional.setChecked(False)
        t.latent.setValue(2)
        t.epochs.setValue(1)
        self.docks["training"].raise_()
        t.start()
        if self.handle is None:
            self.empty.set_state("training")

    @gui_slot(str)
    def on_training_state(self, state: str) -> None:
        self.status["training"].setText(state if state.startswith("train") else
                                        f"training {state}")
        if self.handle is None and state.startswith(("loading", "train")):
            self.empty.set_state("training")
        elif self.handle is None and state in ("cancelled", "failed"):
            self.empty.set_state("empty")

    @gui_slot(object)
    def on_model_trained(self, path: Path) -> None:
        self.library.refresh()
        self.load_model(path, "trained")

    @gui_slot(str)
    def on_training_failed(self, message: str) -> None:
        self.show_error("Training stopped", message)
        if self.handle is None:
            self.empty.set_state("empty")

    @gui_slot(str)
    def on_worker_failed(self, message: str) -> None:
        self.show_error("Something went wrong", message)

    # ---------------------------------------------------------------- chrome

    def _update_status(self) -> None:
        device = self.handle.device if self.handle else self.device_name()
        self.status["device"].setText(f"device: {device}")
        self.status["model"].setText(f"model: {self.handle.name if self.handle else 'none'}")
        metrics = self.handle.metadata.get("metrics") if self.handle else None
        self.status["quality"].setText(headline(metrics) if self.handle else "")

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        """Cancel training (its checkpoint is written), then join every worker thread."""
        if self.persist_settings:
            window_state.save(self)
        self.shutdown_workers()
        super().closeEvent(event)

    @gui_slot()
    def shutdown_workers(self) -> None:
        self.morph.set_playing(False)
        self.training.shutdown()
        self.inference.shutdown()
