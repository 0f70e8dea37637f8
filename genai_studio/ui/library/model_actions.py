"""The library's commands: scan, import, export, rename, delete, score, resume.

Each asks what it must on the GUI thread (a file name, a confirmation), then runs the file work
of ``core.library`` on the jobs thread and writes what came back into the state; a failure is
a dialog, and the file that was there stays as it was.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from genai_studio.core.defaults import JUDGE_FILE
from genai_studio.core.store import library
from genai_studio.ui.common import ask
from genai_studio.ui.library.state import LibrarySnapshot, path_of
from genai_studio.ui.studio.state import StudioState
from genai_studio.workers.jobs import Job, JobRunner
from genai_studio.workers.messages import LoadReason

FIRST_LAUNCH_MODEL = "vae-2d"  # the pad's native 2-D VAE shows the studio off best
MODEL_FILTER = "Model files (*.safetensors);;All files (*)"


def scan_all(shipped: Path, user: Path) -> LibrarySnapshot:
    """Runs on the jobs thread: both folders' models and the unfinished runs."""
    entries = library.scan(shipped, True) + library.scan(user, False)
    return LibrarySnapshot(tuple(entries), tuple(library.scan_unfinished(user)),
                           time.time(), (shipped, user))


def first_usable(snapshot: LibrarySnapshot, last: Path | None) -> Path | None:
    """The model a launch opens: the last one used if it is still there, else the 2-D VAE
    if it ships, else the first generator listed."""
    generators = [e.path for e in snapshot.entries if e.is_generator]
    if last is not None and last in generators:
        return last
    preferred = [p for p in generators if p.stem == FIRST_LAUNCH_MODEL]
    return (preferred or generators or [None])[0]


class LibraryActions(QObject):
    def __init__(self, state: StudioState, shipped: Path, user: Path, jobs: JobRunner,
                 load: Callable[[Path, LoadReason], None], dialog_parent: QWidget,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state, self.shipped, self.user, self.jobs = state, shipped, user, jobs
        self.load = load
        self.dialog_parent = dialog_parent

    # ---------------------------------------------------------------- scanning

    def refresh(self, then: Callable[[LibrarySnapshot], None] | None = None) -> None:
        def done(snapshot: LibrarySnapshot) -> None:
            self.state.library.snapshot = snapshot
            if then is not None:
                then(snapshot)

        self.jobs.submit(Job("Could not read the model folders",
                             lambda _ctx: scan_all(self.shipped, self.user), done=done))

    def selected(self) -> library.Entry | library.UnfinishedRun | None:
        return self.state.library.selected

    def _entry(self, action: str, own: bool = False) -> library.Entry | None:
        entry = self.selected()
        if not isinstance(entry, library.Entry):
            self.state.post(f"Select a model in the library to {action} it")
            return None
        if own and entry.shipped:
            self.state.post(f"{entry.name} ships with the studio and is read-only")
            return None
        return entry

    # ---------------------------------------------------------------- commands

    def load_selected(self) -> None:
        entry = self._entry("load")
        if entry is not None and entry.is_generator:
            self.load(entry.path, LoadReason.OPEN)

    def ask_import(self) -> None:
        path = ask.open_path(self.dialog_parent, "Import a model", Path.home(), MODEL_FILTER,
                             session=self.state.session)
        if path is not None:
            self.import_file(path)

    def import_file(self, path: Path) -> None:
        """Validate (a whole, safe generator), copy into the user's folder, open it."""
        def done(target: Path) -> None:
            self.state.library.selection = target
            self.refresh()
            self.load(target, LoadReason.IMPORT)

        self.jobs.submit(Job("Could not import this model",
                             lambda _ctx: library.import_model(path, self.user), done=done))

    def ask_export(self) -> None:
        entry = self._entry("export")
        if entry is None:
            return
        target = ask.save_path(self.dialog_parent, "Export model",
                               Path.home() / entry.path.name, MODEL_FILTER,
                               session=self.state.session)
        if target is not None:
            self.jobs.submit(Job("Could not export the model",
                                 lambda _ctx: library.export_model(entry.path, target),
                                 done=lambda p: self.state.post(f"Exported to {p}")))

    def ask_rename(self) -> None:
        entry = self._entry("rename", own=True)
        if entry is None:
            return
        name = ask.text(self.dialog_parent, "Rename model", "New name:", entry.name)
        if name is None:
            return
        self.jobs.submit(Job("Could not rename the model",
                             lambda _ctx: library.rename_model(entry.path, name),
                             done=lambda new: self._renamed(entry.path, new)))

    def _renamed(self, old: Path, new: Path) -> None:
        s = self.state
        if s.session.model is not None and s.session.model.path == old:
            s.session.model.path = new  # the same weights under a new name: no reload
            s.session.model_info_changed.emit(s.session.model)
        s.library.selection = new
        self.refresh()

    def ask_delete(self) -> None:
        entry = self.selected()
        if isinstance(entry, library.Entry) and entry.shipped:
            self.state.post(f"{entry.name} ships with the studio and is read-only")
            return
        if entry is None:
            self.state.post("Select a model or an unfinished run in the library to delete it")
            return
        what = "this unfinished run" if isinstance(entry, library.UnfinishedRun) else entry.name
        if not ask.confirm(self.dialog_parent, "Delete", f"Delete {what} for good?"):
            return
        path = path_of(entry)
        self.jobs.submit(Job("Could not delete the model",
                             lambda _ctx: library.delete_model(path),
                             done=lambda _r: self._deleted(path)))

    def _deleted(self, path: Path) -> None:
        s = self.state
        if s.session.model is not None and s.session.model.path == path:
            # The weights are in memory: keep drawing with them until another model is loaded.
            s.post(f"{path.name} was deleted; it stays open until you load another model", 6000)
        s.library.selection = None
        self.refresh()

    def score_selected(self) -> None:
        entry = self._entry("score")
        if entry is None or not entry.is_generator:
            return
        judge, device = self.shipped / JUDGE_FILE, self.state.session.device
        self.state.post(f"Scoring {entry.name}: the judge looks at 10,000 samples…", 15000)
        self.jobs.submit(Job(
            "Could not score the model",
            lambda _ctx: library.score_model(entry.path, judge, device=device,
                                             write=not entry.shipped),
            done=lambda metrics: self._scored(entry, metrics)))

    def _scored(self, entry: library.Entry, metrics: dict) -> None:
        s = self.state
        if s.session.model is not None and s.session.model.path == entry.path:
            s.session.model.metadata["metrics"] = metrics
            s.session.model_info_changed.emit(s.session.model)
        kept = "" if not entry.shipped else " (shown, not stored: shipped models are read-only)"
        s.post(f"{entry.name} scored{kept}", 6000)
        self.refresh()

    def resume_selected(self, start: Callable[[library.UnfinishedRun], None]) -> None:
        run = self.selected()
        if not isinstance(run, library.UnfinishedRun):
            self.state.post("Select an unfinished run in the library to resume it")
            return
        start(run)
