"""The artist's own material in the window: images dropped or opened, the live sketch, repair,
datasets from folders, training on them, and colour models drawn in colour."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from genai_studio.core.latent.pad import latent_2d_to_pad
from genai_studio.ui.common import ask
from genai_studio.ui.common.imaging import to_uint8
from genai_studio.ui.material.state import Target, TargetKind
from tests.core.byo_files import digit_drawing, mixed_folder, png_with_header_size


@pytest.fixture
def data_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data-home"))
    return tmp_path / "data-home"


def _drop(widget, path, where: QPointF) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(where, Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                       Qt.KeyboardModifier.NoModifier)
    widget.dropEvent(event)


def _drawing(tmp_path, name="seven.png"):
    path = tmp_path / name
    digit_drawing((300, 240)).convert("RGB").save(path)
    return path


def test_an_image_dropped_on_the_2d_pad_lands_where_it_encodes(window, qtbot, tmp_path):
    pad = window.pad_panel.pad
    _drop(pad, _drawing(tmp_path), pad.square().center())
    qtbot.waitUntil(lambda: window.state.material.current is not None, timeout=30_000)
    material = window.state.material.current
    assert material.source == "seven.png" and material.prepared.shape == (28, 28)
    assert material.reconstruction.shape == (28, 28) and material.error is not None
    expected = latent_2d_to_pad(material.latent)[0]
    assert np.allclose(window.state.pad.point, expected, atol=1e-6)
    assert "seven.png" in window.material_panel.caption.text()


def test_images_become_corner_anchors_and_morph_ends(qtbot, tmp_path, model_files,
                                                     make_window):
    w = make_window(qtbot, model_files["vae8"].parent, tmp_path)
    qtbot.waitUntil(lambda: w.generations > 0, timeout=90_000)
    pad = w.pad_panel.pad
    sq = pad.square()
    _drop(pad, _drawing(tmp_path), QPointF(sq.right() - 3, sq.top() + 3))  # top-right corner
    qtbot.waitUntil(lambda: w.state.pad.corners[1].source == "seven.png", timeout=30_000)
    _drop(w.canvas, _drawing(tmp_path, "b.png"), QPointF(10, 10))
    qtbot.waitUntil(lambda: w.state.morph.start is not None
                    and w.state.morph.start.source == "b.png", timeout=30_000)
    w.material.send(Target(TargetKind.PAD))
    assert w.state.pad.point != (0.5, 0.5)
    w.close()


def test_a_hostile_image_is_refused_in_a_dialog(window, qtbot, tmp_path, monkeypatch):
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_with_header_size(30000, 30000))
    monkeypatch.setattr(ask, "open_path", lambda *a, **k: bomb)
    before = window.state.pad.point
    window.actions["encode_image"].trigger()
    qtbot.waitUntil(lambda: "decompression bomb" in window.last_error, timeout=30_000)
    assert window.state.material.current is None and window.state.pad.point == before


def test_gan_projection_shows_progress_and_stops_when_asked(gan_window, qtbot, tmp_path):
    w = gan_window
    steps = []
    w.state.material.progress_changed.connect(lambda p: steps.append(p[0]))
    w.material.import_image(_drawing(tmp_path), Target(TargetKind.SHOW))
    assert w.material_panel.stop_button.isVisibleTo(w.material_panel)
    qtbot.waitUntil(lambda: w.state.material.current is not None, timeout=60_000)
    assert steps[-1] == 200 and steps == sorted(steps), "progress every 10 steps, in order"
    assert not w.material_panel.stop_button.isVisibleTo(w.material_panel)
    w.state.material.current = None
    w.material.import_image(_drawing(tmp_path, "again.png"), Target(TargetKind.SHOW))
    w.material_panel.stop_button.click()  # before the worker's first step: stops at once
    qtbot.waitUntil(lambda: w.state.material.current is not None, timeout=60_000)
    assert "stopped early" in w.statusBar().currentMessage()


def _sketch(surface, points):
    sq = surface.square()
    pos = [QPointF(sq.left() + u * sq.width(), sq.top() + v * sq.height()) for u, v in points]
    surface.begin(pos[0], 0.5)
    for p in pos[1:]:
        surface.extend(p, 1.0)
    surface.end()


def test_the_sketch_is_encoded_live_undone_and_cleared(window, qtbot):
    surface = window.material_panel.sketch
    _sketch(surface, [(0.5, 0.15), (0.5, 0.85)])
    qtbot.waitUntil(lambda: window.state.material.current is not None
                    and window.state.material.current.source == "sketch", timeout=30_000)
    first = window.state.pad.point
    assert np.allclose(first, latent_2d_to_pad(window.state.material.current.latent)[0], atol=1e-6)
    _sketch(surface, [(0.2, 0.5), (0.8, 0.5)])
    qtbot.waitUntil(lambda: window.state.pad.point != first, timeout=30_000)
    assert surface.pixels().min() < 50, "ink on the paper"
    surface.undo()
    surface.clear()
    assert surface.is_blank() and window.state.material.current is None
    surface.undo()
    assert not surface.is_blank()


def test_repair_a_tile_pick_an_alternative_and_send_it_to_the_pad(window, qtbot):
    from PySide6.QtWidgets import QApplication

    from genai_studio.ui.material.repair_dialog import RepairDialog

    window.state.canvas.selected = 3
    window.actions["repair_tile"].trigger()
    dialog = next(d for d in QApplication.topLevelWidgets() if isinstance(d, RepairDialog))
    tile = window.state.canvas.grid.images[3]
    dialog.canvas.paint_at(dialog.canvas.square().center(), True)
    assert dialog.canvas.hole.any()
    dialog.run()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=60_000)
    result = dialog.result
    hole = dialog.canvas.hole
    assert np.array_equal(result.images[0][~hole], tile[~hole]), "visible pixels kept"
    dialog.choose(len(result.images) - 1)
    dialog.to_pad()
    qtbot.waitUntil(lambda: window.state.material.current is not None, timeout=30_000)
    assert window.state.material.current.source == "repair of tile 4"
    dialog.close()


def test_a_dataset_from_a_folder_is_reported_kept_listed_trained_on_and_deleted(
        data_home, window, qtbot, tmp_path, monkeypatch):
    expected = mixed_folder(tmp_path / "folder")
    window.actions["new_dataset"].trigger()
    dialog = window.dataset_actions.dialog
    assert not dialog.keep_button.isEnabled(), "nothing to keep before a scan"
    dialog.folder.setText(str(tmp_path / "folder"))
    assert dialog.name.text() == "folder"
    dialog.scan()
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=60_000)
    report = dialog.details.toPlainText()
    for path, reason in expected.items():
        assert f"{path}: {reason}" in report
    assert "10 images kept" in dialog.summary.text() and dialog.progress.value() == 1000
    dialog.keep()
    qtbot.waitUntil(lambda: len(window.state.library.datasets) == 1, timeout=30_000)
    info = window.state.library.datasets[0]
    assert info.name == "folder" and info.num_images == 10
    assert window.datasets.list.count() == 1
    qtbot.waitUntil(lambda: window.datasets.preview.image is not None, timeout=30_000)
    window.datasets.train_button.click()
    assert window.state.training.settings.data == info.path
    assert window.training.data.currentData() == info.path
    assert not window.training.conditional.isEnabled()
    monkeypatch.setattr(ask, "confirm", lambda *a, **k: True)
    window.datasets.delete_button.click()
    qtbot.waitUntil(lambda: window.state.library.datasets == (), timeout=30_000)
    assert window.state.training.settings.data is None, "a deleted dataset is not trained on"


def test_a_colour_model_trained_in_the_window_draws_in_colour(data_home, window, qtbot,
                                                              tmp_path):
    from genai_studio.core.data.datasets import save_dataset, user_datasets_dir

    rng = np.random.default_rng(0)
    images = np.zeros((64, 32, 32, 3), np.uint8)
    images[..., 0] = rng.integers(100, 255, (64, 1, 1))
    folder = user_datasets_dir()
    folder.mkdir(parents=True)
    path = save_dataset(folder / "red.safetensors", images,
                        {"name": "red", "options": {"size": 32, "colour": "rgb", "fit": "crop"}})
    window.dataset_actions.refresh()
    qtbot.waitUntil(lambda: len(window.state.library.datasets) == 1, timeout=30_000)
    window.state.training.settings = replace(window.state.training.settings, kind="vae",
                                             latent_dim=3, epochs=1, batch_size=16, data=path,
                                             minutes=None)
    before = window.state.session.model
    window.training.train_button.click()
    qtbot.waitUntil(lambda: window.state.session.model is not before
                    and window.state.session.model.model.image_shape == (3, 32, 32)
                    and window.state.canvas.grid is not None
                    and window.state.canvas.grid.handle is window.state.session.model,
                    timeout=120_000)
    grid = window.state.canvas.grid
    assert grid.images.shape[1:] == (32, 32, 3)
    shown = window.canvas._qimages[0]  # drawn in its colours, not in grey
    first = grid.images[0]
    want = (first if first.dtype == np.uint8 else to_uint8(first))[16, 16]
    got = shown.pixelColor(16, 16)
    assert (got.red(), got.green(), got.blue()) == tuple(int(c) for c in want)
    assert window.state.session.model.metadata["dataset"]["name"] == "red"
    window.material.import_image(_drawing(tmp_path), Target(TargetKind.SHOW))
    qtbot.waitUntil(lambda: window.state.material.current is not None, timeout=30_000)
    assert window.state.material.current.prepared.shape == (32, 32, 3)


@pytest.mark.parametrize("side", [28, 56])
def test_repair_in_the_window_keeps_the_framing_and_matches_the_cli(window, qtbot, tmp_path,
                                                                    side):
    """A damaged digit off to one side: the window repairs it where it is, as the CLI does
    for the same file and mask (the same pixels, seed and alternatives)."""
    from PIL import Image, ImageDraw
    from PySide6.QtWidgets import QApplication

    from genai_studio.cli import main
    from genai_studio.core.data.prepare import MNIST_SPEC, prepare_with_hole
    from genai_studio.ui.material.repair_dialog import RepairDialog

    k = side // 28
    damaged = Image.new("L", (side, side), 0)
    ImageDraw.Draw(damaged).line([(4 * k, 4 * k), (4 * k, 16 * k)], fill=255, width=3 * k)
    image_path, mask_path = tmp_path / "damaged.png", tmp_path / "mask.png"
    damaged.save(image_path)
    mask = np.zeros((side, side), bool)
    mask[10 * k:18 * k, 2 * k:8 * k] = True
    Image.fromarray(mask.astype(np.uint8) * 255).save(mask_path)

    window.material.import_image(image_path, Target(TargetKind.PAD))
    qtbot.waitUntil(lambda: window.state.material.current is not None, timeout=30_000)
    window.material.repair_material()
    dialog = next(d for d in QApplication.topLevelWidgets() if isinstance(d, RepairDialog))
    framed, hole = prepare_with_hole(damaged, mask, MNIST_SPEC)
    assert np.array_equal(dialog.canvas.image, framed)  # not cropped to the ink, not moved
    assert np.nonzero(framed > 0.5)[1].max() < 8  # still at the left edge
    dialog.canvas.hole[:] = hole  # what the artist paints over the damage
    dialog.run()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=60_000)
    out = tmp_path / "cli.png"
    assert main(["repair", str(window.state.session.model.path), str(image_path), "--mask",
                 str(mask_path), "--out", str(out), "--alternatives",
                 str(dialog.count.value()), "--seed", str(dialog.seed.value())]) == 0
    cli = np.asarray(Image.open(out))
    assert np.array_equal(cli, to_uint8(dialog.result.images[0]))
    dialog.close()


def test_a_sketch_follows_a_model_switch_or_says_why_not(window, qtbot, model_files, tmp_path):
    """Drawing, then opening another model: the sketch is brought into the new model's space;
    a model that cannot take it says so in words (never a traceback alone)."""
    import torch

    from genai_studio.core.models.registry import VAEConfig, build_model
    from genai_studio.core.store.checkpoints import model_metadata, save_model
    from genai_studio.crash import FAULTS

    said: list[str] = []
    window.state.message_posted.connect(lambda text, _ms: said.append(text))
    window.state.error_reported.connect(lambda title, text: said.append(f"{title}: {text}"))
    _sketch(window.material_panel.sketch, [(0.5, 0.15), (0.5, 0.85)])
    qtbot.waitUntil(lambda: window.state.material.current is not None, timeout=30_000)
    for name in ("gan", "cvae", "cgan", "vae8"):
        window.studio.load(model_files[name])
        qtbot.waitUntil(lambda n=name: window.state.session.model is not None
                        and window.state.session.model.path == model_files[n]
                        and window.state.material.current is not None
                        and window.state.material.current.handle
                        is window.state.session.model, timeout=60_000)
    torch.manual_seed(0)
    colour = build_model(VAEConfig(arch="conv", hidden=(16,), latent_dim=2,
                                   image_shape=(3, 32, 32)))
    path = save_model(tmp_path / "colour.safetensors", colour,
                      model_metadata(colour, dataset={"name": "x", "options": {
                          "size": 32, "colour": "rgb", "fit": "crop"}}, training={}))
    window.studio.load(path)
    qtbot.waitUntil(lambda: window.state.session.model is not None
                    and window.state.session.model.path == path, timeout=60_000)
    qtbot.waitUntil(lambda: window.state.material.current is not None, timeout=30_000)
    assert window.state.material.current.prepared.shape == (32, 32, 3)
    assert not FAULTS, FAULTS
