"""Typefaces in the studio: a dataset from fonts through the jobs thread, a glyph model's
characters in the pickers, the typeface dialog's live preview and export, fonts as corners."""

from __future__ import annotations

import numpy as np
from PIL import ImageFont

from genai_studio.ui.common import ask
from genai_studio.ui.studio.kinds import Anchor
from tests.core.font_files import write_font


def _corners(state, dim: int = 4) -> None:
    rng = np.random.default_rng(0)
    state.pad.corners = tuple(Anchor(rng.standard_normal(dim).astype(np.float32), 0, "test")
                              for _ in range(4))


def test_the_typeface_dialog_previews_the_pad_point_live(state, qtbot, handle, tmp_path,
                                                        monkeypatch):
    from genai_studio.ui.typeface.typeface_dialog import TypefaceDialog

    dialog = TypefaceDialog(state)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.export_button.isEnabled()  # no model: nothing to export
    state.session.model = handle("glyphs")
    _corners(state)
    qtbot.waitUntil(lambda: dialog.previews > 0)
    assert dialog.export_button.isEnabled() and not dialog.preview.pixmap().isNull()
    shown = dialog.previews
    for x in np.linspace(0.1, 0.9, 12):  # a drag: coalesced into far fewer decodes
        state.pad.point = (float(x), 0.5)
    qtbot.waitUntil(lambda: dialog.previews > shown)
    qtbot.wait(20)
    assert dialog.previews - shown <= 3
    assert dialog.preview_text(("a", "b", "c")) == "abc"
    asked = []
    dialog.export_requested.connect(lambda target, family: asked.append((target, family)))
    dialog.family.setText("My Face")
    dialog.family.editingFinished.emit()
    assert state.typeface.family == "My Face"
    monkeypatch.setattr(ask, "save_path", lambda *a, **k: tmp_path / "face")
    dialog.export_button.click()
    assert asked == [(tmp_path / "face.otf", "My Face")]
    state.session.model = handle("vae8")  # not a model of characters
    assert not dialog.export_button.isEnabled()


def test_a_glyph_model_offers_its_characters(qtbot, tmp_path, model_files, make_window):
    w = make_window(qtbot, model_files["glyphs"].parent, tmp_path)
    qtbot.waitUntil(lambda: w.generations > 0, timeout=30_000)
    items = [w.toolbar.digit.itemText(i) for i in range(w.toolbar.digit.count())]
    assert items == ["any character", "'a'", "'b'", "'c'"]
    assert [w.pad_panel.digit.itemText(i) for i in range(3)] == ["'a'", "'b'", "'c'"]
    assert len(w.state.canvas.grid.images) and set(w.state.canvas.grid.labels) <= {0, 1, 2}
    w.close()


def test_fonts_to_dataset_to_corners_to_typeface(qtbot, tmp_path, model_files, make_window,
                                                 monkeypatch):
    fonts = tmp_path / "fonts"
    for k in range(5):
        write_font(fonts / f"f{k}.ttf", "abc", name=f"Face {k}", weight=50 + 25 * k)
    (fonts / "broken.ttf").write_bytes(b"not a font")
    w = make_window(qtbot, model_files["glyphs"].parent, tmp_path)
    qtbot.waitUntil(lambda: w.generations > 0, timeout=30_000)
    w.dataset_actions.folder = tmp_path / "sets"
    w.actions["new_font_dataset"].trigger()
    dialog = w.typefaces.fonts_dialog
    dialog.folder.setText(str(fonts))
    dialog.in_folder.setChecked(True)
    dialog.chars.setText("abc")
    dialog.read_button.click()
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=30_000)
    assert dialog.report.kept == 5 and "broken.ttf: not a font" in dialog.details.toPlainText()
    assert not (tmp_path / "sets").exists()  # nothing before Keep
    dialog.keep_button.click()
    qtbot.waitUntil(lambda: (tmp_path / "sets" / "fonts.safetensors").exists(), timeout=30_000)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    # the model's record names this dataset: its fonts become the corners
    assert w.actions["fonts_as_corners"].isEnabled()
    w.actions["fonts_as_corners"].trigger()
    qtbot.waitUntil(lambda: w.state.pad.corners[0].source.startswith("Face"), timeout=30_000)
    assert len({a.source for a in w.state.pad.corners}) == 4
    # and a typeface from the pad's point
    monkeypatch.setattr(ask, "save_path", lambda *a, **k: tmp_path / "mine.otf")
    w.actions["export_typeface"].trigger()
    w.typefaces.typeface_dialog.export_button.click()
    qtbot.waitUntil(lambda: (tmp_path / "mine.otf").exists() and not w.state.typeface.busy,
                    timeout=30_000)
    font = ImageFont.truetype(str(tmp_path / "mine.otf"), 40)
    assert font.getname()[1] == "Regular"
    w.typefaces.typeface_dialog.close()
    w.close()


def test_a_glyph_dataset_trains_conditional_models_from_the_form(state, tmp_path):
    from dataclasses import replace

    from genai_studio.core.data.datasets import read_dataset_info, save_dataset

    glyphs = save_dataset(tmp_path / "g.safetensors", np.zeros((4, 28, 28), np.uint8),
                          {"classes": ["a", "b"]}, labels=np.array([0, 1, 0, 1]))
    plain = save_dataset(tmp_path / "p.safetensors", np.zeros((4, 28, 28), np.uint8), {})
    state.library.datasets = (read_dataset_info(glyphs)[0], read_dataset_info(plain)[0])
    t = state.training
    assert t.can_condition  # MNIST
    t.settings = replace(t.settings, data=plain)
    assert not t.can_condition  # a folder's images have no labels
    t.settings = replace(t.settings, data=glyphs)
    assert t.can_condition
