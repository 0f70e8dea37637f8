"""The window opens, generates, and its pad and morph strip decode what the artist points at."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget

from genai_studio.ui.pad.state import PadMode
from genai_studio.ui.studio.kinds import Corner

NAMES = ["sampleCanvas", "latentPad", "padPreview", "modelLibrary", "deviceSelector",
         "generateButton", "seedField", "seedLock", "gridSize", "morphStrip"]
# In the training panel, which waits behind the library's tab: built when first shown.
TRAINING_NAMES = ["trainingPanel", "trainButton", "pauseButton", "cancelButton"]


def test_window_opens_with_named_widgets(window):
    for name in NAMES:
        assert window.findChild(QWidget, name) is not None, name
    window.show_training()
    for name in TRAINING_NAMES:
        assert window.findChild(QWidget, name) is not None, name
    assert window.handle is not None and window.handle.latent_dim == 2
    assert window.canvas.tile_count() == 64  # the default 8 x 8 grid
    assert window.toolbar.device.count() >= 2  # auto + at least the CPU


def test_hidden_panels_are_built_when_first_shown(make_window, model_files, qtbot, tmp_path):
    """Only what is on screen is built at start; a hidden panel is built (and wired to its
    controller) in the event that first shows it, before that frame is painted."""
    w = make_window(qtbot, model_files["vae"].parent, tmp_path)
    hidden = ("training", "gallery", "material", "datasets", "inside")
    assert not any(w.deferred[name].built for name in hidden)
    assert w.findChild(QWidget, "trainingPanel") is None
    w.docks["gallery"].raise_()  # its tab chosen: on screen now
    qtbot.waitUntil(lambda: w.deferred["gallery"].built, timeout=5_000)
    assert w.gallery.isVisible()
    assert not w.deferred["training"].built  # still behind a tab
    w.library_tabs.setCurrentIndex(1)
    assert w.deferred["datasets"].built and w.datasets.isVisible()
    w.actions["reset_layout"].trigger()
    w.docks["inside"].toggleViewAction().trigger()  # View > Inside view
    qtbot.waitUntil(lambda: w.deferred["inside"].built and w.inside_view.isVisible(),
                    timeout=5_000)
    assert w.training.objectName() == "trainingPanel"  # reading it builds it
    assert w.deferred["training"].built
    qtbot.waitUntil(lambda: w.is_interactive, timeout=90_000)
    w.close()


def _python(code: str, timeout: int) -> subprocess.CompletedProcess:
    """``code`` in a child Python run from the repository: a fresh process, so what it
    imports, and when, is its own."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=timeout, cwd=Path(__file__).parents[2])


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
    result = _python(code, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]


def test_an_artists_launch_maps_a_frame_before_the_studio_loads(tmp_path):
    """The frame (title, size, the artist's theme) shows before the composition's modules,
    the state's or torch load; the studio is composed on its first paint and torch comes
    after the composed window has painted."""
    settings = tmp_path / "s.ini"
    settings.write_text("[General]\ntheme=light\n")
    code = (
        "import sys, os; os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from PySide6.QtCore import QSettings\n"
        "from genai_studio import app\n"
        "from genai_studio.ui.common import theme\n"
        "app._ensure_app(offscreen=True)\n"
        f"w = app.create_main_window({str(tmp_path)!r}, {str(tmp_path / 'u')!r}, "
        f"QSettings({str(settings)!r}, QSettings.Format.IniFormat), compose_now=False)\n"
        "w.show(); w.grab()\n"
        "loaded = [m for m in ('torch', 'numpy', 'genai_studio.ui.window.composition',\n"
        "          'genai_studio.ui.studio.state', 'genai_studio.workers.messages')\n"
        "          if m in sys.modules]\n"
        "assert not loaded and not w.composed, loaded\n"
        "assert theme.SCHEME == 'light', 'the frame is not in the artist\\'s theme'\n"
        "from genai_studio.ui.window import composition\n"
        "compose, seen = composition.compose, []\n"
        "composition.compose = lambda win: (compose(win), seen.append('torch' in sys.modules))\n"
        "app.wait_until(lambda: w.composed, 30)\n"
        "assert seen == [False], 'torch was imported before the studio was composed'\n"
        "app.wait_until(lambda: 'torch' in sys.modules, 60)\n"
        "assert w.docks['pad'].isVisible() and w.stack.isVisible()\n"
        "print('ok')\n"
        "os._exit(0)\n"
    )
    result = _python(code, timeout=120)
    assert result.returncode == 0 and "ok" in result.stdout, result.stderr[-2000:]


