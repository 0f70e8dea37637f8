"""The candidates gene finding weighs, and the probe that measures them: decoding the
calibration samples moved by a candidate step and reading what changed (each measure, and
how many digits the judge keeps in class)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from genai_studio.core.genes.genes import Gene, GeneSet
from genai_studio.core.genes.measures import difference, measure

MIN_RESPONSE = 0.15  # a step that moves its measure less than this at +1 is no gene
Classify = Callable[[np.ndarray], np.ndarray]  # images -> class probabilities (n, C)


@dataclass(frozen=True)
class Candidate:
    """A candidate step for a gene: a step per unit, its slope (or None) and how found."""

    vector: np.ndarray
    slope: np.ndarray | None
    centre: np.ndarray | None
    how: str
    fallback: bool = False  # tried only where none of those before it answered
    keep_norm: bool = False  # the latents keep their length (``genes.Gene.keep_norm``)

    def scaled(self, factor: float) -> Candidate:
        return replace(self, vector=self.vector * factor,
                       slope=None if self.slope is None else self.slope * factor)

    def gene(self, name: str) -> Gene:
        return Gene(name, np.asarray(self.vector, np.float32), "", self.how,
                    slope=None if self.slope is None else np.asarray(self.slope, np.float32),
                    centre=self.centre, keep_norm=self.keep_norm)


class Probe:
    """Decodes moved latents of the calibration samples and measures what changed (and,
    with the judge's classes, how many kept their class)."""

    def __init__(self, model, z: np.ndarray, labels: np.ndarray | None,  # noqa: ANN001
                 base: dict[str, np.ndarray], sigma: dict[str, float],
                 classify: Classify | None = None, classes: np.ndarray | None = None) -> None:
        self.model, self.z, self.labels, self.base, self.sigma = model, z, labels, base, sigma
        self.classify, self.classes = classify, classes

    def _moved(self, name: str, candidate: Candidate, value: float) -> np.ndarray:
        """The calibration samples decoded with ``candidate`` (the gene ``name``) at
        ``value``."""
        from genai_studio.core.latent.sampling import decode

        genes = GeneSet("0" * 64, len(candidate.vector), (candidate.gene(name),))
        return decode(self.model, genes.apply(self.z, {name: value}), self.labels)

    def kept(self, name: str, candidate: Candidate, value: float) -> float:
        """The share the judge keeps in its class at ``value`` (the judge takes most of a
        calibration's time, so it reads only where a choice needs it)."""
        images = self._moved(name, candidate, value)
        return float((self.classify(images).argmax(axis=1) == self.classes).mean())

    def change(self, name: str, candidate: Candidate, value: float) -> dict[str, float]:
        """Each measure's mean change, in its units, when the latents are moved by
        ``candidate`` set to ``value`` (the gene ``name``)."""
        moved = measure(self._moved(name, candidate, value))
        return {k: float(difference(k, moved[k], self.base[k]).mean() / self.sigma[k])
                for k in self.sigma}
