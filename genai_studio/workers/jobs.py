"""Jobs: file and scoring work the window hands to a thread of its own.

Library scans, imports, exports, renames, deletes, image saves and scoring all run here, so no
file I/O (a slow disk, a FIFO, a hostile file) and no long computation ever runs on the GUI
thread. A :class:`Job` is a plain function of a :class:`JobContext` plus what to do with its
result on the GUI thread. Failures never escape: a ``GenAIError`` is the artist's one-line
message, anything else is logged with its traceback and reported in one line as well; either
way the studio shows it (a dialog), and nothing is lost.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from genai_studio.crash import record_fault
from genai_studio.workers.threads import track

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 0.1  # at most 10 progress signals a second per job
MAX_MESSAGE = 400  # characters of an error shown in a dialog (a hostile file can say a lot)


class Cancelled(Exception):
    """Raised inside a job by :meth:`JobContext.check` once cancel was requested."""


class JobContext:
    """What a running job may use: cancellation and throttled progress."""

    def __init__(self, job_id: int, job: Job, worker: JobWorker) -> None:
        self.job_id = job_id
        self.job = job
        self.cancel = threading.Event()
        self._worker = worker
        self._last = 0.0

    def check(self) -> None:
        if self.cancel.is_set():
            raise Cancelled

    def progress(self, fraction: float, text: str = "") -> None:
        now = time.perf_counter()
        if now - self._last >= PROGRESS_INTERVAL_S or fraction >= 1.0:
            self._last = now
            self._worker.progress.emit(self.job_id, float(fraction), text)


@dataclass
class Job:
    """``run`` runs on the jobs thread, usually a ``core`` function; the rest on the GUI
    thread, exactly one of ``done``, ``failed`` and ``cancelled`` per job. A job cancelled
    after it finished still ends in ``done``: its files exist, and say so."""

    title: str  # what failed, for the dialog: "Could not export the model"
    run: Callable[[JobContext], Any]
    done: Callable[[Any], None] | None = None
    failed: Callable[[str], None] | None = None  # None: report to the studio (a dialog)
    progress: Callable[[float, str], None] | None = None
    cancelled: Callable[[], None] | None = None
    context: JobContext | None = field(default=None, repr=False)

    @property
    def job_id(self) -> int | None:
        """The id ``JobRunner.submit`` gave it (None before)."""
        return None if self.context is None else self.context.job_id


def one_line(exc: BaseException) -> str:
    """An exception as one short line fit for a dialog."""
    from genai_studio.core.errors import GenAIError

    text = str(exc) if isinstance(exc, GenAIError) else f"{type(exc).__name__}: {exc}"
    text = " ".join(text.split())
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


class JobWorker(QObject):
    """Lives on the jobs thread and runs one job at a time, in order."""

    finished = Signal(int, object)  # job id, result
    failed = Signal(int, str)  # job id, one-line message
    cancelled = Signal(int)
    progress = Signal(int, float, str)

    @Slot()
    def on_thread_started(self) -> None:
        # The GUI's frames come first when the cores are busy: a long export, a library scan
        # or a score runs at a lower priority than the window.
        from genai_studio.core.runtime.threads import lower_thread_priority

        lower_thread_priority()

    @Slot(int, object)
    def run(self, job_id: int, context: JobContext) -> None:
        job = context.job
        if context.cancel.is_set():
            self.cancelled.emit(job_id)
            return
        from genai_studio.core.errors import GenAIError

        try:
            result = job.run(context)
        except Cancelled:
            self.cancelled.emit(job_id)
        except GenAIError as exc:
            self.failed.emit(job_id, one_line(exc))
        except Exception as exc:  # noqa: BLE001 - a job's fault is reported, never fatal
            log.exception("job %r failed", job.title)
            record_fault(f"job {job.title!r}", exc)
            self.failed.emit(job_id, one_line(exc))
        else:
            self.finished.emit(job_id, result)


class JobRunner(QObject):
    """GUI-side owner of the jobs thread. ``submit`` returns an id for ``cancel``."""

    _run = Signal(int, object)
    job_failed = Signal(str, str)  # title, message: for jobs without their own handler
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._jobs: dict[int, Job] = {}
        self.thread = track(QThread())
        self.thread.setObjectName("jobs")
        self.worker = JobWorker()
        self.worker.moveToThread(self.thread)
        self._run.connect(self.worker.run)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)
        self.worker.cancelled.connect(self._on_cancelled)
        self.worker.progress.connect(self._on_progress)
        self.thread.finished.connect(self.worker.deleteLater)
        self.thread.started.connect(self.worker.on_thread_started)
        self.thread.start()

    def submit(self, job: Job) -> int:
        job_id = next(self._ids)
        context = JobContext(job_id, job, self.worker)
        job.context = context
        self._jobs[job_id] = job
        if len(self._jobs) == 1:
            self.busy_changed.emit(True)
        self._run.emit(job_id, context)
        return job_id

    def cancel(self, job_id: int) -> None:
        job = self._jobs.get(job_id)
        if job is not None and job.context is not None:
            job.context.cancel.set()

    def pending(self) -> int:
        return len(self._jobs)

    def _pop(self, job_id: int) -> Job | None:
        job = self._jobs.pop(job_id, None)
        if not self._jobs:
            self.busy_changed.emit(False)
        return job

    @Slot(int, object)
    def _on_finished(self, job_id: int, result: Any) -> None:
        job = self._pop(job_id)
        if job is not None and job.done is not None:
            self._call(job, job.done, result)

    @Slot(int, str)
    def _on_failed(self, job_id: int, message: str) -> None:
        job = self._pop(job_id)
        if job is None:
            return
        if job.failed is not None:
            self._call(job, job.failed, message)
        else:
            self.job_failed.emit(job.title, message)

    @Slot(int)
    def _on_cancelled(self, job_id: int) -> None:
        job = self._pop(job_id)
        if job is not None and job.cancelled is not None:
            self._call(job, job.cancelled)

    @Slot(int, float, str)
    def _on_progress(self, job_id: int, fraction: float, text: str) -> None:
        job = self._jobs.get(job_id)
        if job is not None and job.progress is not None:
            self._call(job, job.progress, fraction, text)

    def _call(self, job: Job, handler: Callable[..., None], *args: Any) -> None:
        """A GUI-side handler's own fault is reported like the job's, never a crash."""
        try:
            handler(*args)
        except Exception as exc:  # noqa: BLE001
            log.exception("handling the result of %r failed", job.title)
            self.job_failed.emit(job.title, one_line(exc))

    def shutdown(self) -> None:
        """Cancel what is queued, let the job in progress end, join the thread."""
        for job in self._jobs.values():
            if job.context is not None:
                job.context.cancel.set()
        if self.thread.isRunning():
            self.thread.quit()
            self.thread.wait()
