"""Issue 22 in the window: settings load defensively, text from files is shown as text, and a
hostile image costs only itself (the gallery, reopening)."""

from __future__ import annotations

import json
import os
import stat
import struct
import sys

import pytest
from PIL import Image
from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtWidgets import QMessageBox

from genai_studio.core.export.imagemeta import png_info
from genai_studio.core.export.provenance import Provenance
from genai_studio.ui.canvas.state import CanvasState
from genai_studio.ui.common.settings import Preferences


def _bomb_gif() -> bytes:
    """36 bytes declaring a 65535 x 65535 frame."""
    return (b"GIF89a" + struct.pack("<HHBBB", 65535, 65535, 0, 0, 0) + b"\x2c"
            + struct.pack("<HHHHB", 0, 0, 65535, 65535, 0) + b"\x02\x02\x44\x01\x00\x3b")


DEEP = "[" * 50_000 + "]" * 50_000
HOSTILE_VALUES = {
    "seed": "@Variant(\\0\\0\\0\\t\\0\\x7f\\xff\\xff\\xff)",  # a list claiming 2**31 items
    "grid": "@Variant(" + "\\0\\0\\0\\t\\0\\0\\0\\0\\x1" * 5000 + "\\0\\0\\0\\t\\0\\0\\0\\0\\0)",
    "export": json.dumps(DEEP),
    "gallery_files": json.dumps(DEEP),
    "theme": "@Variant(\\0\\0\\0\\b\\0\\0\\0\\0\\x1\\0\\0\\0\\x2\\0\\x61"
             "\\0\\0\\0\\x2\\0\\0\\0\\x1)",  # a map
    "last_model": "x" * 200_000,
    "dots": ", ".join(["0.5"] * 5000),
}


@pytest.mark.parametrize("key", sorted(HOSTILE_VALUES))
def test_a_hostile_setting_is_dropped_with_a_note_and_the_window_opens(qtbot, tmp_path,
                                                                        model_files,
                                                                        make_window, key):
    ini = tmp_path / "studio.ini"
    ini.write_text(f"[General]\n{key}={HOSTILE_VALUES[key]}\n")
    w = make_window(qtbot, model_files["vae"].parent, tmp_path,
                    QSettings(str(ini), QSettings.Format.IniFormat))
    qtbot.waitUntil(lambda: w.generations > 0, timeout=60_000)
    assert w.state.canvas.grid_size == CanvasState.grid_size.default or key != "grid"
    assert any(key in note for note in w.settings_notes), w.settings_notes
    w.close()


def test_values_read_from_settings_are_bounded(tmp_path):
    s = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    s.setValue("ok", 5)
    s.setValue("text", "t" * 100_000)
    s.setValue("list", [str(i) for i in range(5000)])
    s.setValue("map", {"a": 1})
    s.setValue("nested", [["a"]])
    prefs = Preferences(s)
    assert prefs.raw("ok") in (5, "5")
    for key in ("text", "list", "map", "nested"):
        assert prefs.raw(key) is None
    assert len(prefs.notes) == 4 and all("ignored" in note for note in prefs.notes)


@pytest.mark.skipif(os.name != "posix", reason="FIFOs")
def test_a_fifo_as_the_settings_file_never_hangs_and_is_never_written(tmp_path):
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(tmp_path))
    from genai_studio.ui.common.settings import settings_path

    path = settings_path()
    path.parent.mkdir(parents=True)
    os.mkfifo(path)
    prefs = Preferences.open()  # opening the FIFO would block here for ever
    assert prefs.raw("seed") is None and "FIFO" in prefs.notes[0]
    prefs.set("seed", 3)
    prefs.sync()
    assert stat.S_ISFIFO(os.lstat(path).st_mode)


def test_an_oversized_settings_file_is_kept_aside_and_defaults_used(tmp_path):
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(tmp_path))
    from genai_studio.ui.common.settings import MAX_FILE_BYTES, settings_path

    path = settings_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"[General]\nseed=5\n" + b"#" * MAX_FILE_BYTES)
    prefs = Preferences.open()
    assert prefs.raw("seed") is None and "too-large" in prefs.notes[0]
    assert path.with_name(path.name + ".too-large").stat().st_size > MAX_FILE_BYTES


@pytest.mark.skipif(sys.platform != "linux" or os.geteuid() != 0,
                    reason="a device node of our own needs root")
def test_a_settings_file_linked_to_a_device_is_never_replaced(qtbot, tmp_path, model_files,
                                                              make_window):
    device = tmp_path / "null-device"
    os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # our own /dev/null node
    ini = tmp_path / "studio.ini"
    ini.symlink_to(device)
    w = make_window(qtbot, model_files["vae"].parent, tmp_path,
                    QSettings(str(ini), QSettings.Format.IniFormat))
    qtbot.waitUntil(lambda: w.generations > 0, timeout=60_000)
    w.state.canvas.seed = 777
    w.close()
    assert ini.is_symlink() and stat.S_ISCHR(os.stat(device).st_mode)
    assert any("device" in note for note in w.settings_notes)


WINDOW_CHILD = """
import os, sys, time
os.environ['QT_QPA_PLATFORM'] = 'offscreen'
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
app = QApplication([])
from genai_studio import app as studio
ini, folder = sys.argv[1:3]
w = studio.create_main_window(folder, folder + '/user', QSettings(ini, QSettings.Format.IniFormat))
w.show()
end = time.monotonic() + 3
while time.monotonic() < end:  # the docks are placed (their layout restored) once laid out
    app.processEvents()
print('notes:', w.settings_notes, flush=True)
w.close()
os._exit(0)
"""


