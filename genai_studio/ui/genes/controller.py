"""The genes' controller: finds or reads the active model's genes on the jobs thread, steers
the grid when the sliders settle, and makes the artist's own genes.

What follows a slider (docs/architecture.md, Genes):

* the pad's preview and the panel's selected tile: one small decode each, on the GUI thread,
  at once (the pad panel and the genes panel do it; their budget is the pad's drag budget);
* once the sliders have been still for ``SETTLE_MS``: the morph (its ends moved by the genes'
  step, decoded on the inference thread, the studio's usual morph request) and the grid
  (re-decoded from its own latents, a seed's draw or a brood, plus the step on the jobs
  thread, one job at a time: while one runs, newer values wait and the newest goes next).

Genes are found only while the Genes panel is on screen (``state.genes.open``), once per
model file: they are kept beside it (``core.store.sidecar``) and read back next time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer

from genai_studio.ui.canvas.state import Grid
from genai_studio.ui.common.guard import gui_slot
from genai_studio.ui.studio.controller import Studio
from genai_studio.ui.studio.state import StudioState
from genai_studio.workers.jobs import Job
from genai_studio.workers.messages import ModelHandle

if TYPE_CHECKING:
    from genai_studio.core.genes.genes import Steering

SETTLE_MS = 120


def _find(handle: ModelHandle, judge: Path | None, recompute: bool,
          context: Any) -> tuple[Any, bool, str]:
    """On the jobs thread: (genes, found now, the model file's sha256)."""
    from genai_studio.core.export.provenance import file_sha256
    from genai_studio.core.genes.finding import genes_for

    sha = file_sha256(handle.path)
    genes, found = genes_for(handle.model, handle.path, sha, judge, recompute=recompute,
                             check=context.check, progress=context.progress)
    return genes, found, sha


def _steer_and_decode(handle: ModelHandle, steering: Steering | None, base: Any,
                      labels: Any, check: Callable[[], None]) -> tuple[Any, Any]:
    """On the jobs thread: (images, latents) of latents ``base`` moved by the genes, held to
    their digits (``core.genes.holding``)."""
    from genai_studio.core.latent.sampling import decode

    labels = labels if handle.conditional else None
    latents = base if steering is None else steering.move(handle.model, base, labels, check)
    return decode(handle.model, latents, labels), latents


def _reread(path: Path) -> tuple[str, Any]:
    """On the jobs thread: (the model file's sha256, the genes kept beside it for that sha256,
    or None)."""
    from genai_studio.core.errors import GenAIError
    from genai_studio.core.export.provenance import file_sha256
    from genai_studio.core.store.sidecar import load_genes

    sha = file_sha256(path)
    try:
        return sha, load_genes(path, sha)
    except GenAIError:
        return sha, None


def _save(path: Path, genes: Any) -> Path:
    from genai_studio.core.store.sidecar import save_genes

    return save_genes(path, genes)


class GenesController(QObject):
    def __init__(self, state: StudioState, studio: Studio, judge: Path | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state, self.studio, self.judge = state, studio, judge
        self._cache: dict[int, tuple[ModelHandle, Any]] = {}  # genes of models seen
        self._finding: int | None = None  # the job finding genes
        self._steering = False  # a grid is being re-decoded with the genes
        self._again = False  # the values moved while it was
        # The grid and the morph follow once the sliders settle: re-decoded on every move,
        # their results landed on the GUI thread between the moves and doubled the slider's
        # latency (64 tiles and 16 frames repainted each time).
        self._settle = QTimer(self, singleShot=True, interval=SETTLE_MS)
        self._settle.timeout.connect(self._settled)
        g = state.genes
        state.session.model_changed.connect(self.on_model)
        state.session.model_info_changed.connect(self.on_model_file_changed)
        g.open_changed.connect(self.on_open)
        g.values_changed.connect(self.on_values)
        g.active_changed.connect(self.on_active)

    # ---------------------------------------------------------------- finding

    @gui_slot(object)
    def on_model(self, handle: ModelHandle | None) -> None:
        g = self.state.genes
        g.clear_marks()
        if not self.studio.quiet:
            g.values = ()  # a model opened afresh starts unsteered (history brings values back)
        cached = self._cache.get(id(handle)) if handle is not None else None
        if cached is not None and cached[0] is handle:
            g.genes, g.owner = cached[1], handle
            g.status = self._summary(cached[1])
            return
        g.status = ""
        self.on_open(g.open)

    @gui_slot(object)
    def on_model_file_changed(self, handle: ModelHandle | None) -> None:
        """The model's file was rewritten (scores stored in it) or renamed: its genes follow
        the file's new sha256 beside it, so the genes held here must too, or the next gene the
        artist names would be kept under the old one and dropped as stale."""
        cached = self._cache.get(id(handle)) if handle is not None else None
        if cached is None or cached[0] is not handle:
            return
        self.studio.jobs.submit(Job("Could not read the genes beside the model",
                                    lambda _ctx: _reread(handle.path),
                                    done=lambda result: self._reread(handle, result)))

    def _reread(self, handle: ModelHandle, result: tuple[str, Any]) -> None:
        sha, genes = result
        if handle is self.state.session.model:
            self.state.breeding.model_sha256 = sha
        if genes is None:
            return
        self._cache[id(handle)] = (handle, genes)
        g = self.state.genes
        if g.owner is handle:
            g.genes = genes

    @gui_slot(bool)
    def on_open(self, open_: bool) -> None:
        g, model = self.state.genes, self.state.session.model
        if open_ and model is not None and g.owner is not model and g.finding < 0:
            self.find()

    def find(self, recompute: bool = False) -> None:
        """Read the model's genes from beside it, or find them (a minute or so)."""
        g, handle = self.state.genes, self.state.session.model
        if handle is None or g.finding >= 0:
            return
        g.finding = 0.0
        g.status = "Finding this model's genes…" if recompute else "Looking for genes…"
        job = Job("Could not find the genes", lambda ctx: _find(handle, self.judge, recompute,
                                                                ctx),
                  done=lambda result: self._found(handle, result),
                  failed=lambda message: self._not_found(message),
                  progress=lambda fraction, stage: self._progress(fraction, stage),
                  cancelled=lambda: self._not_found("stopped"))
        self._finding = self.studio.jobs.submit(job)

    def _progress(self, fraction: float, stage: str) -> None:
        g = self.state.genes
        g.finding = max(float(fraction), 0.0)
        g.status = f"Finding genes: {stage}…"

    def _found(self, handle: ModelHandle, result: tuple[Any, bool, str]) -> None:
        genes, found, sha = result
        g = self.state.genes
        g.finding = -1.0
        self._cache[id(handle)] = (handle, genes)
        if self.state.breeding.model_sha256 == "" and handle is self.state.session.model:
            self.state.breeding.model_sha256 = sha
        if handle is not self.state.session.model:
            return  # the artist moved on; the genes wait in the cache
        g.genes, g.owner = genes, handle
        g.status = ("Found: " if found else "") + self._summary(genes)

    def _not_found(self, message: str) -> None:
        g = self.state.genes
        g.finding = -1.0
        g.status = f"No genes: {message}"

    @staticmethod
    def _summary(genes: Any) -> str:
        left = f"; left out: {len(genes.notes)}" if genes.notes else ""
        return f"{len(genes.genes)} genes, from {genes.how}{left}."

    # ---------------------------------------------------------------- steering

    @gui_slot(object)
    def on_values(self, _values: object = None) -> None:
        if self.studio.quiet:
            # History restores a grid that already shows these values: a move still waiting
            # to settle must not steer it again (and cut the redo branch with a new step).
            self._settle.stop()
            return
        self._settle.start()  # (re)started: the pad and the selected tile follow at once

    @gui_slot()
    def _settled(self) -> None:
        self.studio.on_morph_changed()
        self.steer()

    @gui_slot(object)
    def on_active(self, genes: object) -> None:
        if genes is not None and self.state.genes.values and not self.studio.quiet:
            self.on_values()  # values set before the genes came (a reopened image)

    def steer(self) -> None:
        """The grid again, its own latents moved by the genes' step (one job at a time)."""
        s = self.state
        grid, handle = s.canvas.grid, s.session.model
        if grid is None or handle is None or grid.handle is not handle:
            return
        if self._steering:
            self._again = True
            return
        steering, base, values = s.genes.steering(), grid.base_latents(), s.genes.values
        self._steering, self._again = True, False
        self.studio.jobs.submit(Job(
            "Could not steer the grid", lambda ctx: _steer_and_decode(
                handle, steering, base, grid.labels, ctx.check),
            done=lambda got: self._steered(grid, *got, base, steering, values),
            failed=lambda message: self._steer_failed(message),
            cancelled=lambda: self._steer_failed("")))

    def _steered(self, grid: Grid, images: Any, latents: Any, base: Any,
                 steering: Steering | None, values: Any) -> None:
        self._steering = False
        s = self.state
        if s.canvas.grid is grid and grid.handle is s.session.model:
            # the sliders' values as the history compares them (names the genes lack too)
            s.canvas.grid = replace(grid, images=images, latents=latents,
                                    base=None if steering is None else base,
                                    genes=() if steering is None else values)
        if self._again:
            self.steer()

    def _steer_failed(self, message: str) -> None:
        self._steering = False
        if message:
            self.state.report_error("Could not steer the grid", message)

    # ---------------------------------------------------------------- the artist's genes

    def make_gene(self, name: str) -> None:
        """A gene from the marked tiles, kept with the model's genes (and beside the model)."""
        import numpy as np

        from genai_studio.core.genes.finding import artist_gene, free_coordinates

        s, g = self.state, self.state.genes
        grid, genes, handle = s.canvas.grid, g.active, s.session.model
        if grid is None or genes is None or grid.handle is not handle:
            return
        base = grid.base_latents()
        having = [i for i in sorted(g.having) if i < len(grid)]
        lacking = [i for i in sorted(g.lacking) if i < len(grid)]
        gene = artist_gene(name.strip(), base[having], base[lacking], np.asarray(base),
                           free_coordinates(handle.model))
        self._keep(handle, genes.with_gene(gene))
        g.clear_marks()
        s.post(f"New gene {gene.name!r}: your tiles are {gene.effect[0]:.1f} units apart")

    def remove_gene(self, name: str) -> None:
        g, handle = self.state.genes, self.state.session.model
        if g.active is None or handle is None:
            return
        g.values = tuple((k, v) for k, v in g.values if k != name)
        self._keep(handle, g.active.without(name))

    def _keep(self, handle: ModelHandle, genes: Any) -> None:
        g = self.state.genes
        g.genes, g.owner = genes, handle
        g.status = self._summary(genes)
        self._cache[id(handle)] = (handle, genes)
        self.studio.jobs.submit(Job("Could not keep the genes beside the model",
                                    lambda _ctx: _save(handle.path, genes)))

    def reset(self) -> None:
        self.state.genes.values = ()
