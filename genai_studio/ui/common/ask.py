"""The questions the window asks the artist: a file to open or save, a name, a yes or no.

Kept in one module so every caller asks the same way, and so tests answer them by replacing
these functions (``monkeypatch.setattr(ask, "save_path", ...)``) instead of facing a modal
dialog. Each returns None (or False) when the artist cancels.

File and folder questions given the studio's ``session`` open in the last folder the artist
used (``SessionState.last_folder``, kept across runs) instead of ``start``'s, and remember the
folder of the answer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget


def _last(session: Any) -> Path | None:
    folder = getattr(session, "last_folder", "") if session is not None else ""
    return Path(folder) if folder else None


def _remember(session: Any, folder: Path) -> None:
    if session is not None:
        session.last_folder = str(folder)


def open_path(parent: QWidget, title: str, start: Path, filters: str,
              session: Any = None) -> Path | None:
    path, _ = QFileDialog.getOpenFileName(parent, title, str(_last(session) or start), filters)
    if not path:
        return None
    _remember(session, Path(path).parent)
    return Path(path)


def save_path(parent: QWidget, title: str, suggested: Path, filters: str,
              session: Any = None) -> Path | None:
    last = _last(session)
    start = last / suggested.name if last is not None else suggested
    path, _ = QFileDialog.getSaveFileName(parent, title, str(start), filters)
    if not path:
        return None
    _remember(session, Path(path).parent)
    return Path(path)


def text(parent: QWidget, title: str, label: str, value: str) -> str | None:
    answer, ok = QInputDialog.getText(parent, title, label, text=value)
    return answer if ok and answer.strip() else None


def integer(parent: QWidget, title: str, label: str, value: int, low: int, high: int,
            step: int = 1) -> int | None:
    answer, ok = QInputDialog.getInt(parent, title, label, value, low, high, step)
    return answer if ok else None


def confirm(parent: QWidget, title: str, question: str) -> bool:
    """Yes or no; the question (which may name a file) is shown as plain text."""
    from PySide6.QtCore import Qt

    box = QMessageBox(QMessageBox.Icon.Question, title, question,
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    return box.exec() == QMessageBox.StandardButton.Yes


def folder(parent: QWidget, title: str, start: Path, session: Any = None) -> Path | None:
    path = QFileDialog.getExistingDirectory(parent, title, str(_last(session) or start))
    if not path:
        return None
    _remember(session, Path(path))
    return Path(path)


def colour(parent: QWidget, title: str, current: str) -> str | None:
    """A colour as #rrggbb."""
    from PySide6.QtGui import QColor
    from PySide6.QtWidgets import QColorDialog

    chosen = QColorDialog.getColor(QColor(current), parent, title)
    return chosen.name() if chosen.isValid() else None
