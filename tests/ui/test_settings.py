"""Settings persist across windows and an unreadable file falls back to defaults."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt

from genai_studio.ui.settings import DEFAULTS, Preferences


def test_settings_round_trip(qtbot, tmp_path, model_files, make_window):
    ini = str(tmp_path / "studio.ini")
    w = make_window(qtbot, model_files["vae"].parent, tmp_path,
                    QSettings(ini, QSettings.Format.IniFormat))
    qtbot.waitUntil(lambda: w.generations > 0, timeout=30_000)
    w.toolbar.set_grid_size(5)
    w.toolbar.lock.setChecked(True)
    w.toolbar.seed.setValue(4242)
    right = Qt.DockWidgetArea.RightDockWidgetArea
    w.addDockWidget(right, w.docks["library"])  # the artist moved the library dock
    w.close()

    w2 = make_window(qtbot, model_files["vae"].parent, tmp_path,
                     QSettings(ini, QSettings.Format.IniFormat))
    qtbot.waitUntil(lambda: w2.generations > 0, timeout=30_000)
    assert w2.toolbar.grid_size() == 5
    assert w2.toolbar.lock.isChecked() and w2.toolbar.seed.value() == 4242
    assert w2.dockWidgetArea(w2.docks["library"]) == right  # the layout came back
    assert not QSettings(ini, QSettings.Format.IniFormat).value("geometry").isEmpty()
    assert w2.handle.path == model_files["vae"]  # the last model is reopened
    w2.close()


def test_corrupt_settings_fall_back_to_defaults(qtbot, tmp_path, model_files, make_window):
    ini = tmp_path / "studio.ini"
    ini.write_bytes(b"[General]\ngrid=banana\nseed=-7\nseed_locked=maybe\n"
                    b"geometry=@ByteArray(\\xff\\x00garbage)\nwindow_state=12\n"
                    b"device=warp-drive\nlast_model=/no/such/model.safetensors\n"
                    b"\x00\xff\xfe binary junk \x81\n[[[")
    w = make_window(qtbot, model_files["vae"].parent, tmp_path,
                    QSettings(str(ini), QSettings.Format.IniFormat))
    qtbot.waitUntil(lambda: w.generations > 0, timeout=30_000)
    assert w.toolbar.grid_size() == DEFAULTS["grid"]
    assert w.toolbar.seed.value() >= 0
    assert not w.toolbar.lock.isChecked()
    assert w.device_name() == "auto"
    assert w.handle.path == model_files["vae"]  # a missing last model: the first usable one
    w.close()


def test_unreadable_settings_status_uses_defaults(tmp_path):
    class Broken(QSettings):
        def status(self):  # noqa: ANN202
            return QSettings.Status.FormatError

    prefs = Preferences(Broken(str(tmp_path / "x.ini"), QSettings.Format.IniFormat))
    prefs.settings.setValue("grid", 10)
    assert prefs.get_int("grid", 4, 10) == DEFAULTS["grid"]
