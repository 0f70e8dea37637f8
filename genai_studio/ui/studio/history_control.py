"""Undo and Redo: every action that changes what the artist sees becomes a step of
``state.history.steps``.

The actions are: generate (and a new grid size or seed), corners, the pad's point, genes,
breeding, the digit and the model. A new grid is a step at once; the others (a drag on the
pad, a slider, a corner dropped) settle first: a step is taken when nothing has changed for
``SETTLE_MS``, so a whole drag is one step, and a change that brings a new grid with it (the
digit, the model, a slider that steers the grid) is one step with that grid.

A step keeps the grid whole (images, latents, digits, the model that drew it) with its stars,
the pad's corners and point, the genes' values and the digit asked for, so going back shows
exactly that again, with no decode, even after the model was switched: the step's model
comes back with it (the handle still holds it).
"""

from __future__ import annotations

import math
from dataclasses import replace

from PySide6.QtCore import QObject, QTimer

from genai_studio.ui.canvas.state import Grid
from genai_studio.ui.common.guard import gui_slot
from genai_studio.ui.studio.controller import Studio
from genai_studio.ui.studio.state import Step, StudioState

SETTLE_MS = 450
MAX_WAITS = 20  # settle periods a step waits for the grid its change brings (then it goes)


def describe(step: Step, before: Step | None) -> str:
    """What changed from ``before`` to ``step``, in a few words (the history dock's line)."""
    grid = step.grid
    if before is None or grid.handle is not before.grid.handle:
        return f"Model {grid.handle.name}"
    if grid is not before.grid:
        if grid.lineage is not None and grid.lineage is not before.grid.lineage:
            return f"Breed: {len(grid)} children of {len(grid.lineage.parents)} parents"
        if step.digit != before.digit:
            return "Any digit" if step.digit is None else f"Digit {step.digit}"
        if step.genes != before.genes or grid.genes != before.grid.genes:
            return _genes(step.genes)
        if len(grid) != len(before.grid):
            return f"Grid {math.isqrt(len(grid))}×{math.isqrt(len(grid))}"
        return f"Generate (seed {grid.seed})"
    if step.genes != before.genes:
        return _genes(step.genes)
    if step.corners is not before.corners:
        return "Corners"
    if step.point != before.point:
        return f"Pad point ({step.point[0]:.2f}, {step.point[1]:.2f})"
    if step.digit != before.digit:
        return "Any digit" if step.digit is None else f"Digit {step.digit}"
    return "Step"


def _genes(values: tuple[tuple[str, float], ...]) -> str:
    return "Genes: " + (", ".join(f"{k} {v:+.1f}" for k, v in values) or "all at 0")


class HistoryControl(QObject):
    def __init__(self, state: StudioState, studio: Studio, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state, self.studio = state, studio
        self._restoring = False
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self.on_settled)
        self._awaiting = 0  # grids asked of the inference worker and not yet shown
        self._waits = 0
        studio.inference.request_generate.connect(self.on_requested)
        studio.inference.worker.generated.connect(self.on_generated)
        studio.inference.worker.failed.connect(self.on_failed)
        s = state
        s.canvas.grid_changed.connect(self.on_grid)
        s.canvas.favourites_changed.connect(self.on_favourites)
        for signal in (s.pad.corners_changed, s.pad.point_changed, s.genes.values_changed,
                       s.canvas.digit_changed):
            signal.connect(self.on_change)

    def _snapshot(self, what: str = "") -> Step | None:
        s = self.state
        if s.canvas.grid is None:
            return None
        return Step(s.canvas.grid, s.canvas.favourites, s.pad.corners, s.pad.point,
                    s.genes.values, s.canvas.digit, what)

    @gui_slot(object)
    def on_requested(self, _request: object) -> None:
        self._awaiting += 1

    @gui_slot(object)
    def on_generated(self, _result: object) -> None:
        self._awaiting = max(self._awaiting - 1, 0)

    @gui_slot(str, str)
    def on_failed(self, _title: str, _message: str) -> None:
        self._awaiting = 0

    def _grid_due(self) -> bool:
        """A grid is on its way that belongs with the change now settling: one asked of the
        inference worker, or the grid steered to the genes' new values."""
        s, grid = self.state, self.state.canvas.grid
        steering = (s.genes.active is not None and grid is not None
                    and grid.handle is s.session.model and grid.genes != s.genes.values)
        return self._awaiting > 0 or steering

    @gui_slot()
    def on_settled(self) -> None:
        if self._grid_due() and self._waits < MAX_WAITS:
            self._waits += 1
            self._settle.start()  # the step waits for the grid and is taken with it
            return
        self.commit()

    @gui_slot(object)
    def on_grid(self, grid: Grid | None) -> None:
        if grid is None or self._restoring or grid.handle.live:
            return
        if grid.base is not None and grid.genes != self.state.genes.values:
            self._settle.start()  # steered by values the sliders have left: the next is due
            return
        self._settle.stop()
        self.commit()

    @gui_slot(object)
    def on_change(self, _value: object = None) -> None:
        if not self._restoring:
            self._settle.start()

    @gui_slot()
    def commit(self) -> None:
        """A step for what the studio shows now, unless the current step shows it already."""
        self._waits = 0
        step, h = self._snapshot(), self.state.history.steps
        if step is None or (h.current is not None and step.same_view(h.current)):
            return
        h.push(replace(step, what=describe(step, h.current)))
        self.state.history.moved()

    @gui_slot(object)
    def on_favourites(self, favourites: frozenset[int]) -> None:
        step = self.state.history.steps.current
        if not self._restoring and step is not None and step.grid is self.state.canvas.grid:
            self.state.history.steps.replace(replace(step, favourites=favourites))

    def back(self) -> None:
        self._settle.stop()
        self.commit()  # a change still settling is a step of its own: undo goes before it
        self._restore(self.state.history.steps.back(), "Nothing further back")

    def forward(self) -> None:
        self._restore(self.state.history.steps.forward(), "Nothing further forward")

    def go(self, index: int) -> None:
        """The history dock's click: straight to step ``index``."""
        self._settle.stop()
        h = self.state.history.steps
        if index != h.index:
            self._restore(h.go(index), "No such step")

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
                elif step.corners is not s.pad.corners:
                    s.pad.corners = step.corners
                s.canvas.seed = grid.seed
                side = math.isqrt(len(grid))
                if side * side == len(grid):
                    s.canvas.grid_size = side
                s.canvas.digit = step.digit if grid.handle.conditional else s.canvas.digit
                s.genes.values = step.genes
                s.pad.point = step.point
                s.canvas.grid = grid
                s.canvas.favourites = step.favourites
                s.canvas.selected = min(s.canvas.selected, len(grid) - 1)
                self.studio.on_morph_changed()  # the morph follows the genes' values
        finally:
            self._restoring = False
            self._settle.stop()
        h = s.history.steps
        s.post(f"Step {h.index + 1} of {len(h)}: {step.what or grid.handle.name}")
        s.history.moved()