def test_no_qt_library_is_imported_off_the_gui_thread(tmp_path):
    """Start-up through the training warm-up, with a shipped model: no module that reads
    PySide6's types (PySide6's own, pyqtgraph) is imported on a worker thread. PySide6 builds a
    type's wrapper when it is first read, which is not thread-safe: pyqtgraph imported on the
    inference thread crashed about 1 launch in 20 (SIGSEGV)."""
    code = (
        "import sys, os, threading; os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "off_thread = []\n"
        "def hook(event, args):\n"
        "    if event == 'import' and threading.current_thread() is not threading.main_thread()\\\n"
        "            and args[0].split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph'):\n"
        "        off_thread.append((args[0], threading.current_thread().name))\n"
        "sys.addaudithook(hook)\n"
        "from PySide6.QtCore import QSettings\n"
        "from genai_studio import app\n"
        "app._ensure_app(offscreen=True)\n"
        f"w = app.create_main_window(None, {str(tmp_path / 'u')!r}, "
        f"QSettings({str(tmp_path / 's.ini')!r}, QSettings.Format.IniFormat))\n"
        "w.persist_settings = False\n"
        "w.show()\n"
        "assert app.wait_until(lambda: w.studio.warm and 'pyqtgraph' in sys.modules, 90)\n"
        "assert w.state.session.model is not None, 'no shipped model was opened'\n"
        "print('off-thread imports:', off_thread, flush=True)\n"
        "w.close()\n"
        "os._exit(0)\n"
    )
    result = _python(code, timeout=150)
    assert "off-thread imports: []" in result.stdout, result.stdout + result.stderr[-2000:]


def test_a_fault_while_composing_is_one_line_and_ends_the_app(tmp_path):
    """An internal error while the studio is composed into its frame: one line and a crash
    log, the workers already made joined, the application ends (not a half-built window
    stuck at "Starting…")."""
    code = (
        "import sys, os; os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        f"os.environ['GENAI_STUDIO_LOG_DIR'] = {str(tmp_path / 'log')!r}\n"
        "from PySide6.QtCore import QSettings\n"
        "from genai_studio import app\n"
        "from genai_studio.ui.window import composition\n"
        "qt = app._ensure_app(offscreen=True)\n"
        "real = composition._menus\n"
        "def broken(w): raise RuntimeError('boom while composing')\n"
        "composition._menus = broken\n"
        f"w = app.create_main_window({str(tmp_path)!r}, {str(tmp_path / 'u')!r}, "
        f"QSettings({str(tmp_path / 's.ini')!r}, QSettings.Format.IniFormat), "
        "compose_now=False)\n"
        "w.show()\n"
        "print('exit', qt.exec(), w.studio.jobs.thread.isRunning(), flush=True)\n"
        "os._exit(0)\n"
    )
    result = _python(code, timeout=120)
    assert "exit 70 False" in result.stdout, result.stdout + result.stderr[-2000:]
    assert "internal error (RuntimeError: boom while composing)" in result.stderr
    assert list((tmp_path / "log").glob("crash-*.log"))


def test_a_window_composed_on_screen_gets_the_same_panels_as_one_composed_at_once(
        qtbot, tmp_path, model_files):
    """The docks of a window composed after its first paint are placed as on a first start:
    sized for the window, not left at the sizes their contents ask for."""
    from PySide6.QtCore import QSettings

    from genai_studio.app import create_main_window

    sizes = {}
    for now in (True, False):
        folder = tmp_path / str(now)
        settings = QSettings(str(folder / "s.ini"), QSettings.Format.IniFormat)
        w = create_main_window(model_files["vae"].parent, folder / "user", settings,
                               compose_now=now)
        qtbot.addWidget(w)
        w.resize(1229, 691)
        if now:
            w.reset_layout()  # placed for this size, as a first start on this screen does
        w.show()
        qtbot.waitUntil(lambda w=w: w.composed and w.updatesEnabled(), timeout=10_000)
        qtbot.wait(50)
        sizes[now] = {name: (w.docks[name].width(), w.docks[name].height())
                      for name in ("library", "pad", "morph")}
        w.close()
    assert sizes[True] == sizes[False]


