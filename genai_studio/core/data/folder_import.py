"""A folder of the user's images -> a validated, prepared image set and a report.

    for event in scan_folder(folder, PrepareSpec(32, "rgb", "crop")):
        ...  # ScanProgress events, then one ImportReport

The scan walks the folder recursively without following links to folders (a link loop cannot
trap it; such links are reported), decides what each file is by its content (not its name),
and prepares every image on a small thread pool (Pillow decodes without the GIL). Nothing is
written here: the report (counts, every skipped file with its reason) comes first, and the
caller keeps the result with ``core.datasets.save_dataset`` only if the user wants it.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from genai_studio.core.data.dataset_header import MAX_IMAGES
from genai_studio.core.data.image_input import (
    MIN_SIDE,
    WORK_SIDE,
    ImageRefused,
    open_image,
    read_file_bytes,
)
from genai_studio.core.data.prepare import BlankImage, PrepareSpec, prepare
from genai_studio.core.errors import DataError
from genai_studio.core.export.render import to_uint8

MAX_IMPORT_FILE_BYTES = 64 * 1024 * 1024
FEW_IMAGES = 100  # below this a model memorises rather than generalises: say so


class CancelToken(Protocol):
    def is_set(self) -> bool: ...


@dataclass(frozen=True)
class Skipped:
    path: str  # relative to the scanned folder
    reason: str  # one of core.image_input.REASONS, or "link to a folder"
    detail: str


@dataclass(frozen=True)
class ScanProgress:
    done: int
    total: int  # files found (known once the folder is listed)
    kept: int


@dataclass
class ImportReport:
    folder: str
    spec: PrepareSpec
    found: int  # files looked at
    images: np.ndarray  # (N, H, W) or (N, H, W, 3) uint8, N = kept
    sources: list[str]  # the relative path of each kept image
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    cancelled: bool = False

    @property
    def kept(self) -> int:
        return int(self.images.shape[0])

    def counts(self) -> dict[str, Any]:
        reasons = Counter(s.reason for s in self.skipped)
        return {"found": self.found, "kept": self.kept, "skipped": len(self.skipped),
                "skipped_by_reason": dict(sorted(reasons.items()))}

    def summary(self) -> str:
        c, s = self.spec, self.counts()
        what = f"{c.size}x{c.size} {c.colour}, {c.fit} fit"
        reasons = ", ".join(f"{r}: {n}" for r, n in s["skipped_by_reason"].items())
        line = (f"{self.folder}: {s['found']} files, {s['kept']} images kept ({what}), "
                f"{s['skipped']} skipped")
        return line + (f" ({reasons})" if reasons else "")

    def lines(self) -> list[str]:
        """The whole report: the summary, warnings, then every skipped file and why."""
        out = [self.summary(), *(f"warning: {w}" for w in self.warnings)]
        out += [f"  skipped {s.path}: {s.reason}: {s.detail}" for s in self.skipped]
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"folder": self.folder, "options": self.spec.to_dict(), **self.counts(),
                "warnings": self.warnings, "cancelled": self.cancelled,
                "skipped_files": [s.__dict__ for s in self.skipped]}


def list_files(folder: Path) -> tuple[list[Path], list[Skipped]]:
    """Every non-folder entry under ``folder`` (sorted), and what could not be entered."""
    files: list[Path] = []
    problems: list[Skipped] = []
    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            with os.scandir(current) as entries:
                listed = sorted(entries, key=lambda e: e.name)
        except OSError as exc:
            problems.append(Skipped(_relative(Path(current), folder) + "/", "unreadable",
                                    f"folder: {exc.strerror or exc}"))
            continue
        for entry in listed:
            path = Path(entry.path)
            try:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(path)
                elif entry.is_symlink() and path.is_dir():
                    problems.append(Skipped(_relative(path, folder), "link to a folder",
                                            "not followed (a link loop cannot trap the scan)"))
                else:
                    files.append(path)
            except OSError as exc:
                problems.append(Skipped(_relative(path, folder), "unreadable",
                                        exc.strerror or str(exc)))
    return sorted(files), problems


def _relative(path: Path, folder: Path) -> str:
    try:
        return str(path.relative_to(folder)) or "."
    except ValueError:
        return str(path)


def _prepare_file(path: Path, folder: Path, spec: PrepareSpec
                  ) -> tuple[bytes | None, np.ndarray | Skipped]:
    """(digest of the file's bytes, prepared uint8 image) or (digest or None, why skipped)."""
    name = _relative(path, folder)
    digest = None
    try:
        data = read_file_bytes(path, MAX_IMPORT_FILE_BYTES)
        digest = hashlib.blake2b(data, digest_size=16).digest()
        image = open_image(data, name=name, allow_animated=False, min_side=MIN_SIDE,
                           reduce_to=WORK_SIDE)
        return digest, to_uint8(prepare(image.image, spec))
    except ImageRefused as exc:
        return digest, Skipped(name, exc.reason, exc.detail)
    except BlankImage as exc:
        return digest, Skipped(name, "blank", str(exc))
    except MemoryError:
        return digest, Skipped(name, "decompression bomb", "out of memory while decoding")


def scan_folder(folder: Path, spec: PrepareSpec, *, cancel: CancelToken | None = None,
                workers: int = 2, max_images: int = MAX_IMAGES,
                clock: Callable[[], float] = time.monotonic
                ) -> Iterator[ScanProgress | ImportReport]:
    """Scan and prepare; yields progress (at most ~20 a second), then the report."""
    folder = Path(folder)
    if not folder.exists():
        raise DataError(f"folder not found: {folder}")
    if not folder.is_dir():
        raise DataError(f"not a folder: {folder}")
    files, skipped = list_files(folder)
    yield ScanProgress(0, len(files), 0)
    images: list[np.ndarray] = []
    sources: list[str] = []
    seen: dict[bytes, str] = {}
    warnings: list[str] = []
    cancelled, last = False, clock()
    pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="import")
    try:
        results = pool.map(lambda p: _prepare_file(p, folder, spec), files)
        for done, (path, (digest, result)) in enumerate(zip(files, results, strict=True), 1):
            name = _relative(path, folder)
            if digest is not None and digest in seen and not isinstance(result, Skipped):
                result = Skipped(name, "duplicate", f"the same file as {seen[digest]}")
            if isinstance(result, Skipped):
                skipped.append(result)
            else:
                seen[digest] = name
                images.append(result)
                sources.append(name)
            if len(images) >= max_images:
                warnings.append(f"stopped at {max_images} images (the most a dataset holds); "
                                f"{len(files) - done} files were not looked at")
                break
            if cancel is not None and cancel.is_set():
                cancelled = True
                break
            if clock() - last >= 0.05 or done == len(files):
                last = clock()
                yield ScanProgress(done, len(files), len(images))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    yield _report(folder, spec, len(files), images, sources, skipped, warnings, cancelled)


