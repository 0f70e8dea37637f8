"""State fields: typed, validated values with a change signal, derived values and persistence.

A feature's state is a :class:`SubState` whose class body declares :class:`Field` s and
:class:`Derived` values; the metaclass gives each a typed ``<name>_changed`` signal, so a
field is declared once, with its type, default, validation and (``persist=``) settings key:

    class CanvasState(SubState):
        seed = Field(1234, clamp(0, MAX_SEED), persist="seed")
        grid = Field(None, kind=Grid)
        has_tile = Derived(bool, lambda s: s.grid is not None and ..., "grid", "selected")

Reading a field is a plain attribute read. Setting it validates, compares with the old value
and emits ``<name>_changed`` only on a real change, so a binding that writes back what it was
just told does not loop. A derived value is recomputed when one of its inputs changes (names of
fields of the same sub-state, or "sibling.field" paths once :meth:`SubState.attach` has given
it its siblings) and emits its own signal only when its value changes. The state lives on the
GUI thread and is only touched there.
"""

from __future__ import annotations

import enum
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)

T = TypeVar("T")


def same(old: Any, new: Any) -> bool:
    """Equality that never asks NumPy arrays or models for element-wise truth."""
    if old is new:
        return True
    if type(old) is not type(new) or hasattr(old, "__array__") or hasattr(new, "__array__"):
        return False
    try:
        return bool(old == new)
    except Exception:  # noqa: BLE001 - odd types compare as different
        return False


class Field(Generic[T]):
    """A state value: validated on set, ``<name>_changed`` (of type ``kind``) emitted on a real
    change. ``persist``: the settings key it is saved under and restored from."""

    def __init__(self, default: T, validate: Callable[[Any], T] | None = None, *,
                 kind: type | None = None, persist: str = "") -> None:
        self.default = default
        self.validate = validate
        self.kind = kind or (type(default) if default is not None else object)
        self.persist = persist
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: type | None = None) -> T:
        if obj is None:
            return self  # type: ignore[return-value]
        return obj.__dict__.get(self.name, self.default)

    def __set__(self, obj: Any, value: T) -> None:
        if self.validate is not None:
            value = self.validate(value)
        if same(self.__get__(obj), value):
            return
        obj.__dict__[self.name] = value
        getattr(obj, f"{self.name}_changed").emit(value)

    # ---------------------------------------------------------------- settings

    def encode(self, value: T) -> Any:
        """The value as the settings file keeps it."""
        if isinstance(value, enum.Enum):
            return value.value
        if hasattr(value, "to_json"):
            return value.to_json()  # type: ignore[union-attr]
        if isinstance(value, tuple):
            return json.dumps([str(v) for v in value])
        return value

    def decode(self, raw: Any) -> T:
        """A settings value back, checked like any other write; ValueError when unusable."""
        kind = self.kind
        if raw is None:
            raise ValueError("missing")
        if kind is bool:
            if isinstance(raw, bool):
                value: Any = raw
            elif isinstance(raw, str) and raw.lower() in ("true", "false"):
                value = raw.lower() == "true"
            else:
                raise ValueError(f"not a yes/no value: {raw!r}")
        elif kind in (int, float):
            if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
                raise ValueError(f"not a number: {raw!r}")
            value = kind(raw)
        elif kind is str:
            if not isinstance(raw, str):
                raise ValueError(f"not text: {raw!r}")
            value = raw
        elif isinstance(kind, type) and issubclass(kind, enum.Enum):
            value = kind(raw)
        elif hasattr(kind, "from_json"):
            value = kind.from_json(raw)  # type: ignore[attr-defined]
        elif kind is tuple:
            items = json.loads(raw) if isinstance(raw, str) else None
            if not isinstance(items, list):
                raise ValueError("not a list")
            value = tuple(str(item) for item in items if isinstance(item, str))
        else:
            raise ValueError(f"{kind.__name__} values are not kept in the settings")
        return self.validate(value) if self.validate is not None else value


