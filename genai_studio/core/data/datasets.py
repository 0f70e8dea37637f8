"""Dataset files: the user's own images, prepared once, as one safetensors file.

Layout: one uint8 tensor ``images`` in the studio's layout, (N, H, W) grey or (N, H, W, 3)
RGB, and a ``__metadata__`` block:
    "format": "genai-studio.dataset", "format_version": "1", "metadata": <JSON object>
with ``name``, ``created``, ``source`` (the folder), ``options`` (size, colour, fit: see
``core.prepare``), ``counts`` (files found, kept, skipped by reason), ``image_shape`` and
``num_images``. They live in the user's data folder (``user_datasets_dir``) as NAME.safetensors.

A labelled dataset (glyphs from fonts: ``core.data.fonts``) also holds ``labels``, (N,) uint16
class indices into the metadata's ``classes`` (the characters), and may hold ``styles``, (N,)
uint16 indices into its ``styles`` (the fonts). Both are checked like the images, and every
index against its list, before anything trusts them.

Loading trusts nothing: the header is read alone (bounded), the tensor table must hold exactly
that one uint8 tensor whose shape matches the metadata, whose byte range matches its shape, and
whose file size matches the table, all within ``MAX_IMAGES`` and ``MAX_BYTES``, before the
pixels are read into one buffer of the checked size.
"""

from __future__ import annotations

import json
import os
import re
import struct
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from genai_studio.core.data.dataset_header import (
    FORMAT,
    FORMAT_VERSION,
    LABELS,
    MAX_CLASSES,
    STYLES,
    TENSOR,
    checked_table,
    metadata_block,
)
from genai_studio.core.defaults import MODEL_SUFFIX
from genai_studio.core.errors import DataError, UsageError
from genai_studio.core.store.files import open_regular, write_atomic
from genai_studio.core.store.outputs import Kind
from genai_studio.core.validate import loads_json

MAX_HEADER = 1024 * 1024
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$")


@dataclass(frozen=True)
class DatasetInfo:
    """What a dataset file says about itself (from its header alone)."""

    path: Path
    name: str
    image_shape: tuple[int, int, int]  # (channels, height, width)
    num_images: int
    metadata: dict[str, Any]


def user_datasets_dir() -> Path:
    """Where datasets are kept; created on demand by whoever writes there."""
    from platformdirs import user_data_path

    from genai_studio.core.store.resources import APP_AUTHOR, APP_NAME

    return user_data_path(APP_NAME, APP_AUTHOR) / "datasets"


def check_name(name: str) -> str:
    """A dataset name that is also a safe file name."""
    if not _NAME.match(name) or name.endswith(".") or ".." in name:
        raise UsageError(f"dataset name {name!r}: use letters, digits, spaces, '.', '-' or '_' "
                         "(at most 64, starting with a letter or digit)")
    return name


def dataset_path(name_or_path: str | Path, folder: Path | None = None) -> Path:
    """``NAME`` -> the file in the datasets folder; anything path-like is taken as a path."""
    text = str(name_or_path)
    if os.sep in text or "/" in text or text.endswith(MODEL_SUFFIX):
        return Path(text)
    return (folder or user_datasets_dir()) / f"{check_name(text)}{MODEL_SUFFIX}"


def save_dataset(path: Path, images: np.ndarray, metadata: dict[str, Any],
                 labels: np.ndarray | None = None, styles: np.ndarray | None = None) -> Path:
    """Write images (uint8, studio layout), their metadata and, for a labelled set, each
    image's class (an index into ``metadata["classes"]``) and style (into
    ``metadata["styles"]``), atomically."""
    from safetensors.numpy import save

    images = np.ascontiguousarray(images)
    shape = _shape_of(images)
    if images.dtype != np.uint8 or shape is None or images.shape[0] < 1:
        raise UsageError("a dataset holds one or more uint8 images, (N, H, W) or (N, H, W, 3)")
    tensors = {TENSOR: images}
    for key, values in ((LABELS, labels), (STYLES, styles)):
        if values is None:
            continue
        names = metadata.get("classes" if key == LABELS else "styles")
        values = np.ascontiguousarray(values, dtype=np.uint16)
        if values.shape != (images.shape[0],) or not isinstance(names, list) \
                or not 0 < len(names) <= MAX_CLASSES or int(values.max()) >= len(names):
            raise UsageError(f"a dataset's {key} are one index per image into its "
                             f"{'classes' if key == LABELS else 'styles'}")
        tensors[key] = values
    if styles is not None and labels is None:
        raise UsageError("a dataset with styles needs labels")
    meta = {**metadata, "image_shape": list(shape), "num_images": int(images.shape[0])}
    meta.setdefault("created", datetime.now(UTC).isoformat(timespec="seconds"))
    header = {"format": FORMAT, "format_version": str(FORMAT_VERSION),
              "metadata": json.dumps(meta, sort_keys=True)}
    write_atomic(Path(path), save(tensors, metadata=header))
    return Path(path)


