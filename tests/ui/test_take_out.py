"""Taking work out of the studio: history, the export dialog, recording a pad path, reopening
an exported image, copy in the export style and favourites with provenance."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PIL import Image
from PySide6.QtGui import QGuiApplication

from genai_studio.core.export import imagemeta
from genai_studio.core.export.options import ExportSource, ExportStyle
from genai_studio.ui.common import ask
from genai_studio.ui.studio.kinds import Anchor, MorphEnd


def _jobs_done(window, qtbot):
    qtbot.waitUntil(lambda: window.studio.jobs.pending() == 0, timeout=20_000)


def _generate(window, qtbot):
    count = window.generations
    window.actions["generate"].trigger()
    qtbot.waitUntil(lambda: window.generations > count, timeout=10_000)


def test_back_and_forward_restore_identical_grids_with_their_stars(window, qtbot):
    s = window.state
    first = s.canvas.grid
    s.canvas.selected = 2
    s.canvas.toggle_favourite(2)
    _generate(window, qtbot)
    second = s.canvas.grid
    s.canvas.grid_size = 5  # a change of grid size is a step too
    qtbot.waitUntil(lambda: len(s.canvas.grid) == 25, timeout=10_000)
    assert len(s.history.steps) == 3 and window.actions["history_back"].isEnabled()
    window.actions["history_back"].trigger()
    assert s.canvas.grid is second and s.canvas.grid_size == 8
    assert s.canvas.favourites == frozenset()
    window.actions["history_back"].trigger()
    assert s.canvas.grid is first and s.canvas.favourites == {2} and s.canvas.seed == first.seed
    assert window.canvas.tile_count() == len(first.images) == 64
    assert not window.actions["history_back"].isEnabled()
    drawn = []  # generate requests are synchronous: a spy on them needs no waiting
    window.studio.inference.request_generate.connect(drawn.append)
    window.actions["history_forward"].trigger()
    window.actions["history_forward"].trigger()
    assert len(s.canvas.grid) == 25 and not window.actions["history_forward"].isEnabled()
    assert drawn == [], "restoring never draws a new grid"


def test_history_survives_a_model_switch(window, qtbot, model_files):
    s = window.state
    first = s.canvas.grid
    window.studio.load(model_files["gan"])
    qtbot.waitUntil(lambda: s.session.model is not None and s.session.model.name == "tiny-gan"
                    and s.canvas.grid is not None and s.canvas.grid.handle is s.session.model,
                    timeout=20_000)
    window.actions["history_back"].trigger()
    assert s.canvas.grid is first and s.session.model is first.handle
    window.actions["history_forward"].trigger()
    assert s.session.model.name == "tiny-gan"


def test_export_dialog_writes_each_source_with_progress_and_remembers(window, qtbot, tmp_path,
                                                                        monkeypatch):
    s = window.state
    s.canvas.selected = 4
    dialog = window.take_out.show_export("tile")
    assert dialog.isVisible() and not dialog.isModal()
    dialog.scale.setCurrentIndex(dialog.scale.findData(4))
    assert s.takeout.settings.style.scale == 4
    monkeypatch.setattr(ask, "save_path", lambda *a, **k: tmp_path / "tile.png")
    dialog.export_button.click()
    _jobs_done(window, qtbot)
    with Image.open(tmp_path / "tile.png") as im:
        assert im.size == (112, 112)
    prov = imagemeta.read_provenance(tmp_path / "tile.png")
    assert prov.tile_index == 4 and prov.seed == s.canvas.grid.seed
    np.testing.assert_array_equal(prov.latent[0], s.canvas.grid.latents[4])
    tiles = s.canvas.grid.latents
    s.morph.set_anchor(MorphEnd.START, Anchor(tiles[0]))
    s.morph.set_anchor(MorphEnd.END, Anchor(tiles[1]))
    dialog.show_for("morph")
    dialog.frames.setValue(6)
    dialog.fmt.setCurrentIndex(dialog.fmt.findData("apng"))
    monkeypatch.setattr(ask, "save_path", lambda *a, **k: tmp_path / "morph.png")
    dialog.export_button.click()
    _jobs_done(window, qtbot)
    with Image.open(tmp_path / "morph.png") as im:
        assert im.n_frames == 6
    assert s.takeout.settings.animation_format == "apng" and s.takeout.settings.frames == 6
    window.close()


def test_a_failed_or_cancelled_export_leaves_nothing(window, qtbot, tmp_path, monkeypatch):
    s = window.state
    s.canvas.selected = 1
    dialog = window.take_out.show_export("tile")
    monkeypatch.setattr(ask, "save_path", lambda *a, **k: tmp_path / "gone" / "t.png")
    dialog.export_button.click()
    qtbot.waitUntil(lambda: bool(window.last_error), timeout=10_000)
    assert "does not exist" in window.last_error and not (tmp_path / "gone").exists()
    (tmp_path / "batch").mkdir()
    s.takeout.settings = replace(s.takeout.settings, batch_count=400)
    dialog.show_for("batch")
    monkeypatch.setattr(ask, "save_path", lambda *a, **k: tmp_path / "batch")
    dialog.export_button.click()
    assert dialog.cancel_button.isEnabled()
    dialog.cancel_button.click()
    _jobs_done(window, qtbot)
    assert list((tmp_path / "batch").iterdir()) == []
    # A new folder (and its new parent) is made for a batch, and taken away if cancelled.
    monkeypatch.setattr(ask, "save_path", lambda *a, **k: tmp_path / "new" / "batch")
    dialog.export_button.click()
    dialog.cancel_button.click()
    _jobs_done(window, qtbot)
    assert not (tmp_path / "new").exists()
    s.takeout.settings = replace(s.takeout.settings, batch_count=3)
    dialog.export_button.click()
    _jobs_done(window, qtbot)
    assert len(list((tmp_path / "new" / "batch").glob("*.png"))) == 3


def test_copy_uses_the_export_size_and_style(window):
    s = window.state
    s.canvas.selected = 2
    s.takeout.settings = replace(s.takeout.settings, style=ExportStyle(size=300, ink="#ff0000",
                                                                     transparent=True))
    window.actions["copy_tile"].trigger()
    image = QGuiApplication.clipboard().image()
    assert image.width() == 300 and image.hasAlphaChannel()


def test_record_a_pad_path_then_replay_and_export_it(window, qtbot, tmp_path, monkeypatch):
    s = window.state
    window.actions["record_path"].trigger()
    assert s.pad.recording
    for k in range(12):
        window.pad_panel.pad.set_point(0.2 + 0.05 * k, 0.3 + 0.02 * k)
    window.actions["record_path"].trigger()
    # The path starts where the pen first went, not with a jump from where the point was.
    assert s.pad.path is not None and len(s.pad.path.points) == 12
    assert tuple(s.pad.path.points[0]) == pytest.approx((0.2, 0.3))
    s.takeout.settings = replace(s.takeout.settings, frames=8)
    window.actions["replay_path"].trigger()
    qtbot.waitUntil(lambda: not window.path_player.playing, timeout=10_000)
    dialog = window.take_out.show_export(ExportSource.PATH)
    dialog.fmt.setCurrentIndex(dialog.fmt.findData("gif"))
    monkeypatch.setattr(ask, "save_path", lambda *a, **k: tmp_path / "path.gif")
    dialog.export_button.click()
    _jobs_done(window, qtbot)
    prov = imagemeta.read_provenance(tmp_path / "path.gif")
    assert prov.kind == "path" and len(prov.latent) == 8 and len(prov.path) == 12


def test_reopening_an_exported_tile_restores_seed_grid_tile_and_pad(window, qtbot, tmp_path,
                                                                     monkeypatch):
    s = window.state
    s.canvas.grid_size = 6
    qtbot.waitUntil(lambda: len(s.canvas.grid) == 36, timeout=10_000)
    s.canvas.selected = 7
    seed, latents = s.canvas.grid.seed, s.canvas.grid.latents.copy()
    dialog = window.take_out.show_export("tile")
    monkeypatch.setattr(ask, "save_path", lambda *a, **k: tmp_path / "t.png")
    dialog.export_button.click()
    _jobs_done(window, qtbot)
    s.canvas.grid_size = 4
    qtbot.waitUntil(lambda: len(s.canvas.grid) == 16, timeout=10_000)  # same seed, smaller grid
    _generate(window, qtbot)
    assert s.canvas.grid.seed != seed
    monkeypatch.setattr(ask, "open_path", lambda *a, **k: tmp_path / "t.png")
    window.actions["open_image"].trigger()
    qtbot.waitUntil(lambda: s.canvas.grid is not None and s.canvas.grid.seed == seed
                    and len(s.canvas.grid) == 36 and s.canvas.selected == 7, timeout=20_000)
    np.testing.assert_array_equal(s.canvas.grid.latents, latents)
    from genai_studio.core.latent.pad import pad_to_latent_2d
    np.testing.assert_allclose(pad_to_latent_2d(*s.pad.point), latents[7], atol=1e-3)
    Image.new("L", (8, 8)).save(tmp_path / "plain.png")
    s.open_image_requested.emit(tmp_path / "plain.png")
    qtbot.waitUntil(lambda: "no GenAI Studio provenance" in window.last_error, timeout=10_000)


def test_favourites_carry_provenance(window, qtbot):
    window.state.canvas.selected = 3
    window.actions["favourite_tile"].trigger()
    _jobs_done(window, qtbot)
    (path,) = window.paths.favourites.glob("*.png")
    assert imagemeta.read_provenance(path).tile_index == 3


def test_export_settings_survive_a_restart_and_bad_values_fall_back(tmp_path):
    from genai_studio.ui.takeout.state import ExportSettings

    e = ExportSettings(style=ExportStyle(size=640, resampling="ink", ink="#112233"),
                       animation_format="webp", frames=30, captions=True)
    assert ExportSettings.from_json(e.to_json()) == e
    for junk in ("", "[1]", '{"style": {"scale": 999}, "frames": "many"}', None, 5):
        assert ExportSettings.from_json(junk).style == ExportSettings().style
    hostile = ExportSettings.from_json('{"frames": 100000, "animation_format": "exe"}')
    assert hostile.frames == 600 and hostile.animation_format == "gif"


def test_gallery_shows_favourites_and_exports_reopens_compares_and_deletes(window, qtbot,
                                                                          tmp_path,
                                                                          monkeypatch):
    s = window.state
    s.canvas.selected = 3
    window.actions["favourite_tile"].trigger()
    dialog = window.take_out.show_export("grid")
    monkeypatch.setattr(ask, "save_path", lambda *a, **k: tmp_path / "sheet.png")
    dialog.export_button.click()
    qtbot.waitUntil(lambda: len(s.takeout.gallery) == 2, timeout=20_000)
    panel = window.gallery
    assert panel.list.count() == 2 and all(item.prov is not None for item in s.takeout.gallery)
    panel.list.selectAll()
    monkeypatch.setattr(ask, "folder", lambda *a, **k: tmp_path / "copies")
    (tmp_path / "copies").mkdir()
    panel.buttons["export"].click()
    _jobs_done(window, qtbot)
    assert len(list((tmp_path / "copies").iterdir())) == 2
    panel.buttons["compare"].click()
    from PySide6.QtWidgets import QDialog
    compare = window.findChild(QDialog, "compareDialog")
    assert compare is not None and compare.isVisible()
    compare.close()
    monkeypatch.setattr(ask, "confirm", lambda *a, **k: True)
    panel.list.clearSelection()
    panel.list.item([i.path.name for i in s.takeout.gallery].index("sheet.png")).setSelected(True)
    panel.buttons["delete"].click()
    qtbot.waitUntil(lambda: len(s.takeout.gallery) == 1, timeout=20_000)
    assert not (tmp_path / "sheet.png").exists()
