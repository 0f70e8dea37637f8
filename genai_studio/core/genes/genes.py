"""Genes: named directions in a model's latent space, and how they are kept (NumPy only).

A gene is a latent step per unit (``vector``, (D,)): setting genes to values v moves a latent z
to ``z + sum_i v_i g_i``. A gene may also have a *slope* (``slope`` W (D, D) about ``centre``
c): its step per unit then depends on where the latent is, g_i(z) = g_i + W_i (z - c_i), so
each digit leans the way that very digit leans when it is sheared, and the latent follows
these steps, dz/dt = sum_i v_i g_i(z) for t from 0 to 1 (``SLOPE_STEPS`` Euler steps; genes
without a slope move every latent by one and the same step). A gene that ``keep_norm`` s
turns the latent over the sphere it is on: its step's part along that sphere (on the
coordinates it moves) is taken along the great circle, so the latent keeps its length, as a
GAN's N(0, I) latents all lie near the sphere of radius sqrt(D) and its generator has seen
nothing else; the other genes' steps are added as they are. Genes found from a measure
(``core.genes.finding``) are in
standard deviations of that measure across the model's own samples, so "slant +1" asks for
a digit one typical slant-step more slanted; each carries what it was measured to do (its own
change at +1 and +2, and the others' change at +1: the cross-talk). The artist's own genes
point from the tiles that lack a quality to those that have it, in standard deviations of the
model's samples along that direction.

A :class:`GeneSet` belongs to one model file (its sha256) and is kept beside it as JSON
(``core.store.sidecar``); ``core.genes.record`` reads one back, checking it field by field.
Genes with a transformation are also held to the digit where a grid is drawn
(``Gene.strengths``, ``Steering.move``: ``core.genes.holding``).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from genai_studio.core.errors import UsageError

FORMAT = "genai-studio.genes"
# 2: genes with a slope or that keep the norm. A set without them is still written as 1, so an
# older studio reads it; one with them is refused there (and kept aside, then found again by
# its own method) rather than applied as straight steps, which would move its digits wrong.
VERSION = 2
MAX_GENES = 48
MAX_NAME = 40
MAX_LATENT_DIM = 4096
MAX_STEP = 1e3  # a latent step per unit; real ones are about 1
MAX_SLOPE_DIM = 128  # a slope is (D, D) numbers: kept for latents up to this size only
MAX_SLOPE_NORM = 50.0  # its Frobenius norm: real ones are about 1 (a larger one is damage)
MAX_LATENT = 1e6  # a latent the genes moved beyond this is refused (real ones are about 10)
SLOPE_STEPS = 8  # Euler steps where a gene has a slope or keeps the norm (else one step)
SLIDER_RANGE = 3.0  # the panel's sliders and the CLI's --set reach +-3 units
# The genes held to the digit (``core.genes.holding``; ``paired.TRANSFORMS``) and the largest
# strength each transformation takes at any setting: a shear's tan, passes of dilation, octaves
# of stretch, degrees of hue, octaves of ink (2^128 overflows). Found strengths are 2-5 times
# smaller; a file asking for more is damage, refused on load, before any image is transformed.
HOLD_LIMITS = {"slant": 4.0, "thickness": 8.0, "width": 4.0, "height": 4.0, "hue": 180.0,
               "brightness": 5.0}
HOLDABLE = tuple(HOLD_LIMITS)
MAX_HELD = 20.0  # what a held gene was measured to do, in units: real ones are about 2
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _'-]*$")
MEASURE, ARTIST = "measure", "artist"


class RunawayPath(UsageError):
    """Curved genes that send latents beyond any number a model knows (``MAX_LATENT``)."""


@dataclass(frozen=True, eq=False)
class Gene:
    name: str
    vector: np.ndarray  # (D,) float32: the latent step of one unit
    unit: str  # what one unit is, in words
    how: str  # how it was found, in words
    source: str = MEASURE  # MEASURE (found from an image measure) or ARTIST (from tiles)
    sigma: float = 1.0  # one unit in the measure's own units (degrees, px, %)
    measure_unit: str = ""
    fit: float = 0.0  # R^2 of the regression the direction came from (measures)
    effect: tuple[float, ...] = ()  # measured own change at +1, +2, -1, -2, in units
    cross: dict[str, float] = field(default_factory=dict)  # others' change at +1, in units
    slope: np.ndarray | None = None  # (D, D) float32 W: how the step changes with the latent
    centre: np.ndarray | None = None  # (D,) float32 c: where the step is ``vector`` itself
    keep_norm: bool = False  # the latent keeps its length as it moves (a GAN's: see the doc)
    # held to its digit (``core.genes.holding``): its transformation's strength at +1, +2, -1
    # and -2 units, and what the gene, held, was measured to do there (in units)
    strengths: tuple[float, ...] = ()
    held: tuple[float, ...] = ()

    @property
    def curved(self) -> bool:
        """Whether latents follow it along a path (a slope, or the norm kept), not one step."""
        return self.slope is not None or self.keep_norm

    def holds(self, value: float | None = None) -> bool:
        """Whether latents moved by it (set to ``value``: on that side of 0) are held to their
        digit (``core.genes.holding``); a side whose strengths are 0 is not."""
        if len(self.strengths) != 4:
            return False
        side = self.strengths if value is None else \
            self.strengths[:2] if value >= 0 else self.strengths[2:]
        return any(side)

    def step_at(self, latents: np.ndarray) -> np.ndarray:
        """The step of one unit (n, D) at each latent (n, D)."""
        if self.slope is None:
            return np.broadcast_to(np.asarray(self.vector, np.float64), latents.shape)
        return self.vector + (latents - self.centre) @ np.asarray(self.slope, np.float64).T

    def measured(self, value: float) -> float | None:
        """What a setting was measured to do, in units (held to the digit where it is): the
        measured points (0, +-1, +-2) joined by straight lines, the last stretch carried on
        beyond +-2; None unmeasured."""
        effect = self.held if len(self.held) == 4 else self.effect
        if self.source != MEASURE or len(effect) < 2:
            return None
        side = effect[:2] if value >= 0 or len(effect) < 4 else tuple(-v for v in effect[2:4])
        x = abs(float(value))
        one, two = side
        got = x * one if x <= 1.0 else one + (x - 1.0) * (two - one)
        return got if value >= 0 else -got

    def describe_effect(self, value: float = 1.0) -> str:
        """"slant +1.0 → measured +0.93", or the artist's gene's spread, for the panel."""
        if self.source == ARTIST:
            return f"your tiles are {self.effect[0]:.1f} units apart" if self.effect else ""
        got = self.measured(value)
        if got is None:
            return "not measured"
        return f"{self.name} {value:+.1f} → measured {got:+.2f}"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "source": self.source, "unit": self.unit, "how": self.how,
                "sigma": _num(self.sigma), "measure_unit": self.measure_unit,
                "fit": _num(self.fit), "effect": [_num(v) for v in self.effect],
                "cross": {k: _num(v) for k, v in self.cross.items()},
                "vector": _numbers(self.vector, 9),  # float32 exactly
                **({"keep_norm": True} if self.keep_norm else {}),
                **({"strengths": [_num(v) for v in self.strengths],
                    "held": [_num(v) for v in self.held]} if self.strengths else {}),
                **({} if self.slope is None else {
                    "slope": [_numbers(row) for row in self.slope],
                    "centre": _numbers(self.centre)})}


@dataclass(frozen=True, eq=False)
class GeneSet:
    model_sha256: str
    latent_dim: int
    genes: tuple[Gene, ...]
    how: str = ""  # the data the genes were found from, in words
    notes: tuple[str, ...] = ()  # measures left out, and why
    method: int = 1  # how the measured genes were found (finding.METHOD; 1: before it)

    def names(self) -> tuple[str, ...]:
        return tuple(g.name for g in self.genes)

    def get(self, name: str) -> Gene | None:
        return next((g for g in self.genes if g.name == name), None)

    def shift(self, values: dict[str, float]) -> np.ndarray:
        """sum_i v_i g_i (D,) float32 for the named values (an unknown name is refused)."""
        out = np.zeros(self.latent_dim, dtype=np.float64)
        for name, value in values.items():
            gene = self.get(name)
            if gene is None:
                raise UsageError(f"no gene called {name!r}; this model has "
                                 f"{', '.join(self.names()) or 'none'}")
            out += float(value) * np.asarray(gene.vector, np.float64)
        return out.astype(np.float32)

    def apply(self, latents: np.ndarray, values: dict[str, float]) -> np.ndarray:
        """Latents (n, D) moved by the genes' values: by one step where every gene set is a
        straight one, else along the steps as they change (see the module doc)."""
        z = np.asarray(latents, dtype=np.float32)
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise UsageError(f"these genes are for a latent of {self.latent_dim} numbers, "
                             f"not {z.shape[-1]}")
        if not values:
            return z.copy()
        shift = self.shift(values)  # refuses an unknown name
        moved = [(float(v), self.get(k)) for k, v in values.items() if v]
        if not any(g.curved for _v, g in moved):
            return (z + shift[None, :]).astype(np.float32)
        out = z.astype(np.float64)
        for _ in range(SLOPE_STEPS):
            out = _euler_step(out, moved, 1.0 / SLOPE_STEPS)
        if not np.isfinite(out).all() or np.abs(out).max() > MAX_LATENT:
            raise RunawayPath("these genes move the latent beyond any number a model knows "
                              "(is the genes file damaged?)")
        return out.astype(np.float32)

    def with_gene(self, gene: Gene) -> GeneSet:
        """This set with ``gene`` added (an artist's gene of the same name is replaced)."""
        check_name(gene.name)
        kept = tuple(g for g in self.genes if g.name != gene.name)
        if len(kept) != len(self.genes) and self.get(gene.name).source != ARTIST:
            raise UsageError(f"{gene.name!r} is a measured gene; give yours another name")
        if len(kept) >= MAX_GENES:
            raise UsageError(f"a model keeps at most {MAX_GENES} genes")
        return replace(self, genes=(*kept, gene))

    def without(self, name: str) -> GeneSet:
        return replace(self, genes=tuple(g for g in self.genes if g.name != name))

    def to_json(self) -> str:
        curved = any(g.curved for g in self.genes)
        data = {"format": FORMAT, "version": VERSION if curved else 1,
                "model_sha256": self.model_sha256,
                "latent_dim": self.latent_dim, "how": self.how, "notes": list(self.notes),
                "method": self.method,
                "genes": [g.to_dict() for g in self.genes]}
        return json.dumps(data, indent=1, allow_nan=False)


def _euler_step(z: np.ndarray, moved: list[tuple[float, Gene]], h: float) -> np.ndarray:
    """One Euler step of length h along the genes at latents z (n, D). A gene that keeps the
    norm turns the latent over its sphere (on the coordinates it moves): its step's part
    along the sphere through z, taken along the great circle, so the latent's length stays
    exactly as it was and the other genes' steps are added as they are."""
    straight = np.zeros_like(z)
    turning = np.zeros_like(z)
    mask = np.zeros(z.shape[1], dtype=bool)
    for v, g in moved:
        step = h * v * g.step_at(z)
        if g.keep_norm:
            own = np.asarray(g.vector) != 0
            mask |= own
            turning += step * own
        else:
            straight += step
    if not mask.any():
        return z + straight
    on = z * mask
    r2 = (on * on).sum(axis=1, keepdims=True)
    tangent = turning - (on * turning).sum(axis=1, keepdims=True) / np.maximum(r2, 1e-24) * on
    r, a = np.sqrt(r2), np.linalg.norm(tangent, axis=1, keepdims=True)
    angle = a / np.maximum(r, 1e-12)
    direction = tangent / np.maximum(a, 1e-12)
    turned = np.cos(angle) * on + np.sin(angle) * r * direction
    turned = np.where(r > 1e-6, turned, on + turning)  # no sphere through 0: straight on
    return z - on + turned + straight


@dataclass(frozen=True, eq=False)
class Steering:
    """Gene values on one model's genes, as a function of latents (n, D) -> (n, D): what the
    sliders do to a grid, the pad's point, a morph's ends (and safe to hand to any thread)."""

    genes: GeneSet
    values: tuple[tuple[str, float], ...]

    def __call__(self, latents: np.ndarray) -> np.ndarray:
        """Along the genes' path (live: the pad's preview, the selected tile)."""
        return self.genes.apply(latents, dict(self.values))

    def move(self, model, latents: np.ndarray, labels: Any = None,  # noqa: ANN001
             check: Callable[[], None] = lambda: None) -> np.ndarray:
        """Moved and held to their digits where a gene set holds (``core.genes.holding``:
        torch, a few hundred ms for a grid; a grid, a morph's ends, the CLI); ``check`` raises
        to cancel between chunks."""
        from genai_studio.core.genes.holding import hold

        return hold(model, self.genes, dict(self.values), latents, labels, check=check)


def _num(value: float) -> float:
    return round(float(value), 5)


def _numbers(values: np.ndarray, digits: int = 7) -> list[float]:
    return [float(f"{v:.{digits}g}") for v in np.asarray(values, np.float32)]


def check_name(name: str) -> str:
    """A gene's name: 1-40 letters, digits, spaces, ' _ -; else a UsageError."""
    if not isinstance(name, str) or not 0 < len(name) <= MAX_NAME or not _NAME.match(name):
        raise UsageError(f"a gene's name is 1 to {MAX_NAME} letters, digits, spaces, "
                         "- or _, starting with a letter or digit")
    return name


def parse_setting(text: str) -> tuple[str, float]:
    """``"slant=1.5"`` -> ("slant", 1.5), the value within the sliders' range."""
    name, sep, value = str(text).partition("=")
    if not sep:
        raise UsageError(f"--set takes NAME=VALUE, not {text!r}")
    try:
        number = float(value)
    except ValueError:
        raise UsageError(f"--set {name}: {value!r} is not a number") from None
    if not math.isfinite(number) or abs(number) > SLIDER_RANGE:
        raise UsageError(f"--set {name}: the value must be between {-SLIDER_RANGE:g} and "
                         f"{SLIDER_RANGE:g}, not {value}")
    return name.strip(), number


# ---- the validating reader ---------------------------------------------------------------

def path_runs_off(gene: Gene, dim: int) -> bool:
    """Whether a curved gene, tried at the sliders' ends from a few typical latents, sends
    them beyond any number (``RunawayPath``): such a gene is refused when read from disk, and
    never kept when genes are found."""
    if not gene.curved:
        return False
    typical = np.stack([np.zeros(dim), np.full(dim, 3.0), np.full(dim, -3.0)]).astype(np.float32)
    probe = GeneSet("0" * 64, dim, (gene,))
    try:
        for value in (-SLIDER_RANGE, SLIDER_RANGE):
            probe.apply(typical, {gene.name: value})
    except RunawayPath:
        return True
    return False
