"""The canvas's state: the grid on screen, how it was drawn (seed, size, digit), its stars and
the selected tile."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from genai_studio.core.defaults import CURATED_KEEP
from genai_studio.ui.common.fields import Derived, Field, SubState, clamp, digit
from genai_studio.ui.common.settings import GRID_SIZES
from genai_studio.workers.messages import ModelHandle

if TYPE_CHECKING:
    import numpy as np

MAX_SEED = 2**31 - 1


@dataclass(frozen=True)
class Grid:
    """One generated grid, exactly as drawn: enough to show it again or restore it."""

    handle: ModelHandle
    seed: int
    digit: int | None  # the digit asked for (None: any; conditional models cycle 0-9)
    images: np.ndarray  # (n, H, W) or (n, H, W, 3) float32 in [0, 1]
    latents: np.ndarray  # (n, D)
    labels: np.ndarray | None  # (n,) digits drawn, conditional models only
    seconds: float = 0.0
    base: np.ndarray | None = None  # (n, D) the latents before the genes moved them, if they did
    genes: tuple[tuple[str, float], ...] = ()  # the gene values that moved them
    lineage: Any = None  # core.genes.breeding.Lineage: a brood of children, not a seed's draw

    def __len__(self) -> int:
        return len(self.images)

    def label_at(self, index: int) -> int | None:
        return None if self.labels is None else int(self.labels[index])

    def base_latents(self) -> np.ndarray:
        """The latents before the genes moved them (a seed's draw, or a brood)."""
        return self.latents if self.base is None else self.base


def _has_tile(s: CanvasState) -> bool:
    """A tile the artist can take: not one of a live view (a model still training has no
    file to record as the tile's source)."""
    return s.grid is not None and not s.grid.handle.live and 0 <= s.selected < len(s.grid)


def _can_curate(s: CanvasState) -> bool:
    """An unconditional model with a critic, drawn from N(0, I) or its own cluster mixture (a
    fitted prior already keeps to where the data is)."""
    if s.root is None or s.root.session.model is None:
        return False
    from genai_studio.core.latent.curation import curatable  # torch is loaded by now

    return curatable(s.root.session.model.model, False if s.standard_prior else None)


class CanvasState(SubState):
    seed = Field(1234, clamp(0, MAX_SEED), persist="seed")
    seed_locked = Field(False, bool, persist="seed_locked")
    grid_size = Field(8, clamp(GRID_SIZES[0], GRID_SIZES[-1]), persist="grid")
    digit: Field[int | None] = Field(None, digit, kind=object)  # int | None: any digit
    grid: Field[Grid | None] = Field(None, kind=Grid)
    favourites: Field[frozenset[int]] = Field(frozenset(), frozenset)
    selected = Field(-1, int)
    generations = Field(0, int)  # grids shown so far (tests and benchmarks wait on it)
    # A model with a fitted prior draws from it; this draws from N(0, I) instead.
    standard_prior = Field(False, bool, persist="standard_prior")
    # A GAN's or VAE-GAN's grid keeps only the draws its critic accepts (can_curate).
    curated = Field(True, bool, persist="curated")

    has_tile = Derived(bool, _has_tile, "grid", "selected")
    # A 2-D model's pad is its latent plane: it has no corners to send a tile to.
    can_send_to_corner = Derived(bool, lambda s: s.has_tile and s.root is not None
                                 and s.root.pad.corners is not None, "has_tile", "pad.corners")
    can_generate = Derived(bool, lambda s: s.root is not None and s.root.session.ready,
                           "session.ready")
    can_choose_prior = Derived(bool, lambda s: s.root is not None and s.root.session.model
                               is not None and getattr(s.root.session.model.model,
                                                       "fitted_prior", None) is not None,
                               "session.model")

    can_curate = Derived(bool, _can_curate, "session.model", "standard_prior")

    @property
    def keep(self) -> float:
        """The share of draws the grid keeps: CURATED_KEEP when the critic drops some."""
        return CURATED_KEEP if self.curated and self.can_curate else 1.0

    def tile(self) -> tuple[Grid, int] | None:
        """The grid and the selected tile's index, when a tile is selected."""
        grid = self.grid
        return (grid, self.selected) if grid is not None and _has_tile(self) else None

    def toggle_favourite(self, index: int) -> bool:
        """Star or unstar tile ``index``; True when it is now a favourite."""
        starred = index not in self.favourites
        self.favourites = (self.favourites | {index}) if starred else (self.favourites - {index})
        return starred
