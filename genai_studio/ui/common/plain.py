"""Text from files is text: names, paths, provenance and error messages shown as they are.

Qt guesses whether a label's, a tooltip's or a message box's text is rich text (HTML) from its
first tag, so a model name or a provenance record holding ``<h1>`` or ``<a href=...>`` would
be rendered, links and all. Everything the studio shows that came from a file goes through
here: labels and message boxes get ``PlainText``, tooltips and rich tables get the text
escaped.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox


def plain(widget: QLabel | QMessageBox) -> QLabel | QMessageBox:
    """``widget`` shows its text as plain text from now on, whatever it holds."""
    widget.setTextFormat(Qt.TextFormat.PlainText)
    return widget


def escaped(text: object) -> str:
    """Text for inside a rich-text string (a table, a tooltip)."""
    return html.escape(str(text)).replace("\n", "<br>")


def tooltip(text: object) -> str:
    """A tooltip that shows ``text`` as it is (Qt would render a tooltip that looks like
    HTML): escaped, and marked rich so that the escapes are read back as characters."""
    return f"<qt>{escaped(text)}</qt>"
