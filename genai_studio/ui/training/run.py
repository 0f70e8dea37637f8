"""One training run at a time: started from the state's training settings, where it is
written back to ``state.training`` (status, the latest progress, preview and quality), which
the training panel and the inside view draw.

Owns the run's :class:`~genai_studio.workers.training.TrainingController` (the thread); the
panel only draws. A finished model is opened at once; a cancelled run stays in the library as
an unfinished run that Resume continues exactly.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject

from genai_studio.core.defaults import MODEL_SUFFIX, model_stem
from genai_studio.core.train.events import Finished, Preview, Progress, RunState, Started
from genai_studio.ui.common.guard import gui_slot
from genai_studio.ui.studio.state import StudioState
from genai_studio.ui.training.state import TrainingStatus
from genai_studio.workers.messages import LoadReason, ModelHandle
from genai_studio.workers.training import TrainingController, TrainRequest


def format_eta(seconds: float) -> str:
    import math

    if not math.isfinite(seconds):
        return "–"
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 \
        else f"{seconds // 60}:{seconds % 60:02d}"


class TrainingRun(QObject):
    """Starts, pauses, resumes and cancels runs; ``state.training`` says where it is."""

    def __init__(self, state: StudioState, models_dir: Path, judge_path: Path | None,
                 on_trained, parent: QObject | None = None) -> None:  # noqa: ANN001
        super().__init__(parent)
        self.state = state
        self.models_dir, self.judge_path = Path(models_dir), judge_path
        self.on_trained = on_trained  # (path, LoadReason) -> None: refresh + open the model
        self.controller: TrainingController | None = None
        state.training.live_changed.connect(self.on_live_toggled)
        self.limit: int | None = None  # set for quick runs and tests
        self.progress_count = 0

    def is_running(self) -> bool:
        """True from Train until the GUI has handled the thread's end, so a new run can never
        start while the old controller is still being torn down."""
        return self.controller is not None

    def request(self) -> TrainRequest:
        t = self.state.training.settings
        device = self.state.session.device if t.device == "app" else t.device
        if t.resume_from is not None:
            out = t.resume_from.with_name(model_stem(t.resume_from) + MODEL_SUFFIX)
        else:
            out = self.models_dir  # the worker picks a free name there and locks it
        return TrainRequest(kind=t.kind, conditional=t.conditional, latent_dim=t.latent_dim,
                            epochs=t.epochs, batch_size=t.batch_size, lr=t.lr, device=device,
                            out_path=out, limit=self.limit, judge_path=self.judge_path,
                            resume_from=t.resume_from, data=t.data, minutes=t.minutes)

    def _set(self, state: RunState, fraction: float | None = None, detail: str = "") -> None:
        old = self.state.training.status
        self.state.training.status = TrainingStatus(
            state, old.fraction if fraction is None else fraction, detail)

    # ---------------------------------------------------------------- control

    def start(self, resume_from: Path | None = None) -> None:
        if self.is_running():
            self.state.post("A model is already training: cancel it first")
            return
        self.state.training.settings = replace(self.state.training.settings,
                                               resume_from=resume_from)
        self.controller = TrainingController(self.request(), self)
        w = self.controller.worker
        w.started.connect(self.on_started)
        w.progress.connect(self.on_progress)
        w.preview.connect(self.on_preview)
        w.quality.connect(self.on_quality)
        w.quality_unavailable.connect(self.on_quality_unavailable)
        w.finished.connect(self.on_finished)
        w.failed.connect(self.on_failed)
        w.noted.connect(self.on_noted)
        w.live_model.connect(self.on_live_model)
        if self.state.training.live:
            w.live.set()
        self.controller.thread.finished.connect(self.on_thread_done)
        self.progress_count = 0
        t = self.state.training
        t.progress, t.preview, t.quality = None, None, None
        t.runs = t.runs + 1
        self._set(RunState.LOADING, 0.0, "loading data…")
        self.controller.start()

    def toggle_pause(self) -> None:
        if self.controller is None:
            return
        if self.state.training.status.state is RunState.PAUSED:
            self.controller.worker.resume()
            self._set(RunState.TRAINING, detail=self._detail(self.state.training.progress))
        elif self.state.training.status.state is RunState.TRAINING:
            self.controller.worker.pause()
            self._set(RunState.PAUSED,
                      detail=f"paused at {100 * self.state.training.status.fraction:.0f}%")

    def cancel(self) -> None:
        if self.controller is not None:
            self.controller.worker.cancel()
            self._set(RunState.CANCELLING, detail="cancelling… (saving a checkpoint)")

    def shutdown(self) -> None:
        """Window closing: cancel, let the run write its checkpoint, join the thread."""
        if self.controller is not None:
            self.controller.shutdown()

    # ---------------------------------------------------------------- worker events

    @gui_slot(object)
    def on_started(self, event: Started) -> None:
        self._set(RunState.TRAINING, event.start_step / max(event.total_steps, 1),
                  f"starting on {event.device}…")

    @staticmethod
    def _detail(event: Progress | None) -> str:
        if event is None:
            return ""
        return (f"{100 * event.done:.0f}%  ·  {format_eta(event.eta_s)} left  ·  "
                f"{event.images_per_s:,.0f} images a second")

    @gui_slot(object)
    def on_progress(self, event: Progress) -> None:
        self.progress_count += 1
        self.state.training.progress = event
        if self.state.training.status.state in (RunState.LOADING, RunState.TRAINING):
            self._set(RunState.TRAINING, event.done, self._detail(event))

    @gui_slot(str)
    def on_noted(self, note: str) -> None:
        self.state.post(note[0].upper() + note[1:])

    @gui_slot(bool)
    def on_live_toggled(self, live: bool) -> None:
        if self.controller is not None:
            (self.controller.worker.live.set if live else self.controller.worker.live.clear)()
        if not live:
            self.state.training.live_model = None

    @gui_slot(object)
    def on_live_model(self, model: object) -> None:
        t = self.state.training
        if t.live and self.controller is not None:
            kind = self.controller.worker.request.kind
            t.live_model = ModelHandle(model, Path(f"{kind} in training{MODEL_SUFFIX}"),
                                       {"kind": kind, "live": True}, "cpu", live=True)

    @gui_slot(object)
    def on_preview(self, event: Preview) -> None:
        self.state.training.preview = event

    @gui_slot(object)
    def on_quality(self, scores: object) -> None:
        self.state.training.quality = scores

    @gui_slot(str)
    def on_quality_unavailable(self, reason: str) -> None:
        self.state.training.quality = reason

    @gui_slot(object)
    def on_finished(self, event: Finished) -> None:
        if event.cancelled:
            self._set(RunState.CANCELLED, detail="cancelled – resume it from the library")
            self.on_trained(None, LoadReason.TRAINED)  # the library lists the unfinished run
        else:
            self._set(RunState.FINISHED, 1.0, f"done – saved {event.path.name}")
            self.on_trained(event.path, LoadReason.TRAINED)

    @gui_slot(str)
    def on_failed(self, message: str) -> None:
        self._set(RunState.FAILED, detail="failed")
        self.state.report_error("Training stopped", message)

    @gui_slot()
    def on_thread_done(self) -> None:
        self.state.training.live_model = None  # the canvas and pad show the open model again
        # ``finished`` is emitted just before the thread really ends: join it before letting
        # go, or Qt aborts with "QThread: Destroyed while thread is still running".
        if self.controller is not None:
            self.controller.thread.wait()
            self.controller.deleteLater()
            self.controller = None
        if self.state.training.status.state.active:  # ended without a verdict (never expected)
            self._set(RunState.IDLE, detail="")
        self.state.training.settings = replace(self.state.training.settings, resume_from=None)
