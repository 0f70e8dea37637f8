"""The artist's preferences and the window's layout: the state's persisted fields restored at
start and saved on close (each field names its key and checks what it reads back), and the
window's geometry and docks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QRect

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMainWindow

    from genai_studio.ui.common.settings import Preferences
    from genai_studio.ui.studio.state import StudioState
    from genai_studio.ui.window.main_window import MainWindow

# The first window takes this share of the screen's free area, whatever the screen.
SCREEN_SHARE = 0.9


def restore_state(state: StudioState, prefs: Preferences) -> list[str]:
    """Every persisted field; returns a note for each stored value that was dropped (by the
    field's own check, or by the settings' bounds before it)."""
    notes = state.restore(prefs.raw)
    return [*prefs.notes, *(note for note in notes if note not in prefs.notes)]


def save_state(state: StudioState, prefs: Preferences) -> None:
    state.save(prefs.set)


def fit_to_screen(window: QMainWindow) -> None:
    """Size a first window to the screen's free area (a 1366x768 laptop included), centred."""
    available = window.screen().availableGeometry()
    rect = QRect(0, 0, int(available.width() * SCREEN_SHARE),
                 int(available.height() * SCREEN_SHARE))
    rect.moveCenter(available.center())
    window.setGeometry(rect)


def restore_layout(window: MainWindow, prefs: Preferences) -> None:
    geometry, layout = prefs.get_bytes("geometry"), prefs.get_bytes("window_state")
    if geometry is None or not window.restoreGeometry(geometry):
        fit_to_screen(window)
        window.reset_layout()
    else:
        # Saved on a larger screen: never reopen larger than this one's free area.
        available = window.screen().availableGeometry()
        if window.width() > available.width() or window.height() > available.height():
            fit_to_screen(window)
    if layout is not None:
        window.restoreState(layout)


def save_layout(window: QMainWindow, prefs: Preferences) -> None:
    prefs.set("geometry", window.saveGeometry())
    prefs.set("window_state", window.saveState())
