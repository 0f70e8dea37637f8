"""Bindings between widgets (or QActions) and state fields: the one helper every panel uses.

``bind(widget, part, "name")`` ties an input to a field both ways: the widget shows the field's
value at once and on every change, and the artist's edits are written back (the field's
validation and equality check stop the echo). ``attr="epochs"`` (or a dotted path,
``"style.scale"``) binds the input to one attribute of a frozen dataclass value instead, so a
form is a set of such bindings on one field and needs no code of its own. ``convert`` /
``back`` translate between the widget's and the field's values (a percentage slider on a 0..1
float). ``show(part, "name", fn)`` and ``enable(target, part, "can_x")`` are one-way.

A binding is a small QObject parented to its widget: when the widget goes, the binding and its
connections go with it, so the state never calls into a deleted widget. While a binding shows a
value it ignores the widget's own change signals (other listeners still hear them).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSlider,
    QComboBox,
    QDoubleSpinBox,
    QLineEdit,
    QSpinBox,
    QWidget,
)


def _identity(value: Any) -> Any:
    return value


def get_attr(value: Any, attr: str) -> Any:
    for part in attr.split("."):
        value = getattr(value, part)
    return value


def with_attr(value: Any, attr: str, new: Any) -> Any:
    """A copy of the frozen dataclass ``value`` with the (dotted) attribute replaced."""
    head, _, rest = attr.partition(".")
    inner = new if not rest else with_attr(getattr(value, head), rest, new)
    return dataclasses.replace(value, **{head: inner})


class Binding(QObject):
    def __init__(self, widget: QObject, part: QObject, name: str, attr: str = "",
                 convert: Callable[[Any], Any] = _identity,
                 back: Callable[[Any], Any] = _identity) -> None:
        super().__init__(widget)
        self.widget, self.part, self.name, self.attr = widget, part, name, attr
        self.convert, self.back = convert, back
        self.showing = False
        self.setter, self.changed = _accessors(widget)
        getattr(part, f"{name}_changed").connect(self.from_state)
        if self.changed is not None:
            self.changed.connect(self.from_widget)
        self.from_state(getattr(part, name))

    def value(self) -> Any:
        value = getattr(self.part, self.name)
        return get_attr(value, self.attr) if self.attr else value

    @Slot(object)
    def from_state(self, _value: Any = None) -> None:
        self.showing = True
        try:
            self.setter(self.convert(self.value()))
        finally:
            self.showing = False

    @Slot(object)
    def from_widget(self, *_args: Any) -> None:
        """The artist's edit into the field; a value the field refuses (a UsageError from a
        dataclass' checks) is reported in one line and the widget shows the field again."""
        from genai_studio.core.errors import GenAIError
        from genai_studio.ui.common.guard import GUARD

        if self.showing:
            return
        try:
            new = self.back(_read(self.widget))
            if self.attr:
                new = with_attr(getattr(self.part, self.name), self.attr, new)
            setattr(self.part, self.name, new)
        except (GenAIError, ValueError, TypeError) as exc:
            GUARD.fault(f"editing {self.name}", exc, "That value cannot be used")
            self.from_state()


def _read(widget: QObject) -> Any:
    if isinstance(widget, QComboBox):
        return widget.currentData()
    if isinstance(widget, (QAbstractButton, QAction)):
        return widget.isChecked()
    if isinstance(widget, QLineEdit):
        return widget.text()
    return widget.value()  # spin boxes, sliders


def _accessors(widget: QObject) -> tuple[Callable[[Any], None], Any]:
    """How to show a value in ``widget``, and the signal its edits arrive by."""
    if isinstance(widget, QComboBox):
        def show_data(value: Any) -> None:
            index = widget.findData(value)
            if index >= 0:
                widget.setCurrentIndex(index)
        return show_data, widget.currentIndexChanged
    if isinstance(widget, (QAbstractButton, QAction)):
        return (lambda value: widget.setChecked(bool(value))), widget.toggled
    if isinstance(widget, (QSpinBox, QDoubleSpinBox, QAbstractSlider)):
        return widget.setValue, widget.valueChanged
    if isinstance(widget, QLineEdit):
        return widget.setText, widget.editingFinished
    raise TypeError(f"no binding for {type(widget).__name__}")


def bind(widget: QObject, part: QObject, name: str, attr: str = "",
         convert: Callable[[Any], Any] = _identity,
         back: Callable[[Any], Any] = _identity) -> Binding:
    """Tie an input widget (or a checkable QAction) to ``part.name`` (``.attr``), both ways."""
    return Binding(widget, part, name, attr, convert, back)


class _OneWay(QObject):
    def __init__(self, owner: QObject, part: QObject, name: str,
                 apply: Callable[[Any], None]) -> None:
        super().__init__(owner)
        self.part, self.name, self.apply = part, name, apply
        getattr(part, f"{name}_changed").connect(self.on_change)
        self.on_change()

    @Slot(object)
    def on_change(self, *_args: Any) -> None:
        self.apply(getattr(self.part, self.name))


def show(owner: QObject, part: QObject, name: str, apply: Callable[[Any], None]) -> _OneWay:
    """Call ``apply(value)`` now and on every change of ``part.name``; the connection lives as
    long as ``owner``."""
    return _OneWay(owner, part, name, apply)


def refill(combo: QComboBox, items: list[tuple[str, Any]]) -> None:
    """New items for a combo (devices found, datasets made): its binding ignores the churn
    and then shows the field's value again; an unbound combo keeps what it showed if it can."""
    binding = combo.findChild(Binding)
    current = combo.currentData()
    if binding is not None:
        binding.showing = True
    try:
        combo.clear()
        for text, data in items:
            combo.addItem(text, data)
        combo.setCurrentIndex(max(combo.findData(current), 0))
    finally:
        if binding is not None:
            binding.showing = False
            binding.from_state()


def mirror(button: QAbstractButton, action: QAction) -> None:
    """A push button that stands for an action: a click triggers it, and the button is enabled
    exactly while the action is (so the two can never disagree)."""
    button.clicked.connect(action.trigger)
    button.setEnabled(action.isEnabled())
    action.changed.connect(lambda: button.setEnabled(action.isEnabled()))


def enable(target: QWidget | QAction, part: QObject, name: str) -> _OneWay:
    """``target`` is enabled exactly while the bool ``part.name`` holds (a ``can_*`` flag)."""
    return _OneWay(target, part, name, lambda on: target.setEnabled(bool(on)))
