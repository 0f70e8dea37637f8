"""Breeding: children of two or more parent latents, by crossover and mutation (NumPy only).

Each child takes two different parents (drawn at random among them; both when there are two)
and, coordinate by coordinate, the value of one or the other (uniform crossover); then it is
mutated by ``spread`` s in [0, 1]:

    child = sqrt(1 - s^2) * crossed + s * eps,    eps ~ N(0, I)

which keeps a standard-normal latent standard-normal (the variances add to 1), so children stay
where the prior puts its samples: s = 0 mixes the parents only, s = 1 is a fresh sample that
owes them nothing. A clustered GAN's cluster coordinates are inherited whole from one parent
and never mutated (a child is drawn in its parent's cluster); a conditional model's child
takes the digit of the parent it got its first coordinate from.

Children are drawn one after another from one seeded generator, so the first n children of a
larger brood are the same n, and (parents, seed, spread) re-make every child exactly: that is
the lineage kept in provenance (:class:`Lineage`), with each parent's latent, seed and model
sha256.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from genai_studio.core.errors import UsageError

MAX_PARENTS = 64
MAX_CHILDREN = 1024
METHOD = "uniform crossover of two parents, then variance-keeping mutation"


@dataclass(frozen=True, eq=False)
class Parent:
    latent: np.ndarray  # (D,) float32
    model_sha256: str
    seed: int | None = None  # the seed of the grid it was drawn in, if any
    label: int | None = None  # its digit (conditional models)
    source: str = ""  # where the artist took it from, in words

    def to_dict(self) -> dict[str, Any]:
        return {"latent": [float(f"{v:.9g}") for v in np.asarray(self.latent, np.float32)],
                "model_sha256": self.model_sha256, "seed": self.seed, "label": self.label,
                "source": self.source}


@dataclass(frozen=True, eq=False)
class Lineage:
    parents: tuple[Parent, ...]
    seed: int
    spread: float
    count: int  # children bred together
    index: int | None = None  # which of them (one child's record); None: all of them

    def to_dict(self) -> dict[str, Any]:
        return {"method": METHOD, "seed": self.seed, "spread": self.spread,
                "count": self.count, "index": self.index,
                "parents": [p.to_dict() for p in self.parents]}

    def children(self, free: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """Re-make the brood: latents (count, D) and digits, exactly as bred."""
        return breed(np.stack([p.latent for p in self.parents]), self.count, self.spread,
                     self.seed, free, _labels(self.parents))

    def one(self, index: int | None) -> Lineage:
        return Lineage(self.parents, self.seed, self.spread, self.count, index)


def _labels(parents: tuple[Parent, ...]) -> np.ndarray | None:
    labels = [p.label for p in parents]
    return None if any(v is None for v in labels) else np.array(labels, np.int64)


def check_spread(spread: float) -> float:
    if not isinstance(spread, int | float) or not 0.0 <= float(spread) <= 1.0:
        raise UsageError(f"the spread (how far children go) is from 0 to 1, not {spread}")
    return float(spread)


def breed(parents: np.ndarray, n: int, spread: float, seed: int,
          free: np.ndarray | None = None, labels: np.ndarray | None = None
          ) -> tuple[np.ndarray, np.ndarray | None]:
    """n children (n, D) float32 of parent latents (k, D), k >= 2, and their digits (or None).
    ``free``: (D,) 1 where coordinates cross over and mutate, 0 where they are inherited
    whole (a clustered GAN's cluster coordinates)."""
    p = np.asarray(parents, dtype=np.float64)
    if p.ndim != 2 or not 2 <= len(p) <= MAX_PARENTS:
        raise UsageError(f"breeding takes 2 to {MAX_PARENTS} parents, not {len(p)}")
    if not 1 <= int(n) <= MAX_CHILDREN:
        raise UsageError(f"breed 1 to {MAX_CHILDREN} children at a time, not {n}")
    if not np.isfinite(p).all():
        raise UsageError("a parent's latent holds something that is not a finite number")
    s = check_spread(spread)
    dim = p.shape[1]
    mask_free = np.ones(dim, bool) if free is None else np.asarray(free) > 0
    rng = np.random.default_rng(int(seed))
    keep, noise = math.sqrt(1.0 - s * s), s
    children = np.empty((int(n), dim), dtype=np.float64)
    out_labels = None if labels is None else np.empty(int(n), dtype=np.int64)
    for i in range(int(n)):
        a, b = (0, 1) if len(p) == 2 else rng.choice(len(p), size=2, replace=False)
        pick = rng.random(dim) < 0.5  # True: from a
        first = a if pick[0] else b
        crossed = np.where(pick, p[a], p[b])
        eps = rng.standard_normal(dim)
        child = np.where(mask_free, keep * crossed + noise * eps, p[first])
        children[i] = child
        if out_labels is not None:
            out_labels[i] = labels[first]
    return children.astype(np.float32), out_labels


def parent_from_image(path, latent_dim: int, sha256: str,  # noqa: ANN001 - a Path
                      index: int | None = None) -> Parent:
    """A parent from an image the studio exported: the latent its provenance records (tile
    ``index`` of a grid), made by this model (its sha256) or refused in one line."""
    from pathlib import Path

    from genai_studio.core.errors import ImageFileError
    from genai_studio.core.export.imagemeta import read_provenance
    from genai_studio.core.export.provenance import check_model

    path = Path(path)
    prov = read_provenance(path)
    check_model(prov, latent_dim, sha256, path.name)
    count = len(prov.latent)
    if index is None and count != 1:
        raise ImageFileError(f"{path.name} holds {count} latents (a grid or an animation): "
                             f"name one as {path.name}#N")
    index = 0 if index is None else index
    if not 0 <= index < count:
        raise UsageError(f"{path.name} holds {count} latents; #{index + 1} is none")
    label = prov.labels[index] if prov.labels else prov.digit
    where = f"{path.name}" + (f" #{index + 1}" if count > 1 else "")
    return Parent(prov.latent[index].copy(), sha256, prov.seed, label, where)


# ---- reading a lineage back from provenance (untrusted) ------------------------------------

def lineage_from_dict(data: Any, dim: int, bad: type[Exception]) -> Lineage:
    """A checked :class:`Lineage` from a provenance record's ``lineage``; ``bad(message)``
    is raised for anything wrong."""
    if not isinstance(data, dict):
        raise bad("'lineage' must be an object")
    parents = data.get("parents")
    if not isinstance(parents, list) or not 2 <= len(parents) <= MAX_PARENTS:
        raise bad(f"'lineage' must name 2 to {MAX_PARENTS} parents")
    seed, count, index = data.get("seed"), data.get("count"), data.get("index")
    spread = data.get("spread")
    if not _whole(seed, 0, 2**63 - 1) or not _whole(count, 1, MAX_CHILDREN):
        raise bad("'lineage' needs a whole seed and a count of 1 to 1024 children")
    if index is not None and not _whole(index, 0, count - 1):
        raise bad("'lineage' names a child it does not have")
    if isinstance(spread, bool) or not isinstance(spread, int | float) \
            or not 0.0 <= spread <= 1.0:
        raise bad("'lineage' spread must be from 0 to 1")
    return Lineage(tuple(_parent(p, dim, bad) for p in parents), int(seed), float(spread),
                   int(count), index)


def _whole(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _parent(data: Any, dim: int, bad: type[Exception]) -> Parent:
    if not isinstance(data, dict):
        raise bad("a parent must be an object")
    latent = data.get("latent")
    if not isinstance(latent, list) or len(latent) != dim or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
            and abs(v) < 1e30 for v in latent):
        raise bad(f"a parent's latent must be {dim} finite numbers")
    sha = data.get("model_sha256")
    if not isinstance(sha, str) or len(sha) != 64 or not set(sha) <= set("0123456789abcdef"):
        raise bad("a parent's model_sha256 must be 64 lower-case hex digits")
    seed, label, source = data.get("seed"), data.get("label"), data.get("source", "")
    if seed is not None and not _whole(seed, 0, 2**63 - 1):
        raise bad("a parent's seed must be a whole number")
    if label is not None and not _whole(label, 0, 999):
        raise bad("a parent's label must be a digit")
    if not isinstance(source, str) or len(source) > 200:
        raise bad("a parent's source must be a short text")
    return Parent(np.array(latent, np.float32), sha, seed, label, source)
