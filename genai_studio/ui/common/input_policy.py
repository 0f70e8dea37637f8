"""The studio's input policy, in one place: no input changes under the mouse wheel unless it
has the keyboard focus.

Qt's spin boxes, combo boxes and sliders take a wheel notch whether or not they have the focus,
so scrolling a panel rewrote whatever input passed under the pointer (the training form's
model, data, latent size and learning rate among them). With the policy, an input without the
focus passes the wheel to the scroll area around it (the panel scrolls, as the artist meant)
and takes focus only from a click or Tab. ``apply_input_policy`` is called on the window once
its panels are built and by every dialog on itself; widgets made later call it on their root.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QScrollBar,
    QWidget,
)

INPUTS = (QAbstractSpinBox, QComboBox, QAbstractSlider)  # scroll bars excepted: they scroll


class WheelPolicy(QObject):
    """An event filter: a wheel event on an unfocused input goes to its scroll area."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() != QEvent.Type.Wheel or not isinstance(watched, QWidget) \
                or watched.hasFocus():
            return False
        area = _scroll_area_of(watched)
        if area is not None:
            QApplication.sendEvent(area.viewport(), event)
        return True  # the input never sees it


def _scroll_area_of(widget: QWidget) -> QAbstractScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None:
        # An input's own list or popup is not the panel around it.
        if isinstance(parent, QAbstractScrollArea) and not isinstance(parent, INPUTS):
            return parent
        parent = parent.parentWidget()
    return None


_POLICY: WheelPolicy | None = None


def _policy() -> WheelPolicy:
    global _POLICY
    if _POLICY is None:
        _POLICY = WheelPolicy(QApplication.instance())
    return _POLICY


def apply_input_policy(root: QWidget) -> int:
    """Every spin box, combo box and slider under ``root`` (and root itself) follows the
    policy; returns how many inputs that is. Calling it again on the same widgets is harmless
    (Qt keeps one copy of a filter per object)."""
    inputs = [w for w in (root, *root.findChildren(QWidget))
              if isinstance(w, INPUTS) and not isinstance(w, QScrollBar)]
    for widget in inputs:
        widget.installEventFilter(_policy())
        if widget.focusPolicy() == Qt.FocusPolicy.WheelFocus:
            widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # the wheel never takes focus
    return len(inputs)
