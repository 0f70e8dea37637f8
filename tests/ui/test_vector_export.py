"""SVG and PDF from the studio's export dialog: a tile, the grid's sheet and a morph's frames,
each with its provenance, written on the jobs thread (issue 20)."""

from __future__ import annotations

import numpy as np

from genai_studio.core.export import imagemeta
from genai_studio.core.export.options import ExportFormat
from genai_studio.ui.common import ask
from genai_studio.ui.studio.kinds import Anchor, MorphEnd


def _jobs_done(window, qtbot):
    qtbot.waitUntil(lambda: window.studio.jobs.pending() == 0 and not window.state.takeout.busy,
                    timeout=30_000)


def test_export_dialog_writes_svg_and_pdf(window, qtbot, tmp_path, monkeypatch):
    s = window.state
    s.canvas.selected = 2
    dialog = window.take_out.show_export("tile")
    dialog.fmt.setCurrentIndex(dialog.fmt.findData(ExportFormat.SVG))
    monkeypatch.setattr(ask, "save_path", lambda *a, **k: tmp_path / "tile.svg")
    dialog.export_button.click()
    _jobs_done(window, qtbot)
    assert (tmp_path / "tile.svg").read_bytes().startswith(b"<?xml")
    prov = imagemeta.read_provenance(tmp_path / "tile.svg")
    np.testing.assert_array_equal(prov.latent[0], s.canvas.grid.latents[2])
    dialog.show_for("grid")  # the grid keeps the still format chosen: SVG; now PDF
    assert dialog.fmt.currentData() == ExportFormat.SVG
    dialog.fmt.setCurrentIndex(dialog.fmt.findData(ExportFormat.PDF))
    monkeypatch.setattr(ask, "save_path", lambda *a, **k: tmp_path / "grid.pdf")
    dialog.export_button.click()
    _jobs_done(window, qtbot)
    assert (tmp_path / "grid.pdf").read_bytes().startswith(b"%PDF-1.4")
    assert len(imagemeta.read_provenance(tmp_path / "grid.pdf").latent) == len(
        s.canvas.grid.latents)
    tiles = s.canvas.grid.latents
    s.morph.set_anchor(MorphEnd.START, Anchor(tiles[0]))
    s.morph.set_anchor(MorphEnd.END, Anchor(tiles[1]))
    dialog.show_for("morph")
    dialog.frames.setValue(5)
    dialog.fmt.setCurrentIndex(dialog.fmt.findData(ExportFormat.SVG_FRAMES))
    monkeypatch.setattr(ask, "save_path", lambda *a, **k: tmp_path / "frames")
    dialog.export_button.click()
    _jobs_done(window, qtbot)
    frames = sorted((tmp_path / "frames").glob("frame_*.svg"))
    assert len(frames) == 5 and imagemeta.read_provenance(frames[4]).frame == 4
    window.close()