def test_a_damaged_dock_layout_never_stops_the_window_opening(tmp_path):
    """Qt's restoreState trusts the dock-area numbers it reads: one damaged byte of the saved
    layout crashed the studio at every start. A layout other than the one saved is dropped."""
    import subprocess
    from pathlib import Path

    ini = str(tmp_path / "studio.ini")

    def window() -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", WINDOW_CHILD, ini, str(tmp_path)],
                              capture_output=True, text=True, timeout=120,
                              cwd=Path(__file__).parents[2])

    first = window()  # closing it saves its layout
    assert first.returncode == 0 and "window_state" not in first.stdout, first.stderr[-2000:]
    settings = QSettings(ini, QSettings.Format.IniFormat)
    layout = bytearray(settings.value("window_state").data())
    assert layout[8] == 0xFD  # QMainWindow's dock marker; the first area's number follows
    layout[13:17] = struct.pack(">i", 16_384)
    settings.setValue("window_state", QByteArray(bytes(layout)))
    settings.sync()
    second = window()
    assert second.returncode == 0, (second.returncode, second.stderr[-2000:])
    assert "setting 'window_state' ignored" in second.stdout, second.stdout
    # A layout saved before layouts were sealed (an older studio's): reset once, in plain words
    settings = QSettings(ini, QSettings.Format.IniFormat)
    for key in ("window_state_sha256", "geometry_sha256"):
        settings.remove(key)
    settings.sync()
    third = window()
    assert third.returncode == 0, (third.returncode, third.stderr[-2000:])
    assert "the window's layout was reset after an update" in third.stdout, third.stdout
    assert "ignored" not in third.stdout, third.stdout


# ----------------------------------------------------------------------------- plain text

HTML = "<h1>Owned</h1><a href='https://example.com/x'>click</a><img src='x.png'>"


def test_error_dialogs_and_questions_show_html_as_text(qtbot):
    from genai_studio.ui.window.dialogs import show_error

    box = show_error(None, "Could not open", f"made with {HTML}")
    qtbot.addWidget(box)
    assert box.textFormat() == Qt.TextFormat.PlainText and HTML in box.text()
    box.close()


def test_reopening_an_image_whose_provenance_holds_html_says_so_as_text(window, qtbot,
                                                                        tmp_path):
    import numpy as np

    prov = Provenance(model_name=HTML, model_sha256="0" * 64, latent=np.zeros((1, 2),
                                                                            np.float32))
    path = tmp_path / "crafted.png"
    Image.new("L", (28, 28)).save(path, pnginfo=png_info(prov))
    window.state.open_image_requested.emit(path)
    qtbot.waitUntil(lambda: "not in the library" in window.last_error, timeout=20_000)
    boxes = [b for b in window.findChildren(QMessageBox) if b.objectName() == "errorDialog"]
    assert boxes and all(b.textFormat() == Qt.TextFormat.PlainText for b in boxes)
    assert HTML in boxes[-1].text()


def test_the_gallery_shows_names_and_provenance_as_text(window, qtbot, tmp_path):
    import numpy as np

    from genai_studio.ui.common.plain import tooltip

    favourites = window.paths.favourites
    favourites.mkdir(parents=True, exist_ok=True)
    prov = Provenance(model_name=HTML, model_sha256="0" * 64, latent=np.zeros((1, 2),
                                                                            np.float32))
    Image.new("L", (28, 28)).save(favourites / "<b>bold<b>.png", pnginfo=png_info(prov))
    (favourites / "bomb.gif").write_bytes(_bomb_gif())
    window.take_out.gallery.refresh()
    qtbot.waitUntil(lambda: len(window.state.takeout.gallery) == 2, timeout=20_000)
    tips = [window.gallery.list.item(i).toolTip() for i in range(window.gallery.list.count())]
    assert any("&lt;h1&gt;" in tip and "<h1>" not in tip for tip in tips), tips
    assert tooltip("<b>x</b>") == "<qt>&lt;b&gt;x&lt;/b&gt;</qt>"
    bad = [i for i in window.state.takeout.gallery if i.path.name == "bomb.gif"][0]
    assert bad.thumbnail is None and bad.problem  # listed, with why; the rest shown


def test_reopening_a_gif_bomb_is_one_line_not_a_raw_exception(window, qtbot, tmp_path):
    from genai_studio.ui.common.guard import GUARD

    path = tmp_path / "bomb.gif"
    path.write_bytes(_bomb_gif())
    window.state.open_image_requested.emit(path)
    qtbot.waitUntil(lambda: "bomb.gif" in window.last_error, timeout=20_000)
    assert "\n" not in window.last_error and "Error(" not in window.last_error
    assert not GUARD.faults


def test_an_oversized_settings_file_never_replaces_one_kept_aside_before(tmp_path):
    """Each oversized settings file is kept aside under its own name: the second went over
    the first, kept as ``.too-large``, and its favourites were gone."""
    from genai_studio.ui.common.settings import MAX_FILE_BYTES, _too_large

    path = tmp_path / "kept" / "GenAI Studio.ini"
    path.parent.mkdir()
    for text in ("first", "second"):
        path.write_bytes(f"[favourites]\n{text}=1\n".encode() + b";" * MAX_FILE_BYTES)
        assert _too_large(path) is not None and not path.exists()
    kept = sorted(path.parent.iterdir())
    assert [p.read_bytes()[:20] for p in kept] == [b"[favourites]\nfirst=1",
                                                 b"[favourites]\nsecond=1"[:20]]
