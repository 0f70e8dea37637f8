"""Background training: a worker drives ``core.train.loop.train`` and re-emits its events.

Pause means "stop pulling from the generator" (the generator sits at its last ``yield``);
cancel sets the generator's event, which it checks between steps, writes a checkpoint and
finishes. The worker throttles what it sends: progress at most ~20 Hz and previews at most
~10 Hz, so a fast run on a GPU cannot flood the GUI thread's event queue.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from genai_studio.core.train.events import (
    Checkpoint,
    Event,
    Finished,
    Preview,
    Progress,
    Started,
)
from genai_studio.workers.threads import track

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 0.05
PREVIEW_INTERVAL_S = 0.1
# A judge pass on 64 previews took ~33 ms on one busy CPU core: at most one a second keeps the
# meter's cost to a few per cent of training time (the run's last preview is always judged).
JUDGE_INTERVAL_S = 1.0
# A live view (the canvas and pad drawn by the weights in training) gets a copy of the model at
# most twice a second: the copy costs the run a few ms, the redraw the GUI one grid decode.
LIVE_INTERVAL_S = 0.5


@dataclass(frozen=True)
class TrainRequest:
    """Everything one run needs (the GUI builds it from the panel's fields)."""

    kind: str  # "vae" | "gan" | "vaegan"
    conditional: bool
    latent_dim: int
    epochs: int
    batch_size: int
    lr: float | None
    device: str
    out_path: Path  # a model file, or a folder: a new, unique name is chosen (and locked) there
    limit: int | None = None
    seed: int = 0
    log_every: int = 10
    preview_every: int = 50
    judge_path: Path | None = None  # scores each preview for the quality meter; None: no meter
    resume_from: Path | None = None  # a checkpoint: continue its run (its model and settings)
    data: Path | None = None  # a dataset file (core.datasets); None: the bundled MNIST
    minutes: float | None = None  # a timed run: it sizes itself (core.train.plan); else epochs


class TrainingWorker(QObject):
    """Runs one training request on its thread; ``done`` is always its last signal."""

    started = Signal(Started)
    progress = Signal(Progress)
    preview = Signal(Preview)  # its images are a copy
    checkpoint = Signal(Checkpoint)
    finished = Signal(Finished)
    quality = Signal(object)  # core.scoring.quality.QuickScores (torch loads it: untyped)
    quality_unavailable = Signal(str)  # why there is no meter this run ("no judge: ...")
    failed = Signal(str)  # a one-line message for the artist
    noted = Signal(str)  # a note for the status line (what a timed run chose, say)
    live_model = Signal(object)  # a CPU copy of the model in training (core.models.Generator)
    done = Signal()

    def __init__(self, request: TrainRequest) -> None:
        super().__init__()
        self.request = request
        self._cancel = threading.Event()
        self._running = threading.Event()  # cleared = paused
        self._running.set()
        self._last: dict[str, float] = {}
        self._judge: Any = None  # loaded once per run, on this worker's thread
        self._unjudged: Any = None  # the newest preview the throttle skipped
        self._data_is_own = False  # training on a dataset of the artist's: no quality meter
        self.live = threading.Event()  # set while the window shows the run live
        self._model: Any = None  # the model in training (from Started), copied for live views

    # These three are called from the GUI thread; threading.Events make them safe.
    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def cancel(self) -> None:
        self._cancel.set()
        self._running.set()  # a paused run must wake up to notice the cancel

    @Slot()
    def run(self) -> None:
        from genai_studio.core.errors import GenAIError
        from genai_studio.core.runtime.threads import lower_thread_priority

        lower_thread_priority()
        try:
            self._drive()
        except GenAIError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001 - surface it, re-enable the controls
            from genai_studio.crash import record_fault

            log.exception("training failed")
            record_fault("training", exc)
            self.failed.emit(f"Training failed: {type(exc).__name__}: {exc}")
        finally:
            self.done.emit()

    def _drive(self) -> None:
        from genai_studio.core.runtime.devices import resolve_device
        from genai_studio.core.runtime.threads import training_run

        device = resolve_device(self.request.device)
        # CPU runs leave a core to the window; inference drops to one thread meanwhile.
        with training_run(device.type, beside_window=True):
            self._train(device)

    def _train(self, device: Any) -> None:
        from genai_studio.core.train import loop as training
        from genai_studio.core.train.run import TrainConfig, with_data_classes

        r = self.request
        data_path = r.data if r.data is not None or r.resume_from is None \
            else _dataset_of(r.resume_from)
        data = _mnist_train() if data_path is None else _dataset(data_path)
        config = TrainConfig(
            epochs=r.epochs, batch_size=r.batch_size, lr=r.lr, seed=r.seed, limit=r.limit,
            log_every=r.log_every, preview_every=r.preview_every, minutes=r.minutes,
        )
        self._data_is_own = data_path is not None
        self._judge = self._load_judge(device)
        model_config = None if r.resume_from is not None else with_data_classes(
            _model_config(r, data.image_shape), data)  # a glyph set: one class a character
        if r.minutes is not None and r.resume_from is None:
            model_config, config = self._plan(model_config, config, len(data))
        with _lock_output(r) as lock:  # another run (window or CLI) never writes over this one
            events = training.train(model_config, config, data, device, lock.path,
                                    cancel=self._cancel, resume_from=r.resume_from)
            pending: Any = None  # the newest throttled Progress, sent before Finished
            for event in events:
                pending = self._dispatch(event, training, pending)
                self._wait_while_paused()

    def _plan(self, model_config: Any, config: Any, images: int) -> tuple[Any, Any]:
        """A timed run sizes itself from its data (core.train.plan): no epoch cap but the
        clock, and for a small dataset smaller batches, augmentation, R1 and a gentler rate."""
        from dataclasses import replace

        from genai_studio.core.train.plan import EPOCH_CAP, plan_for, with_r1

        plan = plan_for(self.request.kind, images, config.batch_size)
        config = replace(config, epochs=EPOCH_CAP, batch_size=plan.batch_size,
                         augment=plan.augment,
                         lr=None if config.lr is None else config.lr * plan.lr_scale)
        if plan.note:
            self.noted.emit(plan.note)
        return with_r1(model_config, plan), config

    def _dispatch(self, event: Event, training: Any, pending: Progress | None) -> Any:
        now = time.perf_counter()
        if isinstance(event, Started):
            self._model = event.model
        elif self.live.is_set() and self._model is not None \
                and now - self._last.get("live", -LIVE_INTERVAL_S) >= LIVE_INTERVAL_S:
            self._last["live"] = now
            self._send_live_copy()
        if isinstance(event, Progress):
            if now - self._last.get("progress", 0.0) < PROGRESS_INTERVAL_S:
                return event
            self._last["progress"] = now
            self.progress.emit(event)
            return None
        if isinstance(event, Preview):
            if now - self._last.get("preview", 0.0) >= PREVIEW_INTERVAL_S:
                self._last["preview"] = now
                self.preview.emit(event)
                self._judge_preview(event, now)
            elif self._judge is not None:
                self._unjudged = event  # judged at the end if it is the run's last
            return pending
        if isinstance(event, Finished) and pending is not None:
            self.progress.emit(pending)
        if isinstance(event, Finished) and self._unjudged is not None:
            self._judge_preview(self._unjudged, now, force=True)  # the finished model's score
        signal = {Started: self.started, Checkpoint: self.checkpoint,
                  Finished: self.finished}[type(event)]
        signal.emit(event)
        return pending

    def _send_live_copy(self) -> None:
        """A frozen CPU copy of the model as it is now (the loop waits at its yield), for the
        live view; one that cannot be copied turns the live view off for this run."""
        import copy

        try:
            twin = copy.deepcopy(self._model).to("cpu").eval()
            twin.requires_grad_(False)
        except Exception as exc:  # noqa: BLE001 - a live view must never stop training
            log.warning("no live view for this run: %s", exc)
            self._model = None
            self.noted.emit("this run cannot be shown live; its preview still updates")
            return
        self.live_model.emit(twin)

    def _load_judge(self, device: Any) -> Any:
        """The judge for the quality meter, or None (then the meter says why; training goes on)."""
        from genai_studio.core.errors import GenAIError
        from genai_studio.core.scoring.quality import load_judge

        if self.request.judge_path is None:
            self.quality_unavailable.emit("no judge")
            return None
        if self._data_is_own:
            self.quality_unavailable.emit("the judge scores MNIST digits; this run trains on "
                                          "your own images")
            return None
        try:
            return load_judge(self.request.judge_path, device)
        except GenAIError as exc:
            log.warning("quality meter off: %s", exc)
            self.quality_unavailable.emit(f"no judge: {exc}")
            return None

    def _judge_preview(self, event: Any, now: float, force: bool = False) -> None:
        """One judge pass on a preview batch (64 images), at most every JUDGE_INTERVAL_S."""
        if self._judge is None:
            return
        if not force and now - self._last.get("judge", -JUDGE_INTERVAL_S) < JUDGE_INTERVAL_S:
            self._unjudged = event
            return
        from genai_studio.core.scoring.quality import quick_scores

        self._last["judge"], self._unjudged = now, None
        try:
            self.quality.emit(quick_scores(self._judge, event.images, event.labels, event.step))
        except Exception as exc:  # noqa: BLE001 - a judge fault must never stop training
            from genai_studio.crash import record_fault

            log.exception("judge pass failed; quality meter off for this run")
            record_fault("the quality meter's judge", exc)
            self._judge = None
            self.quality_unavailable.emit(f"no judge: {type(exc).__name__}: {exc}")

    def _wait_while_paused(self) -> None:
        while not self._running.wait(0.05):
            if self._cancel.is_set():
                return


_DATA_LOCK = threading.Lock()
_DATA: dict[str, Any] = {}


def _mnist_train() -> Any:
    """The training split, parsed once per process (a few hundred ms) and then reused."""
    from genai_studio.core.data.mnist import load_mnist

    with _DATA_LOCK:
        if "train" not in _DATA:
            _DATA["train"] = load_mnist("train")
        return _DATA["train"]


def _lock_output(r: TrainRequest) -> Any:
    """The run's output, locked for its whole life: the model file asked for, or in a folder
    the first free default name (two runs started in the same second get different names)."""
    from genai_studio.core.defaults import MODEL_SUFFIX, default_model_name, model_stem
    from genai_studio.core.errors import OutputError
    from genai_studio.core.store.output_lock import OutputLock, lock_new_output

    is_file = r.out_path.name.endswith(MODEL_SUFFIX)
    folder = r.out_path.parent if is_file else r.out_path
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot make {folder}: {exc.strerror or exc}") from None
    if is_file:
        return OutputLock(r.out_path).acquire()
    dataset = "mnist" if r.data is None else model_stem(r.data)
    return lock_new_output(lambda: folder / default_model_name(
        r.kind, r.conditional, r.latent_dim, folder=folder, dataset=dataset))


def _dataset_of(checkpoint: Path) -> Path | None:
    """The dataset file a run trained on (from its checkpoint), or None for MNIST."""
    from genai_studio.core.data.datasets import user_datasets_dir
    from genai_studio.core.store.checkpoints import read_metadata

    dataset = read_metadata(checkpoint).get("dataset") or {}
    name, file = dataset.get("name", "mnist"), dataset.get("file")
    if name == "mnist" or not isinstance(file, str):
        return None
    return user_datasets_dir() / Path(file).name


def _dataset(path: Path) -> Any:
    """A dataset file, read and checked on this (the training) thread."""
    from genai_studio.core.data.datasets import load_dataset

    return load_dataset(path)


def _model_config(r: TrainRequest, image_shape: tuple[int, int, int] = (1, 28, 28)) -> Any:
    """MNIST: the studio's MLP VAE, DCGAN or VAE-GAN. Other images: the DCGAN, the VAE-GAN or
    the conv VAE (its convolutions suit larger and colour images), at the data's shape."""
    from genai_studio.core.models.base import MNIST_SHAPE
    from genai_studio.core.models.registry import GANConfig, VAEConfig, VAEGANConfig

    if r.kind == "gan":
        return GANConfig(latent_dim=r.latent_dim, conditional=r.conditional,
                         image_shape=image_shape)
    if r.kind == "vaegan":
        return VAEGANConfig(latent_dim=r.latent_dim, conditional=r.conditional,
                            image_shape=image_shape)
    if tuple(image_shape) == MNIST_SHAPE and r.data is None:
        return VAEConfig(latent_dim=r.latent_dim, conditional=r.conditional)
    return VAEConfig(arch="conv", hidden=(256,), latent_dim=r.latent_dim,
                     conditional=r.conditional, image_shape=image_shape)


class TrainingController(QObject):
    """GUI-side owner of one run's thread; the panel connects to the worker via its slots."""

    def __init__(self, request: TrainRequest, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thread = track(QThread())
        self.thread.setObjectName("training")
        self.worker = TrainingWorker(request)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.worker.done.connect(self.thread.quit)
        self.thread.finished.connect(self.worker.deleteLater)

    def start(self) -> None:
        self.thread.start()

    def is_running(self) -> bool:
        return self.thread.isRunning()

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Cancel, then wait for the thread: the generator writes its checkpoint first."""
        if not self.thread.isRunning():
            return True  # the worker may already be deleted (deleteLater on finish)
        self.worker.cancel()
        self.thread.quit()  # takes effect once run() returns and the loop starts
        return self.thread.wait(timeout_ms)
