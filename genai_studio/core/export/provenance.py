"""Provenance: how an exported image was made, as a versioned JSON record (NumPy, no Qt).

Every image the studio writes carries one (``core.imagemeta`` puts it in the file's text
metadata). It names the model by file name and sha256, and records what re-makes the pixels:

* a tile: ``seed``, ``sample_count`` (how many samples were drawn with that seed: the grid's
  tile count), ``tile_index`` and ``digit`` (the digit asked for; None = any). Re-drawing the
  grid with ``core.sampling.sample`` gives the tile bit for bit; decoding its ``latent`` alone
  gives the same image to float rounding (~1e-7), which is what the latent pad needs;
* a grid / contact sheet: the same, with every tile's latent;
* an animation: the frame latents, and the ``anchors`` of a morph or the recorded pad ``path``
  (with the pad's ``corners`` for models whose latent is not 2-D), plus its timing;
* bred children (version 2): no seed draws them; ``lineage`` holds each parent's latent, seed
  and model sha256 with the brood's seed, spread and size (``core.genes.breeding``), which
  re-make every child; ``genes``: the gene values a grid was steered by (informative: its
  latents already hold them).

Version 1 records (no lineage, no genes) are still written as version 1 and read as ever; a
record with a lineage is version 2, which older versions refuse rather than re-draw it from
a seed that never drew it.

``from_json`` is the validating reader: a record from an untrusted file is checked field by
field (types, ranges, latent lengths, finite numbers, sizes) and refused with one clear line.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from genai_studio import __version__
from genai_studio.core.defaults import EASINGS, PLAYBACK
from genai_studio.core.errors import ImageFileError, ModelFileError, UsageError
from genai_studio.core.export.options import ExportSource
from genai_studio.core.latent.motion import MAX_FRAMES
from genai_studio.core.store.files import open_regular

FORMAT = "genai-studio.provenance"
VERSION = 2
KINDS = tuple(k.value for k in ExportSource if k is not ExportSource.BATCH)
MAX_JSON_BYTES = 2 * 1024 * 1024  # a 10x10 grid of 128-d latents is ~150 KB
MAX_LATENT_DIM = 4096
MAX_ROWS = 10_000
MAX_SAMPLES = 1_000_000
_SHA256_HEX = frozenset("0123456789abcdef")
_TYPICAL_NUMBER_BYTES = 11  # "-0.73519862," : a float32 written as its shortest decimal


def file_sha256(path: Path) -> str:
    """The sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open_regular(Path(path), ModelFileError, "model file") as fh:
        try:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        except OSError as exc:
            raise ModelFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    return digest.hexdigest()


def _rows(array: np.ndarray | None) -> list[list[float]] | None:
    """float32 rows -> lists of the shortest decimals that read back as the same float32."""
    if array is None:
        return None
    a = np.asarray(array, dtype=np.float32)
    return [[float(f"{v:.9g}") for v in row] for row in a.reshape(len(a), -1).tolist()]


