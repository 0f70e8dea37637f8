"""The typeface feature's controller: glyph datasets from fonts, typefaces from the pad's point,
fonts as the pad's corners. Every file and every encode runs on the jobs thread
(``core.data.fonts``, ``core.export.typeface``, ``core.latent.styles``); results come back into
the state or to the dialog that asked.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from genai_studio.ui.studio.kinds import Anchor
from genai_studio.ui.studio.state import StudioState
from genai_studio.workers.jobs import Job, JobRunner


class Typefaces(QObject):
    def __init__(self, state: StudioState, jobs: JobRunner, dialog_parent: QWidget,
                 datasets_dir: Callable[[], Path], datasets_changed: Callable[[], None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state, self.jobs = state, jobs
        self.dialog_parent = dialog_parent
        self.datasets_dir, self.datasets_changed = datasets_dir, datasets_changed
        self.fonts_dialog: Any = None
        self.typeface_dialog: Any = None

    def handlers(self) -> dict[str, Callable[[], object]]:
        return {"new_font_dataset": self.ask_font_dataset,
                "export_typeface": self.ask_typeface,
                "fonts_as_corners": self.fonts_as_corners}

    # ---------------------------------------------------------------- datasets from fonts

    def ask_font_dataset(self) -> None:
        """The "New dataset from fonts" dialog (non-modal: the studio stays usable)."""
        from genai_studio.ui.typeface.font_dataset_dialog import FontDatasetDialog

        if self.fonts_dialog is not None and self.fonts_dialog.isVisible():
            self.fonts_dialog.raise_()
            return
        self.fonts_dialog = FontDatasetDialog(self, self.dialog_parent)
        self.fonts_dialog.open()

    def scan(self, paths: list[Path], chars: str, size: int,
             progress: Callable[[float, str], None], done: Callable[[Any], None],
             failed: Callable[[str], None]) -> int:
        """Read the fonts under ``paths`` on the jobs thread; returns the job id (for cancel).
        Nothing is written: the report comes back first."""
        from genai_studio.core.data.font_dataset import scan_to_report

        self.state.typeface.busy = True

        def finish(result: Any) -> None:
            self.state.typeface.busy = False
            done(result)

        def fail(message: str) -> None:
            self.state.typeface.busy = False
            failed(message)

        return self.jobs.submit(Job(
            "Could not read the fonts",
            lambda ctx: scan_to_report(paths, chars, size, ctx.progress, ctx.check),
            done=finish, failed=fail, progress=progress,
            cancelled=lambda: fail("stopped: nothing is kept")))

    def cancel(self, job_id: int) -> None:
        self.jobs.cancel(job_id)

    def keep(self, report: Any, name: str, done: Callable[[Path], None],
             failed: Callable[[str], None]) -> None:
        """Write the glyphs read as the dataset ``name`` (refused if the name is taken)."""
        from genai_studio.core.data.font_dataset import keep_font_dataset

        folder = self.datasets_dir()

        def kept(path: Path) -> None:
            self.datasets_changed()
            self.state.post(f"Dataset {name} kept: {report.kept} fonts × {len(report.chars)} "
                            f"characters ({path})", 8000)
            done(path)

        self.jobs.submit(Job("Could not keep the dataset",
                             lambda _ctx: keep_font_dataset(report, name, folder), done=kept,
                             failed=failed))

    # ---------------------------------------------------------------- a typeface

    def ask_typeface(self) -> None:
        from genai_studio.ui.typeface.typeface_dialog import TypefaceDialog

        if self.typeface_dialog is None:
            self.typeface_dialog = TypefaceDialog(self.state, self.dialog_parent)
            self.typeface_dialog.export_requested.connect(self.export_typeface)
        self.typeface_dialog.show()
        self.typeface_dialog.raise_()

    def export_typeface(self, target: Path, family: str) -> None:
        """Write the typeface of the pad's point to ``target`` on the jobs thread."""
        from genai_studio.core.export.typeface import write_typeface

        s, model = self.state, self.state.session.model
        latent = s.pad.latent()
        if model is None or latent is None:
            return
        s.typeface.busy = True

        def written(result: Any) -> None:
            s.typeface.busy = False
            font, name = result
            blank = f"; blank: {''.join(font.empty)}" if font.empty else ""
            s.post(f"Typeface {name} exported: {target}{blank}", 8000)

        def failed(message: str) -> None:
            s.typeface.busy = False
            s.report_error("Could not export the typeface", message)

        self.jobs.submit(Job(
            "Could not export the typeface",
            lambda _ctx: write_typeface(model.model, model.metadata, model.path, latent.copy(),
                                        target, family),
            done=written, failed=failed))

    # ---------------------------------------------------------------- fonts as corners

    def fonts_as_corners(self) -> None:
        """Four fonts of the model's own dataset, far apart in its style latent, become the
        pad's corners (encoded on the jobs thread)."""
        from genai_studio.core.latent.styles import font_corners

        s, model = self.state, self.state.session.model
        if model is None:
            return
        folder = self.datasets_dir()
        s.typeface.busy = True

        def chosen(fonts: list) -> None:
            s.typeface.busy = False
            if s.session.model is not model:  # another model since: its corners, not these
                return
            label = s.pad.effective_digit or 0
            s.pad.corners = tuple(Anchor(f.latent.copy(), label, f.name) for f in fonts)
            s.post("Pad corners: " + ", ".join(f.name for f in fonts), 8000)

        def failed(message: str) -> None:
            s.typeface.busy = False
            s.report_error("Could not set fonts as corners", message)

        self.jobs.submit(Job("Could not set fonts as corners",
                             lambda _ctx: font_corners(model.model, model.metadata, folder),
                             done=chosen, failed=failed))
