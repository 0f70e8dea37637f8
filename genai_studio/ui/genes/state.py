"""The genes' state: the active model's genes, the sliders' values, finding them, and the
tiles the artist marks to make a gene of their own."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from genai_studio.ui.common.fields import Derived, Field, SubState
from genai_studio.workers.messages import ModelHandle

if TYPE_CHECKING:
    import numpy as np

    from genai_studio.core.genes.genes import GeneSet, Steering

Values = tuple[tuple[str, float], ...]  # (name, value) of the genes not at 0, in gene order


def _values(value: Any) -> Values:
    pairs = tuple((str(k), round(float(v), 3)) for k, v in (value or ()))
    return tuple((k, v) for k, v in pairs if v != 0.0)


def _own(s: GenesState) -> GeneSet | None:
    """The genes, while they belong to the active model (never the previous model's)."""
    root = s.root
    if s.genes is None or root is None or s.owner is None or s.owner is not root.session.model:
        return None
    return s.genes


class GenesState(SubState):
    genes: Field[Any] = Field(None, kind=object)  # core.genes.genes.GeneSet | None
    owner: Field[ModelHandle | None] = Field(None, kind=ModelHandle)  # the model they are of
    values: Field[Values] = Field((), _values, kind=tuple)
    finding: Field[float] = Field(-1.0, float)  # progress in [0, 1]; -1: not finding
    status = Field("", str)  # what the panel says under the sliders
    having: Field[frozenset[int]] = Field(frozenset(), frozenset)  # tiles with the quality
    lacking: Field[frozenset[int]] = Field(frozenset(), frozenset)  # tiles without it
    open = Field(False, bool)  # the Genes panel is on screen (genes are found only then)

    active = Derived(object, _own, "genes", "owner", "session.model")  # GeneSet | None
    can_find = Derived(bool, lambda s: s.root is not None and s.root.session.model is not None
                       and s.finding < 0, "finding", "session.model")
    can_reset = Derived(bool, lambda s: bool(s.values), "values")
    can_make = Derived(bool, lambda s: s.active is not None and bool(s.having)
                       and bool(s.lacking), "having", "lacking", "active")

    def value(self, name: str) -> float:
        return dict(self.values).get(name, 0.0)

    def set_value(self, name: str, value: float) -> None:
        """One slider's value; the others keep theirs (the order follows the genes)."""
        current = dict(self.values)
        current[name] = value
        order = [g.name for g in self.active.genes] if self.active is not None else []
        self.values = tuple((k, current[k]) for k in order if k in current)

    def steering(self) -> Steering | None:
        """What the sliders do to latents, or None when nothing is moved."""
        from genai_studio.core.genes.genes import Steering

        genes = self.active
        if genes is None or not self.values:
            return None
        names = set(genes.names())
        return Steering(genes, tuple((k, v) for k, v in self.values if k in names))

    def steer(self, latent: np.ndarray) -> np.ndarray:
        """One latent (D,) moved by the sliders (itself when nothing is moved)."""
        steering = self.steering()
        return latent if steering is None else steering(latent[None, :])[0]

    def mark(self, index: int, having: bool | None) -> None:
        """Mark tile ``index`` as having the quality (True), lacking it (False) or neither."""
        self.having = (self.having | {index}) if having is True else (self.having - {index})
        self.lacking = (self.lacking | {index}) if having is False else (self.lacking - {index})

    def clear_marks(self) -> None:
        self.having = frozenset()
        self.lacking = frozenset()
