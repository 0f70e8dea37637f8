"""Writing stills: one image, a contact sheet, a batch of PNGs, as PNG (or SVG and PDF, traced
by ``core.export.vector``), each with its provenance, each written atomically (Pillow, no Qt).
A batch is a generator of export events like an animation (``core.export.writers``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from genai_studio.core.errors import OutputError, UsageError
from genai_studio.core.export.options import ExportStyle
from genai_studio.core.export.provenance import Provenance
from genai_studio.core.export.render import contact_sheet, render
from genai_studio.core.export.writers import (
    ExportDone,
    ExportEvent,
    ExportProgress,
    png_with,
    with_style,
)
from genai_studio.core.store.files import write_atomic, write_group
from genai_studio.core.store.outputs import check_outputs


def still_png(image: np.ndarray, style: ExportStyle, prov: Provenance) -> bytes:
    """One image as PNG bytes in ``style``, with its provenance."""
    return png_with(render(image, style), with_style(prov, style))


def still_bytes(image: np.ndarray, style: ExportStyle, prov: Provenance,
                fmt: str = "png") -> bytes:
    """One image as PNG, SVG or PDF bytes in ``style``, with its provenance."""
    if fmt == "png":
        return still_png(image, style, prov)
    from genai_studio.core.export import vector

    page, prov = vector.tile_page(image, style), with_style(prov, style)
    return vector.svg_bytes(page, prov) if fmt == "svg" else vector.pdf_bytes([page], prov)


def write_still(path: Path, image: np.ndarray, style: ExportStyle, prov: Provenance,
                fmt: str = "png", inputs: Sequence[Path] = ()) -> Path:
    check_outputs({"the export": Path(path)}, inputs)
    write_atomic(Path(path), still_bytes(image, style, prov, fmt), inputs=inputs)
    return Path(path)


def sheet_png(images: np.ndarray | Sequence[np.ndarray], style: ExportStyle, prov: Provenance,
              columns: int | None = None, gutter: int = 0,
              captions: Sequence[str] | None = None) -> bytes:
    """A contact sheet as PNG bytes; ``prov`` holds every tile's latent."""
    return png_with(contact_sheet(images, style, columns, gutter, captions),
                with_style(prov, style))


def sheet_bytes(images: np.ndarray | Sequence[np.ndarray], style: ExportStyle,
                prov: Provenance, columns: int | None = None, gutter: int = 0,
                captions: Sequence[str] | None = None, fmt: str = "sheet") -> bytes:
    """A contact sheet as PNG (``sheet``), SVG or PDF bytes; ``prov`` holds every tile's
    latent."""
    if fmt in ("sheet", "png"):
        return sheet_png(images, style, prov, columns, gutter, captions)
    from genai_studio.core.export import vector

    page = vector.sheet_page(images, style, columns, gutter, captions)
    prov = with_style(prov, style)
    return vector.svg_bytes(page, prov) if fmt == "svg" else vector.pdf_bytes([page], prov)


def write_sheet(path: Path, images: np.ndarray | Sequence[np.ndarray], style: ExportStyle,
                prov: Provenance, columns: int | None = None, gutter: int = 0,
                captions: Sequence[str] | None = None, fmt: str = "sheet",
                inputs: Sequence[Path] = ()) -> Path:
    check_outputs({"the export": Path(path)}, inputs)
    write_atomic(Path(path), sheet_bytes(images, style, prov, columns, gutter, captions, fmt),
                 inputs=inputs)
    return Path(path)


def export_stills(folder: Path, items: Sequence[tuple[str, np.ndarray, Provenance]],
                  style: ExportStyle, inputs: Sequence[Path] = ()) -> Iterator[ExportEvent]:
    """A batch: one PNG per (file name, image, provenance) in ``folder``, which is made if it
    does not exist (and taken away again if the batch does not finish); progress per file."""
    folder = Path(folder)
    if not items:
        raise UsageError("nothing to export")
    names = [name for name, _, _ in items]
    if len(set(names)) != len(names) or any(Path(n).name != n or not n for n in names):
        raise UsageError("batch file names must be distinct plain names")
    taken = [name for name in names if os.path.lexists(folder / name)]
    if taken:  # an earlier batch (maybe in another style) is never silently replaced
        raise OutputError(f"{folder} already holds {taken[0]}"
                          f"{f' and {len(taken) - 1} more' if len(taken) > 1 else ''} of this "
                          "batch; choose another folder, or move those files first")
    made = make_folder(folder)
    finished = False
    try:
        check_outputs({name: folder / name for name in names}, inputs)
        encoded: dict[Path, bytes] = {}
        for k, (name, image, prov) in enumerate(items):
            encoded[folder / name] = still_png(image, style, prov)
            yield ExportProgress(k + 1, len(items) + 1, "rendering")
        paths = write_group(encoded)
        finished = True
    finally:
        if not finished:
            remove_empty(made)
    yield ExportProgress(len(items) + 1, len(items) + 1, "encoding")
    yield ExportDone(tuple(paths))


def make_folder(folder: Path) -> list[Path]:
    """Make ``folder`` and its missing parents; returns those made, deepest first."""
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} is a file, not a folder")
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot make the folder {folder}: {exc.strerror or exc}") from None
    return missing


def remove_empty(folders: list[Path]) -> None:
    """Take away folders this export made, deepest first, where nothing was written."""
    for made in folders:
        try:
            made.rmdir()
        except OSError:
            return  # not empty (or gone): keep it and its parents
