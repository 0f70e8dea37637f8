"""The artist's datasets: listing, previewing, deleting, training on one, making a new one.

Every file operation runs on the jobs thread (``workers/jobs.py``); results come back into
``state.datasets`` or to the caller's handler on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from genai_studio.ui import ask
from genai_studio.ui.state import StudioState
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
        self.folder = folder  # None: the user's datasets folder (core.datasets)
        self.dialog: Any = None

    def datasets_dir(self) -> Path:
        from genai_studio.core.datasets import user_datasets_dir

        return self.folder or user_datasets_dir()

    def refresh(self) -> None:
        def listing(_ctx: object) -> tuple:
            from genai_studio.core.datasets import list_datasets

            return tuple(list_datasets(self.datasets_dir())[0])

        self.jobs.submit(Job("Could not list the datasets", listing,
                             done=lambda found: setattr(self.state, "datasets", found)))

    def ask_new(self) -> None:
        """The "New dataset from folder" dialog (non-modal: the studio stays usable)."""
        from genai_studio.ui.dataset_dialog import NewDatasetDialog

        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.raise_()
            return
        self.dialog = NewDatasetDialog(self, self.dialog_parent)
        self.dialog.open()

    def scan(self, folder: Path, spec: Any, progress: Callable[[float, str], None],
             done: Callable[[Any], None], failed: Callable[[str], None]) -> int:
        """Scan ``folder`` on the jobs thread; returns the job id (for cancel)."""
        def run(ctx: Any) -> Any:
            from genai_studio.core.folder_import import ImportReport, ScanProgress, scan_folder

            report = None
            for event in scan_folder(folder, spec, cancel=ctx.cancel):
                if isinstance(event, ScanProgress):
                    fraction = event.done / event.total if event.total else 0.0
                    ctx.progress(fraction, f"{event.done} of {event.total} files, "
                                 f"{event.kept} images")
                elif isinstance(event, ImportReport):
                    report = event
            return report

        return self.jobs.submit(Job("Could not scan the folder", run, done=done, failed=failed,
                                    progress=progress))

    def cancel(self, job_id: int) -> None:
        self.jobs.cancel(job_id)

    def keep(self, report: Any, name: str, done: Callable[[Path], None],
             failed: Callable[[str], None]) -> None:
        """Write the scanned images as dataset ``name`` (refused if the name is taken)."""
        def run(_ctx: object) -> Path:
            from genai_studio.core.datasets import check_name, save_dataset
            from genai_studio.core.errors import OutputError
            from genai_studio.core.folder_import import import_metadata

            folder = self.datasets_dir()
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{check_name(name)}.safetensors"
            if path.exists():
                raise OutputError(f"a dataset named {name!r} exists already: choose another "
                                  "name, or delete that one first")
            return save_dataset(path, report.images, import_metadata(report, name))

        def kept(path: Path) -> None:
            self.refresh()
            self.state.post(f"Dataset {name} kept: {report.kept} images ({path})", 8000)
            done(path)

        self.jobs.submit(Job("Could not keep the dataset", run, done=kept, failed=failed))

    def preview(self, info: Any, done: Callable[[Any], None]) -> None:
        """A grid of the dataset's first images (uint8), made on the jobs thread."""
        def run(_ctx: object) -> Any:
            from genai_studio.core.datasets import load_dataset_arrays
            from genai_studio.core.images import tile_grid

            _, images = load_dataset_arrays(info.path)
            return tile_grid(images[:PREVIEW_COUNT].astype("float32") / 255.0, columns=8,
                             padding=1)

        self.jobs.submit(Job("Could not preview the dataset", run, done=done))

    def ask_delete(self, info: Any) -> None:
        if not ask.confirm(self.dialog_parent, "Delete dataset",
                           f"Delete the dataset {info.name} ({info.num_images} images)? Models "
                           "trained on it keep working."):
            return

        def run(_ctx: object) -> None:
            from genai_studio.core.datasets import delete_dataset

            delete_dataset(info.path)

        self.jobs.submit(Job("Could not delete the dataset", run,
                             done=lambda _r: self.refresh()))

    def train_on(self, info: Any) -> None:
        """Fill the training form with this dataset and show it (Train starts the run)."""
        settings = self.state.training_settings
        self.state.training_settings = replace(settings, data=info.path, conditional=False)
        self.show_training()
