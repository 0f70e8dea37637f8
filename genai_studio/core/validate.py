"""Checks for values read from untrusted files, before anything is built or allocated from them.

Model files, checkpoints and datasets all come through here: bounded JSON (nesting depth,
no NaN/Infinity literals), dataclass fields of the declared types and sane ranges, and the
parameter count a model config implies, counted without allocating a single weight.
Torch-free at import; :func:`parameter_shapes` imports torch when called.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import re
import types
import typing
from typing import Any, Literal

from genai_studio.core.errors import GenAIError, InputError

MAX_JSON_DEPTH = 32  # metadata nests 3-4 levels; json's C parser recurses once per level
MAX_STRING = 4096  # a config string (an architecture name) is a few characters
MAX_LIST = 64  # e.g. a VAE's hidden widths
MAX_INT = 2**63 - 1  # what torch and NumPy take as a seed or a count
SEED_RANGE = 2**63  # seeds are 0 to 2**63 - 1; any other whole number is mapped into it
# Widths, channels and latent sizes beyond this are not a model this app can train or run.
MAX_DIMENSION = 1 << 20
# 100 M parameters: 400 MB of float32 weights, 1.2 GB as a checkpoint with Adam's two moments.
# The shipped models have at most 1.7 M; a file asking for more is refused before any build.
MAX_PARAMETERS = 100_000_000

_DELTA = {"[": 1, "{": 1, "]": -1, "}": -1}
_STRING_LITERAL = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


def seed_value(value: int) -> int:
    """Any whole number as a generator seed: 0 to 2**63 - 1 stay as they are, anything else is
    taken modulo 2**63 (-1 is 2**63 - 1, 2**70 is 0), so every seed an artist types draws
    something, the same thing each time, and provenance records the seed that was used."""
    if isinstance(value, bool) or not isinstance(value, int):
        value = int(value)
    return value % SEED_RANGE


# C0 and C1 controls (ESC starts a terminal escape sequence), DEL, and the bidirectional
# overrides and isolates that reorder what a terminal or a label shows.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: object) -> str:
    """Text from a file, safe to print: every control character written as ``\\xNN`` or
    ``\\uNNNN`` (tabs and newlines too: one value stays on one line)."""
    def escape(match: re.Match[str]) -> str:
        code = ord(match.group())
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    return _CONTROLS.sub(escape, str(text))


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def loads_json(text: str | bytes, what: str, error: type[GenAIError] = InputError,
               max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` for untrusted text: nesting and NaN/Infinity refused as ``error``.

    The depth is measured before parsing (strings removed, brackets counted), so a hostile
    ``[[[[...`` never reaches the recursive parser, whatever thread's stack it runs on.
    """
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        stripped = _STRING_LITERAL.sub("", text)
        brackets = _BRACKET.findall(stripped)
        depth = max(itertools.accumulate(map(_DELTA.__getitem__, brackets)), default=0)
        if depth > max_depth:
            raise error(f"{what}: refused: JSON nested {depth} levels deep (the limit is "
                        f"{max_depth})")
        return json.loads(text, parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise error(f"{what}: unreadable JSON") from None


# ----------------------------------------------------------------------------- typed fields


def finite_number(value: Any, low: float = -1e300, high: float = 1e300) -> bool:
    """A JSON number (not a bool) within [low, high]: never NaN, never infinite.

    The comparison comes first: ``math.isfinite`` raises OverflowError on ints past 1e308,
    which JSON happily gives.
    """
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and low <= value <= high and math.isfinite(value))


def _matches(value: Any, hint: Any, max_int: int) -> bool:
    """Whether a JSON value fits a field's type hint (and the range of its kind)."""
    origin = typing.get_origin(hint)
    if hint is Any:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(_matches(value, h, max_int) for h in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if origin is Literal:
        return any(type(value) is type(a) and value == a for a in typing.get_args(hint))
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool) and abs(value) <= max_int
    if hint is float:
        return finite_number(value)
    if hint is str:
        return isinstance(value, str) and len(value) <= MAX_STRING
    if origin in (tuple, list):
        args = [a for a in typing.get_args(hint) if a is not Ellipsis] or [Any]
        return (isinstance(value, list | tuple) and len(value) <= MAX_LIST
                and all(_matches(v, args[0], max_int) for v in value))
    if origin is dict or hint is dict:
        return isinstance(value, dict)
    return True  # a type this check does not know: the dataclass's own checks decide


def check_fields(cls: type, data: Any, what: str, error: type[GenAIError] = InputError,
                 max_int: int = MAX_INT, required: bool = False) -> dict[str, Any]:
    """``data`` as keyword arguments for the dataclass ``cls``, every value type-checked.

    Unknown keys are refused by name, and so are missing ones when ``required``. A value of
    the wrong type (a string for a width, a float for a count, a bool for a number) or out of
    range (beyond ``max_int``, non-finite) is refused before the dataclass sees it.
    """
    if not isinstance(data, dict):
        raise error(f"{what}: expected a JSON object, got {type(data).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = set(data) - set(fields)
    if unknown:
        raise error(f"{what}: unknown fields {sorted(map(str, unknown))[:5]}")
    if required:
        missing = [n for n, f in fields.items() if n not in data
                   and f.default is dataclasses.MISSING
                   and f.default_factory is dataclasses.MISSING]
        if missing:
            raise error(f"{what}: missing fields {missing}")
    hints = typing.get_type_hints(cls)
    for name, value in data.items():
        if not _matches(value, hints.get(name, Any), max_int):
            shown = repr(value)
            shown = shown if len(shown) <= 40 else shown[:37] + "..."
            raise error(f"{what}: {name} has an invalid value {shown}")
    return dict(data)


# ----------------------------------------------------------------------------- model size


def meta_model(config: Any, error: type[GenAIError] = InputError, what: str = "model") -> Any:
    """The model ``config`` builds, on torch's meta device: shapes only, no memory.

    A config whose parameter count passes :data:`MAX_PARAMETERS` is refused. The result can
    become a real model with ``to_empty`` (see ``checkpoints.load_model``).
    """
    import torch

    from genai_studio.core.models.registry import build_model

    try:
        with torch.device("meta"):
            model = build_model(config)
        count = sum(math.prod(t.shape) for t in model.state_dict().values())
    except (TypeError, ValueError, RuntimeError, OverflowError, MemoryError) as exc:
        raise error(f"{what}: its config cannot be built ({str(exc).splitlines()[0][:80]})") \
            from None
    if count > MAX_PARAMETERS:
        raise error(f"{what}: refused: its config asks for {count:,} parameters (the limit is "
                    f"{MAX_PARAMETERS:,})")
    return model


def parameter_shapes(config: Any, error: type[GenAIError] = InputError,
                     what: str = "model") -> dict[str, tuple[tuple[int, ...], str]]:
    """Name -> (shape, dtype) of every tensor in the state dict ``config`` builds, counted
    without allocating (and refused past :data:`MAX_PARAMETERS`)."""
    return state_shapes(meta_model(config, error, what))


def state_shapes(model: Any) -> dict[str, tuple[tuple[int, ...], str]]:
    return {name: (tuple(int(d) for d in t.shape), str(t.dtype).removeprefix("torch."))
            for name, t in model.state_dict().items()}


def check_model_size(config: Any, error: type[GenAIError] = InputError,
                     what: str = "model") -> int:
    """The parameter count of ``config``, refused as ``error`` past :data:`MAX_PARAMETERS`."""
    shapes = parameter_shapes(config, error, what)
    return sum(math.prod(shape) for shape, _ in shapes.values())
