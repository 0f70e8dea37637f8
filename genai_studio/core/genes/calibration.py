"""Calibrating and choosing a gene's candidate steps: the probe decodes the calibration
samples moved by a candidate and reads what changed (each measure, and how many digits the
judge keeps in class); each candidate is scaled so that +1 measures one unit; with the judge,
the one that keeps most digits in class at equal effect is kept (``choose``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from genai_studio.core.genes.genes import MEASURE, Gene, GeneSet, RunawayPath, path_runs_off
from genai_studio.core.genes.measures import BY_NAME, difference, measure

REACH = 0.8  # a candidate whose +2 moves less than this share of the farthest one's: left out
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


def choose(name: str, tries: list[Candidate], probe: Probe, fit: float,
           sigma: float) -> Gene | None:
    """The gene from the first candidate that answers; with the judge, from the paired
    candidate that keeps most digits in class at equal effect: among those whose +2 reaches
    ``REACH`` of the farthest one's, each is judged where it moves its measure as far as the
    nearest of them reaches at +2 (a step that flattens out would otherwise win by moving
    less). The regression's step only where no paired one answers (``finding``, 3.)."""
    found: list[tuple[Gene, Candidate]] = []
    for candidate in tries:
        if found and (candidate.fallback or probe.classes is None):
            break
        got = _calibrated(name, candidate, probe, fit, sigma)
        if got is not None:
            found.append(got)
    while found:  # a pick whose path runs off at -1 or -2 is no gene: the next one then
        pick = found[0] if len(found) == 1 else _fairest(name, found, probe)
        try:
            return _below(name, *pick, probe)
        except RunawayPath:
            found.remove(pick)
    return None


def _fairest(name: str, found: list[tuple[Gene, Candidate]],
             probe: Probe) -> tuple[Gene, Candidate]:
    """Among candidates whose +2 reaches ``REACH`` of the farthest one's, the one that keeps
    most digits in class where each moves its measure as far as the nearest of them reaches
    at +2 (a step that flattens out would otherwise win by moving less)."""
    farthest = max(g.effect[1] for g, _c in found)
    fair = [(g, c) for g, c in found if g.effect[1] >= REACH * farthest]
    effect = min(g.effect[1] for g, _c in fair)
    return max(fair, key=lambda gc: _kept_at(probe, name, *gc, effect))


def _below(name: str, gene: Gene, candidate: Candidate, probe: Probe) -> Gene:
    """``gene`` with its measured effect at -1 and -2 as well (the choice reads only +1 and
    +2, so only the chosen candidate is measured there)."""
    below = [probe.change(name, candidate, -v)[name] for v in (1.0, 2.0)]
    return replace(gene, effect=(*gene.effect[:2], *below))


def _kept_at(probe: Probe, name: str, gene: Gene, candidate: Candidate, effect: float) -> float:
    """The share of digits kept in class where ``gene`` moves ``name`` by ``effect`` units
    (its setting read off its measured +1 and +2)."""
    one, two = gene.effect[0], gene.effect[1]
    value = effect / one if effect <= one else \
        1.0 + (effect - one) / (two - one) if two > one else 2.0
    return probe.kept(name, candidate, min(value, 2.0))


def _calibrated(name: str, candidate: Candidate, probe: Probe, fit: float,
                sigma: float) -> tuple[Gene, Candidate] | None:
    """The gene scaled so that +1 measures one unit (its effect measured at +1 and +2), and
    its candidate so scaled; None where the measure answers it erratically, or where its
    path runs off (a slope scaled up by a weak response can send latents beyond any number:
    such a gene would be refused when read back, ``genes.path_runs_off``)."""
    try:
        return _measured(name, candidate, probe, fit, sigma)
    except RunawayPath:
        return None


def _measured(name: str, candidate: Candidate, probe: Probe, fit: float,
              sigma: float) -> tuple[Gene, Candidate] | None:
    # along a curved path the effect is not linear in the setting: measured twice
    for _ in range(2 if candidate.gene(name).curved else 1):
        response = probe.change(name, candidate, 1.0)[name]
        if response < MIN_RESPONSE:
            return None
        candidate = candidate.scaled(1.0 / response)
    at_one, at_two = probe.change(name, candidate, 1.0), probe.change(name, candidate, 2.0)
    if at_one[name] < 0.5:  # the measure answers a step along it erratically
        return None
    m = BY_NAME[name]
    unit_words = f"{sigma:.3g} {m.unit}".strip()
    gene = replace(
        candidate.gene(name),
        unit=f"one standard deviation of {name} across the model's samples ({unit_words})",
        how=f"{candidate.how}, scaled by its measured effect",
        source=MEASURE, sigma=sigma, measure_unit=m.unit, fit=fit,
        effect=(at_one[name], at_two[name]),
        cross={k: v for k, v in at_one.items() if k != name})
    return None if path_runs_off(gene, len(candidate.vector)) else (gene, candidate)
