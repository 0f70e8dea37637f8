"""The model library on disk: scanning, importing, exporting, renaming, deleting, scoring.

Qt-free, so the studio runs every one of these on a worker thread (a slow disk or a hostile
file never freezes the window) and tests run them directly. Shipped models are read-only;
the artist's own live in the user models folder, each with its resume checkpoint and its genes
(``core.store.sidecar``) beside it.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from genai_studio.core.defaults import (
    GENERATOR_KINDS,
    MODEL_SUFFIX,
    checkpoint_path_for,
    is_checkpoint,
    model_stem,
)
from genai_studio.core.errors import GenAIError, ModelFileError, OutputError, UsageError
from genai_studio.core.store import sidecar

NAME_CHARS = "-_ ."  # besides letters and digits, what a model's name may hold


@dataclass(frozen=True)
class Entry:
    """One model file and what its header says (``metadata`` None: unreadable, see problem)."""

    path: Path
    shipped: bool
    metadata: dict[str, Any] | None
    problem: str = ""

    @property
    def name(self) -> str:
        return model_stem(self.path)

    @property
    def kind(self) -> str:
        return str((self.metadata or {}).get("kind", "?"))

    @property
    def is_generator(self) -> bool:
        """Only these can be loaded to draw; a classifier file would break the canvas."""
        return self.metadata is not None and self.kind in GENERATOR_KINDS


@dataclass(frozen=True)
class UnfinishedRun:
    """A resume checkpoint whose run stopped before its last step (cancelled or closed)."""

    checkpoint: Path
    kind: str
    step: int
    total_steps: int
    epochs: int

    @property
    def name(self) -> str:
        return model_stem(self.checkpoint)

    @property
    def fraction(self) -> float:
        return self.step / max(self.total_steps, 1)

    @property
    def model_path(self) -> Path:
        """Where the resumed run writes its model (beside the checkpoint)."""
        return self.checkpoint.with_name(self.name + MODEL_SUFFIX)


def _files(folder: Path, checkpoints: bool) -> list[Path]:
    """Regular ``*.safetensors`` files of ``folder``, checkpoints or models, sorted by name."""
    try:
        candidates = sorted(Path(folder).glob(f"*{MODEL_SUFFIX}"))
    except OSError:
        return []
    return [p for p in candidates if is_checkpoint(p) == checkpoints and _is_regular(p)]


def _is_regular(path: Path) -> bool:
    """True for a regular file; never opens it (a FIFO would block the reader)."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def scan(folder: Path, shipped: bool) -> list[Entry]:
    """Model files in ``folder`` (checkpoints excluded), each with its header's metadata."""
    from genai_studio.core.store.checkpoints import read_metadata

    entries = []
    for path in _files(folder, checkpoints=False):
        try:
            entries.append(Entry(path, shipped, read_metadata(path)))
        except GenAIError as exc:
            entries.append(Entry(path, shipped, None, str(exc)))
    return entries


def scan_unfinished(folder: Path) -> list[UnfinishedRun]:
    """Checkpoints in ``folder`` whose runs stopped early; damaged ones are left out."""
    return [run for path in _files(folder, checkpoints=True)
            if (run := unfinished_run(path)) is not None]


def unfinished_run(path: Path) -> UnfinishedRun | None:
    """The unfinished run a checkpoint file holds, or None (finished, damaged or missing)."""
    from genai_studio.core.store.checkpoints import read_metadata

    try:
        meta = read_metadata(path)
        state = meta["training_state"]
        epochs = int(state["train_config"]["epochs"])
        steps_per_epoch = int(state["num_images"]) // max(int(state["batch_size"]), 1)
        run = UnfinishedRun(Path(path), str(meta["kind"]), int(state["step"]),
                            epochs * steps_per_epoch, epochs)
        minutes = state["train_config"].get("minutes")
        # A timed run counts its steps against an epoch cap it never meant to reach: it is
        # finished once its time was used.
        if minutes is not None and float(meta["training"]["wall_time_s"]) >= 60 * float(minutes):
            return None
    except (GenAIError, KeyError, TypeError, ValueError):
        return None
    return run if run.step < run.total_steps else None


def _unique(folder: Path, stem: str) -> Path:
    target, k = folder / f"{stem}{MODEL_SUFFIX}", 2
    while target.exists() or checkpoint_path_for(target).exists():
        target = folder / f"{stem}-{k}{MODEL_SUFFIX}"
        k += 1
    return target


def import_model(source: Path, user_dir: Path) -> Path:
    """Validate ``source`` by loading it (a generator, whole, safe), then copy it into the
    user's folder under a free name; the new path."""
    from genai_studio.core.store.checkpoints import load_model
    from genai_studio.core.store.files import copy_atomic

    source = Path(source)
    loaded = load_model(source, "cpu")
    if loaded.kind not in GENERATOR_KINDS:
        raise ModelFileError(
            f"{source.name} holds a {loaded.kind.upper()}, which scores models but does not "
            "draw; only VAE and GAN models can be imported")
    if "training_state" in loaded.metadata:
        raise ModelFileError(f"{source.name} is a resume checkpoint, not a finished model")
    Path(user_dir).mkdir(parents=True, exist_ok=True)
    target = _unique(Path(user_dir), model_stem(source))
    copy_atomic(source, target)
    sidecar.carry(source, target)  # its genes come along
    return target


