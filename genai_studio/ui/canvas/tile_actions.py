"""What a canvas tile can become: a copy, a PNG, a favourite, a pad corner, a morph end.

Each method acts on the selected tile (the table in ``ui.actions`` wires keys, menus and the
tile's context menu to them). Files are written on the jobs thread, never on the GUI thread.
"""

from __future__ import annotations

import enum
import re
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from genai_studio.core.export.options import ExportSource
from genai_studio.ui.canvas.state import Grid
from genai_studio.ui.studio.kinds import Anchor, Corner, MorphEnd
from genai_studio.ui.studio.state import StudioState
from genai_studio.workers.jobs import Job, JobRunner

if TYPE_CHECKING:

    from genai_studio.ui.studio.controller import StudioPaths

COPY_SIZE = 280  # px of a copied tile: 10x, crisp


class TileOp(enum.Enum):
    COPY = "copy"
    SAVE = "save"
    FAVOURITE = "favourite"
    MORPH_START = "morph start"
    MORPH_END = "morph end"
    MORPH_NEXT = "morph next"  # double-click / Enter: A first, then B, then A...


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "model"


class TileActions(QObject):
    favourite_written = Signal(Path)  # the new favourite (the gallery shows it)

    def __init__(self, state: StudioState, paths: StudioPaths, jobs: JobRunner,
                 dialog_parent: QWidget, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state, self.paths, self.jobs = state, paths, jobs
        self.dialog_parent = dialog_parent

    def _selected(self) -> tuple[Grid, int] | None:
        picked = self.state.canvas.tile()
        if picked is None:
            self.state.post("Select a tile first (click it, or use the arrow keys)")
        return picked

    def run(self, op: TileOp, index: int | None = None) -> None:
        if index is not None:
            self.state.canvas.selected = index
        picked = self._selected()
        if picked is None:
            return
        grid, index = picked
        if op is TileOp.COPY:
            self.copy(grid, index)
        elif op is TileOp.SAVE:
            self.state.export_requested.emit(ExportSource.TILE)
        elif op is TileOp.FAVOURITE:
            self.favourite(grid, index)
        else:
            end = {TileOp.MORPH_START: MorphEnd.START, TileOp.MORPH_END: MorphEnd.END}.get(
                op, self.state.morph.next_end())
            self.state.morph.set_anchor(end, self._anchor(grid, index))

    def _anchor(self, grid: Grid, index: int) -> Anchor:
        return Anchor(grid.latents[index].copy(), grid.label_at(index), f"tile {index + 1}")

    def send_to_corner(self, corner: Corner, index: int | None = None) -> None:
        if index is not None:
            self.state.canvas.selected = index
        picked = self._selected()
        s = self.state
        if picked is None:
            return
        grid, index = picked
        if s.pad.corners is None:
            s.post("A 2-D model's pad is its latent plane: it has no corners to set")
            return
        label = grid.label_at(index)
        if label is not None and s.canvas.digit is None:
            s.pad.digit = label  # "any digit": the pad draws the dropped tile's digit
        corners = list(s.pad.corners)
        corners[corner] = self._anchor(grid, index)
        s.pad.corners = tuple(corners)

    def morph_from_pad(self, end: MorphEnd) -> None:
        """The pad's point becomes a morph end."""
        latent = self.state.pad.latent()
        if latent is None:
            self.state.post("Load a model first")
            return
        self.state.morph.set_anchor(end, Anchor(latent.copy(), self.state.pad.effective_digit,
                                                "pad"))

    # ---------------------------------------------------------------- files (on the worker)

    def copy(self, grid: Grid, index: int) -> None:
        """The tile on the clipboard at the export dialog's size and style."""
        from genai_studio.core.export.render import render
        from genai_studio.ui.takeout.export_dialog import style_image

        style = self.state.takeout.settings.style
        QGuiApplication.clipboard().setImage(style_image(render(grid.images[index], style)))
        h, w = style.output_size(*grid.images[index].shape[:2])
        self.state.post(f"Tile {index + 1} copied ({w} x {h} px)")

    def favourite(self, grid: Grid, index: int) -> None:
        """Star the tile and keep a copy, named for its model and seed, in the favourites,
        with its provenance (so the gallery can reopen it)."""
        starred = self.state.canvas.toggle_favourite(index)
        if not starred:
            return
        from genai_studio.ui.takeout.exports import job_for

        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        path = self.paths.favourites / (f"{_slug(grid.handle.name)}-seed{grid.seed}-"
                                        f"tile{index + 1}-{stamp}.png")
        from genai_studio.core.export.jobs import write_favourite

        spec = job_for(self.state, ExportSource.TILE, path)
        handle = grid.handle
        self.jobs.submit(Job("Could not keep the favourite",
                             lambda ctx: write_favourite(spec, handle.model, handle.path,
                                                         ctx.check),
                             done=self._favourite_kept))

    def _favourite_kept(self, path: Path) -> None:
        self.state.post(f"Favourite saved in {path.parent}")
        self.favourite_written.emit(path)
