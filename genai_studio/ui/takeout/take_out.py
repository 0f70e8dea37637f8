"""Everything that takes work out of the studio and brings it back, composed in one place for
the window: history (Back / Forward), exports and their dialog, the gallery, reopening an
exported image (File > Open or a drop on the window)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from genai_studio.core.export.options import ExportSource
from genai_studio.ui.common import ask
from genai_studio.ui.studio.controller import Studio
from genai_studio.ui.studio.history_control import HistoryControl
from genai_studio.ui.studio.state import StudioState
from genai_studio.ui.takeout.export_dialog import ExportDialog
from genai_studio.ui.takeout.exports import Exports
from genai_studio.ui.takeout.gallery import GalleryActions
from genai_studio.ui.takeout.reopen import IMAGE_FILTER, Reopen


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
