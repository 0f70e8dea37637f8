"""Saving and restoring the window's preferences and layout through :class:`Preferences`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from genai_studio.ui.settings import GRID_SIZES
from genai_studio.ui.toolbar import MAX_SEED

if TYPE_CHECKING:
    from genai_studio.ui.main_window import MainWindow


def restore(w: MainWindow) -> None:
    """Apply saved preferences (each already validated by Preferences) to a new window."""
    p = w.prefs
    w.toolbar.set_grid_size(p.get_int("grid", GRID_SIZES[0], GRID_SIZES[-1]))
    w.toolbar.seed.setValue(p.get_int("seed", 0, MAX_SEED))
    w.toolbar.lock.setChecked(p.get_bool("seed_locked"))
    smooth = p.get_bool("smooth")
    w.canvas.set_smooth(smooth)
    w.pad_panel.preview.smooth = smooth
    geometry, state = p.get_bytes("geometry"), p.get_bytes("window_state")
    if geometry is not None:
        w.restoreGeometry(geometry)
    if state is not None:
        w.restoreState(state)


def save(w: MainWindow) -> None:
    p = w.prefs
    p.set("geometry", w.saveGeometry())
    p.set("window_state", w.saveState())
    p.set("grid", w.toolbar.grid_size())
    p.set("seed", w.toolbar.seed.value())
    p.set("seed_locked", w.toolbar.lock.isChecked())
    p.set("device", str(w.toolbar.device.currentData()))
    p.set("smooth", w.canvas.smooth)
    if w.handle is not None:
        p.set("last_model", str(w.handle.path))
    p.sync()
