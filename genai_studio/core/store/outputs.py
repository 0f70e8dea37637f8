"""The one rule for every writer: what a command may write, checked before any work.

Every command that writes (the CLI's and the window's jobs alike) names its outputs and its
inputs once, and :func:`claim_outputs` checks them all together before anything is computed:

* each output can be written (``files.check_writable``: its folder exists and is writable; it
  is not a folder, a device, a FIFO or a socket, nor a link to one);
* no output is one of the command's own inputs (the model, the image, the mask, the dataset,
  the files of a scanned folder), compared by file identity after resolving links, so a
  symlink, a hard link or ``./x`` spelling of an input is the input;
* no two outputs are one file (``--out X --strip X``);
* no output is held by a live run (``output_lock``), and while the command runs it holds its
  outputs itself, so a run started meanwhile is refused in turn;
* ``--force`` replaces only a file of the same kind (a dataset replaces a dataset, never a
  model or an image): ``same_kind`` says what that kind is and how to recognise it.

Refusals are one-line :class:`OutputError` s naming the option and the file.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from genai_studio.core.errors import GenAIError, OutputError
from genai_studio.core.store.files import check_writable, resolve_output


@dataclass(frozen=True)
class Kind:
    """What ``--force`` may replace: a name for messages and a test of an existing file."""

    name: str
    test: Callable[[Path], bool]


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return (st.st_dev, st.st_ino)


def _real(path: Path) -> Path:
    try:
        return Path(os.path.realpath(path))
    except (OSError, ValueError):
        return Path(path)


def _within(real: Path, folder: Path) -> bool:
    try:
        real.relative_to(folder)
    except ValueError:
        return False
    return True


def input_named_by(output: Path, inputs: Iterable[Path | None]) -> Path | None:
    """The input that ``output`` would write over, or None. An input folder (a scanned folder)
    stands for every file in it."""
    real = _real(output)
    ident = _identity(real)
    for source in inputs:
        if source is None:
            continue
        source = Path(source)
        source_real = _real(source)
        if source_real == real or (ident is not None and _identity(source_real) == ident):
            return source
        if ident is not None and source_real.is_dir() and (
                _within(real, source_real) or _holds(source_real, ident)):
            return source
    return None


def _holds(folder: Path, ident: tuple[int, int]) -> bool:
    """Whether a file under ``folder`` (its sub-folders too, links to files followed as a scan
    follows them) is the file ``ident``: a hard link or a link inside stands for it."""
    for top, dirs, files in os.walk(folder, onerror=lambda _exc: None):
        for name in files + dirs:
            path = os.path.join(top, name)
            if name in files or os.path.islink(path):
                if _identity(Path(path)) == ident:
                    return True
    return False


def refuse_inputs(option: str, path: Path, inputs: Iterable[Path | None]) -> None:
    """OutputError when ``path`` would write over one of ``inputs`` (the first check of
    :func:`check_outputs`, for a command that must say so before anything else)."""
    source = input_named_by(Path(path), inputs)
    if source is not None:
        raise OutputError(f"refused: {option} {path} is also an input of this command "
                          f"({source}); choose another output")


def check_outputs(outputs: Mapping[str, Path | None], inputs: Iterable[Path | None] = (), *,
                  same_kind: Kind | None = None) -> dict[str, Path]:
    """Check every output of one command against the rule (see the module doc); the files the
    writes will replace (links resolved), by option name. Options whose path is None are
    skipped."""
    inputs = [Path(p) for p in inputs if p is not None]
    resolved: dict[str, Path] = {}
    seen: dict[Path, str] = {}
    for option, path in outputs.items():
        if path is None:
            continue
        path = Path(path)
        refuse_inputs(option, path, inputs)
        real = resolve_output(path)
        ident = _identity(real)
        for other_real, other in seen.items():
            if other_real == real or (ident is not None and _identity(other_real) == ident):
                raise OutputError(f"refused: {other} and {option} name the same file ({path}); "
                                  "give each its own")
        seen[real] = option
        resolved[option] = check_writable(path)
        if same_kind is not None and ident is not None and not _is_kind(same_kind, real):
            raise OutputError(f"refused: {path} is not a {same_kind.name}; --force replaces "
                              f"only a {same_kind.name}")
    return resolved


def _is_kind(kind: Kind, path: Path) -> bool:
    try:
        return bool(kind.test(path))
    except GenAIError:
        return False


@contextlib.contextmanager
def claim_outputs(outputs: Mapping[str, Path | None], inputs: Iterable[Path | None] = (), *,
                  same_kind: Kind | None = None) -> Iterator[dict[str, Path]]:
    """:func:`check_outputs`, then hold every output's lock until the block ends."""
    from genai_studio.core.store.output_lock import OutputLock

    resolved = check_outputs(outputs, inputs, same_kind=same_kind)
    with contextlib.ExitStack() as stack:
        for path in resolved.values():
            stack.enter_context(OutputLock(path))
        yield resolved


__all__ = ["Kind", "check_outputs", "claim_outputs", "input_named_by", "refuse_inputs"]