@dataclass(frozen=True, eq=False)
class Provenance:
    """What made an exported image (see the module doc). Arrays are float32 NumPy."""

    model_name: str
    model_sha256: str
    latent: np.ndarray  # (n, D): the tile(s) or the frames
    kind: str = "tile"
    seed: int | None = None
    sample_count: int | None = None
    tile_index: int | None = None
    digit: int | None = None
    labels: tuple[int, ...] | None = None  # the digit each latent was decoded as
    anchors: np.ndarray | None = None  # (k, D), a morph
    path: np.ndarray | None = None  # (m, 2) pad points in [0, 1], a recorded path
    corners: np.ndarray | None = None  # (4, D), the pad plane the path was drawn on
    animation: dict[str, Any] | None = None  # frames, fps, duration_ms, playback, easing
    frame: int | None = None  # this file's frame, in a frame sequence
    style: dict[str, Any] | None = None  # the export style (informative)
    lineage: Any = None  # core.genes.breeding.Lineage: bred children (version 2)
    genes: dict[str, float] | None = None  # gene values the latents were steered by
    app_version: str = field(default=__version__)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Provenance) and self.to_dict() == other.to_dict()

    @property
    def latent_dim(self) -> int:
        return int(np.asarray(self.latent).reshape(len(self.latent), -1).shape[1])

    def to_dict(self) -> dict[str, Any]:
        modern = self.lineage is not None or self.genes is not None
        out: dict[str, Any] = {"format": FORMAT, "version": VERSION if modern else 1}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("lineage", "genes") and value is None:
                continue  # a version 1 record, as before
            if f.name == "lineage":
                value = value.to_dict()
            elif f.name in ("latent", "anchors", "corners"):
                value = _rows(value)
            elif f.name == "path" and value is not None:
                value = _rows(value)
            elif f.name == "labels" and value is not None:
                value = [int(v) for v in value]
            out[f.name] = value
        out["latent_dim"] = self.latent_dim
        return out

    def to_json(self) -> str:
        """The record as written into a file, checked by the reader that will read it back
        (``from_json``): the studio never writes a file its own ``info`` refuses."""
        try:
            text = json.dumps(self.to_dict(), separators=(",", ":"), allow_nan=False)
        except ValueError:
            raise UsageError("cannot record how this image was made: its latents are not "
                             "finite numbers") from None
        if len(text.encode()) > MAX_JSON_BYTES:
            raise UsageError(f"cannot record how this image was made: {len(self.latent):,} "
                             f"latents of {self.latent_dim} are more than an image's "
                             f"provenance holds ({MAX_JSON_BYTES:,} bytes); export fewer")
        try:
            _record(json.loads(text))
        except _Bad as exc:
            raise UsageError(f"cannot record how this image was made: {exc}") from None
        return text

    def summary(self) -> str:
        """A short human-readable line (the PNG ``parameters`` text)."""
        parts = [f"GenAI Studio {self.app_version}",
                 f"model {self.model_name} (sha256 {self.model_sha256[:12]})", self.kind]
        if self.seed is not None:
            parts.append(f"seed {self.seed}")
        if self.tile_index is not None and self.sample_count is not None:
            parts.append(f"tile {self.tile_index + 1} of {self.sample_count}")
        if self.digit is not None:
            parts.append(f"digit {self.digit}")
        if self.animation:
            a = self.animation
            parts.append(f"{a['frames']} frames at {a['fps']:g} fps, {a['playback']}, "
                         f"{a['easing']}")
        if self.frame is not None:
            parts.append(f"frame {self.frame + 1}")
        if self.lineage is not None:
            child = "" if self.lineage.index is None else f"child {self.lineage.index + 1} of "
            parts.append(f"bred: {child}{self.lineage.count} from "
                         f"{len(self.lineage.parents)} parents, spread {self.lineage.spread:g}, "
                         f"seed {self.lineage.seed}")
        if self.genes:
            parts.append("genes " + ", ".join(f"{k} {v:+g}" for k, v in self.genes.items()))
        parts.append(f"{len(self.latent)} latent(s) of {self.latent_dim}")
        return "; ".join(parts)


