"""Exports from the studio: what the artist exports, built from the state, written on the jobs
thread with progress and cancel (``core.export_jobs`` does the work, Qt-free).

Grids and tiles are exported as shown (no decode); a morph at the export's frame count, a
recorded pad path and a batch of fresh samples are decoded on the jobs thread. The model's
sha256 is read there too, so the GUI thread never touches a file.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from genai_studio.ui.state import StudioState
from genai_studio.workers.jobs import Job, JobContext, JobRunner

if TYPE_CHECKING:
    from genai_studio.core.export_jobs import ExportJob, Source

SOURCES = {"tile": "Selected tile", "grid": "Whole grid (contact sheet)",
           "batch": "A batch of fresh samples", "morph": "The morph",
           "path": "The recorded pad path"}


def source_from_state(state: StudioState, kind: str) -> Source:
    """What ``kind`` means now, or a UsageError saying what is missing."""
    import numpy as np

    from genai_studio.core.errors import UsageError
    from genai_studio.core.export_jobs import Source

    s, grid = state, state.grid
    if s.model is None:
        raise UsageError("load a model first")
    common = dict(model_name=s.model.name, model_sha256="0" * 64)  # the job reads the hash
    if kind in ("tile", "grid"):
        if grid is None or grid.handle is not s.model:
            raise UsageError("generate a grid first")
        if kind == "tile" and not 0 <= s.selected < len(grid):
            raise UsageError("select a tile first (click it, or use the arrow keys)")
        return Source(kind, seed=grid.seed, digit=grid.digit, images=grid.images,
                      latents=grid.latents, labels=grid.labels,
                      tile_index=s.selected if kind == "tile" else None, **common)
    if kind == "batch":
        return Source(kind, seed=s.seed, digit=s.digit if s.conditional else None,
                      batch_count=s.export_settings.batch_count, **common)
    if kind == "morph":
        if s.morph_start is None or s.morph_end is None:
            raise UsageError("set both ends of the morph first (A and B)")
        return Source(kind, anchors=np.stack([s.morph_start.latent, s.morph_end.latent]),
                      label=s.morph_label(), **common)
    path = s.pad_path
    if path is None or path.handle is not s.model:
        raise UsageError("record a path on the pad first (Record, drag, Record again)")
    return Source(kind, path=path.points, corners=path.corners, label=path.label, **common)


def job_for(state: StudioState, kind: str, target: Path) -> ExportJob:
    from genai_studio.core.export_jobs import ExportJob

    e = state.export_settings
    return ExportJob(source_from_state(state, kind), Path(target), e.fmt_for(kind), e.style,
                     e.timing, e.frames, e.gutter, e.captions, e.smoothing, e.closed)


def run_export(job: ExportJob, model: object, model_path: Path,
               context: JobContext) -> tuple[Path, ...]:
    """On the jobs thread: hash the model, decode, encode, write; cancel between frames."""
    from genai_studio.core.export import ExportDone, ExportProgress
    from genai_studio.core.export_jobs import run_job
    from genai_studio.core.provenance import file_sha256

    _nice_once()  # the GUI's frames come first when the two cores are busy
    source = dataclasses.replace(job.source, model_sha256=file_sha256(model_path))
    events = run_job(dataclasses.replace(job, source=source), model)
    try:
        for event in events:
            context.check()  # Cancel: closing the generator leaves nothing on disk
            if isinstance(event, ExportProgress):
                context.progress(event.done / max(event.total, 1), event.stage)
            elif isinstance(event, ExportDone):
                return event.paths
    finally:
        events.close()
    return ()


_NICED: set[int] = set()  # native ids of the threads already made nicer


def _nice_once() -> None:
    import threading

    from genai_studio.workers.training import lower_thread_priority

    tid = threading.get_native_id()
    if tid not in _NICED:
        _NICED.add(tid)
        lower_thread_priority()


class Exports(QObject):
    """Starts exports on the jobs thread and reports their progress and outcome."""

    progress = Signal(float, str)  # fraction, stage
    finished = Signal(object)  # tuple[Path, ...]: written files ("" when cancelled / failed)
    busy_changed = Signal(bool)

    def __init__(self, state: StudioState, jobs: JobRunner,
                 on_written: Callable[[tuple[Path, ...]], None] | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state, self.jobs, self.on_written = state, jobs, on_written
        self.job_id: int | None = None

    @property
    def busy(self) -> bool:
        return self.job_id is not None

    def start(self, kind: str, target: Path) -> bool:
        """Export ``kind`` to ``target``; False (and a message) when it cannot start."""
        from genai_studio.core.errors import GenAIError

        if self.busy:
            self.state.post("An export is already running")
            return False
        try:
            job = job_for(self.state, kind, target)
        except GenAIError as exc:
            self.state.report_error("Nothing to export", str(exc))
            return False
        handle = self.state.model
        self.job_id = self.jobs.submit(Job(
            "Could not export", lambda ctx: run_export(job, handle.model, handle.path, ctx),
            done=self._done, failed=self._failed,
            progress=lambda fraction, text: self.progress.emit(fraction, text)))
        self.busy_changed.emit(True)
        return True

    def cancel(self) -> None:
        if self.job_id is not None:
            self.jobs.cancel(self.job_id)
            self._end(())
            self.state.post("Export cancelled")

    def _done(self, paths: tuple[Path, ...]) -> None:
        self._end(paths)
        if paths:
            where = paths[0] if len(paths) == 1 else f"{len(paths)} files in {paths[0].parent}"
            self.state.post(f"Exported {where}", 6000)
            if self.on_written is not None:
                self.on_written(paths)

    def _failed(self, message: str) -> None:
        self._end(())
        self.state.report_error("Could not export", message)

    def _end(self, paths: tuple[Path, ...]) -> None:
        self.job_id = None
        self.finished.emit(paths)
        self.busy_changed.emit(False)