class Derived(Generic[T]):
    """A value computed from fields: ``<name>_changed`` on a real change. Read-only, unless
    ``write`` says which field a written value goes to (the pad's picker writes the pad's own
    digit, and the digit it shows follows)."""

    def __init__(self, kind: type, compute: Callable[[Any], T], *inputs: str,
                 write: Callable[[Any, Any], None] | None = None) -> None:
        self.kind, self.compute, self.inputs, self.write = kind, compute, inputs, write
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: type | None = None) -> T:
        if obj is None:
            return self  # type: ignore[return-value]
        if self.name not in obj.__dict__:
            obj.__dict__[self.name] = self.compute(obj)
        return obj.__dict__[self.name]

    def __set__(self, obj: Any, value: Any) -> None:
        if self.write is None:
            raise AttributeError(f"{self.name} is derived from other fields: set those")
        self.write(obj, value)

    def refresh(self, obj: Any) -> None:
        value = self.compute(obj)
        if not same(obj.__dict__.get(self.name, _UNSET), value):
            obj.__dict__[self.name] = value
            getattr(obj, f"{self.name}_changed").emit(value)


_UNSET = object()


class _StateMeta(type(QObject)):  # type: ignore[misc]
    """Adds a typed ``<name>_changed`` signal for every Field and Derived of the class body."""

    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kw: Any):
        for key, value in list(namespace.items()):
            if isinstance(value, (Field, Derived)):
                namespace[f"{key}_changed"] = Signal(value.kind)
        return super().__new__(mcs, name, bases, namespace, **kw)


class SubState(QObject, metaclass=_StateMeta):
    """One feature's state: its fields, derived values and the settings they persist."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.root: Any = None
        for _name, derived in self.derived():
            for source in derived.inputs:
                if "." not in source:
                    getattr(self, f"{source}_changed").connect(
                        lambda *_a, d=derived: d.refresh(self))

    def attach(self, root: Any) -> None:
        """Called once by the composing state: derived values that read a sibling's fields
        ("canvas.digit") start following them."""
        self.root = root
        for _name, derived in self.derived():
            for source in derived.inputs:
                if "." in source:
                    sibling, field = source.split(".", 1)
                    getattr(getattr(root, sibling), f"{field}_changed").connect(
                        lambda *_a, d=derived: d.refresh(self))
            derived.refresh(self)

    @classmethod
    def fields(cls) -> Iterator[tuple[str, Field]]:
        for klass in reversed(cls.__mro__):
            for name, value in vars(klass).items():
                if isinstance(value, Field):
                    yield name, value

    @classmethod
    def derived(cls) -> Iterator[tuple[str, Derived]]:
        for klass in reversed(cls.__mro__):
            for name, value in vars(klass).items():
                if isinstance(value, Derived):
                    yield name, value

    def restore(self, read: Callable[[str], Any]) -> list[str]:
        """Persisted fields from the settings (``read(key)`` gives the raw value or None); a
        value of the wrong type or out of range is dropped with a note and the default kept.
        Returns the notes."""
        notes = []
        for name, field in self.fields():
            if not field.persist:
                continue
            raw = read(field.persist)
            if raw is None:
                continue
            try:
                setattr(self, name, field.decode(raw))
            except Exception as exc:  # noqa: BLE001 - a bad setting must never stop the app
                notes.append(f"setting {field.persist!r} ignored ({str(exc)[:80]})")
        for note in notes:
            log.warning(note)
        return notes

    def save(self, write: Callable[[str, Any], None]) -> None:
        for name, field in self.fields():
            if field.persist:
                write(field.persist, field.encode(getattr(self, name)))


def clamp(low: int, high: int) -> Callable[[Any], int]:
    return lambda value: min(max(int(value), low), high)


def unit(value: Any) -> float:
    return min(max(float(value), 0.0), 1.0)


MAX_LABEL = 1023  # a conditional model's classes: ten digits, or a fonts dataset's characters


def digit(value: Any) -> int | None:
    """A conditional model's class (a digit, or a character of a glyph model); the model's own
    range is kept by the studio when a model loads."""
    return None if value is None else min(max(int(value), 0), MAX_LABEL)


def choice(*values: Any) -> Callable[[Any], Any]:
    """A field that takes one of ``values`` (a ValueError otherwise: a settings value outside
    them is dropped and the default kept)."""
    def check(value: Any) -> Any:
        if value not in values:
            raise ValueError(f"{value!r} is not one of {', '.join(map(str, values))}")
        return value
    return check


def one_of(kind: type[enum.Enum]) -> Callable[[Any], Any]:
    """An enum field's validation: a member or its value."""
    return lambda value: value if isinstance(value, kind) else kind(value)
