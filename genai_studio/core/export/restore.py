"""Reopening an exported image: which model made it, and what to put back where.

Qt-free: the studio reads the image and finds its model on a worker thread, then applies the
plan on the GUI thread. The model is found by its sha256 among the library's files (the name is
tried first, only to save hashing every file); a file with the same name but other weights is
not the model that made the image.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from genai_studio.core.errors import ModelFileError
from genai_studio.core.export.imagemeta import read_provenance
from genai_studio.core.export.provenance import Provenance, file_sha256
from genai_studio.core.latent.pad import latent_2d_to_pad


def locate_model(prov: Provenance, candidates: Iterable[Path]) -> Path:
    """The library file whose sha256 is the record's; ModelFileError naming it if none is."""
    from genai_studio.core.defaults import model_stem

    paths = list(dict.fromkeys(Path(p) for p in candidates))
    paths.sort(key=lambda p: model_stem(p) != prov.model_name)  # same name first
    for path in paths:
        try:
            if file_sha256(path) == prov.model_sha256:
                return path
        except ModelFileError:
            continue  # a file that vanished or cannot be read is not the one
    raise ModelFileError(f"the model that made this image is not in the library: "
                         f"{prov.model_name} (sha256 {prov.model_sha256[:16]}…)")


@dataclass(frozen=True)
class RestorePlan:
    """What reopening an image puts back (each None when the record has nothing for it)."""

    source: Path
    prov: Provenance
    model_path: Path
    grid_size: int | None  # the canvas side whose grid holds the tile (sample_count = side²)
    tile_index: int | None
    pad_point: tuple[float, float] | None  # a 2-D model's point on the pad
    anchors: np.ndarray | None  # a morph's anchors (k, D)
    corners: np.ndarray | None  # the pad plane a path was drawn on (4, D)
    path: np.ndarray | None  # a recorded pad path (m, 2)


def _grid_side(count: int | None) -> int | None:
    if count is None:
        return None
    side = math.isqrt(count)
    return side if side * side == count else None


def plan_restore(image: Path, candidates: Iterable[Path]) -> RestorePlan:
    """Read ``image``'s provenance and find its model among ``candidates``."""
    prov = read_provenance(image)
    model_path = locate_model(prov, candidates)
    pad_point = None
    if prov.latent_dim == 2 and len(prov.latent) == 1:
        u, v = latent_2d_to_pad(prov.latent, clip=True)[0]
        pad_point = (float(u), float(v))
    return RestorePlan(Path(image), prov, model_path, _grid_side(prov.sample_count),
                       prov.tile_index, pad_point, prov.anchors, prov.corners, prov.path)
