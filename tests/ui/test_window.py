"""The window opens, generates, and its pad and morph strip decode what the artist points at."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget

from genai_studio.ui.guard import VIOLATIONS

NAMES = ["sampleCanvas", "latentPad", "padPreview", "trainButton", "pauseButton",
         "cancelButton", "modelLibrary", "deviceSelector", "generateButton"]


def test_window_opens_with_named_widgets(window):
    for name in NAMES:
        assert window.findChild(QWidget, name) is not None, name
    assert window.handle is not None and window.handle.latent_dim == 2
    assert window.canvas.tile_count() == 64  # the default 8 x 8 grid
    assert window.toolbar.device.count() >= 2  # auto + at least the CPU


def test_window_paints_before_torch_is_imported(tmp_path):
    code = (
        "import sys, os; os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from PySide6.QtCore import QSettings\n"
        "from genai_studio.cli import build_parser\n"
        "build_parser()  # `genai-studio` builds its parser on the way to the window\n"
        "from genai_studio import app\n"
        f"w = app.create_main_window({str(tmp_path)!r}, {str(tmp_path / 'u')!r}, "
        f"QSettings({str(tmp_path / 's.ini')!r}, QSettings.Format.IniFormat))\n"
        "w.show(); w.grab()\n"
        "assert 'torch' not in sys.modules, 'torch was imported before the first paint'\n"
        "assert 'numpy' not in sys.modules, 'numpy was imported before the first paint'\n"
        "w.close()\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, cwd=Path(__file__).parents[2])
    assert result.returncode == 0, result.stderr[-2000:]


def test_generate_changes_canvas_and_locked_seed_reproduces(window, qtbot):
    first = window.canvas.images.copy()
    count = window.generations
    qtbot.mouseClick(window.toolbar.generate, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.generations > count, timeout=10_000)
    second = window.canvas.images.copy()
    assert not np.array_equal(first, second)  # unlocked: a new seed, a new grid
    window.toolbar.lock.setChecked(True)
    for _ in range(2):
        count = window.generations
        window.generate()
        qtbot.waitUntil(lambda count=count: window.generations > count, timeout=10_000)
        assert np.array_equal(window.canvas.images, second)


def test_grid_size_changes_tile_count(window, qtbot):
    count = window.generations
    window.toolbar.set_grid_size(4)
    qtbot.waitUntil(lambda: window.generations > count, timeout=10_000)
    assert window.canvas.tile_count() == 16


def test_pad_drag_changes_preview(window, qtbot):
    pad, preview = window.pad_panel.pad, window.pad_panel.preview
    sq = pad.square()
    start = QPoint(int(sq.left() + 5), int(sq.top() + 5))
    QTest.mousePress(pad, Qt.MouseButton.LeftButton, pos=start)
    qtbot.waitUntil(lambda: window.pad_panel.decodes > 0, timeout=5_000)
    before = preview.pixels.copy()
    decodes = window.pad_panel.decodes
    QTest.mouseMove(pad, QPoint(int(sq.right() - 5), int(sq.bottom() - 5)))
    QTest.mouseRelease(pad, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.pad_panel.decodes > decodes, timeout=5_000)
    assert not np.array_equal(before, preview.pixels)
    assert pad.point[0] > 0.9 and pad.point[1] > 0.9


def test_pad_coalesces_a_burst_of_moves(window, qtbot):
    panel = window.pad_panel
    qtbot.waitUntil(lambda: panel.decodes > 0, timeout=5_000)
    decodes = panel.decodes
    for k in range(20):  # twenty moves before the event loop runs: one decode, the newest
        panel.pad.set_point(k / 20, 0.5)
    qtbot.waitUntil(lambda: panel.decodes > decodes, timeout=5_000)
    qtbot.wait(50)
    assert panel.decodes == decodes + 1
    expected = panel.latent_at(19 / 20, 0.5)
    assert panel.preview.caption == f"({expected[0]:+.2f}, {expected[1]:+.2f})"


def test_two_d_pad_gets_atlas_and_encoded_digits(window, qtbot):
    qtbot.waitUntil(lambda: window.pad_panel.pad.has_points(), timeout=20_000)
    assert window.pad_panel.pad.mode == "plane"
    assert window.pad_panel.legend.isVisibleTo(window.pad_panel)


def test_gan_pad_uses_corner_anchors_and_tiles_replace_them(gan_window, qtbot):
    w = gan_window
    assert w.pad_panel.pad.mode == "corners"
    old = w.pad_panel.corners.copy()
    w.on_tile_action("corner2", 5)
    assert np.allclose(w.pad_panel.corners[2], w.canvas.latents[5])
    assert np.allclose(w.pad_panel.corners[0], old[0])
    # At the corner the pad decodes exactly that anchor.
    assert np.allclose(w.pad_panel.latent_at(0.0, 1.0), w.canvas.latents[5], atol=1e-5)


def test_morph_strip_builds_and_plays_frames(window, qtbot):
    window.on_tile_action("morph_start", 0)
    window.on_tile_action("morph_end", 7)
    qtbot.waitUntil(lambda: len(window.morph.images) == window.morph.frame_count(),
                    timeout=10_000)
    assert np.allclose(window.morph.images[0], window.canvas.images[0], atol=1e-5)
    assert np.allclose(window.morph.images[-1], window.canvas.images[7], atol=1e-5)
    window.morph.set_playing(True)
    qtbot.waitUntil(lambda: window.morph.row.current >= 2, timeout=5_000)
    window.morph.set_playing(False)
    assert not window.morph.timer.isActive()


def test_broken_model_import_shows_error_and_keeps_model(window, qtbot, tmp_path):
    active = window.handle
    bad = tmp_path / "evil.safetensors"
    bad.write_bytes(b"\x80\x04\x95" + b"not really a model" * 10)  # a pickle in disguise
    window.import_model(bad)
    qtbot.waitUntil(lambda: bool(window.last_error), timeout=10_000)
    assert "pickle" in window.last_error
    assert window.handle is active
    assert not (tmp_path / "user" / "evil.safetensors").exists()


def test_good_model_import_is_copied_and_activated(window, qtbot, model_files):
    window.import_model(model_files["gan"])
    qtbot.waitUntil(lambda: window.handle is not None and window.handle.kind == "gan",
                    timeout=10_000)
    assert window.handle.path.parent == window.paths.user_models
    assert window.handle.path.exists()


def test_no_slot_ran_off_the_gui_thread():
    assert VIOLATIONS == []


def test_conditional_model_offers_a_digit_picker(qtbot, tmp_path, model_files, make_window):
    w = make_window(qtbot, model_files["cvae"].parent, tmp_path)
    qtbot.waitUntil(lambda: w.generations > 0, timeout=30_000)
    assert w.toolbar.digit_action.isVisible()
    assert sorted(set(w.canvas.labels.tolist())) == list(range(10))  # "any": every digit
    count = w.generations
    w.toolbar.digit.setCurrentIndex(w.toolbar.digit.findData(3))
    qtbot.waitUntil(lambda: w.generations > count, timeout=10_000)
    assert set(w.canvas.labels.tolist()) == {3}
    assert w.pad_panel.label == 3
    w.close()


def test_conditional_morph_keeps_the_tiles_digit(qtbot, tmp_path, model_files, make_window):
    w = make_window(qtbot, model_files["cvae"].parent, tmp_path)
    qtbot.waitUntil(lambda: w.generations > 0, timeout=30_000)
    assert w.canvas.labels[3] == 3  # "any": tiles cycle through the digits
    w.on_tile_action("morph_start", 3)
    w.on_tile_action("morph_end", 13)
    qtbot.waitUntil(lambda: len(w.morph.images) > 0, timeout=10_000)
    # Frame 0 is exactly tile 3: decoded with tile 3's digit, not a default one.
    assert np.allclose(w.morph.images[0], w.canvas.images[3], atol=1e-5)
    w.close()


def test_device_switch_reloads_the_model_without_restart(window, qtbot):
    old = window.handle
    selector = window.toolbar.device
    selector.setCurrentIndex(selector.findData("cpu"))
    qtbot.waitUntil(lambda: window.handle is not old, timeout=10_000)
    assert window.handle.device == "cpu" and window.handle.path == old.path
    assert window.status["device"].text() == "device: cpu"
    assert window.training.app_device == "cpu"


def test_unavailable_device_is_refused_and_the_selector_reverts(window, qtbot):
    selector = window.toolbar.device
    active = window.handle
    selector.addItem("MPS", "mps")  # not on this machine: the load must fail cleanly
    selector.setCurrentIndex(selector.findData("mps"))
    qtbot.waitUntil(lambda: bool(window.last_error), timeout=10_000)
    assert "MPS" in window.last_error and window.handle is active
    assert window.device_name() == active.device