def check_fits(rows: int, latent_dim: int, what: str = "the image's provenance") -> None:
    """Refuse, before any work, a record of ``rows`` latents that no reader would accept (the
    exact check is ``Provenance.to_json``'s, once the latents exist)."""
    typical = rows * (latent_dim * _TYPICAL_NUMBER_BYTES + 3)
    if rows > MAX_ROWS or typical > MAX_JSON_BYTES:
        most = min(MAX_ROWS, MAX_JSON_BYTES // (latent_dim * _TYPICAL_NUMBER_BYTES + 3))
        raise UsageError(f"{rows:,} latents of {latent_dim} are more than {what} can hold "
                         f"(about {most:,} at most); use fewer")


def model_identity(path: Path) -> tuple[str, str]:
    """(name, sha256) of a model file: what a provenance record calls it."""
    from genai_studio.core.defaults import model_stem

    return model_stem(Path(path)), file_sha256(path)


def grid_provenance(model_path: Path, samples: Any, digit: int | None,
                    tile_index: int | None = None,
                    genes: dict[str, float] | None = None) -> Provenance:
    """The record of a seeded grid (``core.sampling.Samples``), or of one tile of it;
    ``genes``: the gene values its latents were moved by."""
    name, sha = model_identity(model_path)
    rows = slice(None) if tile_index is None else slice(tile_index, tile_index + 1)
    labels = None if samples.labels is None else tuple(int(v) for v in samples.labels[rows])
    return Provenance(
        model_name=name, model_sha256=sha, latent=np.asarray(samples.latents[rows]),
        kind="grid" if tile_index is None else "tile", seed=int(samples.seed),
        sample_count=len(samples.latents), tile_index=tile_index, digit=digit, labels=labels,
        genes=genes)


# ---- the validating reader ---------------------------------------------------------------

class _Bad(Exception):
    """One thing wrong with a record; becomes an ImageFileError naming the file."""


def _refuse_constant(name: str) -> float:
    raise _Bad(f"the number {name} is not allowed")


def _int(data: dict, key: str, low: int, high: int, optional: bool = True) -> int | None:
    value = data.get(key)
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Bad(f"{key!r} must be a whole number, not {type(value).__name__}")
    if not low <= value <= high:
        raise _Bad(f"{key!r} must be between {low} and {high}, not {value}")
    return value


def _str(data: dict, key: str, limit: int) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not 0 < len(value) <= limit:
        raise _Bad(f"{key!r} must be a text of 1 to {limit} characters")
    return value


def _matrix(data: dict, key: str, width: int | None, max_rows: int,
            optional: bool = True) -> np.ndarray | None:
    value = data.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, list) or not 0 < len(value) <= max_rows:
        raise _Bad(f"{key!r} must be a list of 1 to {max_rows} vectors")
    for row in value:
        if not isinstance(row, list) or (width is not None and len(row) != width):
            raise _Bad(f"{key!r} holds a vector of the wrong length (expected {width})")
        for v in row:
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise _Bad(f"{key!r} holds something that is not a finite number")
    array = np.array(value, dtype=np.float64)
    if np.any(np.abs(array) > 1e30):
        raise _Bad(f"{key!r} holds a number out of range")
    return array.astype(np.float32)


def _animation(data: dict) -> dict[str, Any] | None:
    value = data.get("animation")
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _Bad("'animation' must be an object")
    out = {"frames": _int(value, "frames", 2, MAX_FRAMES, optional=False),
           "duration_ms": _int(value, "duration_ms", 1, 60_000, optional=False)}
    fps = value.get("fps")
    if isinstance(fps, bool) or not isinstance(fps, int | float) or not 0 < fps <= 1000:
        raise _Bad("'fps' must be a number between 0 and 1000")
    out["fps"] = float(fps)
    for key, allowed in (("playback", PLAYBACK), ("easing", EASINGS)):
        if value.get(key) not in allowed:
            raise _Bad(f"{key!r} must be one of {', '.join(allowed)}")
        out[key] = value[key]
    return out


def _style(data: dict) -> dict[str, Any] | None:
    value = data.get("style")
    if value is None:
        return None
    if not isinstance(value, dict) or len(value) > 32 or not all(
            isinstance(k, str) and (v is None or isinstance(v, str | int | float | bool))
            for k, v in value.items()):
        raise _Bad("'style' must be a small object of plain values")
    return dict(value)


def _labels(data: dict, rows: int) -> tuple[int, ...] | None:
    value = data.get("labels")
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != rows or not all(
            isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 999 for v in value):
        raise _Bad(f"'labels' must be {rows} digits, one per latent")
    return tuple(value)