def export_model(source: Path, target: Path) -> Path:
    """Copy a model file to ``target`` (all or nothing: a failed copy leaves no file)."""
    from genai_studio.core.store.files import copy_atomic

    target = Path(target)
    if not target.name.endswith(MODEL_SUFFIX):
        target = target.with_name(target.name + MODEL_SUFFIX)
    copy_atomic(Path(source), target)
    sidecar.carry(Path(source), target)
    return target


def clean_name(name: str) -> str:
    """A model name that is safe as a file name on every platform, or a UsageError."""
    safe = "".join(c for c in name if c.isalnum() or c in NAME_CHARS).strip(" .")
    if not safe:
        raise UsageError("a model name needs at least one letter or digit")
    return safe[:120]


def rename_model(path: Path, name: str) -> Path:
    """Rename a user model (and its checkpoint with it); the new path. Nothing is renamed over
    another file (a model, or an unfinished run's checkpoint of that name), nor while a live
    run holds either name."""
    from genai_studio.core.store.output_lock import check_not_held

    path = Path(path)
    target = path.with_name(clean_name(name) + MODEL_SUFFIX)
    if target == path:
        return path
    if is_checkpoint(target):  # X.ckpt: hidden from the library as X's checkpoint, and
        # deleted with X or written over by X's next run
        raise UsageError(f"a model name cannot end in .ckpt ({name.strip()}): that is how "
                         "the studio names resume checkpoints")
    checkpoint, new_checkpoint = checkpoint_path_for(path), checkpoint_path_for(target)
    for taken in (target, new_checkpoint):
        if os.path.lexists(taken):
            raise OutputError(f"a model or an unfinished run called {model_stem(target)} "
                              "already exists")
    check_not_held(path)
    check_not_held(target)
    try:
        os.rename(path, target)
        if checkpoint.exists():  # the resume file follows its model
            os.rename(checkpoint, new_checkpoint)
    except OSError as exc:
        raise OutputError(f"cannot rename {path.name}: {exc.strerror or exc}") from None
    sidecar.carry(path, target, move=True)  # and so do its genes
    return target


def delete_model(path: Path) -> None:
    """Delete a user model with its genes and its finished run's checkpoint, or an unfinished
    run's checkpoint; never while a live run holds them.

    Each is deleted alone: a run continued over a finished model of the same name and then
    stopped leaves both, listed apart, and deleting the unfinished run deleted the finished
    model with it (and deleting the model, the run that could still be resumed)."""
    from genai_studio.core.store.output_lock import check_not_held

    path = Path(path)
    model = path.with_name(model_stem(path) + MODEL_SUFFIX)
    checkpoint = checkpoint_path_for(model)
    check_not_held(model)
    if is_checkpoint(path):
        victims = [checkpoint]
    else:
        victims = [model, sidecar.beside(model)]
        if unfinished_run(checkpoint) is None:
            victims.append(checkpoint)
    try:
        for victim in victims:
            victim.unlink(missing_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot delete {path.name}: {exc.strerror or exc}") from None


def score_model(path: Path, judge_path: Path, n: int = 10000, seed: int = 0,
                device: str = "auto", write: bool = False,
                data: str | Path | None = None) -> dict[str, Any]:
    """The judge's scores of a generator file (as ``genai-studio eval`` without the NLL), or
    for a model of the artist's own images, the label-free ones against its dataset (as
    ``eval`` gives them); with ``write``, merged into the file's ``metrics`` (likelihoods
    already there stay). ``data``: where the model's dataset is, when the caller knows (a
    run given a dataset's path: the file records only its name)."""
    from genai_studio.core.data.mnist import load_mnist
    from genai_studio.core.runtime.devices import resolve_device
    from genai_studio.core.runtime.threads import computing
    from genai_studio.core.scoring.label_free import own_data, scores_against_data
    from genai_studio.core.scoring.metrics import judge_generator
    from genai_studio.core.store.checkpoints import load_model, write_metrics

    with computing():  # the calling thread's torch settings, before its first operation
        device = resolve_device(device)
        loaded = load_model(path, device, expect_kind=GENERATOR_KINDS)
        own = own_data(loaded.metadata)
        if own is not None:  # no digit judge reads these
            scores = scores_against_data(loaded, str(data or own), n, seed)
        else:
            judge = load_model(judge_path, device, expect_kind="judge").model
            scores = judge_generator(loaded.model, judge, load_mnist("test", device), n=n,
                                     seed=seed)
    metrics = {**(loaded.metadata.get("metrics") or {}), **scores}
    if write:
        write_metrics(path, metrics)
    return metrics

