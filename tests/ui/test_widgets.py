"""Each widget on its own, bound to a bare StudioState: no window, no worker threads."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget

from genai_studio.core.train.events import RunState
from genai_studio.ui.canvas.state import Grid
from genai_studio.ui.pad.state import PadMode
from genai_studio.ui.studio.kinds import Anchor
from genai_studio.ui.training.state import TrainingStatus
from genai_studio.ui.window.actions import bind_actions, build_actions, tile_actions
from tests.ui.helpers import record_handlers


@pytest.fixture
def host(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.show()  # children get their resize events at once
    return widget


@pytest.fixture
def actions(host, state):
    """The window's actions, bound to the state, with handlers that record what was asked."""
    asked: list[str] = []
    built = build_actions(host, record_handlers(asked))
    bind_actions(built, state)
    built["asked"] = asked  # type: ignore[assignment]
    return built


def _grid(state, handle, n: int = 16, seed: int = 7) -> Grid:
    from genai_studio.core.latent.sampling import sample

    drawn = sample(handle.model, n, seed)
    grid = Grid(handle, seed, None, drawn.images, drawn.latents, drawn.labels)
    state.canvas.grid = grid
    return grid


def test_toolbar_shows_and_writes_the_state(state, host, actions, handle, qtbot):
    from genai_studio.ui.canvas.toolbar import StudioToolbar

    bar = StudioToolbar(state, actions, host)
    requests = []
    state.generate_requested.connect(requests.append)
    assert not bar.generate.isEnabled() and bar.model_label.text() == "no model"
    state.session.devices = ("cuda", "cpu")
    assert [bar.device.itemData(k) for k in range(bar.device.count())] == ["auto", "cuda", "cpu"]
    state.session.model = handle("cvae")
    assert bar.generate.isEnabled() and bar.model_label.text() == "tiny-cvae"
    assert bar.digit_action.isVisible()
    bar.digit.setCurrentIndex(bar.digit.findData(4))
    assert state.canvas.digit == 4
    state.canvas.seed_locked = True
    assert actions["lock_seed"].isChecked() and "Unlock" in actions["lock_seed"].toolTip()
    bar.seed.setValue(99)
    QTest.keyClick(bar.seed, Qt.Key.Key_Return)
    assert state.canvas.seed == 99 and requests == [False]  # Enter: the typed seed, not a new one
    bar.generate.click()
    assert actions["asked"] == ["generate"]
    state.session.model = handle("gan")
    assert not bar.digit_action.isVisible()


def test_canvas_draws_the_grid_selects_and_offers_tile_actions(state, host, actions, handle,
                                                               qtbot):
    from genai_studio.ui.canvas.sample_canvas import SampleCanvas

    canvas = SampleCanvas(state, tile_actions(actions), host)
    canvas.resize(400, 400)
    canvas.show()
    grid = _grid(state, handle("vae"), 16)
    assert canvas.tile_count() == 16
    QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=canvas.tile_rect(5).center())
    assert state.canvas.selected == 5
    activated = []
    canvas.activated.connect(activated.append)
    canvas.setFocus()
    QTest.keyClick(canvas, Qt.Key.Key_Down)
    QTest.keyClick(canvas, Qt.Key.Key_Return)
    assert state.canvas.selected == 9 and activated == [9]
    state.canvas.favourites = frozenset({9})
    canvas.grab()  # paints the star without complaint
    names = [a.objectName() for a in canvas.tile_actions]
    assert "action_copy_tile" in names and "action_corner_3" in names
    state.canvas.grid = Grid(grid.handle, 1, None, grid.images[:4], grid.latents[:4], None)
    assert canvas.tile_count() == 4 and state.canvas.selected == 3  # kept inside the smaller grid


