"""The one check of every command's output names: a file is written in the format its suffix
names, or the command is refused in one line before any work.

Each command declares what its output options write where it defines them::

    p.set_defaults(outputs={"out": (".png", ".svg", ".pdf"), "npy": (".npy",)})

and ``cli._dispatch`` calls :func:`check_outputs` on the parsed arguments, so
``sample --out x.svg`` can never again write a PNG named .svg. Special entries: ``FOLDER``
(a path ending in a slash: a folder of frames) and ``NAME`` (a bare name kept in the user's
data folder, e.g. a dataset).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from genai_studio.core.errors import UsageError

FOLDER = "/"
NAME = "NAME"
OUTPUT_OPTIONS = ("out", "npy", "strip")  # the option names that name what a command writes
# Suffixes that say "a file of this format": a bare name with one of them is not taken as NAME.
FILE_SUFFIXES = frozenset((".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".tif", ".tiff",
                           ".svg", ".pdf", ".npy", ".otf", ".ttf", ".woff", ".json", ".txt"))


def describe(formats: Sequence[str]) -> str:
    words = []
    for f in formats:
        if f == FOLDER:
            words.append("a folder (ending in /)")
        elif f == NAME:
            words.append("a name")
        else:
            words.append(f)
    return ", ".join(words[:-1]) + (" or " if len(words) > 1 else "") + words[-1]


def output_format(value: str | Path, formats: Sequence[str]) -> str:
    """Which of ``formats`` a value names; a UsageError naming those the option writes."""
    text = str(value)
    if text.endswith(("/", "\\")):
        if FOLDER in formats:
            return FOLDER
        raise _refused(text, formats, "a folder")
    suffix = Path(text).suffix.lower()
    if NAME in formats and "/" not in text and "\\" not in text \
            and suffix not in FILE_SUFFIXES and suffix not in formats:
        return NAME
    if suffix in formats:
        return suffix
    raise _refused(text, formats, f"{suffix} files" if suffix else "a file with no suffix")


def _refused(text: str, formats: Sequence[str], what: str) -> UsageError:
    return UsageError(f"{text}: this writes {describe(formats)}, not {what}")


def check_outputs(args: argparse.Namespace) -> None:
    """Refuse an output whose suffix the command does not write (see the module doc)."""
    declared = getattr(args, "outputs", None) or {}
    command = " ".join(p for p in (getattr(args, "command", None),
                                   getattr(args, "dataset_command", None)) if p)
    for option, formats in declared.items():
        value = getattr(args, option, None)
        if value is None:
            continue
        try:
            output_format(value, formats)
        except UsageError as exc:
            raise UsageError(f"{command} --{option} {exc}") from None
