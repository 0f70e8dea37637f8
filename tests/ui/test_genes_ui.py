"""Genes, breeding and undo in the studio: the panels on a bare state, then the window: genes
steer the pad, the selected tile, the morph and the grid; undo and redo walk back through
generate, genes, pad point, corners, breeding and the model; a bred child exported and
reopened brings its brood back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolButton, QWidget

from genai_studio.core.genes.finding import artist_gene
from genai_studio.core.genes.genes import Gene, GeneSet
from tests.ui.helpers import breed, show_grid


def _genes(dim: int, with_artist: bool = False) -> GeneSet:
    eye = np.eye(dim, dtype=np.float32)
    genes = (Gene("slant", 0.8 * eye[0], "one sd of slant (9 degrees)", "regression",
                  sigma=9.0, measure_unit="degrees", fit=0.9, effect=(1.0, 1.6, -0.9, -1.6),
                  cross={"thickness": 0.1},  # its step changes across the latents: a slope
                  slope=0.2 * np.roll(eye, 1, axis=1), centre=np.zeros(dim, np.float32)),
             Gene("thickness", 0.8 * eye[1], "one sd of thickness (0.5 px)", "regression",
                  sigma=0.5, measure_unit="px", fit=0.8, effect=(1.0, 2.0, -1.0, -1.9)))
    out = GeneSet("0" * 64, dim, genes, "test samples")
    if with_artist:
        rng = np.random.default_rng(0)
        out = out.with_gene(artist_gene("curly", eye[2:3] * 2, eye[3:4], rng.normal(size=(40,
                                                                                         dim))))
    return out


@pytest.fixture
def host(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_genes_panel_draws_a_slider_per_gene_and_writes_what_the_artist_moves(state, handle,
                                                                              qtbot):
    from genai_studio.ui.genes.panel import GenesPanel

    panel = GenesPanel(state)
    qtbot.addWidget(panel)
    panel.show()
    assert panel.rows == {}
    model = state.session.model = handle("vae8")
    show_grid(state, model)
    state.canvas.selected = 4
    state.genes.genes, state.genes.owner = _genes(8, with_artist=True), model
    assert list(panel.rows) == ["slant", "thickness", "curly"]
    assert "measured +1.00" in panel.rows["slant"].effect.text()
    panel.rows["slant"].slider.setValue(150)
    assert state.genes.values == (("slant", 1.5),)
    assert "slant +1.5 → measured +1.30" in panel.rows["slant"].effect.text()
    assert not np.allclose(panel.after.pixels, panel.before.pixels)  # the tile, steered
    state.genes.values = (("thickness", -2.0),)  # history or a reopened image sets them
    assert panel.rows["slant"].slider.value() == 0
    assert panel.rows["thickness"].slider.value() == -200
    assert state.genes.can_reset
    panel.reset_button.click()
    assert state.genes.values == () and np.allclose(panel.after.pixels, panel.before.pixels)
    removed = []
    panel.remove_requested.connect(removed.append)
    panel.rows["curly"].findChild(QToolButton).click()
    assert removed == ["curly"]


def test_a_held_genes_row_says_what_it_does_held_and_along_the_step(qtbot):
    """Its tooltip gives both (and a file's gene with no step measured still shows a row)."""
    from dataclasses import replace

    from genai_studio.ui.genes.panel import GeneRow

    slant = replace(_genes(8).get("slant"), strengths=(0.3, 0.6, -0.3, -0.6),
                    held=(0.9, 1.9, -1.0, -2.1))
    row = GeneRow(slant)
    qtbot.addWidget(row)
    tip = row.toolTip() or row.slider.toolTip()
    assert "Held to the digit" in tip and "+2 → +1.90" in tip and "+2 → +1.60" in tip
    assert "measured +0.90" in row.effect.text()
    assert "Below 0" not in tip and "cross-talk" in tip
    bare = GeneRow(replace(slant, effect=()))
    qtbot.addWidget(bare)
    assert "Held to the digit" in (bare.toolTip() or bare.slider.toolTip())
    one_side = GeneRow(replace(slant, strengths=(0.3, 0.6, 0.0, 0.0)))
    qtbot.addWidget(one_side)
    assert "Below 0 it follows the step alone" in (one_side.toolTip()
                                                    or one_side.slider.toolTip())


def test_genes_panel_marks_tiles_and_asks_for_a_named_gene(state, handle, qtbot):
    from genai_studio.ui.genes.panel import GenesPanel

    panel = GenesPanel(state)
    qtbot.addWidget(panel)
    model = state.session.model = handle("vae8")
    show_grid(state, model)
    state.genes.genes, state.genes.owner = _genes(8), model
    asked = []
    panel.make_requested.connect(asked.append)
    state.canvas.selected = 1
    panel.has_button.click()
    assert not panel.make_button.isEnabled()  # nothing lacks it yet
    state.canvas.selected = 2
    panel.lacks_button.click()
    assert state.genes.having == {1} and state.genes.lacking == {2}
    assert not panel.make_button.isEnabled()  # no name yet
    panel.gene_name.setText("loopy")
    assert panel.make_button.isEnabled()
    panel.make_button.click()
    assert asked == ["loopy"] and "1 with, 1 without" in panel.marks.text()


def test_genes_of_another_model_never_steer(state, handle):
    first, second = handle("vae8"), handle("gan")
    state.session.model = first
    state.genes.genes, state.genes.owner = _genes(8), first
    state.genes.set_value("slant", 1.0)
    assert state.genes.steering() is not None
    state.session.model = second
    assert state.genes.active is None and state.genes.steering() is None


def test_breeding_panel_lists_parents_and_removes_them(state, handle, qtbot, host):
    from PySide6.QtGui import QAction

    from genai_studio.core.genes.breeding import Parent
    from genai_studio.ui.breeding.panel import BreedingPanel
    from genai_studio.ui.breeding.state import ParentTile

    actions = {name: QAction(name, host) for name in ("breed_add", "breed")}
    panel = BreedingPanel(state, actions)
    qtbot.addWidget(panel)
    model = state.session.model = handle("vae8")
    grid = show_grid(state, model)
    for k in range(3):
        state.breeding.add(ParentTile(Parent(grid.latents[k], "a" * 64), grid.images[k], model))
    assert panel.list.count() == 3 and "3 parents" in panel.count.text()
    state.breeding.model_sha256 = "a" * 64
    assert state.breeding.can_breed
    panel.list.item(0).setSelected(True)
    panel.remove_button.click()
    assert len(state.breeding.parents) == 2
    panel.spread.setValue(80)
    assert state.breeding.spread == pytest.approx(0.8)
    state.session.model = handle("gan")  # parents of another model are kept, left out
    assert panel.list.count() == 2 and not state.breeding.can_breed
    assert not panel.list.item(0).flags() & Qt.ItemFlag.ItemIsEnabled


def test_history_panel_lists_the_steps_and_asks_to_jump(state, handle, qtbot, host):
    from PySide6.QtGui import QAction

    from genai_studio.ui.history.panel import HistoryPanel
    from genai_studio.ui.studio.state import Step

    actions = {name: QAction(name, host) for name in ("history_back", "history_forward")}
    panel = HistoryPanel(state, actions)
    qtbot.addWidget(panel)
    grid = show_grid(state, handle("vae8"))
    for what in ("Model tiny-vae8", "Generate (seed 3)", "Pad point (0.20, 0.30)"):
        state.history.steps.push(Step(grid, frozenset(), None, what=what))
    state.history.steps.back()
    state.history.moved()
    assert panel.list.count() == 3 and panel.list.currentRow() == 1
    assert "Generate" in panel.list.item(1).text() and "1 to redo" in panel.hint.text()
    asked = []
    panel.step_requested.connect(asked.append)
    panel.list.itemClicked.emit(panel.list.item(0))
    assert asked == [0]


# ---- the window ---------------------------------------------------------------------------

@pytest.fixture
def vae8_window(qtbot, tmp_path, model_files, make_window):
    w = make_window(qtbot, model_files["vae8"].parent, tmp_path)
    qtbot.waitUntil(lambda: w.generations > 0, timeout=90_000)
    yield w
    w.close()


def _jobs_done(window, qtbot):
    qtbot.waitUntil(lambda: window.studio.jobs.pending() == 0, timeout=30_000)


def _settled(window, qtbot):
    from genai_studio.ui.studio.history_control import SETTLE_MS

    qtbot.wait(SETTLE_MS + 150)


def test_the_genes_dock_finds_genes_and_keeps_them_beside_the_model(vae8_window, qtbot):
    w, s = vae8_window, vae8_window.state
    assert s.genes.genes is None  # nothing is found while the panel is closed
    w.docks["genes"].show()
    w.docks["genes"].raise_()
    qtbot.waitUntil(lambda: s.genes.active is not None and s.genes.finding < 0, timeout=60_000)
    assert "genes" in s.genes.status
    assert (s.session.model.path.with_name("tiny-vae8.genes.json")).exists()


def test_sliders_steer_the_pad_the_morph_and_the_grid_and_undo_takes_them_back(vae8_window,
                                                                                qtbot):
    w, s = vae8_window, vae8_window.state
    model = s.session.model
    s.genes.genes, s.genes.owner = _genes(8), model
    first = s.canvas.grid
    s.canvas.selected = 0
    w.actions["morph_start"].trigger()
    s.canvas.selected = 5
    w.actions["morph_end"].trigger()
    qtbot.waitUntil(lambda: s.morph.frames is not None, timeout=10_000)
    frames, decodes = s.morph.frames, w.pad_panel.decodes
    s.genes.set_value("slant", 2.0)
    qtbot.waitUntil(lambda: w.pad_panel.decodes > decodes, timeout=5_000)
    qtbot.waitUntil(lambda: s.canvas.grid.genes == (("slant", 2.0),), timeout=20_000)
    steered = s.canvas.grid
    assert np.allclose(steered.latents, s.genes.steering()(first.latents), atol=1e-5)
    assert np.allclose(steered.base, first.latents)
    assert not np.allclose(steered.images, first.images)
    qtbot.waitUntil(lambda: s.morph.frames is not frames, timeout=10_000)
    _settled(w, qtbot)
    assert s.history.names[-1].startswith("Genes: slant +2.0")
    w.actions["history_back"].trigger()
    assert s.canvas.grid is first and s.genes.values == ()
    w.actions["history_forward"].trigger()
    assert s.canvas.grid is steered and s.genes.values == (("slant", 2.0),)
    s.genes.values = ()
    qtbot.waitUntil(lambda: s.canvas.grid.base is None, timeout=20_000)
    assert np.allclose(s.canvas.grid.latents, first.latents, atol=1e-5)


def _set_held_genes(s) -> None:  # noqa: ANN001
    """The window's model gets ``_genes(8)`` with slant held to the digit (strengths)."""
    from dataclasses import replace

    genes = _genes(8)
    held = replace(genes.get("slant"), strengths=(0.25, 0.5, -0.25, -0.5),
                   held=(0.9, 1.8, -0.9, -1.8))
    s.genes.genes = replace(genes, genes=(held, genes.get("thickness")))
    s.genes.owner = s.session.model


def test_a_held_gene_holds_the_grid_and_the_panel_shows_the_grids_own_tile(vae8_window, qtbot):
    """A gene with a transformation (strengths): once still, the grid's latents are held to
    their digits (not the step alone), and the panel's steered tile is that grid tile."""

    from genai_studio.core.genes.genes import Steering

    w, s = vae8_window, vae8_window.state
    _set_held_genes(s)
    w.docks["genes"].show()
    w.docks["genes"].raise_()
    first = s.canvas.grid
    s.canvas.selected = 3
    s.genes.set_value("slant", 2.0)
    qtbot.waitUntil(lambda: s.canvas.grid.genes == (("slant", 2.0),), timeout=20_000)
    held = s.canvas.grid
    steering = Steering(s.genes.active, (("slant", 2.0),))
    assert np.allclose(held.latents, steering.move(s.session.model.model, first.latents),
                       atol=1e-4)
    assert not np.allclose(held.latents, steering(first.latents), atol=1e-3)
    panel = w.steering.genes_panel
    qtbot.waitUntil(lambda: np.array_equal(panel.after.pixels, held.images[3]), timeout=5_000)
    assert "measured +1.80" in panel.rows["slant"].effect.text()


def test_a_tile_taken_while_genes_are_set_is_moved_by_them_once(vae8_window, qtbot):
    """A morph end or a pad corner taken from a steered tile is the tile's own digit, which
    the sliders then move, as they move everything shown; not moved a second time."""
    w, s = vae8_window, vae8_window.state
    s.genes.genes, s.genes.owner = _genes(8), s.session.model
    s.genes.set_value("slant", 2.0)
    qtbot.waitUntil(lambda: s.canvas.grid.genes == (("slant", 2.0),), timeout=20_000)
    grid = s.canvas.grid
    s.canvas.selected = 0
    w.actions["morph_start"].trigger()
    s.canvas.selected = 5
    w.actions["morph_end"].trigger()
    assert np.array_equal(s.morph.start.latent, grid.base[0])
    qtbot.waitUntil(lambda: s.morph.frames is not None, timeout=10_000)
    qtbot.waitUntil(lambda: np.allclose(s.morph.frames[0], grid.images[0], atol=1e-4)
                    and np.allclose(s.morph.frames[-1], grid.images[5], atol=1e-4),
                    timeout=10_000)  # the tiles as shown, not at slant +4


def test_while_a_slider_moves_only_the_pad_and_the_tile_follow_then_the_grid_once(
        vae8_window, qtbot):
    """A drag's moves each decode the pad's point and the selected tile at once; the grid
    and the morph wait until the slider is still, then follow the last value once."""
    from genai_studio.ui.genes.controller import SETTLE_MS

    w, s = vae8_window, vae8_window.state
    s.genes.genes, s.genes.owner = _genes(8), s.session.model
    s.canvas.selected = 2
    submitted = []
    original = w.studio.jobs.submit
    w.studio.jobs.submit = lambda job: (submitted.append(job.title), original(job))[1]
    decodes = w.pad_panel.decodes
    for value in (0.5, 1.0, 1.5, 2.0):
        s.genes.set_value("slant", value)
        qtbot.wait(SETTLE_MS // 4)
    assert w.pad_panel.decodes > decodes  # the pad followed every move
    assert "Could not steer the grid" not in submitted  # the grid waited
    qtbot.waitUntil(lambda: s.canvas.grid.genes == (("slant", 2.0),), timeout=20_000)
    assert submitted.count("Could not steer the grid") == 1


def test_undo_right_after_a_slider_move_keeps_the_redo(vae8_window, qtbot):
    """Undo within the slider's settling time: the move that had not settled yet must not
    steer the restored grid afterwards (that made a new step and cut the redo branch)."""
    from genai_studio.ui.genes.controller import SETTLE_MS

    w, s = vae8_window, vae8_window.state
    s.genes.genes, s.genes.owner = _genes(8), s.session.model
    s.genes.set_value("slant", 1.0)
    qtbot.waitUntil(lambda: s.canvas.grid.genes == (("slant", 1.0),), timeout=20_000)
    _settled(w, qtbot)
    s.genes.set_value("slant", 2.0)
    qtbot.waitUntil(lambda: s.canvas.grid.genes == (("slant", 2.0),), timeout=20_000)
    _settled(w, qtbot)
    s.genes.set_value("slant", 3.0)
    qtbot.wait(SETTLE_MS // 6)
    w.actions["history_back"].trigger()  # the move is a step of its own, then undone
    names, values = s.history.names, s.genes.values
    assert w.actions["history_forward"].isEnabled()
    qtbot.wait(3 * SETTLE_MS)
    _settled(w, qtbot)
    assert s.history.names == names and s.genes.values == values  # no late step
    assert s.canvas.grid.genes == values
    assert w.actions["history_forward"].isEnabled()  # the redo branch is still there


def test_undo_walks_back_through_pad_point_corners_generate_and_breeding(vae8_window, qtbot):
    w, s = vae8_window, vae8_window.state
    first = s.canvas.grid
    s.pad.point = (0.2, 0.3)
    s.pad.point = (0.25, 0.35)  # a drag: one step once it settles
    _settled(w, qtbot)
    s.canvas.selected = 3
    w.actions["corner_0"].trigger()
    _settled(w, qtbot)
    corners = s.pad.corners
    qtbot.waitUntil(lambda: bool(s.breeding.model_sha256), timeout=10_000)
    breed(w, qtbot, (1, 2))
    bred = s.canvas.grid
    assert bred.lineage is not None and len(bred) == len(first)
    names = s.history.names
    assert names[-3].startswith("Pad point") and names[-2] == "Corners"
    assert names[-1].startswith("Breed: 64 children of 2 parents")
    w.actions["history_back"].trigger()
    assert s.canvas.grid is first and s.pad.corners is corners
    w.actions["history_back"].trigger()
    assert s.pad.corners is not corners and s.pad.point == (0.25, 0.35)
    w.actions["history_back"].trigger()
    assert s.pad.point == (0.5, 0.5)
    last = len(s.history.names) - 1
    w.steering.history_panel.step_requested.emit(last)  # the dock: straight there
    assert s.canvas.grid is bred


def test_a_bred_child_exports_its_lineage_and_reopens_as_its_brood(vae8_window, qtbot, tmp_path,
                                                                   monkeypatch):
    from genai_studio.core.export import imagemeta
    from genai_studio.ui.common import ask

    w, s = vae8_window, vae8_window.state
    qtbot.waitUntil(lambda: bool(s.breeding.model_sha256), timeout=10_000)
    breed(w, qtbot, (0, 7, 9))
    bred = s.canvas.grid
    s.canvas.selected = 6
    monkeypatch.setattr(ask, "save_path", lambda *a, **k: tmp_path / "child.png")
    w.take_out.show_export("tile").export_button.click()
    _jobs_done(w, qtbot)
    prov = imagemeta.read_provenance(tmp_path / "child.png")
    assert prov.seed is None and prov.lineage.index == 6 and len(prov.lineage.parents) == 3
    assert np.allclose(prov.latent[0], bred.latents[6])
    count = w.generations
    w.actions["generate"].trigger()
    qtbot.waitUntil(lambda: w.generations > count, timeout=10_000)
    s.library.snapshot = s.library.snapshot  # the library has the model
    s.open_image_requested.emit(tmp_path / "child.png")
    qtbot.waitUntil(lambda: s.canvas.grid is not None and s.canvas.grid.lineage is not None
                    and s.canvas.grid is not bred, timeout=30_000)
    assert np.array_equal(s.canvas.grid.latents, bred.latents) and s.canvas.selected == 6


def test_undo_brings_back_the_digit_with_its_grid(cvae_window, qtbot):
    w, s = cvae_window, cvae_window.state
    first, digit = s.canvas.grid, s.canvas.digit
    count = w.generations
    s.canvas.digit = 7
    qtbot.waitUntil(lambda: w.generations > count, timeout=10_000)
    _settled(w, qtbot)
    assert s.history.names[-1] == "Digit 7" and len(s.history.names) == 2, s.history.names
    w.actions["history_back"].trigger()
    assert s.canvas.grid is first and s.canvas.digit == digit
    w.actions["history_forward"].trigger()
    assert s.canvas.digit == 7 and s.canvas.grid.digit == 7


def test_a_gene_named_after_the_model_is_scored_is_kept(vae8_window, qtbot):
    """Score rewrites the model file (its scores go in it), so its sha256 changes and the genes
    beside it follow. The genes the window held still named the old sha256: the next gene the
    artist named was kept under it, and the next look at the genes dropped it as stale."""
    from genai_studio.core.export.provenance import file_sha256
    from genai_studio.core.genes.finding import genes_for
    from genai_studio.core.store.checkpoints import write_metrics

    w, s = vae8_window, vae8_window.state
    w.docks["genes"].show()
    w.docks["genes"].raise_()
    qtbot.waitUntil(lambda: s.genes.active is not None and s.genes.finding < 0, timeout=60_000)
    handle = s.session.model
    write_metrics(handle.path, {"judge_fd": 1.0})  # what the library's Score does, on its job
    s.session.model_info_changed.emit(handle)
    _jobs_done(w, qtbot)
    s.genes.mark(0, True)
    s.genes.mark(1, False)
    w.steering.genes.make_gene("curly")
    _jobs_done(w, qtbot)
    sha = file_sha256(handle.path)
    genes, found = genes_for(handle.model, handle.path, sha)
    assert not found and genes.get("curly") is not None
    assert s.breeding.model_sha256 == sha


def test_a_morph_exported_while_genes_are_set_is_the_morph_shown(vae8_window, qtbot):
    """The morph's ends are moved by the sliders and held to their digits where the strip
    draws them (the inference thread) and where the export draws them (the jobs thread), so
    the file is what the artist saw; the ends as set and the gene values go into the
    provenance (reopened, the sliders move them again)."""

    from genai_studio.core.export.jobs import ExportJob, _animation
    from genai_studio.core.export.options import ExportSource
    from genai_studio.core.latent.sampling import decode
    from genai_studio.ui.takeout.controller import source_from_state

    w, s = vae8_window, vae8_window.state
    _set_held_genes(s)
    s.canvas.selected = 0
    w.actions["morph_start"].trigger()
    s.canvas.selected = 5
    w.actions["morph_end"].trigger()
    plain = source_from_state(s, ExportSource.MORPH)
    assert plain.genes is None and plain.steer is None
    qtbot.waitUntil(lambda: s.morph.frames is not None, timeout=10_000)
    unmoved = s.morph.frames
    s.genes.set_value("slant", 2.0)
    qtbot.waitUntil(lambda: s.morph.frames is not unmoved, timeout=20_000)
    steered = source_from_state(s, ExportSource.MORPH)
    assert np.array_equal(steered.anchors, plain.anchors)  # the ends as set, recorded so
    assert steered.genes == {"slant": 2.0} and steered.steer is not None
    model = s.session.model.model
    ends = steered.steer.move(model, steered.anchors)
    assert np.allclose(s.morph.frames[0], decode(model, ends[:1])[0], atol=1e-4)  # held
    assert np.allclose(s.morph.frames[-1], decode(model, ends[1:])[0], atol=1e-4)
    assert not np.allclose(s.morph.frames[0], decode(model, steered.steer(steered.anchors[:1]))[0],
                           atol=1e-3)  # not the step alone
    frames, prov = _animation(ExportJob(steered, Path("m.gif"), "gif",
                                        frames=len(s.morph.frames)), model)
    assert np.allclose(frames[0], s.morph.frames[0], atol=1e-4)  # as the strip shows
    assert prov.genes == {"slant": 2.0} and np.array_equal(prov.anchors, plain.anchors)
