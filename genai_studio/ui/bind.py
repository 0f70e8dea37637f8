"""Two-way bindings between input widgets and :class:`StudioState` fields.

A binding is a small QObject parented to its widget: when the widget goes, the binding and its
connections go with it, so the state never calls into a deleted widget. The widget shows the
field's value on start and on every change; the artist's edits are written to the field (the
field's validation and equality check stop the echo from looping).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractButton, QComboBox, QSlider, QSpinBox

from genai_studio.ui.state import StudioState


class Binding(QObject):
    def __init__(self, widget: QObject, state: StudioState, name: str,
                 show: Callable[[Any], None],
                 to_state: Callable[[Any], Any] = lambda value: value) -> None:
        super().__init__(widget)
        self.widget, self.state, self.name = widget, state, name
        self._show, self._to_state = show, to_state
        getattr(state, f"{name}_changed").connect(self.from_state)
        self.from_state(getattr(state, name))

    @Slot(object)
    def from_state(self, value: Any) -> None:
        blocked = self.widget.blockSignals(True)
        try:
            self._show(value)
        finally:
            self.widget.blockSignals(blocked)

    @Slot(object)
    def from_widget(self, value: Any) -> None:
        setattr(self.state, self.name, self._to_state(value))


def bind_spin(spin: QSpinBox, state: StudioState, name: str) -> Binding:
    binding = Binding(spin, state, name, spin.setValue)
    spin.valueChanged.connect(binding.from_widget)
    return binding


def bind_check(button: QAbstractButton | QAction, state: StudioState, name: str) -> Binding:
    """A check box, a checkable button or a checkable QAction on a bool field."""
    binding = Binding(button, state, name, lambda value: button.setChecked(bool(value)))
    button.toggled.connect(binding.from_widget)
    return binding


def bind_combo_data(combo: QComboBox, state: StudioState, name: str) -> Binding:
    """The combo's item data is the field's value (items added before binding)."""

    def show(value: Any) -> None:
        index = combo.findData(value)
        if index >= 0:
            combo.setCurrentIndex(index)

    binding = Binding(combo, state, name, show, to_state=lambda index: combo.itemData(index))
    combo.currentIndexChanged.connect(binding.from_widget)
    return binding


def bind_slider(slider: QSlider, state: StudioState, name: str, scale: float) -> Binding:
    """A float field in [0, 1] on an integer slider of ``scale`` steps."""
    binding = Binding(slider, state, name, lambda value: slider.setValue(round(value * scale)),
                      to_state=lambda value: value / scale)
    slider.valueChanged.connect(binding.from_widget)
    return binding
