"""Back and Forward: every grid the studio shows becomes a step of ``state.history.steps``.

A step keeps the grid whole (images, latents, digits, the model that drew it) with its stars
and the pad's corners, so going back shows exactly that grid again, with no decode, even after
the model was switched: the step's model comes back with it (the handle still holds it).
"""

from __future__ import annotations

import math
from dataclasses import replace

from PySide6.QtCore import QObject

from genai_studio.ui.canvas.state import Grid
from genai_studio.ui.common.guard import gui_slot
from genai_studio.ui.studio.controller import Studio
from genai_studio.ui.studio.state import Step, StudioState


class HistoryControl(QObject):
    def __init__(self, state: StudioState, studio: Studio, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state, self.studio = state, studio
        self._restoring = False
        state.canvas.grid_changed.connect(self.on_grid)
        state.canvas.favourites_changed.connect(self.on_favourites)

    @gui_slot(object)
    def on_grid(self, grid: Grid | None) -> None:
        if grid is None or self._restoring or grid.handle.live:
            return
        s = self.state
        s.history.steps.push(Step(grid, s.canvas.favourites, s.pad.corners))
        s.history.moved()

    @gui_slot(object)
    def on_favourites(self, favourites: frozenset[int]) -> None:
        step = self.state.history.steps.current
        if not self._restoring and step is not None and step.grid is self.state.canvas.grid:
            self.state.history.steps.replace(replace(step, favourites=favourites))

    def back(self) -> None:
        self._restore(self.state.history.steps.back(), "Nothing further back")

    def forward(self) -> None:
        self._restore(self.state.history.steps.forward(), "Nothing further forward")

    def _restore(self, step: Step | None, nothing: str) -> None:
        s = self.state
        if step is None:
            s.post(nothing)
            return
        grid = step.grid
        self._restoring = True
        try:
            with self.studio.quietly():  # these changes must not draw a new grid
                if grid.handle is not s.session.model:
                    self.studio.adopt(grid.handle, step.corners)
                s.canvas.seed = grid.seed
                side = math.isqrt(len(grid))
                if side * side == len(grid):
                    s.canvas.grid_size = side
                if grid.handle.conditional:
                    s.canvas.digit = grid.digit
                s.canvas.grid = grid
                s.canvas.favourites = step.favourites
                s.canvas.selected = min(s.canvas.selected, len(grid) - 1)
        finally:
            self._restoring = False
        h = s.history.steps
        s.post(f"Step {h.index + 1} of {len(h)}: {grid.handle.name}, seed {grid.seed}")
        s.history.moved()
