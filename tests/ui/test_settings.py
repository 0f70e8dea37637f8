"""Settings persist across windows and an unreadable file falls back to defaults."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt

from genai_studio.ui.canvas.state import CanvasState
from genai_studio.ui.common.settings import Preferences
from genai_studio.ui.common.theme import Theme
from genai_studio.ui.pad.state import PadState


def test_settings_round_trip(qtbot, tmp_path, model_files, make_window):
    ini = str(tmp_path / "studio.ini")
    w = make_window(qtbot, model_files["vae"].parent, tmp_path,
                    QSettings(ini, QSettings.Format.IniFormat))
    qtbot.waitUntil(lambda: w.generations > 0, timeout=30_000)
    s = w.state
    s.canvas.grid_size = 5
    s.canvas.seed_locked = True
    s.canvas.seed = 4242
    s.view.theme = Theme.LIGHT
    s.pad.dot_opacity = 0.2
    right = Qt.DockWidgetArea.RightDockWidgetArea
    w.addDockWidget(right, w.docks["library"])  # the artist moved the library dock
    w.close()

    w2 = make_window(qtbot, model_files["vae"].parent, tmp_path,
                     QSettings(ini, QSettings.Format.IniFormat))
    qtbot.waitUntil(lambda: w2.generations > 0, timeout=30_000)
    s2 = w2.state
    assert s2.canvas.grid_size == 5 and s2.canvas.seed_locked and s2.canvas.seed == 4242
    assert s2.canvas.grid.seed == 4242  # the locked seed's grid is what reopens
    assert s2.view.theme is Theme.LIGHT and abs(s2.pad.dot_opacity - 0.2) < 1e-9
    assert w2.dockWidgetArea(w2.docks["library"]) == right  # the layout came back
    assert not QSettings(ini, QSettings.Format.IniFormat).value("geometry").isEmpty()
    assert w2.handle.path == model_files["vae"]  # the last model is reopened
    s2.view.theme = Theme.DARK
    w2.close()


def test_corrupt_settings_fall_back_to_defaults(qtbot, tmp_path, model_files, make_window):
    ini = tmp_path / "studio.ini"
    ini.write_bytes(b"[General]\ngrid=banana\nseed=-7\nseed_locked=maybe\n"
                    b"geometry=@ByteArray(\\xff\\x00garbage)\nwindow_state=12\n"
                    b"device=warp-drive\nlast_model=/no/such/model.safetensors\n"
                    b"theme=neon\ndots=999\n"
                    b"\x00\xff\xfe binary junk \x81\n[[[")
    w = make_window(qtbot, model_files["vae"].parent, tmp_path,
                    QSettings(str(ini), QSettings.Format.IniFormat))
    qtbot.waitUntil(lambda: w.generations > 0, timeout=30_000)
    s = w.state
    assert s.canvas.grid_size == CanvasState.grid_size.default
    assert s.canvas.seed >= 0 and not s.canvas.seed_locked
    assert s.session.device == "auto" and s.view.theme is Theme.SYSTEM
    assert s.pad.dot_opacity == PadState.dot_opacity.default
    assert w.handle.path == model_files["vae"]  # a missing last model: the first usable one
    w.close()


def test_unreadable_settings_status_uses_defaults(tmp_path):
    class Broken(QSettings):
        def status(self):  # noqa: ANN202
            return QSettings.Status.FormatError

    prefs = Preferences(Broken(str(tmp_path / "x.ini"), QSettings.Format.IniFormat))
    prefs.settings.setValue("grid", 10)
    assert prefs.raw("grid") is None  # nothing is read from a file Qt could not parse


def test_a_dropped_setting_is_noted_once_though_read_twice(qtbot, tmp_path, model_files,
                                                           make_window):
    """The frame reads the theme before the state does: one note for the artist, not two."""
    ini = tmp_path / "studio.ini"
    ini.write_text("[General]\ntheme=" + "x" * 70_000 + "\n")
    w = make_window(qtbot, model_files["vae"].parent, tmp_path,
                    QSettings(str(ini), QSettings.Format.IniFormat))
    qtbot.waitUntil(lambda: w.generations > 0, timeout=30_000)
    theme_notes = [n for n in w.settings_notes if "'theme'" in n]
    assert len(theme_notes) == 1 and w.state.view.theme is Theme.SYSTEM, w.settings_notes
    w.close()