def _shape_of(images: np.ndarray) -> tuple[int, int, int] | None:
    if images.ndim == 3:
        return (1, int(images.shape[1]), int(images.shape[2]))
    if images.ndim == 4 and images.shape[3] == 3:
        return (3, int(images.shape[1]), int(images.shape[2]))
    return None


def read_dataset_info(path: Path) -> tuple[DatasetInfo, int]:
    """The checked header of a dataset file and the offset of its pixel bytes."""
    path = Path(path)
    name = path.name
    try:
        with open_regular(path, DataError, "dataset file") as fh:
            size = os.fstat(fh.fileno()).st_size
            head = fh.read(8)
            if len(head) < 8:
                raise DataError(f"{name}: not a dataset file (too short)")
            (header_len,) = struct.unpack("<Q", head)
            if header_len > min(size - 8, MAX_HEADER):
                raise DataError(f"{name}: not a dataset file, or truncated")
            raw = fh.read(header_len)
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from None
    header = loads_json(raw, f"{name}: not a dataset file (header)", DataError)
    meta = metadata_block(name, header)
    shape, count = checked_table(name, header, meta, size - 8 - header_len)
    info = DatasetInfo(path, str(meta.get("name") or path.stem), shape, count, meta)
    return info, 8 + header_len + int(header[TENSOR]["data_offsets"][0])


def _offsets(path: Path) -> dict[str, int]:
    """Where each tensor's bytes start in a (checked) dataset file."""
    with open_regular(path, DataError, "dataset file") as fh:
        (header_len,) = struct.unpack("<Q", fh.read(8))
        header = loads_json(fh.read(header_len), f"{path.name}: header", DataError)
    return {k: 8 + header_len + int(v["data_offsets"][0])
            for k, v in header.items() if k != "__metadata__"}


DATASET = Kind("dataset", lambda path: read_dataset_info(path) is not None)


def load_dataset_arrays(path: Path) -> tuple[DatasetInfo, np.ndarray]:
    """The checked header and the images (uint8, studio layout) of a dataset file."""
    info, offset = read_dataset_info(path)
    c, h, w = info.image_shape
    shape = (info.num_images, h, w) if c == 1 else (info.num_images, h, w, 3)
    count = int(np.prod(shape))
    try:
        with open_regular(path, DataError, "dataset file") as fh:
            fh.seek(offset)
            images = np.fromfile(fh, dtype=np.uint8, count=count)
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from None
    if images.size != count:
        raise DataError(f"{Path(path).name}: the file changed while it was being read")
    return info, images.reshape(shape)


def load_dataset_labels(path: Path) -> tuple[np.ndarray, np.ndarray | None] | None:
    """(labels, styles) of a labelled dataset, int64 and checked against its class and style
    lists; None for a set without labels."""
    info, _ = read_dataset_info(path)
    offsets = _offsets(path)
    if LABELS not in offsets:
        return None
    out = []
    for key, names in ((LABELS, "classes"), (STYLES, "styles")):
        if key not in offsets:
            out.append(None)
            continue
        try:
            with open_regular(path, DataError, "dataset file") as fh:
                fh.seek(offsets[key])
                values = np.fromfile(fh, dtype="<u2", count=info.num_images)
        except OSError as exc:
            raise DataError(f"cannot read {path}: {exc.strerror or exc}") from None
        if values.size != info.num_images:
            raise DataError(f"{Path(path).name}: the file changed while it was being read")
        if int(values.max()) >= len(info.metadata[names]):
            raise DataError(f"{Path(path).name}: damaged: a {key[:-1]} index is past its list")
        out.append(values.astype(np.int64))
    return out[0], out[1]


