"""The feature widgets that once needed a controller, each on its own on a bare StudioState:
they draw what the state holds and say what the artist asked for through their signals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QWidget

from genai_studio.core.export.options import ANIMATION_FORMATS, ExportFormat, ExportSource
from genai_studio.ui.material.state import Material, Target, TargetKind
from tests.ui.helpers import show_grid


@pytest.fixture
def host(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_export_dialog_is_the_state_and_asks_for_an_export(state, host, handle, tmp_path,
                                                           monkeypatch):
    from genai_studio.ui.common import ask
    from genai_studio.ui.takeout.export_dialog import ExportDialog

    dialog = ExportDialog(state, host)
    assert not dialog.export_button.isEnabled()  # no model: nothing to export
    state.session.model = handle("vae")
    show_grid(state, state.session.model)
    dialog.show_for(ExportSource.MORPH)
    assert state.takeout.source is ExportSource.MORPH
    assert dialog.fmt.count() == len(ANIMATION_FORMATS) and dialog.frames.isVisibleTo(dialog)
    dialog.fmt.setCurrentIndex(dialog.fmt.findData(ExportFormat.WEBP))
    assert state.takeout.settings.animation_format is ExportFormat.WEBP
    dialog.frames.setValue(30)
    dialog.smoothing.setValue(10)
    assert state.takeout.settings.frames == 30 and state.takeout.settings.smoothing == 0.1
    dialog.scale.setCurrentIndex(dialog.scale.findData(0))  # a width in px instead
    dialog.size.setValue(300)
    assert state.takeout.settings.style.size == 300 and state.takeout.settings.style.scale is None
    dialog.show_for(ExportSource.GRID)
    assert dialog.preview.pixmap() is not None and not dialog.preview.pixmap().isNull()
    asked = []
    dialog.export_requested.connect(lambda source, target: asked.append((source, target)))
    monkeypatch.setattr(ask, "save_path", lambda *a, **k: tmp_path / "sheet.png")
    dialog.export_button.click()
    assert asked == [(ExportSource.GRID, tmp_path / "sheet.png")]
    # a vector format for stills: the grid's choice is kept, the morph's is its own
    dialog.fmt.setCurrentIndex(dialog.fmt.findData(ExportFormat.SVG))
    assert state.takeout.settings.fmt_for(ExportSource.GRID) is ExportFormat.SVG
    assert state.takeout.settings.fmt_for(ExportSource.TILE) is ExportFormat.SVG
    assert state.takeout.settings.fmt_for(ExportSource.MORPH) is ExportFormat.WEBP
    offered = []
    monkeypatch.setattr(ask, "save_path", lambda _p, _t, start, filters, **_k: offered.append(
        (start.suffix, filters)) or tmp_path / "sheet.svg")
    dialog.export_button.click()
    assert offered[0][0] == ".svg" and "*.svg" in offered[0][1]
    state.takeout.busy = True
    assert not dialog.export_button.isEnabled() and dialog.cancel_button.isEnabled()
    state.takeout.progress = (0.5, "frame 3 of 6")
    assert dialog.progress.value() == 500 and dialog.note.text() == "frame 3 of 6"


def test_gallery_panel_lists_the_state_and_asks(state, host):
    from genai_studio.core.export.gallery import GalleryItem
    from genai_studio.ui.takeout.gallery import GalleryPanel

    panel = GalleryPanel(state, host)
    thumb = np.zeros((8, 8, 4), np.uint8)
    items = tuple(GalleryItem(Path(f"/nowhere/{k}.png"), None, "no provenance", 0.0, thumb)
                  for k in range(3))
    state.takeout.gallery = items
    assert panel.list.count() == 3
    reopened, deleted = [], []
    panel.reopen_requested.connect(reopened.append)
    panel.delete_requested.connect(deleted.append)
    panel.list.item(1).setSelected(True)
    panel.buttons["reopen"].click()
    panel.buttons["delete"].click()
    assert reopened == [items[1]] and deleted == [[items[1]]]


def test_material_panel_draws_the_material_and_asks(state, host, handle):
    from genai_studio.ui.material.panel import MaterialPanel

    panel = MaterialPanel(state, host)
    assert not panel.repair_button.isEnabled()
    state.session.model = handle("vae")
    image = np.zeros((28, 28), np.float32)
    state.material.current = Material(state.session.model, image, "drawing.png",
                                      np.zeros(2, np.float32), None, image, 0.125)
    assert panel.repair_button.isEnabled() and "0.125" in panel.caption.text()
    sent, repairs = [], []
    panel.send_requested.connect(sent.append)
    panel.repair_requested.connect(lambda: repairs.append(1))
    panel.send_buttons[0].click()
    panel.repair_button.click()
    assert sent == [Target(TargetKind.PAD)] and repairs == [1]
    state.material.encoding = True
    assert panel.stop_button.isVisibleTo(panel)
    state.material.progress = (5, 10, 0.25)
    assert panel.busy_bar.value() == 500


def test_repair_dialog_asks_and_shows_the_state_s_repair(state, host, handle, qtbot):
    from genai_studio.ui.material.repair_dialog import RepairDialog
    from genai_studio.workers.messages import RepairRequest, RepairResult

    state.session.model = handle("vae")
    image = np.zeros((28, 28), np.float32)
    dialog = RepairDialog(state, image, "tile 3", host)
    asked = []
    dialog.repair_requested.connect(lambda *args: asked.append(args))
    dialog.run()
    assert asked == []  # nothing painted: nothing to repair
    dialog.canvas.hole[10:14, 10:14] = True
    dialog.run()
    assert len(asked) == 1 and asked[0][2] == dialog.count.value()
    request = RepairRequest(state.session.model, image, dialog.canvas.hole, 2, 0, None)
    state.material.repair = RepairResult(request, np.ones((2, 28, 28), np.float32),
                                         np.zeros((2, 2), np.float32), None, False)
    assert dialog.result is not None and dialog.alternatives_row.count() == 3
    used = []
    dialog.use_requested.connect(lambda *args: used.append(args))
    dialog.to_pad()
    assert used[0][1] == "repair of tile 3" and used[0][2] == Target(TargetKind.PAD)


def test_dataset_panel_lists_selects_and_asks(state, host, tmp_path):
    from genai_studio.core.data.datasets import DatasetInfo
    from genai_studio.ui.library.datasets_panel import DatasetPanel
    from genai_studio.ui.library.state import DatasetPreview

    panel = DatasetPanel(state, host)
    assert not panel.train_button.isEnabled() and panel.empty.isVisibleTo(panel)
    infos = tuple(DatasetInfo(tmp_path / f"{name}.safetensors", name, (3, 32, 32), 100 + k,
                              {"options": {"fit": "pad"}})
                  for k, name in enumerate(("leaves", "faces")))
    state.library.datasets = infos
    assert panel.list.count() == 2 and state.library.dataset == infos[0].path
    panel.list.setCurrentRow(1)
    assert state.library.dataset == infos[1].path and "faces" in panel.info.text()
    state.library.dataset_preview = DatasetPreview(infos[1].path,
                                                   np.zeros((40, 40, 3), np.float32), 64)
    assert panel.preview.caption == "first 64 images"
    trained = []
    panel.train_requested.connect(trained.append)
    panel.train_button.click()
    assert trained == [infos[1]]


def test_inside_view_draws_the_state_s_look(state, host, handle, qtbot):
    from genai_studio.core.latent.inside import look_inside
    from genai_studio.ui.inside.view import InsideView
    from genai_studio.workers.messages import InsideRequest, InsideResult

    view = InsideView(state, host)
    assert view.caption.text() == ""
    model = handle("vae")
    state.session.model = model
    inside = look_inside(model.model, "vae", latent=np.zeros(2, np.float32))
    state.inside.result = InsideResult(InsideRequest(model, "pad"), inside)
    assert "VAE" in view.caption.text() and "pad" in view.caption.text()
