"""A genes file (``NAME.genes.json``) read back: every field checked before it is trusted, as
a sidecar is as untrusted as any file; anything wrong is one ``ModelFileError`` line.
(``GeneSet.to_json`` writes one.)"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import numpy as np

from genai_studio.core.errors import ModelFileError, UsageError
from genai_studio.core.genes.genes import (
    ARTIST,
    FORMAT,
    HOLD_LIMITS,
    HOLDABLE,
    MAX_GENES,
    MAX_HELD,
    MAX_LATENT_DIM,
    MAX_NAME,
    MAX_SLOPE_DIM,
    MAX_SLOPE_NORM,
    MAX_STEP,
    MEASURE,
    VERSION,
    Gene,
    GeneSet,
    check_name,
    path_runs_off,
)

MAX_JSON_BYTES = 4 * 1024 * 1024


class _Bad(Exception):
    pass


def _text(data: dict, key: str, limit: int, optional: bool = False) -> str:
    value = data.get(key, "" if optional else None)
    if not isinstance(value, str) or len(value) > limit or (not optional and not value):
        raise _Bad(f"{key!r} must be a text of at most {limit} characters")
    return value


def _finite(value: Any, key: str, limit: float = 1e9) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) \
            or not math.isfinite(value) or abs(value) > limit:
        raise _Bad(f"{key!r} must be a finite number")
    return float(value)


def _gene(data: Any, dim: int) -> Gene:
    if not isinstance(data, dict):
        raise _Bad("a gene must be an object")
    try:
        name = check_name(data.get("name"))
    except UsageError as exc:
        raise _Bad(str(exc)) from None
    vector = data.get("vector")
    if not isinstance(vector, list) or len(vector) != dim:
        raise _Bad(f"gene {name!r}: its vector must hold {dim} numbers")
    values = np.array([_finite(v, "vector", MAX_STEP) for v in vector], dtype=np.float32)
    slope, centre = _slope(data, name, dim)
    effect, cross = data.get("effect", []), data.get("cross", {})
    if not isinstance(effect, list) or len(effect) > 4 or not isinstance(cross, dict) \
            or len(cross) > MAX_GENES:
        raise _Bad(f"gene {name!r}: 'effect' or 'cross' is malformed")
    source = data.get("source")
    if source not in (MEASURE, ARTIST):
        raise _Bad(f"gene {name!r}: 'source' must be {MEASURE!r} or {ARTIST!r}")
    keep_norm = data.get("keep_norm", False)
    if not isinstance(keep_norm, bool):
        raise _Bad(f"gene {name!r}: 'keep_norm' must be true or false")
    strengths, held = _held(data, name, source)
    return Gene(name, values, _text(data, "unit", 200, True), _text(data, "how", 400, True),
                source, _finite(data.get("sigma", 1.0), "sigma"),
                _text(data, "measure_unit", 20, True), _finite(data.get("fit", 0.0), "fit"),
                tuple(_finite(v, "effect") for v in effect),
                {str(k)[:MAX_NAME]: _finite(v, "cross") for k, v in cross.items()},
                slope, centre, keep_norm, strengths, held)


def _held(data: dict, name: str, source: str) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """A held gene's (strengths, held effect) at +1, +2, -1 and -2, checked, or ((), ())."""
    strengths, held = data.get("strengths"), data.get("held")
    if strengths is None and held is None:
        return (), ()
    if name not in HOLD_LIMITS or source != MEASURE:
        raise _Bad(f"gene {name!r}: only a measured {', '.join(HOLDABLE)} gene is held")
    if not all(isinstance(v, list) and len(v) == 4 for v in (strengths, held)):
        raise _Bad(f"gene {name!r}: 'strengths' and 'held' must hold 4 numbers each")
    s = tuple(_finite(v, "strengths", HOLD_LIMITS[name]) for v in strengths)
    h = tuple(_finite(v, "held", MAX_HELD) for v in held)
    # one side's strengths share a sign (or are 0: not held), the other side's the other
    if s[0] * s[1] < 0 or s[2] * s[3] < 0 or s[0] * s[2] > 0 or not any(s):
        raise _Bad(f"gene {name!r}: its strengths do not go one way up and the other down")
    return s, h


def _slope(data: dict, name: str, dim: int) -> tuple[np.ndarray | None, np.ndarray | None]:
    """A gene's (slope, centre), checked row by row, or (None, None) without one."""
    rows, centre = data.get("slope"), data.get("centre")
    if rows is None and centre is None:
        return None, None
    if dim > MAX_SLOPE_DIM or not isinstance(rows, list) or len(rows) != dim \
            or not isinstance(centre, list) or len(centre) != dim \
            or not all(isinstance(r, list) and len(r) == dim for r in rows):
        raise _Bad(f"gene {name!r}: its slope must be {dim} rows of {dim} numbers with a "
                   f"centre of {dim}")
    slope = np.array([[_finite(v, "slope", MAX_STEP) for v in r] for r in rows], np.float32)
    if float(np.linalg.norm(slope)) > MAX_SLOPE_NORM:
        raise _Bad(f"gene {name!r}: its slope is far larger than any a model has")
    return slope, np.array([_finite(v, "centre", MAX_STEP) for v in centre], np.float32)


def _check_path(gene: Gene, dim: int) -> None:
    """A curved gene from disk whose path runs off is damage, refused here rather than at
    every move of a slider."""
    if path_runs_off(gene, dim):
        raise _Bad(f"gene {gene.name!r}: its slope sends latents beyond any number")


def from_json(text: str | bytes, source: str = "the genes file") -> GeneSet:
    """Parse and check a gene record; anything wrong is one ModelFileError line."""
    if len(text) > MAX_JSON_BYTES:
        raise ModelFileError(f"{source}: refused: larger than {MAX_JSON_BYTES} bytes")
    try:
        data = json.loads(text, parse_constant=lambda c: (_ for _ in ()).throw(_Bad(c)))
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise _Bad("not a GenAI Studio genes record")
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version > VERSION:
            raise _Bad(f"made by a newer GenAI Studio (version {version!r})")
        dim = data.get("latent_dim")
        if isinstance(dim, bool) or not isinstance(dim, int) or not 1 <= dim <= MAX_LATENT_DIM:
            raise _Bad("'latent_dim' must be a whole number from 1 to 4096")
        sha = _text(data, "model_sha256", 64)
        if not re.fullmatch(r"[0-9a-f]{64}", sha):
            raise _Bad("'model_sha256' must be 64 lower-case hex digits")
        genes, notes = data.get("genes"), data.get("notes", [])
        if not isinstance(genes, list) or len(genes) > MAX_GENES:
            raise _Bad(f"'genes' must be a list of at most {MAX_GENES}")
        if not isinstance(notes, list) or len(notes) > MAX_GENES or not all(
                isinstance(n, str) and len(n) <= 400 for n in notes):
            raise _Bad("'notes' must be a short list of texts")
        parsed = tuple(_gene(g, dim) for g in genes)
        if len({g.name for g in parsed}) != len(parsed):
            raise _Bad("two genes have the same name")
        for gene in parsed:
            _check_path(gene, dim)
        method = data.get("method", 1)
        if isinstance(method, bool) or not isinstance(method, int) or not 1 <= method <= 1000:
            method = 1  # unknown: as found by the first method, so found again, nothing lost
        return GeneSet(sha, dim, parsed, _text(data, "how", 400, True), tuple(notes), method)
    except _Bad as exc:
        raise ModelFileError(f"{source}: damaged: {exc}") from None
    except (ValueError, RecursionError):
        raise ModelFileError(f"{source}: damaged (not readable JSON)") from None
