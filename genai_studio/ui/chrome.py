"""The window's chrome: error boxes, the help and About dialogs, and keyboard actions.

A plain mixin for :class:`MainWindow` (kept apart so the window module stays about wiring).
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMessageBox

from genai_studio.ui.dialogs import AboutDialog, ShortcutsDialog

log = logging.getLogger(__name__)


class WindowChrome:
    """Expects to be mixed into a QMainWindow that has ``shortcuts`` (its QActions)."""

    last_error: str
    shortcuts: list[QAction]

    def show_error(self: Any, title: str, message: str) -> None:
        """A window-modal, non-blocking message box (``open``, not ``exec``)."""
        self.last_error = message
        log.warning("%s: %s", title, message)
        box = QMessageBox(QMessageBox.Icon.Warning, title, message,
                          QMessageBox.StandardButton.Ok, self)
        box.setObjectName("errorDialog")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def show_shortcuts(self: Any) -> None:
        rows = [(a.shortcut().toString(QKeySequence.SequenceFormat.NativeText),
                 a.text().replace("&", "")) for a in self.shortcuts]
        rows += [("Arrow keys", "Move the tile selection on the canvas"),
                 ("Enter / double-click", "Send the tile to the morph (A, then B)"),
                 ("Drag a tile", "Drop it on a pad corner to make it an anchor"),
                 ("Drag on the pad", "Decode the point under the cursor, live")]
        ShortcutsDialog(rows, self).open()

    def show_about(self: Any) -> None:
        AboutDialog(self).open()

    def add_action(self: Any, text: str, keys: str, slot: Any) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(keys))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action
