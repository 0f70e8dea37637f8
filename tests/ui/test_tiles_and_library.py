"""Tile actions (copy, PNG, favourite, drop on a pad corner) and the library's file actions,
all of whose files are written off the GUI thread and whose failures are shown."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QByteArray, QMimeData, QPointF, Qt
from PySide6.QtGui import QDropEvent, QGuiApplication

from genai_studio.ui.common import ask
from genai_studio.ui.common.imaging import TILE_MIME


def _jobs_done(window, qtbot):
    qtbot.waitUntil(lambda: window.studio.jobs.pending() == 0, timeout=10_000)


def test_copy_puts_a_crisp_upscaled_tile_on_the_clipboard(window):
    # At the export dialog's size and style (issue 9): crisp x8 until the artist changes it.
    window.state.canvas.selected = 2
    window.actions["copy_tile"].trigger()
    image = QGuiApplication.clipboard().image()
    assert image.width() == 224 and image.height() == 224


def _save_through_the_export_dialog(window, scale):
    """Save (Ctrl+S) opens the export dialog on the tile (issue 9); Export writes it."""
    window.actions["save_tile"].trigger()
    dialog = window.take_out.dialog
    assert dialog.isVisible() and dialog.kind == "tile"
    dialog.scale.setCurrentIndex(dialog.scale.findData(scale))
    dialog.export_button.click()


def test_save_png_is_crisp_at_the_chosen_size(window, qtbot, tmp_path, monkeypatch):
    path = tmp_path / "digit.png"
    monkeypatch.setattr(ask, "save_path", lambda *a, **k: path)
    window.state.canvas.selected = 5
    _save_through_the_export_dialog(window, 4)
    _jobs_done(window, qtbot)
    pixels = np.asarray(Image.open(path))
    assert pixels.shape == (112, 112)
    # Nearest-neighbour: every 4x4 block is one flat source pixel.
    blocks = pixels.reshape(28, 4, 28, 4)
    assert (blocks == blocks[:, :1, :, :1]).all()


@pytest.mark.parametrize("where", ["missing", "a file", "unwritable"])
def test_saving_into_a_bad_folder_says_so(window, qtbot, tmp_path, monkeypatch, where):
    folder = tmp_path / "nope"
    if where == "a file":
        folder.write_text("not a folder")
    if where == "unwritable":
        folder.mkdir()
        folder.chmod(0o500)
        if os.access(folder, os.W_OK):  # root writes anywhere
            pytest.skip("running as root: every folder is writable")
    monkeypatch.setattr(ask, "save_path", lambda *a, **k: folder / "digit.png")
    window.state.canvas.selected = 1
    _save_through_the_export_dialog(window, 2)
    qtbot.waitUntil(lambda: bool(window.last_error), timeout=10_000)
    assert str(folder) in window.last_error
    assert not (folder / "digit.png").exists()


def test_favourite_stars_the_tile_and_keeps_a_named_copy(window, qtbot):
    window.state.canvas.selected = 1
    window.actions["favourite_tile"].trigger()
    assert 1 in window.state.canvas.favourites
    _jobs_done(window, qtbot)
    files = list(window.paths.favourites.glob("*.png"))
    seed = window.state.canvas.grid.seed
    assert len(files) == 1 and files[0].name.startswith(f"tiny-vae-seed{seed}-tile2-")


def test_tile_dropped_on_a_pad_corner_becomes_that_anchor(gan_window):
    w = gan_window
    pad = w.pad_panel.pad
    mime = QMimeData()
    mime.setData(TILE_MIME, QByteArray(b"6"))
    sq = pad.square()
    corner = QPointF(sq.right() - 5, sq.top() + 5)  # top-right = corner 1
    event = QDropEvent(corner, Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                       Qt.KeyboardModifier.NoModifier)
    pad.dropEvent(event)
    assert np.allclose(w.state.pad.corners[1].latent, w.state.canvas.grid.latents[6])


def test_library_imports_renames_scores_and_deletes(window, qtbot, model_files, monkeypatch):
    s, lib = window.state, window.library
    window.library_actions.import_file(model_files["gan"])
    qtbot.waitUntil(lambda: window.handle.kind == "gan", timeout=10_000)
    own = window.handle.path
    qtbot.waitUntil(lambda: s.library.selection == own and "GAN" in lib.info.toPlainText(),
                    timeout=10_000)
    assert window.actions["delete_model"].isEnabled()
    monkeypatch.setattr(ask, "text", lambda *a, **k: "my gan")
    window.actions["rename_model"].trigger()
    renamed = own.with_name("my gan.safetensors")
    qtbot.waitUntil(lambda: window.handle.path == renamed, timeout=10_000)
    assert renamed.exists() and not own.exists()
    assert window.toolbar.model_label.text() == "my gan"
    qtbot.waitUntil(lambda: any(e.path == renamed for e in s.library.snapshot.entries),
                    timeout=10_000)
    monkeypatch.setattr(ask, "confirm", lambda *a, **k: True)
    window.actions["delete_model"].trigger()
    qtbot.waitUntil(lambda: not renamed.exists(), timeout=10_000)
    qtbot.waitUntil(lambda: all(e.path != renamed for e in s.library.snapshot.entries),
                    timeout=10_000)
    shipped = next(e for e in s.library.snapshot.entries if e.shipped)
    s.library.selection = shipped.path
    assert not window.actions["delete_model"].isEnabled()  # shipped models are read-only


def test_export_into_a_missing_folder_is_a_dialog_not_a_traceback(window, qtbot, tmp_path,
                                                                  monkeypatch):
    s = window.state
    qtbot.waitUntil(lambda: s.library.snapshot is not None, timeout=10_000)
    s.library.selection = s.session.model.path
    monkeypatch.setattr(ask, "save_path", lambda *a, **k: tmp_path / "gone" / "x.safetensors")
    window.actions["export_model"].trigger()
    qtbot.waitUntil(lambda: bool(window.last_error), timeout=10_000)
    assert "does not exist" in window.last_error
    good = tmp_path / "exported.safetensors"
    monkeypatch.setattr(ask, "save_path", lambda *a, **k: good)
    window.actions["export_model"].trigger()
    _jobs_done(window, qtbot)
    assert good.read_bytes() == s.session.model.path.read_bytes()


def test_score_runs_on_the_worker_and_shows_the_result(window, qtbot, model_files, tmp_path):
    import shutil

    s = window.state
    shutil.copyfile(model_files["judge"], window.paths.judge)
    window.library_actions.import_file(model_files["vae"])
    qtbot.waitUntil(lambda: s.session.model.path.parent == window.paths.user_models, timeout=10_000)
    qtbot.waitUntil(lambda: s.library.selection == s.session.model.path, timeout=10_000)
    qtbot.waitUntil(window.actions["score_model"].isEnabled, timeout=10_000)  # listed
    window.actions["score_model"].trigger()
    qtbot.waitUntil(lambda: "mean_confidence" in (s.session.model.metadata.get("metrics") or {}),
                    timeout=60_000)
    assert "sharpness" in window.status["quality"].text()
    from genai_studio.core.store.checkpoints import read_metadata

    assert "mean_confidence" in read_metadata(s.session.model.path)["metrics"]  # kept in the file


def test_arrow_keys_walk_the_selection(window, qtbot):
    canvas = window.canvas
    canvas.setFocus()
    canvas.select(0)
    qtbot.keyClick(canvas, Qt.Key.Key_Right)
    qtbot.keyClick(canvas, Qt.Key.Key_Down)
    assert window.state.canvas.selected == 1 + 8  # one right, one row down in the 8 x 8 grid


def test_space_presses_a_focused_button_instead_of_generating(window, qtbot):
    count, lock = window.generations, window.toolbar.lock
    asked = []  # Generate's request is synchronous: a spy on it needs no waiting
    window.state.generate_requested.connect(asked.append)
    assert not window.state.canvas.seed_locked
    lock.setFocus()
    qtbot.keyClick(lock, Qt.Key.Key_Space)
    assert window.state.canvas.seed_locked  # the focused button got the key
    assert asked == []  # ... and Generate did not fire
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Space)  # elsewhere Space generates
    qtbot.waitUntil(lambda: window.generations > count, timeout=10_000)


def test_the_library_selects_the_model_however_it_was_opened(qtbot, tmp_path, model_files,
                                                             make_window):
    import shutil

    shipped = tmp_path / "shipped"
    shipped.mkdir()
    for name in ("vae", "gan"):
        shutil.copy(model_files[name], shipped / model_files[name].name)
    w = make_window(qtbot, shipped, tmp_path)
    qtbot.waitUntil(lambda: w.generations > 0, timeout=30_000)
    s = w.state
    other = next(p for p in shipped.iterdir() if p != s.session.model.path)
    w.studio.load(other)  # not through the library: as Undo or an exported image would
    qtbot.waitUntil(lambda: s.session.model is not None and s.session.model.path == other,
                    timeout=30_000)
    assert s.library.selection == other and s.library.selected.path == other
    w.close()