def _wait_grid(qtbot, w, after: int):
    qtbot.waitUntil(lambda: w.generations > after, timeout=10_000)


def test_generate_draws_a_new_seed_unless_locked(window, qtbot):
    s = window.state
    first, seed = s.canvas.grid.images.copy(), s.canvas.seed
    count = window.generations
    qtbot.mouseClick(window.toolbar.generate, Qt.MouseButton.LeftButton)
    _wait_grid(qtbot, window, count)
    assert s.canvas.seed != seed and not np.array_equal(first, s.canvas.grid.images)
    second = s.canvas.grid.images.copy()
    s.canvas.seed_locked = True
    for _ in range(2):
        count = window.generations
        window.actions["generate"].trigger()
        _wait_grid(qtbot, window, count)
        assert np.array_equal(s.canvas.grid.images, second)


def test_a_typed_seed_is_drawn_by_generate_and_by_enter(window, qtbot):
    s, seed_field = window.state, window.toolbar.seed
    seed_field.setValue(4242)  # the artist typed a seed; Generate must draw it, not a random one
    count = window.generations
    window.toolbar.generate.click()
    _wait_grid(qtbot, window, count)
    assert s.canvas.grid.seed == 4242
    seed_field.setFocus()
    seed_field.selectAll()
    QTest.keyClicks(seed_field, "777")
    count = window.generations
    QTest.keyClick(seed_field, Qt.Key.Key_Return)
    _wait_grid(qtbot, window, count)
    assert s.canvas.grid.seed == 777 and s.canvas.seed == 777


def test_a_bigger_grid_keeps_the_first_tiles(window, qtbot):
    s = window.state
    small = s.canvas.grid
    count = window.generations
    s.canvas.grid_size = 10
    _wait_grid(qtbot, window, count)
    assert window.canvas.tile_count() == 100 and s.canvas.grid.seed == small.seed
    np.testing.assert_array_equal(s.canvas.grid.latents[:64], small.latents)


def test_pad_drag_changes_preview(window, qtbot):
    pad, preview, panel = window.pad_panel.pad, window.pad_panel.preview, window.pad_panel
    sq = pad.square()
    QTest.mousePress(pad, Qt.MouseButton.LeftButton, pos=QPoint(int(sq.left() + 5),
                                                                int(sq.top() + 5)))
    qtbot.waitUntil(lambda: panel.decodes > 0, timeout=5_000)
    before, decodes = preview.pixels.copy(), panel.decodes
    QTest.mouseMove(pad, QPoint(int(sq.right() - 5), int(sq.bottom() - 5)))
    QTest.mouseRelease(pad, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.decodes > decodes, timeout=5_000)
    assert not np.array_equal(before, preview.pixels)
    u, v = window.state.pad.point
    assert u > 0.9 and v > 0.9


def test_arrow_keys_nudge_the_pad_point(window, qtbot):
    pad, s = window.pad_panel.pad, window.state
    pad.setFocus()
    s.pad.point = (0.5, 0.5)
    QTest.keyClick(pad, Qt.Key.Key_Right)
    QTest.keyClick(pad, Qt.Key.Key_Up, Qt.KeyboardModifier.ShiftModifier)
    u, v = s.pad.point
    assert abs(u - 0.51) < 1e-9 and abs(v - 0.4) < 1e-9
    decodes = window.pad_panel.decodes
    qtbot.waitUntil(lambda: window.pad_panel.decodes > decodes, timeout=5_000)


def test_pad_coalesces_a_burst_of_moves(window, qtbot):
    panel = window.pad_panel
    qtbot.waitUntil(lambda: panel.decodes > 0, timeout=5_000)
    qtbot.wait(50)
    decodes = panel.decodes
    for k in range(20):  # twenty moves before the event loop runs: one decode, the newest
        panel.pad.set_point(k / 20, 0.5)
    qtbot.waitUntil(lambda: panel.decodes > decodes, timeout=5_000)
    qtbot.wait(50)
    assert panel.decodes == decodes + 1
    expected = window.state.pad.plane.latent_at(19 / 20, 0.5)
    assert panel.preview.caption == f"z = ({expected[0]:+.2f}, {expected[1]:+.2f})"


