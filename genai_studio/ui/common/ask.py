"""The questions the window asks the artist: a file to open or save, a name, a yes or no.

Kept in one module so every caller asks the same way, and so tests answer them by replacing
these functions (``monkeypatch.setattr(ask, "save_path", ...)``) instead of facing a modal
dialog. Each returns None (or False) when the artist cancels.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget


def open_path(parent: QWidget, title: str, start: Path, filters: str) -> Path | None:
    path, _ = QFileDialog.getOpenFileName(parent, title, str(start), filters)
    return Path(path) if path else None


def save_path(parent: QWidget, title: str, suggested: Path, filters: str) -> Path | None:
    path, _ = QFileDialog.getSaveFileName(parent, title, str(suggested), filters)
    return Path(path) if path else None


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


def folder(parent: QWidget, title: str, start: Path) -> Path | None:
    path = QFileDialog.getExistingDirectory(parent, title, str(start))
    return Path(path) if path else None


def colour(parent: QWidget, title: str, current: str) -> str | None:
    """A colour as #rrggbb."""
    from PySide6.QtGui import QColor
    from PySide6.QtWidgets import QColorDialog

    chosen = QColorDialog.getColor(QColor(current), parent, title)
    return chosen.name() if chosen.isValid() else None
