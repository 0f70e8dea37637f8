"""What the studio exports, as one plain request, and the work that turns it into files.

A :class:`ExportJob` says what (a tile, the grid as a sheet, a batch of N fresh samples, the
morph, a recorded pad path), where, in which format and style. :func:`run_job` decodes what
needs decoding (a morph at the export's frame count, a path, a batch) and hands the frames to
``core.export``; it is a generator of export events, so the studio's jobs thread can report
progress and cancel between frames. Qt-free; torch is used only through ``core.sampling``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from genai_studio.core.errors import UsageError
from genai_studio.core.export import stills
from genai_studio.core.export import writers as export
from genai_studio.core.export.options import (
    ANIMATION_FORMATS,
    STILL_FORMATS,
    ExportFormat,
    ExportSource,
    ExportStyle,
    Timing,
)
from genai_studio.core.export.provenance import Provenance
from genai_studio.core.latent.motion import morph_latents, path_frames, resample_path
from genai_studio.core.latent.pad import PadPlane

MAX_BATCH = 10_000


@dataclass(frozen=True)
class Source:
    """What is exported. Grids and tiles come decoded; morphs, paths and batches are decoded
    by :func:`run_job` with the model."""

    kind: ExportSource
    model_name: str
    model_sha256: str
    seed: int | None = None
    digit: int | None = None  # asked for (None: any)
    images: np.ndarray | None = None  # the grid as shown (n, H, W[, 3])
    latents: np.ndarray | None = None  # (n, D)
    labels: np.ndarray | None = None  # (n,) digits drawn (conditional models)
    tile_index: int | None = None
    anchors: np.ndarray | None = None  # morph (k, D)
    label: int | None = None  # the one digit a morph or path is decoded as
    path: np.ndarray | None = None  # recorded pad points (m, 2)
    corners: np.ndarray | None = None  # the pad plane (4, D); None: the 2-D latent plane
    batch_count: int = 0
    lineage: Any = None  # core.genes.breeding.Lineage: the grid is a brood of children
    genes: dict[str, float] | None = None  # gene values the latents were moved by
    steer: Any = None  # core.genes.genes.Steering: a morph's anchors moved and held first

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "kind", ExportSource(self.kind))
        except ValueError:
            raise UsageError(f"unknown export source {self.kind!r}") from None


@dataclass(frozen=True)
class ExportJob:
    source: Source
    target: Path  # a file, or a folder for batches and frame sequences
    fmt: ExportFormat  # PNG (one tile), SHEET, BATCH, or one of ANIMATION_FORMATS
    style: ExportStyle = field(default_factory=ExportStyle)
    timing: Timing = field(default_factory=Timing)
    frames: int = 48
    gutter: int = 0
    captions: bool = False
    smoothing: float = 0.0  # recorded paths: Gaussian width as a share of the path's length
    closed: bool = False  # recorded paths: join the end back to the start


def _base(source: Source, **fields: Any) -> Provenance:
    return Provenance(model_name=source.model_name, model_sha256=source.model_sha256,
                      seed=source.seed, digit=source.digit, genes=source.genes, **fields)


def _labels(labels: np.ndarray | None, rows: slice | list[int]) -> tuple[int, ...] | None:
    return None if labels is None else tuple(int(v) for v in np.asarray(labels)[rows])


def path_latents(points: np.ndarray, corners: np.ndarray | None) -> np.ndarray:
    """Pad points (n, 2) -> latents on the plane the path was drawn on: the 2-D latent plane
    itself, or the plane through four corners (4, D)."""
    latent_dim = 2 if corners is None else np.asarray(corners).shape[1]
    return PadPlane(latent_dim, corners).latents_at(points)


def _decode(model: Any, latents: np.ndarray, label: int | None) -> np.ndarray:
    from genai_studio.core.latent.sampling import decode

    return decode(model, latents, label if getattr(model, "conditional", False) else None)


def _animation(job: ExportJob, model: Any) -> tuple[np.ndarray, Provenance]:
    s, t = job.source, job.timing
    if s.kind == "morph":
        if s.anchors is None or len(s.anchors) < 2:
            raise UsageError("set both ends of the morph first")
        anchors = np.asarray(s.anchors, np.float32)
        drawn = anchors  # the ends as set are recorded (reopened, the genes move them again)
        if s.steer is not None and len(anchors) == 2:  # moved and held, as the strip draws
            from genai_studio.core.genes.holding import held_ends

            drawn = np.stack(held_ends(model, s.steer, anchors[0], anchors[1], s.label))
        latents = morph_latents(drawn, job.frames, t.playback, t.easing)
        prov = _base(s, latent=latents, kind="morph", anchors=anchors)
    elif s.kind == "path":
        if s.path is None or len(s.path) < 2:
            raise UsageError("record a path on the pad first")
        even = resample_path(s.path, max(job.frames, 64), job.smoothing, job.closed)
        points = np.clip(path_frames(even, job.frames, t.playback, t.easing), 0.0, 1.0)
        latents = path_latents(points, s.corners)
        prov = _base(s, latent=latents, kind="path", path=np.asarray(s.path, np.float32),
                     corners=s.corners)
    else:
        raise UsageError(f"a {s.kind} is not an animation; export it as PNG")
    prov = dataclasses.replace(
        prov, labels=None if s.label is None else (int(s.label),) * len(latents),
        digit=s.label if s.label is not None else s.digit)
    return _decode(model, latents, s.label), prov


def _batch(job: ExportJob, model: Any, inputs: tuple[Path, ...] = ()
           ) -> Iterator[export.ExportEvent]:
    from genai_studio.core.latent.sampling import sample

    s = job.source
    if not 1 <= s.batch_count <= MAX_BATCH or s.seed is None:
        raise UsageError(f"a batch needs a seed and 1 to {MAX_BATCH} samples")
    drawn = sample(model, s.batch_count, s.seed, s.digit)
    items = []
    for k in range(s.batch_count):
        prov = _base(s, latent=drawn.latents[k:k + 1], kind="tile",
                     sample_count=s.batch_count, tile_index=k,
                     labels=_labels(drawn.labels, slice(k, k + 1)))
        items.append((f"{s.model_name}-seed{s.seed}-{k + 1:04d}.png", drawn.images[k], prov))
    yield from stills.export_stills(job.target, items, job.style, inputs)


def _grid_prov(s: Source, index: int | None) -> Provenance:
    if s.latents is None:
        raise UsageError("generate a grid first")
    rows = slice(None) if index is None else slice(index, index + 1)
    lineage = None if s.lineage is None else s.lineage.one(index)  # which child, for a tile
    return _base(s, latent=np.asarray(s.latents)[rows], kind="grid" if index is None else "tile",
                 sample_count=len(s.latents), tile_index=index, labels=_labels(s.labels, rows),
                 lineage=lineage)


def _captions(s: Source) -> list[str]:
    n = len(s.images)
    labels = [""] * n if s.labels is None else [f" · {int(v)}" for v in s.labels]
    return [f"#{k + 1}{labels[k]}" for k in range(n)]


def run_job(job: ExportJob, model: Any = None, inputs: tuple[Path, ...] = ()
            ) -> Iterator[export.ExportEvent]:
    """The export's events, ending with ``ExportDone``; close the generator to cancel.
    ``inputs`` (the model's file) are never written over (``core.store.outputs``)."""
    s = job.source
    if job.fmt == "batch":
        yield from _batch(job, model, inputs)
    elif s.kind.animated and job.fmt in ANIMATION_FORMATS:
        images, prov = _animation(job, model)
        yield from export.export_animation(job.target, images, prov, job.style, job.timing,
                                           job.fmt, inputs)
    elif s.kind is ExportSource.TILE and job.fmt in STILL_FORMATS and s.images is not None \
            and s.tile_index is not None:
        path = stills.write_still(job.target, s.images[s.tile_index], job.style,
                                  _grid_prov(s, s.tile_index), job.fmt, inputs)
        yield export.ExportDone((path,))
    elif s.kind is ExportSource.GRID and job.fmt in ("sheet", "svg", "pdf") \
            and s.images is not None:
        path = stills.write_sheet(job.target, s.images, job.style, _grid_prov(s, None),
                                  gutter=job.gutter,
                                  captions=_captions(s) if job.captions else None,
                                  fmt=job.fmt, inputs=inputs)
        yield export.ExportDone((path,))
    else:
        raise UsageError(f"cannot export a {s.kind} as {job.fmt}")


def run_export(job: ExportJob, model: Any, model_path: Path,
               check: Callable[[], None] = lambda: None,
               progress: Callable[[float, str], None] = lambda _f, _s: None) -> tuple[Path, ...]:
    """The whole export as the studio's jobs thread runs it: hash the model (the provenance
    names it by sha256), decode, encode and write. ``check`` raises to cancel; it is called
    between frames, and closing the generator then leaves nothing on disk."""
    from genai_studio.core.export.provenance import file_sha256

    source = dataclasses.replace(job.source, model_sha256=file_sha256(model_path))
    events = run_job(dataclasses.replace(job, source=source), model, (Path(model_path),))
    try:
        for event in events:
            check()
            if isinstance(event, export.ExportProgress):
                progress(event.done / max(event.total, 1), event.stage)
            elif isinstance(event, export.ExportDone):
                return event.paths
    finally:
        events.close()
    return ()


def write_favourite(job: ExportJob, model: Any, model_path: Path,
                    check: Callable[[], None] = lambda: None) -> Path:
    """A favourite tile kept with its provenance in the favourites folder (made if need be)."""
    from genai_studio.core.errors import OutputError

    try:
        job.target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot make {job.target.parent}: {exc.strerror or exc}") from None
    return run_export(job, model, model_path, check)[0]
