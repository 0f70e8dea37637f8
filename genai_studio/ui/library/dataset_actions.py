"""The artist's datasets: listing, previewing, deleting, training on one, making a new one.

Every file operation is a ``core.data`` function run on the jobs thread; results come back
into ``state.library`` (the list, the selected one's preview) or to the dialog that asked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from genai_studio.ui.common import ask
from genai_studio.ui.common.guard import gui_slot
from genai_studio.ui.library.state import DatasetPreview
from genai_studio.ui.studio.state import StudioState
from genai_studio.workers.jobs import Job, JobRunner

PREVIEW_COUNT = 64


class DatasetActions(QObject):
    def __init__(self, state: StudioState, jobs: JobRunner, dialog_parent: QWidget,
                 show_training: Callable[[], None], folder: Path | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state, self.jobs = state, jobs
        self.dialog_parent = dialog_parent
        self.show_training = show_training
        self.folder = folder  # None: the user's datasets folder (core.data.datasets)
        self.dialog: Any = None
        state.library.dataset_changed.connect(self.on_selected)

    def connect_panel(self, panel: Any) -> None:
        panel.new_requested.connect(self.ask_new)
        panel.train_requested.connect(self.train_on)
        panel.delete_requested.connect(self.ask_delete)

    def datasets_dir(self) -> Path:
        from genai_studio.core.data.datasets import user_datasets_dir

        return self.folder or user_datasets_dir()

    def refresh(self) -> None:
        def listing(_ctx: object) -> tuple:
            from genai_studio.core.data.datasets import list_datasets

            return tuple(list_datasets(self.datasets_dir())[0])

        self.jobs.submit(Job("Could not list the datasets", listing,
                             done=lambda found: setattr(self.state.library, "datasets", found)))

    @gui_slot(object)
    def on_selected(self, path: Path | None) -> None:
        """The selected dataset's first images, read on the jobs thread."""
        from genai_studio.core.data.datasets import preview_grid

        if path is None:
            return

        def shown(result: tuple[Any, int]) -> None:
            if self.state.library.dataset == path:  # still the one selected
                self.state.library.dataset_preview = DatasetPreview(path, *result)

        self.jobs.submit(Job("Could not preview the dataset",
                             lambda _ctx: preview_grid(path, PREVIEW_COUNT), done=shown))

    def ask_new(self) -> None:
        """The "New dataset from folder" dialog (non-modal: the studio stays usable)."""
        from genai_studio.ui.library.dataset_dialog import NewDatasetDialog

        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.raise_()
            return
        self.dialog = NewDatasetDialog(self, self.dialog_parent)
        self.dialog.open()

    def scan(self, folder: Path, spec: Any, progress: Callable[[float, str], None],
             done: Callable[[Any], None], failed: Callable[[str], None]) -> int:
        """Scan ``folder`` on the jobs thread; returns the job id (for cancel)."""
        from genai_studio.core.data.folder_import import scan_to_report

        return self.jobs.submit(Job(
            "Could not scan the folder",
            lambda ctx: scan_to_report(folder, spec, ctx.progress, ctx.check, cancel=ctx.cancel),
            done=done, failed=failed, progress=progress))

    def cancel(self, job_id: int) -> None:
        self.jobs.cancel(job_id)

    def keep(self, report: Any, name: str, done: Callable[[Path], None],
             failed: Callable[[str], None]) -> None:
        """Write the scanned images as dataset ``name`` (refused if the name is taken)."""
        from genai_studio.core.data.datasets import keep_import

        folder = self.datasets_dir()

        def kept(path: Path) -> None:
            self.refresh()
            self.state.post(f"Dataset {name} kept: {report.kept} images ({path})", 8000)
            done(path)

        self.jobs.submit(Job("Could not keep the dataset",
                             lambda _ctx: keep_import(report, name, folder), done=kept,
                             failed=failed))

    def ask_delete(self, info: Any) -> None:
        from genai_studio.core.data.datasets import delete_dataset

        if not ask.confirm(self.dialog_parent, "Delete dataset",
                           f"Delete the dataset {info.name} ({info.num_images} images)? Models "
                           "trained on it keep working."):
            return
        self.jobs.submit(Job("Could not delete the dataset",
                             lambda _ctx: delete_dataset(info.path),
                             done=lambda _r: self.refresh()))

    def train_on(self, info: Any) -> None:
        """Fill the training form with this dataset and show it (Train starts the run); a glyph
        dataset (labelled by character) trains a conditional model, one class a character."""
        settings = self.state.training.settings
        labelled = "classes" in getattr(info, "metadata", {})
        self.state.training.settings = replace(settings, data=info.path, conditional=labelled)
        self.show_training()