def test_pad_panel_decodes_the_point_and_follows_the_keyboard(state, host, actions, handle,
                                                              qtbot):
    from genai_studio.ui.pad.panel import PadPanel

    panel = PadPanel(state, actions, host)
    panel.resize(360, 640)
    panel.show()
    assert panel.pad.mode is PadMode.EMPTY
    state.session.model = handle("vae")
    assert panel.pad.mode is PadMode.PLANE
    qtbot.waitUntil(lambda: panel.decodes > 0, timeout=5_000)
    first = panel.preview.pixels.copy()
    panel.pad.setFocus()
    for _ in range(3):
        QTest.keyClick(panel.pad, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    assert state.pad.point[0] == pytest.approx(0.2)
    qtbot.waitUntil(lambda: not np.array_equal(panel.preview.pixels, first), timeout=5_000)
    assert panel.preview.caption.startswith("z = (")


def test_pad_panel_corners_and_its_own_digit(state, host, actions, handle, qtbot):
    from genai_studio.core.latent.sampling import decode
    from genai_studio.ui.pad.panel import PadPanel

    panel = PadPanel(state, actions, host)
    panel.resize(360, 640)
    panel.show()
    model = handle("cgan")
    state.session.model = model
    z = np.random.default_rng(0).standard_normal((4, model.latent_dim)).astype(np.float32)
    state.pad.corners = tuple(Anchor(z[k]) for k in range(4))
    assert panel.pad.mode is PadMode.CORNERS and panel.digit.isVisibleTo(panel)
    panel.digit.setCurrentIndex(6)
    assert state.pad.digit == 6 and state.pad.effective_digit == 6
    state.pad.point = (1.0, 1.0)  # the bottom-right corner decodes exactly its anchor
    qtbot.waitUntil(lambda: "↘100%" in panel.preview.caption, timeout=5_000)
    expected = decode(model.model, z[3:4], 6)[0]
    np.testing.assert_allclose(panel.preview.pixels, expected, atol=1e-5)
    state.canvas.digit = 2  # the toolbar's digit wins; the pad's picker shows it and steps aside
    assert panel.digit.currentIndex() == 2 and not panel.digit.isEnabled()


def test_morph_strip_shows_frames_plays_and_steps(state, host, actions, handle, qtbot):
    from genai_studio.ui.morph.strip import MorphStrip

    strip = MorphStrip(state, actions, host)
    strip.resize(700, 80)
    strip.show()
    assert not actions["play_morph"].isEnabled()
    frames = np.linspace(0, 1, 6, dtype=np.float32)[:, None, None] * np.ones((6, 28, 28),
                                                                             np.float32)
    state.morph.frames = frames
    assert len(strip.row.frames) == 6 and actions["play_morph"].isEnabled()
    shown = []
    strip.frame_shown.connect(lambda image, k: shown.append(k))
    actions["play_morph"].trigger()
    qtbot.waitUntil(lambda: len(shown) >= 6, timeout=5_000)
    assert shown[:6] == [1, 2, 3, 4, 5, 4]  # ping-pong
    actions["play_morph"].trigger()
    assert not strip.timer.isActive()
    strip.frames_spin.setValue(24)
    assert state.morph.frame_count == 24


def test_training_panel_form_is_the_state_and_the_status_drives_it(state, host, actions,
                                                                   tmp_path):
    from genai_studio.ui.training.panel import TrainingPanel

    panel = TrainingPanel(state, actions, host)
    panel.show()
    panel.kind.setCurrentIndex(panel.kind.findData("gan"))
    assert state.training.settings.kind == "gan" and state.training.settings.latent_dim == 64
    panel.epochs.setValue(7)
    assert state.training.settings.epochs == 7
    state.training.status = TrainingStatus(RunState.PAUSED, 0.42, "paused at 42%")
    assert panel.pause_button.text() == "Resume" and not panel.train_button.isEnabled()
    assert panel.progress_bar.value() == 420 and not panel.epochs.isEnabled()
    state.training.status = TrainingStatus(RunState.CANCELLED, 0.42, "cancelled")
    assert panel.train_button.isEnabled() and not panel.cancel_button.isEnabled()
    panel.resize(300, 900)
    narrow = panel.form.getItemPosition(panel.form.indexOf(panel.latent))
    panel.resize(1200, 300)
    wide = panel.form.getItemPosition(panel.form.indexOf(panel.latent))
    assert narrow[:2] == (2, 1) and wide[:2] == (1, 1)  # one pair a row, then two
    # A timed run (a preset) sizes itself: epochs, batch and rate show only when set by hand.
    state.training.settings = replace(state.training.settings, minutes=15.0)
    assert panel.length.currentText().startswith("Good")
    assert not any(w.isVisibleTo(panel) for w in (panel.epochs, panel.batch, panel.lr))
    panel.length.setCurrentIndex(panel.length.findText("Set epochs (advanced)"))
    assert state.training.settings.minutes is None
    assert all(w.isVisibleTo(panel) for w in (panel.epochs, panel.batch, panel.lr))


def test_library_widget_lists_and_selects(state, host, actions, model_files, tmp_path):
    from genai_studio.ui.library.model_actions import scan_all
    from genai_studio.ui.library.models_panel import ModelLibrary

    lib = ModelLibrary(state, actions, host)
    assert "Looking for models" in lib.empty_label.text()
    state.library.snapshot = scan_all(model_files["vae"].parent, tmp_path / "user")
    rows = [lib.list.item(r).text() for r in range(lib.list.count())]
    assert rows[0] == "SHIPPED" and "tiny-vae" in rows[1]
    lib.list.setCurrentRow(1)
    assert state.library.selection == model_files["vae"]
    assert actions["load_model"].isEnabled() and not actions["delete_model"].isEnabled()
    state.library.snapshot = scan_all(tmp_path / "none", tmp_path / "user")
    assert lib.empty_label.isVisibleTo(lib) and "No models yet" in lib.empty_label.text()


def test_setting_the_same_point_twice_signals_once(state, host):
    from genai_studio.ui.pad.latent_pad import LatentPad

    pad = LatentPad(state, host)
    seen = []
    state.pad.point_changed.connect(seen.append)
    pad.set_point(0.25, 0.75)
    pad.set_point(0.25, 0.75)
    assert seen == [(0.25, 0.75)] and pad.point == (0.25, 0.75)
