"""The gallery dock: favourites and everything exported, as thumbnails with their provenance.

:class:`GalleryActions` (the controller) scans the favourites folder and the files the studio
exported (``state.takeout.exported``) on the jobs thread and writes what it found to
``state.takeout.gallery``; it reopens, deletes and copies files there too.
:class:`GalleryPanel` (the widget) takes the state alone: it draws ``state.takeout.gallery``
and turns the artist's clicks into intent signals the controller answers. Nothing here reads a
file on the GUI thread.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from genai_studio.core.export.options import ExportSource
from genai_studio.ui.common import ask
from genai_studio.ui.common.guard import gui_slot
from genai_studio.ui.common.imaging import style_image
from genai_studio.ui.common.plain import escaped, tooltip
from genai_studio.ui.studio.state import StudioState
from genai_studio.workers.jobs import Job, JobRunner

if TYPE_CHECKING:
    from genai_studio.core.export.gallery import GalleryItem
    from genai_studio.ui.canvas.state import Grid

THUMB = 96


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "model"


class GalleryActions(QObject):
    def __init__(self, state: StudioState, jobs: JobRunner, favourites: Path,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state, self.jobs, self.favourites = state, jobs, favourites

    def connect_panel(self, panel: GalleryPanel) -> None:
        panel.reopen_requested.connect(self.reopen)
        panel.delete_requested.connect(lambda items: self.delete(items, panel))
        panel.copy_requested.connect(lambda items: self.export_selection(items, panel))
        panel.refresh_requested.connect(self.refresh)

    def add(self, paths: tuple[Path, ...]) -> None:
        """Exported files join the gallery (a frame sequence shows its first frame)."""
        shown = [str(p) for p in paths if p.suffix.lower() in (".png", ".gif", ".webp")][:1]
        t = self.state.takeout
        t.exported = tuple(shown) + t.exported
        self.refresh()

    @gui_slot()
    def refresh(self, *_args: object) -> None:
        from genai_studio.core.export import gallery

        folders, files = [self.favourites], [Path(p) for p in self.state.takeout.exported]
        self.jobs.submit(Job("Could not read the gallery",
                             lambda ctx: gallery.scan(folders, files, THUMB, ctx.check),
                             done=self._scanned))

    def _scanned(self, items: list[GalleryItem]) -> None:
        self.state.takeout.gallery = tuple(items)

    def keep_favourite(self, grid: Grid, index: int) -> None:
        """A starred tile kept in the favourites folder, named for its model and seed, with
        its provenance (so the gallery can reopen it); written on the jobs thread."""
        from genai_studio.core.export.jobs import write_favourite
        from genai_studio.ui.takeout.controller import job_for

        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        path = self.favourites / (f"{_slug(grid.handle.name)}-seed{grid.seed}-"
                                  f"tile{index + 1}-{stamp}.png")
        previous = self.state.canvas.selected
        self.state.canvas.selected = index
        spec = job_for(self.state, ExportSource.TILE, path)
        self.state.canvas.selected = previous
        handle = grid.handle
        self.jobs.submit(Job("Could not keep the favourite",
                             lambda ctx: write_favourite(spec, handle.model, handle.path,
                                                         ctx.check),
                             done=self._favourite_kept))

    def _favourite_kept(self, path: Path) -> None:
        self.state.post(f"Favourite saved in {path.parent}")
        self.refresh()

    def reopen(self, item: GalleryItem) -> None:
        self.state.open_image_requested.emit(item.path)

    def delete(self, items: list[GalleryItem], parent: QWidget) -> None:
        from genai_studio.core.export import gallery

        if not items or not ask.confirm(parent, "Delete", f"Delete {len(items)} image(s) from "
                                        "the disk? This cannot be undone."):
            return
        paths = [i.path for i in items]
        t = self.state.takeout
        t.exported = tuple(p for p in t.exported if Path(p) not in paths)
        self.jobs.submit(Job("Could not delete", lambda _ctx: [gallery.delete(p) for p in paths],
                             done=lambda _r: self.refresh()))

    def export_selection(self, items: list[GalleryItem], parent: QWidget) -> None:
        from genai_studio.core.export import gallery

        folder = ask.folder(parent, "Copy the selected images into", Path.home(),
                            session=self.state.session) \
            if items else None
        if folder is None:
            return
        paths = [i.path for i in items]
        self.jobs.submit(Job("Could not copy the images",
                             lambda _ctx: gallery.copy_into(paths, folder),
                             done=lambda done: self.state.post(
                                 f"Copied {len(done)} image(s) to {folder}")))


def _summary(item: GalleryItem) -> str:
    return item.prov.summary() if item.prov is not None else item.problem


class GalleryPanel(QWidget):
    reopen_requested = Signal(object)  # core.export.gallery.GalleryItem
    delete_requested = Signal(list)  # [GalleryItem]
    copy_requested = Signal(list)  # [GalleryItem]
    refresh_requested = Signal()

    def __init__(self, state: StudioState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("galleryPanel")
        self.state = state
        self.items: list[GalleryItem] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.list = QListWidget(objectName="galleryList")
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setIconSize(QSize(THUMB, THUMB))
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.list.setSpacing(4)
        self.list.itemDoubleClicked.connect(self._reopen)
        layout.addWidget(self.list, 1)
        rows = QGridLayout()  # two rows: the dock stays as narrow as the library beside it
        rows.setSpacing(4)
        self.buttons = {}
        for name, text, tip in (
                ("reopen", "Reopen", "Bring back the model, seed, grid and pad point"),
                ("compare", "Compare", "Two images side by side, with how each was made"),
                ("export", "Copy to…", "Copy the selected images into a folder"),
                ("delete", "Delete", "Delete the selected images from the disk"),
                ("refresh", "Refresh", "Look for new favourites and exports")):
            button = QPushButton(text, objectName=f"gallery_{name}", toolTip=tip)
            rows.addWidget(button, len(self.buttons) // 3, len(self.buttons) % 3)
            self.buttons[name] = button
        self.buttons["reopen"].clicked.connect(self._reopen)
        self.buttons["compare"].clicked.connect(self._compare)
        self.buttons["export"].clicked.connect(
            lambda: self.copy_requested.emit(self.selected()))
        self.buttons["delete"].clicked.connect(
            lambda: self.delete_requested.emit(self.selected()))
        self.buttons["refresh"].clicked.connect(self.refresh_requested)
        layout.addLayout(rows)
        state.takeout.gallery_changed.connect(self.on_gallery)
        self.on_gallery(state.takeout.gallery)

    def selected(self) -> list[GalleryItem]:
        return [self.items[self.list.row(item)] for item in self.list.selectedItems()]

    @gui_slot(object)
    def on_gallery(self, items: tuple[GalleryItem, ...]) -> None:
        self.items = list(items)
        self.list.clear()
        for item in self.items:
            entry = QListWidgetItem(item.path.name[:22])
            if item.thumbnail is not None:
                entry.setIcon(QIcon(QPixmap.fromImage(style_image(item.thumbnail))))
            entry.setToolTip(tooltip(f"{item.path}\n{_summary(item)}"))
            self.list.addItem(entry)

    @gui_slot()
    def _reopen(self, *_args: object) -> None:
        picked = self.selected()
        if picked:
            self.reopen_requested.emit(picked[0])

    @gui_slot()
    def _compare(self) -> None:
        picked = self.selected()
        if len(picked) != 2:
            self.state.post("Select two images to compare (Ctrl+click)")
            return
        CompareDialog(picked, self).open()


class CompareDialog(QDialog):
    """Two gallery images side by side, each with the line that says how it was made."""

    def __init__(self, items: list[GalleryItem], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("compareDialog")
        self.setWindowTitle("Compare")
        row = QHBoxLayout(self)
        for item in items:
            column = QVBoxLayout()
            picture = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
            if item.thumbnail is not None:
                picture.setPixmap(QPixmap.fromImage(style_image(item.thumbnail)).scaled(
                    256, 256, Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.FastTransformation))
            text = QLabel(f"<b>{escaped(item.path.name)}</b><br>{escaped(_summary(item))}",
                          wordWrap=True, textFormat=Qt.TextFormat.RichText)
            text.setMaximumWidth(300)
            column.addWidget(picture)
            column.addWidget(text)
            row.addLayout(column)
