"""Breeding's state: the parents chosen (tiles, gallery images, exported images), how far
children may go, and a brood asked for from outside (a reopened child's lineage)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from genai_studio.ui.common.fields import Derived, Field, SubState
from genai_studio.workers.messages import ModelHandle

if TYPE_CHECKING:
    import numpy as np

MAX_PARENTS = 12  # the panel's row of parents; the core takes up to 64


@dataclass(frozen=True, eq=False)
class ParentTile:
    """A chosen parent: its record for the lineage, its picture, the model it belongs to."""

    parent: Any  # core.genes.breeding.Parent
    image: np.ndarray  # (H, W) or (H, W, 3) float32
    handle: ModelHandle


def _spread(value: Any) -> float:
    return min(max(float(value), 0.0), 1.0)


def _own(s: BreedingState) -> tuple[ParentTile, ...]:
    model = s.root.session.model if s.root is not None else None
    return tuple(p for p in s.parents if p.handle is model)


class BreedingState(SubState):
    parents: Field[tuple[ParentTile, ...]] = Field((), tuple)
    spread = Field(0.3, _spread, persist="breed_spread")  # how far children go, 0..1
    busy = Field(False, bool)  # a brood is being decoded
    model_sha256 = Field("", str)  # the active model file's hash (the lineage names it)
    pending: Field[Any] = Field(None, kind=object)  # (Lineage, child index) to show

    own_parents = Derived(tuple, _own, "parents", "session.model")
    can_add = Derived(bool, lambda s: s.root is not None and s.root.canvas.has_tile
                      and len(s.parents) < MAX_PARENTS, "parents", "canvas.has_tile")
    can_breed = Derived(bool, lambda s: len(s.own_parents) >= 2 and not s.busy
                        and bool(s.model_sha256), "own_parents", "busy", "model_sha256")
    can_clear = Derived(bool, lambda s: bool(s.parents), "parents")

    def add(self, tile: ParentTile) -> None:
        self.parents = (*self.parents, tile)[-MAX_PARENTS:]

    def remove(self, index: int) -> None:
        self.parents = tuple(p for k, p in enumerate(self.parents) if k != index)
