"""Take-out's controllers: exports (what the artist exports, built from the state, written on
the jobs thread by ``core.export.jobs.run_export`` with progress and cancel), and ``TakeOut``,
which composes for the window everything that takes work out of the studio and brings it
back: history (Back / Forward), exports and their dialog, the gallery, reopening an exported
image (File > Open or a drop on the window).

Grids and tiles are exported as shown (no decode); a morph at the export's frame count, a
recorded pad path and a batch of fresh samples are decoded on the jobs thread. The model's
sha256 is read there too, so the GUI thread never touches a file. ``state.takeout.busy`` and
``.progress`` say where the export is; exactly one of "exported", "cancelled" and the error
is reported per export, from the job that is current (a late result of an older one is
dropped).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from genai_studio.core.export.options import ExportSource
from genai_studio.ui.common import ask
from genai_studio.ui.studio.controller import Studio
from genai_studio.ui.studio.history_control import HistoryControl
from genai_studio.ui.studio.state import StudioState
from genai_studio.ui.takeout.export_dialog import ExportDialog
from genai_studio.ui.takeout.gallery import GalleryActions
from genai_studio.ui.takeout.reopen import IMAGE_FILTER, Reopen
from genai_studio.workers.jobs import Job, JobRunner

if TYPE_CHECKING:
    from genai_studio.core.export.jobs import ExportJob, Source


def source_from_state(state: StudioState, kind: ExportSource) -> Source:
    """What ``kind`` means now, or a UsageError saying what is missing."""
    from genai_studio.core.errors import UsageError
    from genai_studio.core.export.jobs import Source

    s, model, kind = state, state.session.model, ExportSource(kind)
    if model is None:
        raise UsageError("load a model first")
    common = dict(model_name=model.name, model_sha256="0" * 64)  # the job reads the hash
    if kind in (ExportSource.TILE, ExportSource.GRID):
        grid = s.canvas.grid
        if grid is None or grid.handle is not model:
            raise UsageError("generate a grid first")
        if kind is ExportSource.TILE and not s.canvas.has_tile:
            raise UsageError("select a tile first (click it, or use the arrow keys)")
        bred = grid.lineage is not None  # children: their lineage re-makes them, not a seed
        return Source(kind, seed=None if bred else grid.seed, digit=grid.digit,
                      images=grid.images, latents=grid.latents, labels=grid.labels,
                      tile_index=s.canvas.selected if kind is ExportSource.TILE else None,
                      lineage=grid.lineage, genes=dict(grid.genes) or None, **common)
    if kind is ExportSource.BATCH:
        digit = s.canvas.digit if s.session.conditional else None
        return Source(kind, seed=s.canvas.seed, digit=digit,
                      batch_count=s.takeout.settings.batch_count, **common)
    if kind is ExportSource.MORPH:
        if s.morph.start is None or s.morph.end is None:
            raise UsageError("set both ends of the morph first (A and B)")
        steering = s.genes.steering()
        return Source(kind, anchors=s.morph.ends(), label=s.morph.label(),
                      genes=None if steering is None else dict(s.genes.values),
                      steer=steering, **common)
    path = s.pad.path
    if path is None or path.handle is not model:
        raise UsageError("record a path on the pad first (Record, drag, Record again)")
    return Source(kind, path=path.points, corners=path.corners, label=path.label, **common)


def job_for(state: StudioState, kind: ExportSource, target: Path) -> ExportJob:
    from genai_studio.core.export.jobs import ExportJob

    e = state.takeout.settings
    return ExportJob(source_from_state(state, kind), Path(target), e.fmt_for(kind), e.style,
                     e.timing, e.frames, e.gutter, e.captions, e.smoothing, e.closed)


class Exports(QObject):
    """Starts exports on the jobs thread and reports their progress and outcome."""

    finished = Signal(tuple)  # tuple[Path, ...] written; () when cancelled or failed

    def __init__(self, state: StudioState, jobs: JobRunner,
                 on_written: Callable[[tuple[Path, ...]], None] | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state, self.jobs, self.on_written = state, jobs, on_written
        self.job: Job | None = None  # the export in progress

    @property
    def busy(self) -> bool:
        return self.job is not None

    def start(self, kind: ExportSource, target: Path) -> bool:
        """Export ``kind`` to ``target``; False (and a message) when it cannot start."""
        from genai_studio.core.errors import GenAIError
        from genai_studio.core.export.jobs import run_export

        if self.busy:
            self.state.post("An export is already running")
            return False
        try:
            spec = job_for(self.state, kind, target)
        except GenAIError as exc:
            self.state.report_error("Nothing to export", str(exc))
            return False
        handle = self.state.session.model
        job = Job("Could not export",
                  lambda ctx: run_export(spec, handle.model, handle.path, ctx.check,
                                         ctx.progress),
                  done=lambda paths: self._done(job, paths),
                  failed=lambda message: self._failed(job, message),
                  progress=lambda fraction, stage: self._progress(job, fraction, stage),
                  cancelled=lambda: self._cancelled(job))
        self.job = job
        self.jobs.submit(job)
        self.state.takeout.progress = (0.0, "")
        self.state.takeout.busy = True
        return True

    def cancel(self) -> None:
        """Ask the export to stop; what it ends as (cancelled, or exported when it had
        already written everything) is reported when it ends."""
        if self.job is not None and self.job.job_id is not None:
            self.jobs.cancel(self.job.job_id)
            self.state.takeout.progress = (self.state.takeout.progress[0], "cancelling…")

    def _current(self, job: Job) -> bool:
        return job is self.job

    def _progress(self, job: Job, fraction: float, stage: str) -> None:
        if self._current(job):
            self.state.takeout.progress = (fraction, stage)

    def _done(self, job: Job, paths: tuple[Path, ...]) -> None:
        if not self._current(job):
            return
        self._end(paths)
        if paths:
            where = paths[0] if len(paths) == 1 else f"{len(paths)} files in {paths[0].parent}"
            self.state.post(f"Exported {where}", 6000)
            if self.on_written is not None:
                self.on_written(paths)

    def _cancelled(self, job: Job) -> None:
        if self._current(job):
            self._end(())
            self.state.post("Export cancelled: nothing was written")

    def _failed(self, job: Job, message: str) -> None:
        if self._current(job):
            self._end(())
            self.state.report_error("Could not export", message)

    def _end(self, paths: tuple[Path, ...]) -> None:
        self.job = None
        self.state.takeout.busy = False
        self.finished.emit(tuple(paths))


class TakeOut(QObject):
    def __init__(self, state: StudioState, studio: Studio, favourites: Path,
                 window: QWidget) -> None:
        super().__init__(window)
        self.state, self.window, self.favourites = state, window, favourites
        self.history = HistoryControl(state, studio, self)
        self.gallery = GalleryActions(state, studio.jobs, favourites, self)
        self.exports = Exports(state, studio.jobs, on_written=self.gallery.add, parent=self)
        self.reopen = Reopen(state, studio, self)
        self.dialog: ExportDialog | None = None
        state.export_requested.connect(self.show_export)

    def handlers(self) -> dict[str, Callable[[], object]]:
        return {"export": lambda: self.show_export(self.export_source()),
                "open_image": self.ask_open_image,
                "history_back": self.history.back, "history_forward": self.history.forward}

    def export_source(self) -> ExportSource:
        """What Export acts on: the selected tile, else the grid."""
        return ExportSource.TILE if self.state.canvas.has_tile else ExportSource.GRID

    def show_export(self, source: ExportSource) -> ExportDialog:
        if self.dialog is None:
            self.dialog = ExportDialog(self.state, self.window)
            self.dialog.export_requested.connect(self.exports.start)
            self.dialog.cancel_requested.connect(self.exports.cancel)
        self.dialog.show_for(ExportSource(source))
        return self.dialog

    def ask_open_image(self) -> None:
        path = ask.open_path(self.window, "Open an exported image", self.favourites,
                             IMAGE_FILTER)
        if path is not None:
            self.state.open_image_requested.emit(path)
