"""Reopening an exported image (File > Open, or a drop on the window): its provenance brings
back the model (found in the library by sha256), the seed, grid size and digit, the tile, the
point on the pad, the morph's ends or the recorded path, the genes' values, or a bred child's
whole brood (re-made from its lineage, the child selected). Reading the file and hashing the
library happen on the jobs thread; a missing model is named with its hash."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer

from genai_studio.ui.canvas.state import MAX_SEED, Grid
from genai_studio.ui.common.guard import gui_slot
from genai_studio.ui.common.settings import GRID_SIZES
from genai_studio.ui.pad.state import RecordedPath
from genai_studio.ui.studio.controller import Studio
from genai_studio.ui.studio.kinds import Anchor, MorphEnd
from genai_studio.ui.studio.state import StudioState
from genai_studio.workers.jobs import Job

IMAGE_FILTER = "Images from GenAI Studio (*.png *.gif *.webp *.svg *.pdf)"


def _plan(path: Path, candidates: list[Path]):  # noqa: ANN202 - core.restore.RestorePlan
    from genai_studio.core.export.restore import plan_restore

    return plan_restore(path, candidates)


class Reopen(QObject):
    def __init__(self, state: StudioState, studio: Studio, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state, self.studio = state, studio
        self._waiting_model = None  # a plan whose model is loading
        self._waiting_tile: int | None = None
        state.open_image_requested.connect(self.open)
        state.session.model_changed.connect(self.on_model)
        state.canvas.grid_changed.connect(self.on_grid)

    @gui_slot(object)
    def open(self, path: Path) -> None:
        snapshot = self.state.library.snapshot
        entries = snapshot.entries if snapshot is not None else ()
        candidates = [e.path for e in entries if e.is_generator]
        self.studio.jobs.submit(Job(f"Could not reopen {Path(path).name}",
                                    lambda _ctx: _plan(Path(path), candidates),
                                    done=self.apply))

    def apply(self, plan) -> None:  # noqa: ANN001 - core.restore.RestorePlan
        s, prov = self.state, plan.prov
        # A seed the window's seed field cannot hold (the CLI takes any whole number) would be
        # clamped into another grid: the grid is then not redrawn, and the note says why.
        fits = prov.seed is None or 0 <= prov.seed <= MAX_SEED
        with self.studio.quietly():
            if prov.seed is not None and fits:
                s.canvas.seed = prov.seed
            if plan.grid_size in GRID_SIZES and fits:
                s.canvas.grid_size = plan.grid_size
            s.canvas.digit = prov.digit
        bred = prov.lineage is not None  # children: re-made from their lineage, not a seed
        self._waiting_tile = plan.tile_index \
            if plan.grid_size in GRID_SIZES and fits and not bred else None
        note = "" if fits else (
            f" (drawn with seed {prov.seed}, beyond the seeds the window draws, 0 to "
            f"{MAX_SEED:,}: its grid is not redrawn; its latent is placed as recorded)")
        if s.session.model is not None and s.session.model.path == plan.model_path:
            if not bred:
                self.studio.generate(fresh=False)
            self._place(plan)
        else:
            self._waiting_model = plan
            self.studio.load(plan.model_path)
        s.post(f"Reopened {plan.source.name}: {prov.summary()}{note}", 10_000 if note else 8000)

    @gui_slot(object)
    def on_model(self, handle: object) -> None:
        plan = self._waiting_model
        if plan is not None and handle is not None and handle.path == plan.model_path:
            self._waiting_model = None
            # After the loader has reset the corners and the morph for the new model.
            QTimer.singleShot(0, lambda: self._place(plan))

    @gui_slot(object)
    def on_grid(self, grid: Grid | None) -> None:
        tile, self._waiting_tile = self._waiting_tile, None
        if grid is not None and tile is not None and tile < len(grid):
            self.state.canvas.selected = tile

    def _place(self, plan) -> None:  # noqa: ANN001
        import numpy as np

        s, prov = self.state, plan.prov
        if s.session.model is None or s.session.model.latent_dim != prov.latent_dim:
            return
        if prov.lineage is not None:  # the brood again, the child selected
            s.breeding.pending = (prov.lineage, prov.lineage.index)
        if prov.genes:
            s.genes.values = tuple(prov.genes.items())
            if s.genes.active is None:
                s.post("This image was steered by genes: open the Genes panel to see them "
                       "applied", 8000)
        if plan.corners is not None and s.session.model.latent_dim != 2:
            s.pad.corners = tuple(Anchor(c.copy(), prov.digit, "reopened") for c in plan.corners)
        if plan.pad_point is not None:
            s.pad.point = plan.pad_point
        if plan.anchors is not None and len(plan.anchors) >= 2:
            s.morph.set_anchor(MorphEnd.START, Anchor(plan.anchors[0].copy(), prov.digit,
                                                      "reopened"))
            s.morph.set_anchor(MorphEnd.END, Anchor(plan.anchors[-1].copy(), prov.digit,
                                                    "reopened"))
        if plan.path is not None and len(plan.path) >= 2 and (
                s.session.model.latent_dim == 2 or plan.corners is not None):
            corners = None if s.session.model.latent_dim == 2 else np.asarray(plan.corners)
            s.pad.path = RecordedPath(np.asarray(plan.path, np.float32), corners, s.session.model,
                                      prov.digit)
