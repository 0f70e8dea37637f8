"""A model's genes, kept beside it: ``NAME.genes.json`` next to ``NAME.safetensors``.

The sidecar names the model file's sha256; a sidecar whose hash is not the file's (the model
was retrained under the same name) is stale and ignored. It travels with its model: the
library's import, export, rename and delete carry it (``core.store.library``). Where the
model's folder cannot be written (the shipped models inside an installed app), the genes go
to the user's cache folder under the model's hash instead, and are looked for there too.
Reads are bounded and checked (``core.genes.record.from_json``); writes are atomic.
"""

from __future__ import annotations

import os
from pathlib import Path

from genai_studio.core.defaults import model_stem
from genai_studio.core.errors import GenAIError, ModelFileError, OutputError

SUFFIX = ".genes.json"


def beside(model_path: Path) -> Path:
    """Where a model's sidecar sits: beside it, under its stem."""
    path = Path(model_path)
    return path.with_name(model_stem(path) + SUFFIX)


def cached(sha256: str) -> Path:
    from genai_studio.core.store.resources import user_cache_dir

    return user_cache_dir() / "genes" / f"{sha256}{SUFFIX}"


def load_genes(model_path: Path, sha256: str):  # noqa: ANN201 - GeneSet | None
    """The model's genes, or None when no sidecar fits it. A damaged sidecar beside the model
    is a ModelFileError (the caller says so and finds the genes afresh)."""
    from genai_studio.core.genes.record import MAX_JSON_BYTES, from_json
    from genai_studio.core.store.files import read_untrusted

    for path in (beside(model_path), cached(sha256)):
        if not path.exists():
            continue
        genes = from_json(read_untrusted(path, MAX_JSON_BYTES, ModelFileError, "genes file"),
                          path.name)
        if genes.model_sha256 == sha256:
            return genes
    return None


def save_genes(model_path: Path, genes) -> Path:  # noqa: ANN001 - a GeneSet
    """Write the genes beside the model, or to the cache when its folder is read-only."""
    from genai_studio.core.store.files import write_atomic

    data = genes.to_json().encode()
    target = beside(model_path)
    if os.access(target.parent, os.W_OK):
        try:
            return write_atomic(target, data)
        except OutputError:
            pass  # a full or odd folder: the cache still takes it
    fallback = cached(genes.model_sha256)
    try:
        fallback.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot keep the genes: {exc.strerror or exc}") from None
    return write_atomic(fallback, data)


def set_aside(model_path: Path) -> Path | None:
    """Move an unreadable sidecar beside the model (damaged, or written by a newer studio)
    out of the way before fresh genes are kept there: it may hold the artist's own genes.
    The name it was kept under, or None (none there, or it could not be moved)."""
    from genai_studio.core.store.files import keep_aside

    path = beside(model_path)
    if not path.is_file():
        return None
    try:
        return keep_aside(path, "unreadable")
    except OSError:
        return None


def rekey(model_path: Path, old_sha256: str, new_sha256: str) -> None:
    """The model file was rewritten with the same weights (scores stored in its metadata):
    its genes, kept under the old sha256, now belong to the new one. Best effort: genes that
    cannot be read or kept are left as they were."""
    from dataclasses import replace

    if old_sha256 == new_sha256:
        return
    try:
        genes = load_genes(model_path, old_sha256)
        if genes is not None:
            save_genes(model_path, replace(genes, model_sha256=new_sha256))
    except GenAIError:
        pass


def carry(source_model: Path, target_model: Path, move: bool = False) -> None:
    """The sidecar follows its model (copied, or moved on a rename); none is no error."""
    from genai_studio.core.store.files import copy_atomic

    source, target = beside(source_model), beside(target_model)
    if not source.is_file() or source == target:
        return
    try:
        if move:
            os.replace(source, target)
        else:
            copy_atomic(source, target)
    except (OSError, GenAIError):
        pass  # the genes can always be found again; the model's own move succeeded


def drop(model_path: Path) -> None:
    beside(model_path).unlink(missing_ok=True)