def _genes(data: dict) -> dict[str, float] | None:
    value = data.get("genes")
    if value is None:
        return None
    if not isinstance(value, dict) or len(value) > 64 or not all(
            isinstance(k, str) and len(k) <= 40 and isinstance(v, int | float)
            and not isinstance(v, bool) and math.isfinite(v) and abs(v) <= 100
            for k, v in value.items()):
        raise _Bad("'genes' must be a small object of names and numbers")
    return {k: float(v) for k, v in value.items()}


def _lineage(data: dict, dim: int) -> Any:
    from genai_studio.core.genes.breeding import lineage_from_dict

    value = data.get("lineage")
    return None if value is None else lineage_from_dict(value, dim, _Bad)


def _header(data: Any) -> None:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _Bad("not a GenAI Studio provenance record")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise _Bad("'version' must be a whole number")
    if version > VERSION:
        raise _Bad(f"made by a newer GenAI Studio (provenance version {version}); please update")


def _record(data: dict) -> Provenance:
    _header(data)
    dim = _int(data, "latent_dim", 1, MAX_LATENT_DIM, optional=False)
    sha = _str(data, "model_sha256", 64)
    if len(sha) != 64 or not set(sha) <= _SHA256_HEX:
        raise _Bad("'model_sha256' must be 64 lower-case hex digits")
    latent = _matrix(data, "latent", dim, MAX_ROWS, optional=False)
    count = _int(data, "sample_count", 1, MAX_SAMPLES)
    tile = _int(data, "tile_index", 0, (count or MAX_SAMPLES) - 1)
    if data.get("kind") not in KINDS:
        raise _Bad(f"'kind' must be one of {', '.join(KINDS)}")
    corners = _matrix(data, "corners", dim, 4)
    if corners is not None and len(corners) != 4:
        raise _Bad("'corners' must be four vectors")
    path = _matrix(data, "path", 2, MAX_ROWS)
    if path is not None and (path.min() < 0 or path.max() > 1):
        raise _Bad("'path' points must lie on the pad (0 to 1)")
    frame = _int(data, "frame", 0, MAX_FRAMES - 1)
    return Provenance(
        model_name=_str(data, "model_name", 255), model_sha256=sha, latent=latent,
        kind=data["kind"], seed=_int(data, "seed", 0, 2**63 - 1), sample_count=count,
        tile_index=tile, digit=_int(data, "digit", 0, 999),
        labels=_labels(data, len(latent)), anchors=_matrix(data, "anchors", dim, MAX_ROWS),
        path=path, corners=corners, animation=_animation(data), frame=frame,
        style=_style(data), lineage=_lineage(data, dim), genes=_genes(data),
        app_version=_str(data, "app_version", 64))


def from_json(text: str | bytes, source: str = "the image") -> Provenance:
    """Parse and check a provenance record; anything wrong is one ImageFileError line."""
    if len(text) > MAX_JSON_BYTES:
        raise ImageFileError(f"{source}: refused: its provenance is too large "
                             f"({len(text)} bytes, at most {MAX_JSON_BYTES})")
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
        return _record(data)
    except _Bad as exc:
        raise ImageFileError(f"{source}: damaged provenance: {exc}") from None
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError included
        raise ImageFileError(f"{source}: damaged provenance (not readable JSON)") from None


def check_model(prov: Provenance, latent_dim: int, sha256: str | None = None,
                source: str = "the image") -> None:
    """Refuse a record whose latents do not fit the model about to decode them."""
    if prov.latent_dim != latent_dim:
        raise ImageFileError(f"{source}: made with {prov.model_name}, whose latents have "
                             f"{prov.latent_dim} dimensions; this model's have {latent_dim}")
    if sha256 is not None and sha256 != prov.model_sha256:
        raise ImageFileError(f"{source}: made with a different {prov.model_name} "
                             f"(sha256 {prov.model_sha256[:12]}, this one is {sha256[:12]})")
