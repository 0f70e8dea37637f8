"""The history dock: every step Undo and Redo move through, newest last, the current one
marked; a click goes straight to that step."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QToolButton, QVBoxLayout, QWidget

from genai_studio.ui.common.bind import show
from genai_studio.ui.common.guard import gui_slot
from genai_studio.ui.studio.state import StudioState


class HistoryPanel(QWidget):
    """Draws ``state.history``; asks for a step by ``step_requested``."""

    step_requested = Signal(int)

    def __init__(self, state: StudioState, actions: Mapping[str, QAction],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historyPanel")
        self.state = state
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        row = QHBoxLayout()
        for name in ("history_back", "history_forward"):
            button = QToolButton()
            button.setDefaultAction(actions[name])
            button.setToolButtonStyle(button.toolButtonStyle().ToolButtonTextBesideIcon)
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        self.list = QListWidget()
        self.list.setObjectName("historyList")
        self.list.setToolTip("Each thing you did that changed what you see; click one to go "
                             "back (or forward) to it")
        layout.addWidget(self.list, 1)
        self.hint = QLabel("")
        self.hint.setProperty("role", "hint")
        layout.addWidget(self.hint)
        self.list.itemClicked.connect(lambda item: self.step_requested.emit(self.list.row(item)))
        show(self, state.history, "position", self.on_position)

    @gui_slot(object)
    def on_position(self, position: tuple[int, int]) -> None:
        index, length = position
        names = self.state.history.names
        self.list.blockSignals(True)
        self.list.clear()
        for k, name in enumerate(names):
            marker = "▶ " if k == index else "    "
            self.list.addItem(f"{marker}{k + 1}. {name}")
            if k > index:
                self.list.item(k).setForeground(self.list.palette().placeholderText())
        if 0 <= index < self.list.count():
            self.list.setCurrentRow(index)
            self.list.scrollToItem(self.list.item(index))
        self.list.blockSignals(False)
        ahead = length - 1 - index
        self.hint.setText(f"Step {index + 1} of {length}" + (f"; {ahead} to redo" if ahead > 0
                                                              else "") if length else
                          "Nothing done yet.")
