"""Number fields that clamp what is typed, with a note, instead of refusing keystrokes.

Qt's spin boxes refuse a keystroke that would leave the range: with a maximum of 500, typing
600 leaves 60 and says nothing. These accept the number while it is typed and, when the field
is left (Enter, Tab, a click elsewhere), clamp it to the range and show a note at the field:
"at most 500: 600 became 500". Every number field in the studio is one of these (a test holds
that); ``clamped`` carries the note for whoever also wants it in a status line.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QAbstractSpinBox, QDoubleSpinBox, QSpinBox, QToolTip


def _number(field: QAbstractSpinBox, text: str) -> float | None:
    core = text.removeprefix(field.prefix()).removesuffix(field.suffix()).strip()
    value, ok = field.locale().toDouble(core)
    return value if ok else None


def _fmt(value: float) -> str:
    return f"{value:g}"


class _Clamping:
    """validate/fixup for QSpinBox and QDoubleSpinBox (the concrete classes declare the
    signal: a signal lives on a QObject class)."""

    def validate(self, text: str, pos: int) -> object:
        state = super().validate(text, pos)  # type: ignore[misc]
        value = _number(self, text)  # type: ignore[arg-type]
        if value is not None and not self.minimum() <= value <= self.maximum():  # type: ignore[attr-defined]
            return QValidator.State.Intermediate, text, pos  # fixed up when the field is left
        return state

    def fixup(self, text: str) -> str:
        value = _number(self, text)  # type: ignore[arg-type]
        low, high = self.minimum(), self.maximum()  # type: ignore[attr-defined]
        if value is None or low <= value <= high:
            return super().fixup(text)  # type: ignore[misc]
        clamped = min(max(value, low), high)
        bound = "at most" if value > high else "at least"
        note = f"{bound} {_fmt(clamped)}: {_fmt(value)} became {_fmt(clamped)}"
        self.last_note = note
        self.clamped.emit(note)  # type: ignore[attr-defined]
        QToolTip.showText(self.mapToGlobal(QPoint(0, self.height())), note, self)  # type: ignore[attr-defined]
        return self.prefix() + self.textFromValue(clamped) + self.suffix()  # type: ignore[attr-defined]


class SpinBox(_Clamping, QSpinBox):
    """A whole-number field that clamps what is typed, with a note."""

    clamped = Signal(str)
    last_note = ""

    def textFromValue(self, value: float) -> str:  # noqa: N802 - Qt API
        return super().textFromValue(int(round(value)))


class DoubleSpinBox(_Clamping, QDoubleSpinBox):
    """A decimal field that clamps what is typed, with a note."""

    clamped = Signal(str)
    last_note = ""
