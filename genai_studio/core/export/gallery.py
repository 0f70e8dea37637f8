"""The gallery on disk: the favourites folder and the files the studio exported (Qt-free).

The studio scans on a worker thread and shows what comes back: each image's path, its
provenance (or why it has none) and a small thumbnail. Thumbnails go through the one guarded
opener (``core.data.image_input``: declared size, frames and metadata checked before anything
is decoded), and one bad file costs only itself: it is listed with its problem, and every
other image is shown.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from genai_studio.core.errors import GenAIError, ImageFileError, OutputError
from genai_studio.core.export.imagemeta import read_provenance
from genai_studio.core.export.provenance import Provenance

IMAGE_SUFFIXES = (".png", ".gif", ".webp")
MAX_ITEMS = 500  # newest first; an old folder of thousands would only slow the scan
MAX_PIXELS = 120_000_000  # a 10x10 sheet at x32 with gutters is ~85 MP


@dataclass(frozen=True)
class GalleryItem:
    path: Path
    prov: Provenance | None
    problem: str  # why there is no provenance ("" when there is)
    modified: float
    thumbnail: np.ndarray | None  # (h, w, 4) uint8 RGBA, the first frame


def thumbnail(path: Path, size: int = 96) -> np.ndarray:
    """The first frame of an image, fitted into size x size, as RGBA uint8."""
    from genai_studio.core.data.image_input import MAX_FILE_BYTES, ImageRefused, open_image

    try:
        opened = open_image(Path(path), name=Path(path).name, max_pixels=MAX_PIXELS,
                            reduce_to=size)
        image = opened.image
        image.thumbnail((size, size))
        return np.asarray(image.convert("RGBA")).copy()
    except ImageRefused as exc:
        why = "too large to show" if exc.reason == "decompression bomb" else "cannot be shown"
        raise ImageFileError(f"{why}: {exc}") from None
    except MemoryError:
        raise ImageFileError(f"{Path(path).name}: too large to show (out of memory; files of "
                             f"up to {MAX_FILE_BYTES // 2**20} MB are read)") from None


def _candidates(folders: Iterable[Path], files: Iterable[Path]) -> list[Path]:
    found: list[Path] = []
    for folder in folders:
        try:
            found += [p for p in Path(folder).iterdir()
                      if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()]
        except OSError:
            continue  # a folder not made yet, or gone: nothing to show from it
    found += [Path(p) for p in files if Path(p).is_file()]
    unique = list(dict.fromkeys(found))

    def mtime(path: Path) -> float:
        try:
            return path.stat().st_mtime
        except OSError:
            return 0.0
    return sorted(unique, key=mtime, reverse=True)[:MAX_ITEMS]


def scan(folders: Iterable[Path], files: Iterable[Path] = (), thumb: int = 96,
         check=lambda: None) -> list[GalleryItem]:
    """Every image in ``folders`` plus ``files`` (exports made elsewhere), newest first.
    ``check`` is called between files: a worker's cancel hook."""
    items = []
    for path in _candidates(folders, files):
        check()
        try:
            modified = path.stat().st_mtime
        except OSError:
            continue
        prov, problem = None, ""
        try:
            prov = read_provenance(path)
        except GenAIError as exc:
            problem = str(exc)
        except MemoryError:
            problem = f"{path.name}: too large to read"
        try:
            pixels = thumbnail(path, thumb)
        except GenAIError as exc:
            pixels, problem = None, problem or str(exc)
        items.append(GalleryItem(path, prov, problem, modified, pixels))
    return items


def copy_into(paths: Iterable[Path], folder: Path) -> list[Path]:
    """Copy gallery files into ``folder``, each atomically and never over a file that is there
    already (a name taken gets ``-2``, ``-3``...): copying never loses anything, in the target
    folder or in the gallery (a folder that is the gallery's own gets copies beside them)."""
    from genai_studio.core.data.image_input import MAX_FILE_BYTES
    from genai_studio.core.store.files import copy_atomic

    folder = Path(folder)
    if not folder.is_dir():
        raise OutputError(f"not a folder: {folder}")
    done = []
    for path in paths:
        path = Path(path)
        target = folder / path.name
        n = 1
        while os.path.lexists(target):
            n += 1
            if n > 10_000:
                raise OutputError(f"no free name for {path.name} in {folder}")
            target = folder / f"{path.stem}-{n}{path.suffix}"
        done.append(copy_atomic(path, target, max_bytes=MAX_FILE_BYTES))
    return done


def delete(path: Path) -> None:
    """Remove one gallery file."""
    try:
        Path(path).unlink()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise OutputError(f"cannot delete {path}: {exc.strerror or exc}") from None
