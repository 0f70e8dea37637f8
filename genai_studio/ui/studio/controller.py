"""The studio's behaviour: state changes and intents in, worker requests out, results back.

:class:`Studio` is the one object that talks to the inference worker. It listens to the
:class:`StudioState` (the artist chose a model, a seed, a grid size, a digit, corners, morph
ends) and to the worker's results, and writes what came back into the state, which every widget
draws. Nothing here paints or builds a widget; nothing here runs torch on the GUI thread.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from genai_studio.ui.canvas.state import MAX_SEED, Grid
from genai_studio.ui.common.guard import gui_slot
from genai_studio.ui.studio.kinds import Anchor
from genai_studio.ui.studio.paths import StudioPaths
from genai_studio.ui.studio.state import StudioState
from genai_studio.workers.inference import InferenceService
from genai_studio.workers.jobs import Job, JobRunner
from genai_studio.workers.messages import (
    BackgroundRequest,
    GenerateRequest,
    GenerateResult,
    LoadReason,
    LoadRequest,
    ModelHandle,
    MorphRequest,
    MorphResult,
    PadBackground,
    StartupReport,
)

log = logging.getLogger(__name__)


class Studio(QObject):
    """Drives the inference worker and the jobs thread from the state."""

    interactive = Signal()  # the first grid is on screen (or the empty state is final)
    started_up = Signal(StartupReport)  # devices are known, the library may scan
    warmed_up = Signal()  # the first training step's work is done: Train starts at once

    def __init__(self, state: StudioState, paths: StudioPaths,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state, self.paths = state, paths
        self.inference = InferenceService(self)
        self.jobs = JobRunner(self)
        self.startup_report: StartupReport | None = None
        self.is_interactive = False
        self.warm = False  # the training warm-up step has run
        self.first_model: Path | None = None  # what start-up opens, decided by the library
        self._pending_generate = False
        # Corner and morph changes come in bursts (a dropped tile, a new model): decode once.
        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(0)
        self._refresh.timeout.connect(self._refresh_derived)
        self._dirty: set[str] = set()
        self._quiet = False  # history is restoring: field changes must not draw a new grid
        self._connect()

    def _connect(self) -> None:
        w, s = self.inference.worker, self.state
        w.started_up.connect(self.on_started_up)
        w.warmed_up.connect(self.on_warmed_up)
        w.model_loaded.connect(self.on_model_loaded)
        w.load_failed.connect(self.on_load_failed)
        w.generated.connect(self.on_generated)
        w.morphed.connect(self.on_morphed)
        w.background_ready.connect(self.on_background)
        w.failed.connect(self.on_worker_failed)
        self.jobs.job_failed.connect(self.on_worker_failed)
        s.generate_requested.connect(self.generate)
        s.save_requested.connect(self.save)
        s.training.live_model_changed.connect(self.on_live_model)
        s.canvas.grid_size_changed.connect(self.on_grid_size_changed)
        s.canvas.standard_prior_changed.connect(self.on_grid_size_changed)  # the same seed
        s.canvas.curated_changed.connect(self.on_grid_size_changed)
        s.canvas.digit_changed.connect(self.on_digit_changed)
        s.pad.digit_changed.connect(self.on_pad_digit_changed)
        s.session.device_changed.connect(self.on_device_changed)
        s.pad.corners_changed.connect(self.on_corners_changed)
        for signal in (s.morph.start_changed, s.morph.end_changed, s.morph.frame_count_changed):
            signal.connect(self.on_morph_changed)

    def start(self) -> None:
        """After the first paint: the worker imports torch (never before the window shows)."""
        self.inference.request_start_up.emit()

    @gui_slot(Path, bytes, str)
    def save(self, path: Path, data: bytes, what: str) -> None:
        from genai_studio.core.store.files import write_atomic

        self.jobs.submit(Job(f"Could not save {what}", lambda _ctx: write_atomic(path, data),
                             done=lambda written: self.state.post(f"Saved {written}")))

    # ---------------------------------------------------------------- start-up

    @gui_slot(object)
    def on_started_up(self, report: StartupReport) -> None:
        self.startup_report = report
        self.state.session.devices = report.devices
        if self.state.session.device not in ("auto", *report.devices):
            self.state.session.device = "auto"
        self.started_up.emit(report)

    def open_first(self, path: Path | None) -> None:
        """Start-up's last step (the library scan decided): open ``path`` or stay empty."""
        if path is None:
            self.mark_interactive()
        else:
            self.load(path)

    @gui_slot()
    def on_warmed_up(self) -> None:
        self.warm = True
        self.warmed_up.emit()

    def mark_interactive(self) -> None:
        if not self.is_interactive:
            self.is_interactive = True
            self.interactive.emit()
            # Now, not when the artist presses Train: the first training step's lazy imports
            # would otherwise freeze the GUI. Queued behind the first grid.
            self.inference.request_warm_up.emit(self.state.session.device)

    # ---------------------------------------------------------------- models

    @gui_slot(object)
    def load(self, path: Path, reason: LoadReason = LoadReason.OPEN) -> None:
        self.state.session.loading = True
        self.inference.request_load.emit(LoadRequest(Path(path), self.state.session.device, reason))

    @gui_slot(object, object)
    def on_model_loaded(self, handle: ModelHandle, request: LoadRequest) -> None:
        s = self.state
        s.session.loading = False
        previous = s.session.model
        s.session.model = handle
        s.morph.clear()
        if previous is None or previous.latent_dim != handle.latent_dim \
                or request.reason is not LoadReason.DEVICE:
            s.pad.corners = self._random_corners(handle) if handle.latent_dim != 2 else None
        s.pad.background = None
        self._keep_labels_in_range(handle)
        self.generate(fresh=False)  # queued first: the grid matters more than the backdrop
        self._mark_dirty("background")

    def _keep_labels_in_range(self, handle: ModelHandle) -> None:
        """A digit or character the new model does not draw (the 40th character of a glyph
        model, then an MNIST model) goes back to "any" and the pad's first."""
        n = len(handle.classes)
        with self.quietly():
            if self.state.canvas.digit is not None and self.state.canvas.digit >= n:
                self.state.canvas.digit = None
            if self.state.pad.digit >= max(n, 1):
                self.state.pad.digit = 0

    def adopt(self, handle: ModelHandle, corners: tuple[Anchor, ...] | None) -> None:
        """Make an already loaded model active again (history), with the corners it had."""
        s = self.state
        s.session.model = handle
        s.morph.clear()
        s.pad.corners = corners if handle.latent_dim != 2 else None
        s.pad.background = None
        self._mark_dirty("background")

    @property
    def quiet(self) -> bool:
        """History or a reopened image is restoring: changes must not start work."""
        return self._quiet

    @contextmanager
    def quietly(self) -> Iterator[None]:
        """Change seed, grid size and digit without drawing a grid for each change."""
        self._quiet = True
        try:
            yield
        finally:
            self._quiet = False

    def _random_corners(self, handle: ModelHandle) -> tuple[Anchor, ...]:
        """Four latents from the model's own prior (a clustered GAN's mixture, say), seeded by
        the canvas' seed."""
        import torch

        generator = torch.Generator().manual_seed(self.state.canvas.seed)
        z = handle.model.prior(4, generator).cpu().numpy()
        return tuple(Anchor(z[k].copy(), None, "random") for k in range(4))

    @gui_slot(str, object)
    def on_load_failed(self, message: str, request: LoadRequest) -> None:
        s = self.state
        s.session.loading = False
        keep = " The current model stays active." if s.session.model is not None else ""
        s.report_error(request.reason.value, message.rstrip(".") + "." + keep)
        if request.reason is LoadReason.DEVICE and s.session.model is not None:
            s.session.device = s.session.model.device  # back to where the model really is
        if s.session.model is None:
            self.mark_interactive()

    @gui_slot(str)
    def on_device_changed(self, _device: str) -> None:
        model = self.state.session.model
        if model is not None and model.device != self._resolved():
            self.load(model.path, LoadReason.DEVICE)

    def _resolved(self) -> str:
        session = self.state.session
        return session.devices[0] if session.device == "auto" and session.devices \
            else session.device

    # ---------------------------------------------------------------- generating

    @gui_slot(bool)
    def generate(self, fresh: bool = True) -> None:
        """A new grid. ``fresh``: a new random seed, unless the seed is locked or the artist
        typed a seed that has not been drawn yet (then that seed is used)."""
        s = self.state
        if s.session.model is None:
            return
        c = s.canvas
        if fresh and not c.seed_locked and c.grid is not None and c.grid.seed == c.seed:
            c.seed = random.randint(0, MAX_SEED)
        digit = c.digit if s.session.conditional else None
        self.inference.request_generate.emit(  # the genes' step, if any, moves every tile
            GenerateRequest(s.session.model, c.grid_size ** 2, c.seed, digit, s.genes.steering(),
                            fitted=False if c.standard_prior else None, keep=c.keep))

    @gui_slot(object)
    def on_live_model(self, handle: ModelHandle | None) -> None:
        """A run shown live: the canvas redraws its seed with the newest copy of the model in
        training; when the run ends, with the open model again."""
        s = self.state
        if handle is None:
            if s.canvas.grid is not None and s.canvas.grid.handle.live:
                self.generate(fresh=False)
            return
        c = s.canvas
        digit = c.digit if handle.conditional else None
        self.inference.request_generate.emit(
            GenerateRequest(handle, c.grid_size ** 2, c.seed, digit))

    @gui_slot(object)
    def on_generated(self, result: GenerateResult) -> None:
        request, s = result.request, self.state
        live = request.handle.live
        if request.handle is not (s.training.live_model if live else s.session.model):
            return  # made by a model that is no longer active (or an older live copy)
        # the sliders' values as the history compares them (names the genes lack included)
        genes = s.genes.values if request.steer is not None else ()
        s.canvas.grid = Grid(request.handle, request.seed, request.digit, result.images,
                             result.latents, result.labels, result.seconds, result.base,
                             genes)
        if live:
            return  # a live view: no stars to clear, nothing to report twice a second
        s.canvas.favourites = frozenset()
        s.canvas.generations = s.canvas.generations + 1
        s.post(f"{len(result.images)} samples in {result.seconds * 1000:.0f} ms "
               f"(seed {request.seed})")
        self.mark_interactive()

    @gui_slot(int)
    def on_grid_size_changed(self, _n: int) -> None:
        if not self._quiet:
            self.generate(fresh=False)  # the same seed: the first tiles stay, new ones join

    @gui_slot(object)
    def on_digit_changed(self, _digit: int | None) -> None:
        if self.state.session.conditional:
            if not self._quiet:
                self.generate(fresh=False)
            self._mark_dirty("background", "morph")

    @gui_slot(int)
    def on_pad_digit_changed(self, _digit: int) -> None:
        if self.state.session.conditional and self.state.canvas.digit is None:
            self._mark_dirty("background", "morph")

    # ---------------------------------------------------------------- pad and morph

    @gui_slot(object)
    def on_corners_changed(self, _corners: object) -> None:
        self._mark_dirty("background")

    @gui_slot(object)
    def on_morph_changed(self, _value: object = None) -> None:
        self._mark_dirty("morph")

    def _mark_dirty(self, *what: str) -> None:
        self._dirty.update(what)
        self._refresh.start()

    @gui_slot()
    def _refresh_derived(self) -> None:
        dirty, self._dirty = self._dirty, set()
        if "background" in dirty:
            self._request_background()
        if "morph" in dirty:
            self._request_morph()

    def _request_background(self) -> None:
        s = self.state
        plane = s.pad.plane
        if s.session.model is None or plane is None:
            return  # no model, or the corners are still the previous model's
        self.inference.request_background.emit(
            BackgroundRequest(s.session.model, label=s.pad.effective_digit,
                              corners=plane.corners))

    @gui_slot(object)
    def on_background(self, background: PadBackground) -> None:
        if background.handle is self.state.session.model:
            self.state.pad.background = background

    def _request_morph(self) -> None:
        s = self.state
        a, b, model = s.morph.start, s.morph.end, s.session.model
        if model is None or a is None or b is None or a.latent.shape != b.latent.shape \
                or a.latent.shape[-1] != model.latent_dim:
            s.morph.frames = None
            return
        self.inference.request_morph.emit(MorphRequest(
            model, a.latent, b.latent, s.morph.frame_count, s.morph.label(),
            s.genes.steering()))

    @gui_slot(object)
    def on_morphed(self, result: MorphResult) -> None:
        if result.request.handle is self.state.session.model:
            self.state.morph.frames = result.images

    # ---------------------------------------------------------------- faults

    @gui_slot(str, str)
    def on_worker_failed(self, title: str, message: str) -> None:
        self.state.session.loading = False
        self.state.report_error(title, message)

    def shutdown(self) -> None:
        self.jobs.shutdown()
        self.inference.shutdown()
