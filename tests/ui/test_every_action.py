"""Every command and every button of the window, in every state the studio can be in, runs
without an exception, a crash log or a slot off the GUI thread (the autouse guard fixture
fails the test on any slot fault, and on any bug a worker or a job caught and reported), and
no dialog ever shows the artist a Python exception."""

from __future__ import annotations

import re

import pytest
from PySide6.QtWidgets import QAbstractButton, QApplication, QDialog, QMessageBox

from genai_studio.ui.common import ask
from tests.ui.helpers import start_training

STATES = ["no model", "2-D VAE", "8-D VAE", "conditional", "glyph VAE", "GAN", "training"]
# How many commands each state has enabled at least: with no model, only the ones that need
# none (import, open, new dataset, help...).
AT_LEAST = {"no model": 10}
PYTHON_EXCEPTION = re.compile(r"\b[A-Z]\w*(Error|Exception|Warning):|Traceback")
MODEL_OF = {"2-D VAE": "vae", "8-D VAE": "vae8", "conditional": "cgan", "GAN": "gan",
            "training": "vae", "glyph VAE": "glyphs"}


@pytest.fixture
def answered(monkeypatch, tmp_path):
    """Every question a command asks is answered: a file, a name, a number, no to deleting."""
    monkeypatch.setattr(ask, "open_path", lambda *a, **k: tmp_path / "missing.safetensors")
    monkeypatch.setattr(ask, "save_path", lambda *a, **k: tmp_path / "out" / "file.png")
    monkeypatch.setattr(ask, "text", lambda *a, **k: "renamed")
    monkeypatch.setattr(ask, "integer", lambda *a, **k: 56)
    monkeypatch.setattr(ask, "confirm", lambda *a, **k: False)


def _settle(window, qtbot):
    # Long: a GAN's "Find again" inverts hundreds of images (10 s for the tiny one on a quiet
    # core, over 30 s beside other work on a shared machine).
    qtbot.waitUntil(lambda: window.studio.jobs.pending() == 0, timeout=120_000)
    qtbot.wait(20)
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QDialog | QMessageBox) and widget.isVisible():
            widget.close()


def _open(state, qtbot, tmp_path, model_files, make_window):
    if state == "no model":
        w = make_window(qtbot, tmp_path / "no-models", tmp_path)
        qtbot.waitUntil(lambda: w.is_interactive, timeout=30_000)
        return w
    w = make_window(qtbot, model_files[MODEL_OF[state]].parent, tmp_path)
    qtbot.waitUntil(lambda: w.generations > 0, timeout=30_000)
    if state == "training":
        start_training(w, qtbot)
    return w


@pytest.mark.parametrize("state", STATES)
def test_every_action_and_button_in_every_state(state, qtbot, tmp_path, model_files,
                                                make_window, answered, monkeypatch):
    logs = tmp_path / "logs"
    monkeypatch.setenv("GENAI_STUDIO_LOG_DIR", str(logs))
    w = _open(state, qtbot, tmp_path, model_files, make_window)
    dialogs: list[str] = []
    w.state.error_reported.connect(lambda title, message: dialogs.append(f"{title}: {message}"))
    qtbot.waitUntil(lambda: w.state.library.snapshot is not None, timeout=30_000)
    if w.state.canvas.grid is not None:
        w.state.canvas.selected = 3
    triggered = []
    for name, action in w.actions.items():
        if name in ("quit", "train") or not action.isEnabled():
            continue  # Quit ends the test; Train is a button below
        action.trigger()
        triggered.append(name)
        _settle(w, qtbot)
    for choice in w.theme_actions.values():
        choice.trigger()
    buttons = [b for b in w.findChildren(QAbstractButton) if b.isVisible() and b.isEnabled()]
    for button in buttons:
        if button.isVisible() and button.isEnabled():
            button.click()
            _settle(w, qtbot)
    w.run.cancel()
    qtbot.waitUntil(lambda: not w.run.is_running(), timeout=30_000)
    assert len(triggered) >= AT_LEAST.get(state, 15) and len(buttons) >= 8
    shown_bugs = [d for d in dialogs if PYTHON_EXCEPTION.search(d)]
    assert not shown_bugs, f"dialogs showed the artist a Python exception: {shown_bugs}"
    assert not logs.exists() or not any(logs.iterdir()), "a crash log was written"
    w.actions["quit"].trigger()
    assert not w.isVisible()
