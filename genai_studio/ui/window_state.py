"""The artist's preferences and the window's layout: restored into the studio state (and the
window) at start, saved from them on close. Every value read is validated by Preferences."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QRect

from genai_studio.ui.export_settings import ExportSettings
from genai_studio.ui.settings import GRID_SIZES
from genai_studio.ui.state import MAX_SEED, Theme

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMainWindow

    from genai_studio.ui.main_window import MainWindow
    from genai_studio.ui.settings import Preferences
    from genai_studio.ui.state import StudioState

# The first window takes this share of the screen's free area, whatever the screen.
SCREEN_SHARE = 0.9


def restore_state(state: StudioState, prefs: Preferences) -> None:
    state.grid_size = prefs.get_int("grid", GRID_SIZES[0], GRID_SIZES[-1])
    state.seed = prefs.get_int("seed", 0, MAX_SEED)
    state.seed_locked = prefs.get_bool("seed_locked")
    state.smooth = prefs.get_bool("smooth")
    state.device = prefs.get_str("device", ["auto", "cpu", "cuda", "mps"])
    state.theme = Theme(prefs.get_str("theme", [t.value for t in Theme]))
    state.dot_opacity = prefs.get_int("dot_opacity", 0, 100) / 100
    state.export_settings = ExportSettings.from_json(prefs.get_str("export"))


def save_state(state: StudioState, prefs: Preferences) -> None:
    prefs.set("grid", state.grid_size)
    prefs.set("seed", state.seed)
    prefs.set("seed_locked", state.seed_locked)
    prefs.set("smooth", state.smooth)
    prefs.set("device", state.device)
    prefs.set("theme", state.theme.value)
    prefs.set("dot_opacity", round(100 * state.dot_opacity))
    prefs.set("export", state.export_settings.to_json())
    if state.model is not None:
        prefs.set("last_model", str(state.model.path))


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