def load_dataset(path: Path, device: Any = "cpu"):
    """A dataset file as an ``ImageSet`` on ``device``: labelled (``info["classes"]``) when
    the file holds labels, else with zeros and ``has_labels`` False."""
    import torch

    from genai_studio.core.data.mnist import ImageSet

    info, images = load_dataset_arrays(path)
    record = {"options": info.metadata.get("options"), "source": info.metadata.get("source"),
              "file": Path(path).name, "image_shape": list(info.image_shape)}
    found = load_dataset_labels(path)
    if found is None:
        labels = torch.zeros(info.num_images, dtype=torch.long, device=device)
    else:
        labels = torch.from_numpy(found[0]).to(device)
        for key in ("classes", "styles", "glyphs"):
            if key in info.metadata:
                record[key] = info.metadata[key]
    return ImageSet(images=torch.from_numpy(images).to(device), labels=labels,
                    name=info.name, split="all", has_labels=found is not None, info=record)


def list_datasets(folder: Path | None = None) -> tuple[list[DatasetInfo], list[str]]:
    """The datasets in ``folder`` (default: the user's), and one line per file that is not
    a usable dataset; sorted by name."""
    folder = folder or user_datasets_dir()
    found, problems = [], []
    try:
        paths = sorted(p for p in folder.iterdir() if p.name.endswith(MODEL_SUFFIX))
    except FileNotFoundError:
        return [], []
    except OSError as exc:
        return [], [f"cannot list {folder}: {exc.strerror or exc}"]
    for path in paths:
        try:
            found.append(read_dataset_info(path)[0])
        except DataError as exc:
            problems.append(str(exc))
    return found, problems


def delete_dataset(path: Path) -> None:
    """Remove a dataset file (checked to be one first, so nothing else is deleted)."""
    read_dataset_info(path)
    try:
        Path(path).unlink()
    except OSError as exc:
        raise DataError(f"cannot delete {path}: {exc.strerror or exc}") from None


def load_training_data(spec: str | Path | None, device: Any = "cpu"):
    """The ``ImageSet`` that ``train --data`` names: None or "mnist" -> the bundled MNIST
    training set; a folder of MNIST IDX files; a dataset file; or a dataset's name."""
    from genai_studio.core.data.mnist import MNIST_FILES, load_mnist

    if spec is not None and not str(spec).strip():
        raise UsageError("an empty data name: give a dataset's name, a dataset file or a "
                         "folder of MNIST files")
    if spec is None or str(spec).lower() == "mnist":
        return load_mnist("train", device)
    path = Path(spec)
    if path.is_dir():
        if any((path / name).exists() for name in MNIST_FILES["train"]):
            return load_mnist("train", device, root=path)
        raise DataError(f"missing data file: {path / MNIST_FILES['train'][0]} (a folder given "
                        f"as data holds MNIST's IDX files; for a folder of your own images, make "
                        f"a dataset first: genai-studio dataset create {path} --out NAME)")
    if path.exists():
        return load_dataset(path, device)
    candidate = dataset_path(str(spec))
    if candidate.exists():
        return load_dataset(candidate, device)
    raise DataError(f"no dataset {str(spec)!r}: not a file, and not a name in "
                    f"{candidate.parent} (see 'genai-studio dataset list')")


def training_data_files(spec: str | Path | None) -> list[Path]:
    """The files ``train --data spec`` reads: outputs must never be written over them."""
    from genai_studio.core.data.mnist import MNIST_FILES
    from genai_studio.core.store.resources import mnist_dir

    if spec is None or str(spec).lower() == "mnist" or Path(spec).is_dir():
        folder = mnist_dir() if spec is None or str(spec).lower() == "mnist" else Path(spec)
        return [folder / name for pair in MNIST_FILES.values() for name in pair]
    path = Path(spec)
    if path.exists():
        return [path]
    try:
        return [dataset_path(str(spec))]
    except UsageError:
        return []


def preview_grid(path: Path, count: int = 64) -> tuple[Any, int]:
    """A grid (8 to a row) of a dataset's first ``count`` images in [0, 1], and how many it
    shows."""
    from genai_studio.core.export.render import tile_grid

    _, images = load_dataset_arrays(path)
    shown = images[:count]
    return tile_grid(shown.astype("float32") / 255.0, columns=8, padding=1), len(shown)


def keep_import(report: Any, name: str, folder: Path | None = None) -> Path:
    """Write a folder scan's images (``core.data.folder_import``) as the dataset ``name`` in
    ``folder`` (the user's datasets folder by default); refused if the name is taken."""
    from genai_studio.core.data.folder_import import import_metadata
    from genai_studio.core.errors import OutputError

    folder = folder or user_datasets_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot make {folder}: {exc.strerror or exc}") from None
    path = folder / f"{check_name(name)}{MODEL_SUFFIX}"
    if path.exists():
        raise OutputError(f"a dataset named {name!r} exists already: choose another name, or "
                          "delete that one first")
    return save_dataset(path, report.images, import_metadata(report, name))
