"""Tile actions (copy, PNG export, favourite, drop on a pad corner) and library file actions."""

from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtCore import QByteArray, QMimeData, QPointF, Qt
from PySide6.QtGui import QDropEvent, QGuiApplication

from genai_studio.ui import tile_actions
from genai_studio.ui.sample_canvas import TILE_MIME


def test_copy_puts_a_crisp_upscaled_tile_on_the_clipboard(window):
    window.canvas.select(2)
    tile_actions.run(window, "copy", 2)
    image = QGuiApplication.clipboard().image()
    assert image.width() == 280 and image.height() == 280


def test_save_png_is_crisp_at_the_chosen_size(window, tmp_path):
    path = tmp_path / "digit.png"
    tile_actions.write_tile_png(window, 5, path, 112)
    pixels = np.asarray(Image.open(path))
    assert pixels.shape == (112, 112)
    # Nearest-neighbour: every 4x4 block is one flat source pixel.
    blocks = pixels.reshape(28, 4, 28, 4)
    assert (blocks == blocks[:, :1, :, :1]).all()


def test_favourite_stars_the_tile_and_keeps_a_copy(window):
    tile_actions.run(window, "favourite", 1)
    assert 1 in window.canvas.favourites
    assert list((window.paths.user_models.parent / "favourites").glob("*.png"))


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
    assert np.allclose(w.pad_panel.corners[1], w.canvas.latents[6])


def test_library_lists_metadata_renames_and_deletes(window, qtbot, model_files):
    lib = window.library
    window.import_model(model_files["gan"])
    qtbot.waitUntil(lambda: window.handle.kind == "gan", timeout=10_000)
    own = next(e for e in lib.entries if not e.shipped)
    lib.select_path(own.path)
    assert "GAN" in lib.info.toPlainText() and lib.buttons["delete"].isEnabled()
    renamed = lib.rename(own, "my gan")
    assert renamed.name == "my gan.safetensors" and renamed.exists()
    assert window.library.active == renamed == window.handle.path
    entry = next(e for e in lib.entries if e.path == renamed)
    lib.delete(entry)
    assert not renamed.exists()
    assert all(e.path != renamed for e in lib.entries)
    shipped = next(e for e in lib.entries if e.shipped)
    lib.select_path(shipped.path)
    assert not lib.buttons["delete"].isEnabled()  # shipped models are read-only


def test_arrow_keys_walk_the_selection(window, qtbot):
    canvas = window.canvas
    canvas.setFocus()
    canvas.select(0)
    qtbot.keyClick(canvas, Qt.Key.Key_Right)
    qtbot.keyClick(canvas, Qt.Key.Key_Down)
    assert canvas.selected == 1 + 8  # one right, one row down in the 8 x 8 grid
