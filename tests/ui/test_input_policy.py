"""The studio-wide input policy: no input changes under the wheel unless it has the focus."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QScrollBar, QWidget

from genai_studio.ui.common.input_policy import INPUTS


def _value(widget: QWidget) -> object:
    return widget.currentIndex() if hasattr(widget, "currentIndex") else widget.value()


def _wheel(widget: QWidget, notches: int = 1) -> None:
    centre = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(centre, widget.mapToGlobal(centre), QPoint(0, 0),
                        QPoint(0, 120 * notches), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def _inputs(root: QWidget) -> list[QWidget]:
    return [w for w in root.findChildren(QWidget) if isinstance(w, INPUTS) and w.isEnabled()
            and not isinstance(w, QScrollBar)]


def test_no_input_in_the_window_changes_under_the_wheel_without_focus(window, qtbot):
    for dock in window.docks.values():  # every panel on screen, the hidden tabs included
        dock.show()
    for panel in window.deferred.values():  # and built, as on its first show
        panel.content()
    window.canvas.setFocus()
    inputs = _inputs(window)
    assert len(inputs) >= 12  # the toolbar's, the training form's, the pad's, the morph's...
    changed = []
    for widget in inputs:
        before = _value(widget)
        _wheel(widget, 1)
        _wheel(widget, -1)
        _wheel(widget, -1)
        if _value(widget) != before:
            changed.append(widget.objectName() or type(widget).__name__)
    assert changed == []


def test_a_focused_input_takes_the_wheel(window, qtbot):
    spin = window.training.latent
    window.docks["training"].show()
    window.docks["training"].raise_()
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus, timeout=2000)
    before = spin.value()
    _wheel(spin, 1)
    assert spin.value() == before + spin.singleStep()


def test_the_wheel_over_an_unfocused_input_scrolls_its_panel(window, qtbot):
    window.docks["training"].show()
    window.docks["training"].raise_()
    window.resize(1024, 400)  # the training panel no longer fits: it scrolls
    qtbot.wait(50)
    area = next(a for a in window.docks["training"].findChildren(QAbstractScrollArea)
                if a.objectName() == "trainingPanelScroll")
    bar = area.verticalScrollBar()
    bar.setValue(0)
    window.canvas.setFocus()
    _wheel(window.training.latent, -3)
    assert bar.value() > 0 and window.training.latent.value() == \
        window.state.training.settings.latent_dim


def test_every_dialog_follows_the_policy(window, qtbot, tmp_path):
    from genai_studio.core.export.options import ExportSource
    from genai_studio.ui.material.repair_dialog import RepairDialog

    export = window.take_out.show_export(ExportSource.GRID)
    repair = RepairDialog(window.state, window.state.canvas.grid.images[0], "tile 1", window)
    window.dataset_actions.ask_new()
    for dialog in (export, repair, window.dataset_actions.dialog):
        dialog.show()
        window.canvas.activateWindow()
        window.canvas.setFocus()
        for widget in _inputs(dialog):
            before = _value(widget)
            _wheel(widget, -1)
            assert _value(widget) == before, (dialog.objectName(), widget.objectName())
        dialog.close()


def test_every_number_field_clamps_what_is_typed_with_a_note(window, qtbot):
    from PySide6.QtWidgets import QAbstractSpinBox

    from genai_studio.ui.common.spin import DoubleSpinBox, SpinBox
    from genai_studio.ui.takeout.export_dialog import ExportDialog

    dialog = ExportDialog(window.state, window)
    fields = window.findChildren(QAbstractSpinBox) + dialog.findChildren(QAbstractSpinBox)
    plain = [f.objectName() or type(f).__name__ for f in fields
             if not isinstance(f, (SpinBox, DoubleSpinBox))]
    assert fields and plain == []

    window.docks["training"].show()
    window.state.training.settings = replace(window.state.training.settings, minutes=None)
    epochs = window.training.epochs
    epochs.setFocus()
    epochs.selectAll()
    notes = []
    epochs.clamped.connect(notes.append)
    qtbot.keyClicks(epochs, "600")  # Qt alone refuses the last digit and leaves 60
    qtbot.keyClick(epochs, Qt.Key.Key_Return)
    assert epochs.value() == epochs.maximum() == 500
    assert window.state.training.settings.epochs == 500
    assert notes == ["at most 500: 600 became 500"]
