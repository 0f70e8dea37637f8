"""What a canvas tile can become: a copy, a PNG, a favourite, a pad corner, a morph end.

Each method acts on the selected tile (the action table in ``ui/window/actions.py`` wires
keys, menus and the tile's context menu to them). A favourite is kept by take-out (its file
is written on the jobs thread, never on the GUI thread).
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QGuiApplication

from genai_studio.core.export.options import ExportSource
from genai_studio.ui.canvas.state import Grid
from genai_studio.ui.studio.kinds import Anchor, Corner, MorphEnd
from genai_studio.ui.studio.state import StudioState


class TileOp(enum.Enum):
    COPY = "copy"
    SAVE = "save"
    FAVOURITE = "favourite"
    MORPH_START = "morph start"
    MORPH_END = "morph end"
    MORPH_NEXT = "morph next"  # double-click / Enter: A first, then B, then A...


class TileActions(QObject):
    def __init__(self, state: StudioState,
                 keep_favourite: Callable[[Grid, int], None] | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state, self.keep_favourite = state, keep_favourite

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
        """The tile as drawn before the genes moved it: the morph and the pad move their
        anchors by the sliders themselves (the moved latent would be moved twice)."""
        return Anchor(grid.base_latents()[index].copy(), grid.label_at(index),
                      f"tile {index + 1}")

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
        from genai_studio.ui.common.imaging import style_image

        style = self.state.takeout.settings.style
        QGuiApplication.clipboard().setImage(style_image(render(grid.images[index], style)))
        h, w = style.output_size(*grid.images[index].shape[:2])
        self.state.post(f"Tile {index + 1} copied ({w} x {h} px)")

    def favourite(self, grid: Grid, index: int) -> None:
        """Star the tile; a newly starred one is kept with its provenance in the favourites
        (by take-out's ``keep_favourite``, which the window hands in)."""
        if self.state.canvas.toggle_favourite(index) and self.keep_favourite is not None:
            self.keep_favourite(grid, index)
