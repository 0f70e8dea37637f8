"""Breeding's controller: parents from tiles and exported images, broods decoded on the jobs
thread and shown as the canvas's grid (children are tiles, so they breed in turn), and a
reopened child's brood made again from its lineage."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject

from genai_studio.ui.breeding.state import ParentTile
from genai_studio.ui.canvas.state import MAX_SEED, Grid
from genai_studio.ui.common.guard import gui_slot
from genai_studio.ui.common.settings import GRID_SIZES
from genai_studio.ui.studio.controller import Studio
from genai_studio.ui.studio.state import StudioState
from genai_studio.workers.jobs import Job
from genai_studio.workers.messages import ModelHandle


def _hash(path: Path) -> str:
    from genai_studio.core.export.provenance import file_sha256

    return file_sha256(path)


def _brood(handle: ModelHandle, lineage: Any) -> tuple[Any, Any, Any]:
    """On the jobs thread: the children's latents, digits and images."""
    from genai_studio.core.genes.finding import free_coordinates
    from genai_studio.core.latent.sampling import decode

    latents, labels = lineage.children(free_coordinates(handle.model))
    images = decode(handle.model, latents, labels if handle.conditional else None)
    return latents, labels, images


def _parents_from(handle: ModelHandle, sha: str, paths: list[Path]) -> list[ParentTile]:
    """On the jobs thread: each exported image's latent, checked against the model, drawn."""
    from genai_studio.core.genes.breeding import parent_from_image
    from genai_studio.core.latent.sampling import decode

    out = []
    for path in paths:
        parent = parent_from_image(path, handle.latent_dim, sha)
        label = parent.label if handle.conditional else None
        image = decode(handle.model, parent.latent[None, :], label)[0]
        out.append(ParentTile(parent, image, handle))
    return out


class Breeding(QObject):
    def __init__(self, state: StudioState, studio: Studio, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state, self.studio = state, studio
        self._waiting: tuple[Any, int | None] | None = None  # a brood for the model's grid
        state.session.model_changed.connect(self.on_model)
        state.breeding.pending_changed.connect(self.on_pending)
        state.canvas.grid_changed.connect(self.on_grid)

    @gui_slot(object)
    def on_model(self, handle: ModelHandle | None) -> None:
        b = self.state.breeding
        b.model_sha256 = ""
        if handle is not None:
            self.studio.jobs.submit(Job("Could not read the model file",
                                        lambda _ctx: _hash(handle.path),
                                        done=lambda sha: self._hashed(handle, sha)))

    def _hashed(self, handle: ModelHandle, sha: str) -> None:
        if handle is self.state.session.model:
            self.state.breeding.model_sha256 = sha

    # ---------------------------------------------------------------- parents

    def add_tile(self, index: int | None = None) -> None:
        """The selected tile (or tile ``index``) becomes a parent, as it is drawn."""
        from genai_studio.core.genes.breeding import Parent

        s = self.state
        picked = s.canvas.tile() if index is None else (s.canvas.grid, index)
        if picked is None or picked[0] is None or not s.breeding.model_sha256:
            return
        grid, i = picked
        seed = None if grid.lineage is not None else grid.seed
        where = f"tile {i + 1}" + (f" of seed {seed}" if seed is not None else " of a brood")
        parent = Parent(grid.latents[i].copy(), s.breeding.model_sha256, seed,
                        grid.label_at(i), where)
        s.breeding.add(ParentTile(parent, grid.images[i], grid.handle))
        s.post(f"Parent {len(s.breeding.own_parents)}: {where}")

    def add_images(self, paths: list[Path]) -> None:
        """Exported images (gallery favourites, anything the studio wrote) become parents."""
        s = self.state
        handle, sha = s.session.model, s.breeding.model_sha256
        if handle is None or not sha or not paths:
            return
        self.studio.jobs.submit(Job("Could not use that image as a parent",
                                    lambda _ctx: _parents_from(handle, sha, list(paths)),
                                    done=lambda tiles: [s.breeding.add(t) for t in tiles]))

    # ---------------------------------------------------------------- broods

    def breed(self) -> None:
        """A grid of children of the parents, as many as the canvas holds tiles."""
        from genai_studio.core.genes.breeding import Lineage

        s = self.state
        own = s.breeding.own_parents
        if len(own) < 2 or s.session.model is None or s.breeding.busy:
            return
        lineage = Lineage(tuple(p.parent for p in own), random.randint(0, MAX_SEED),
                          s.breeding.spread, s.canvas.grid_size ** 2)
        self._decode(lineage, None)

    @gui_slot(object)
    def on_pending(self, pending: Any) -> None:
        """A reopened child: its whole brood again, the child selected (once the model's
        first grid is there, so that grid does not replace the brood)."""
        if pending is None:
            return
        s = self.state
        s.breeding.pending = None
        grid = s.canvas.grid
        if s.session.model is None or grid is None or grid.handle is not s.session.model:
            self._waiting = pending
            return
        self._show(*pending)

    @gui_slot(object)
    def on_grid(self, grid: Grid | None) -> None:
        waiting, s = self._waiting, self.state
        if waiting is not None and grid is not None and grid.handle is s.session.model:
            self._waiting = None
            self._show(*waiting)

    def _show(self, lineage: Any, index: int | None) -> None:
        side = int(round(lineage.count ** 0.5))
        if side * side == lineage.count and side in GRID_SIZES:
            with self.studio.quietly():
                self.state.canvas.grid_size = side
        self._decode(lineage, index)

    def _decode(self, lineage: Any, select: int | None) -> None:
        s = self.state
        handle = s.session.model
        s.breeding.busy = True
        self.studio.jobs.submit(Job(
            "Could not breed", lambda _ctx: _brood(handle, lineage),
            done=lambda result: self._bred(handle, lineage, result, select),
            failed=lambda message: self._failed(message),
            cancelled=lambda: self._failed("")))

    def _bred(self, handle: ModelHandle, lineage: Any, result: tuple, select: int | None) -> None:
        s = self.state
        s.breeding.busy = False
        if handle is not s.session.model:
            return
        latents, labels, images = result
        s.canvas.grid = Grid(handle, s.canvas.seed, None, images, latents, labels,
                             lineage=lineage.one(None))
        s.canvas.favourites = frozenset()
        s.canvas.selected = select if select is not None else min(s.canvas.selected,
                                                                  len(images) - 1)
        s.canvas.generations = s.canvas.generations + 1
        s.post(f"{len(images)} children of {len(lineage.parents)} parents "
               f"(spread {lineage.spread:.2f}, seed {lineage.seed})")

    def _failed(self, message: str) -> None:
        self.state.breeding.busy = False
        if message:
            self.state.report_error("Could not breed", message)
