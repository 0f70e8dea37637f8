"""Help > Guide: the offline guide opens with its sections and the app's own pictures, read off
the GUI thread, and a damaged install says so in the dialog."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QDialog

from genai_studio.core.errors import InputError
from genai_studio.ui.window import guide

SECTIONS = ("Your first image", "Morphing", "Taking your work out", "Your own images",
            "Training a model", "What the scores mean", "Glossary")


def _opened(window, qtbot) -> guide.GuideDialog:
    window.actions["guide"].trigger()
    dialog = window.findChild(QDialog, "guideDialog")
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: "Opening" not in dialog.browser.toPlainText(), timeout=10_000)
    return dialog


def test_the_guide_shows_every_section_and_picture(window, qtbot):
    assert window.actions["guide"].shortcut().toString() == "F1"
    dialog = _opened(window, qtbot)
    text = dialog.browser.toPlainText()
    for section in SECTIONS:
        assert section in text, section
    page, pictures = guide.read_guide()
    assert len(pictures) >= 5
    for name in pictures:
        image = dialog.browser.document().resource(
            QTextDocument.ResourceType.ImageResource, QUrl(name))
        assert image is not None and not image.isNull() and image.width() >= 400, name
    dialog.close()


def test_a_damaged_guide_is_explained_in_the_dialog(window, qtbot, tmp_path, monkeypatch):
    (tmp_path / "guide").mkdir()
    monkeypatch.setattr(guide, "guide_dir", lambda: tmp_path / "guide")  # no guide.html
    dialog = _opened(window, qtbot)
    assert "could not be opened" in dialog.browser.toPlainText()
    assert "Traceback" not in dialog.browser.toPlainText()
    dialog.close()


def test_an_oversized_guide_is_refused_before_it_is_read_whole(tmp_path):
    (tmp_path / "guide.html").write_text('<img src="big.png">')
    (tmp_path / "big.png").write_bytes(b"\0" * (guide.MAX_GUIDE_BYTES + 1))
    with pytest.raises(InputError, match="larger than expected"):
        guide.read_guide(tmp_path)