def test_two_d_pad_gets_atlas_and_encoded_digits(window, qtbot):
    qtbot.waitUntil(lambda: window.pad_panel.pad.has_points(), timeout=20_000)
    assert window.pad_panel.pad.mode is PadMode.PLANE
    assert window.pad_panel.legend_holder.isVisibleTo(window.pad_panel)


def test_gan_pad_uses_corner_anchors_that_tiles_replace(gan_window, qtbot):
    w, s = gan_window, gan_window.state
    assert w.pad_panel.pad.mode is PadMode.CORNERS
    # The corner plane has an atlas too: the pad is never blank inside.
    qtbot.waitUntil(lambda: s.pad.background is not None, timeout=10_000)
    assert s.pad.background.atlas.shape[0] > 28
    old = [a.latent.copy() for a in s.pad.corners]
    s.canvas.selected = 5
    w.actions["corner_2"].trigger()  # the key 3
    assert np.allclose(s.pad.corners[Corner.BOTTOM_LEFT].latent, s.canvas.grid.latents[5])
    assert np.allclose(s.pad.corners[Corner.TOP_LEFT].latent, old[0])
    # At the corner the pad decodes exactly that anchor.
    assert np.allclose(s.pad.plane.latent_at(0.0, 1.0), s.canvas.grid.latents[5], atol=1e-5)
    assert "↖" in w.pad_panel.preview.caption  # corner shares, not a meaningless |z|


def test_number_keys_send_the_selected_tile_to_a_corner(gan_window, qtbot):
    w, s = gan_window, gan_window.state
    w.canvas.setFocus()
    s.canvas.selected = 3
    QTest.keyClick(w.canvas, Qt.Key.Key_4)
    assert np.allclose(s.pad.corners[Corner.BOTTOM_RIGHT].latent, s.canvas.grid.latents[3])


def test_morph_strip_builds_and_plays_frames(window, qtbot):
    s = window.state
    s.canvas.selected = 0
    window.actions["morph_start"].trigger()
    s.canvas.selected = 7
    window.actions["morph_end"].trigger()
    qtbot.waitUntil(lambda: s.morph.frames is not None
                    and len(s.morph.frames) == s.morph.frame_count, timeout=10_000)
    assert np.allclose(s.morph.frames[0], s.canvas.grid.images[0], atol=1e-5)
    assert np.allclose(s.morph.frames[-1], s.canvas.grid.images[7], atol=1e-5)
    window.actions["play_morph"].trigger()
    qtbot.waitUntil(lambda: window.morph.row.current >= 2, timeout=5_000)
    window.actions["play_morph"].trigger()
    assert not window.morph.timer.isActive()
    window.morph.row.setFocus()
    current = window.morph.row.current
    QTest.keyClick(window.morph.row, Qt.Key.Key_Left)
    assert window.morph.row.current == current - 1  # the strip takes keyboard focus


def test_double_click_sends_tiles_to_a_then_b(window, qtbot):
    s, canvas = window.state, window.canvas
    for index in (2, 9):
        QTest.mouseDClick(canvas, Qt.MouseButton.LeftButton,
                          pos=canvas.tile_rect(index).center())
    assert s.morph.start.source == "tile 3" and s.morph.end.source == "tile 10"


def test_broken_model_import_shows_error_and_keeps_model(window, qtbot, tmp_path):
    active = window.handle
    bad = tmp_path / "evil.safetensors"
    bad.write_bytes(b"\x80\x04\x95" + b"not really a model" * 10)  # a pickle in disguise
    window.library_actions.import_file(bad)
    qtbot.waitUntil(lambda: bool(window.last_error), timeout=10_000)
    assert "pickle" in window.last_error
    assert window.handle is active
    assert not list((tmp_path / "user").glob("evil*"))


def test_a_judge_file_is_refused_not_adopted(window, qtbot, model_files):
    active = window.handle
    window.library_actions.import_file(model_files["judge"])
    qtbot.waitUntil(lambda: bool(window.last_error), timeout=10_000)
    assert "does not draw" in window.last_error
    assert window.handle is active and window.toolbar.model_label.text() == active.name


def test_good_model_import_is_copied_and_activated(window, qtbot, model_files):
    window.library_actions.import_file(model_files["gan"])
    qtbot.waitUntil(lambda: window.handle.kind == "gan", timeout=10_000)
    assert window.handle.path.parent == window.paths.user_models
    assert window.handle.path.exists()
    assert window.toolbar.model_label.text() == window.handle.name