def _report(folder: Path, spec: PrepareSpec, found: int, images: list[np.ndarray],
            sources: list[str], skipped: list[Skipped], warnings: list[str],
            cancelled: bool) -> ImportReport:
    c, h, w = spec.image_shape
    empty = np.zeros((0, h, w) if c == 1 else (0, h, w, 3), np.uint8)
    stacked = np.stack(images) if images else empty
    if found == 0 and not skipped:
        warnings.append("the folder holds no files")
    elif not images:
        warnings.append("no usable images: nothing to keep")
    elif len(images) < FEW_IMAGES:
        warnings.append(f"only {len(images)} image(s): a model trained on so few copies them "
                        "rather than learning to vary them")
    return ImportReport(str(folder), spec, found, stacked, sources, skipped, warnings, cancelled)


def import_metadata(report: ImportReport, name: str) -> dict[str, Any]:
    """The metadata a dataset file keeps about its making."""
    return {"name": name, "source": report.folder, "options": report.spec.to_dict(),
            "counts": report.counts()}


def scan_to_report(folder: Path, spec: PrepareSpec,
                   progress: Callable[[float, str], None] | None = None,
                   check: Callable[[], None] | None = None, **kwargs: Any) -> ImportReport:
    """Run :func:`scan_folder` to its report: ``progress(fraction, text)`` as it goes and
    ``check()`` (which raises to cancel) between files, when given (the studio's jobs thread
    passes both)."""
    report = None
    for event in scan_folder(folder, spec, **kwargs):
        if check is not None:
            check()
        if isinstance(event, ScanProgress) and progress is not None:
            fraction = event.done / event.total if event.total else 0.0
            progress(fraction, f"{event.done} of {event.total} files, {event.kept} images")
        elif isinstance(event, ImportReport):
            report = event
    assert report is not None
    return report