def test_conditional_model_offers_a_digit_picker(cvae_window, qtbot):
    w, s = cvae_window, cvae_window.state
    assert w.toolbar.digit_action.isVisible()
    assert sorted(set(s.canvas.grid.labels.tolist())) == list(range(10))  # "any": every digit
    assert w.pad_panel.digit.isVisibleTo(w.pad_panel)  # the pad says which digit it draws
    assert w.pad_panel.digit.currentText() == "digit 0"
    count = w.generations
    w.toolbar.digit.setCurrentIndex(w.toolbar.digit.findData(3))
    _wait_grid(qtbot, w, count)
    assert set(s.canvas.grid.labels.tolist()) == {3}
    assert s.pad.effective_digit == 3 and w.pad_panel.digit.currentIndex() == 3


def test_conditional_morph_keeps_the_tiles_digit(cvae_window, qtbot):
    w, s = cvae_window, cvae_window.state
    assert s.canvas.grid.labels[3] == 3  # "any": tiles cycle through the digits
    s.canvas.selected = 3
    w.actions["morph_start"].trigger()
    s.canvas.selected = 13
    w.actions["morph_end"].trigger()
    qtbot.waitUntil(lambda: s.morph.frames is not None, timeout=10_000)
    # Frame 0 is exactly tile 3: decoded with tile 3's digit, not a default one.
    assert np.allclose(s.morph.frames[0], s.canvas.grid.images[3], atol=1e-5)


def test_choosing_the_device_the_model_is_on_does_not_reload_it(window, qtbot):
    old = window.handle  # "auto" resolved to the CPU here
    loads = []  # the load request is synchronous: a spy on it needs no waiting
    window.studio.inference.request_load.connect(loads.append)
    selector = window.toolbar.device
    selector.setCurrentIndex(selector.findData("cpu"))
    assert window.state.session.device == "cpu"
    assert loads == [] and window.handle is old
    assert window.status["device"].text() == "device: cpu"


def test_unavailable_device_is_refused_and_the_selector_reverts(window, qtbot):
    active = window.handle
    # Pretend the machine has MPS: loading there must fail.
    window.state.session.devices = (*window.state.session.devices, "mps")
    window.state.session.device = "mps"
    qtbot.waitUntil(lambda: bool(window.last_error), timeout=10_000)
    assert "MPS" in window.last_error and window.handle is active
    assert window.state.session.device == active.device
    assert window.toolbar.device.currentData() == active.device


def test_with_no_model_the_studio_says_what_to_do_next(qtbot, tmp_path, make_window):
    w = make_window(qtbot, tmp_path / "no-models", tmp_path)
    qtbot.waitUntil(lambda: w.is_interactive, timeout=90_000)
    empty = w.empty
    assert w.stack.currentWidget() is empty and empty.title.text() == "No model yet"
    assert empty.train_button.isVisible() and empty.import_button.isVisible()
    assert empty.text.height() >= 3 * empty.text.fontMetrics().lineSpacing()  # not clipped
    assert not w.toolbar.generate.isEnabled()
    w.close()


def test_a_panel_whose_build_fails_is_built_again_on_the_next_show(qtbot):
    """A panel that cannot be built (a module missing from a bundle) does not stay an empty
    placeholder: the fault goes to the artist (and fails the self-test), the next show tries
    again; a build that asks for its own panel is an error, not a loop."""
    import pytest
    from PySide6.QtWidgets import QLabel

    from genai_studio.ui.window.deferred import BuiltOnShow

    calls: list[int] = []

    def build() -> QLabel:
        calls.append(1)
        if len(calls) == 1:
            raise ImportError("No module named 'pyqtgraph'")
        return QLabel("built")

    holder = BuiltOnShow("probe", build)
    qtbot.addWidget(holder)
    with pytest.raises(ImportError):
        holder.content()
    assert not holder.built
    holder.show()
    assert holder.built and holder.content().text() == "built" and holder.content().isVisible()
    assert len(calls) == 2
    selfish = BuiltOnShow("selfish", lambda: selfish.content())
    qtbot.addWidget(selfish)
    with pytest.raises(RuntimeError, match="asked for the panel itself"):
        selfish.content()
