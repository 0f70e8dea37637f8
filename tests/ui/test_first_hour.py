"""An artist's first hour: file dialogs that remember, a batch that makes its folder, refusals
in words."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtWidgets import QFileDialog

from genai_studio.ui.common import ask


def test_file_dialogs_open_in_the_last_folder_used_across_restarts(window, tmp_path,
                                                                   monkeypatch):
    starts: list[str] = []
    answer = tmp_path / "art" / "mine.png"

    def save(_parent, _title, start, _filters):
        starts.append(start)
        return str(answer), ""

    def folder(_parent, _title, start):
        starts.append(start)
        return str(tmp_path / "sets")

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", folder)
    session = window.state.session
    session.last_folder = ""
    assert ask.save_path(window, "Export", Path.home() / "tile.png", "*", session=session) \
        == answer
    assert starts[-1] == str(Path.home() / "tile.png")  # nothing used yet: the caller's
    ask.folder(window, "Images", Path.home(), session=session)
    assert starts[-1] == str(tmp_path / "art")  # where the last file went
    ask.save_path(window, "Export", Path.home() / "grid.png", "*", session=session)
    assert starts[-1] == str(tmp_path / "sets" / "grid.png")  # the last folder, its name

    stored: dict = {}
    window.state.save(stored.__setitem__)  # a restart reads it back
    from genai_studio.ui.studio.state import StudioState

    again = StudioState()
    again.restore(stored.get)
    assert again.session.last_folder == str(tmp_path / "art")  # the last answer's


def _wheel(widget, notches: int) -> None:
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    centre = QPointF(widget.width() / 2, widget.height() / 2)
    QApplication.sendEvent(widget, QWheelEvent(
        centre, widget.mapToGlobal(centre), QPoint(0, 0), QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
        False))


def test_the_loss_plot_stays_put_and_offers_a_plain_menu(window, qtbot, tmp_path,
                                                         monkeypatch):
    from PySide6.QtCore import Qt

    window.docks["training"].show()
    window.docks["training"].raise_()
    plot = window.training.losses
    plot.start_run()
    for step in range(1, 51):
        plot.add(step * 10, {"neg_elbo": 500.0 - step, "kl": 3.0})
    plot.redraw()
    qtbot.waitUntil(lambda: plot.plot.isVisible() and plot.plot.height() > 50, timeout=5000)
    view = plot.plot.getViewBox()
    qtbot.wait(50)
    before = view.viewRange()
    _wheel(plot.plot.viewport(), 5)
    assert view.viewRange() == before  # no zoom to ±30,000 by accident
    assert plot.plot.contextMenuPolicy() == Qt.ContextMenuPolicy.CustomContextMenu
    menu = plot.menu()
    assert [a.text() for a in menu.actions() if a.text()] == [
        "Copy image", "Save as CSV…", "Reset view", "Zoom with the wheel and mouse"]

    plot.set_zoomable(True)  # asked for: now the wheel zooms
    _wheel(plot.plot.viewport(), 5)
    assert view.viewRange() != before
    menu.actions()[2].trigger()  # reset view
    plot.set_zoomable(False)

    monkeypatch.setattr(ask, "save_path", lambda *a, **k: tmp_path / "losses.csv")
    plot.save_csv()
    qtbot.waitUntil((tmp_path / "losses.csv").exists, timeout=10_000)
    lines = (tmp_path / "losses.csv").read_text().splitlines()
    assert lines[0] == 'step,"total loss","map fit"'
    assert lines[1] == "10,499,3" and len(lines) == 51


def test_a_refused_drop_says_why(window, tmp_path):
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    notes = tmp_path / "notes.txt"
    notes.write_text("not a picture")
    said: list[str] = []
    window.state.message_posted.connect(lambda text, _ms: said.append(text))
    for widget in (window.canvas, window.pad_panel.pad, window):
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(notes))])
        widget.dropEvent(QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime,
                                    Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier))
    assert len(said) == 3
    assert all(s.startswith("notes.txt is not an image") and "PNG" in s for s in said), said


def test_missing_x11_libraries_are_named_in_one_line(monkeypatch, capsys):
    """Without libxcb-cursor0 Qt says only "could not load the Qt platform plugin xcb" and
    aborts; the studio names the package to install and exits with status 2 first."""
    from genai_studio.cli import main
    from genai_studio.ui.common import system_libs

    assert system_libs.uses_xcb({"DISPLAY": ":0"}, "linux")
    assert not system_libs.uses_xcb({"WAYLAND_DISPLAY": "wayland-0"}, "linux")
    assert not system_libs.uses_xcb({"QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert not system_libs.uses_xcb({}, "darwin")
    real = system_libs._loadable
    monkeypatch.setattr(system_libs, "_loadable",
                        lambda soname: soname != "libxcb-cursor.so.0" and real(soname))
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    assert system_libs.missing_packages(system_libs._loadable)[:1] == ["libxcb-cursor0"]
    assert main([]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "sudo apt install libxcb-cursor0" in err


def test_export_styles_are_kept_per_kind_of_image(window, qtbot, tmp_path):
    """Digit styles (ink on paper, the "ink" resampling) never reach a colour model; each
    kind of image keeps its own style, across model switches and restarts."""
    from dataclasses import replace

    import torch

    from genai_studio.core.models.registry import VAEConfig, build_model
    from genai_studio.core.store.checkpoints import model_metadata, save_model
    from genai_studio.ui.takeout.state import ExportSettings

    t = window.state.takeout
    grey_model = window.state.session.model
    t.settings = replace(t.settings, style=replace(t.settings.style, ink="#ff0000",
                                                   resampling="ink"))
    torch.manual_seed(0)
    colour = build_model(VAEConfig(arch="conv", hidden=(16,), latent_dim=2,
                                   image_shape=(3, 32, 32)))
    path = save_model(tmp_path / "colour.safetensors", colour, model_metadata(
        colour, dataset={"name": "x", "options": {"size": 32, "colour": "rgb", "fit": "crop"}},
        training={}))
    window.studio.load(path)
    qtbot.waitUntil(lambda: t.settings.style_kind == "colour", timeout=60_000)
    assert t.settings.style.resampling == "lanczos" and t.settings.style.ink == "#ffffff"
    t.settings = replace(t.settings, style=replace(t.settings.style, scale=16))
    window.studio.load(grey_model.path)
    qtbot.waitUntil(lambda: t.settings.style_kind == "grey", timeout=60_000)
    assert t.settings.style.ink == "#ff0000" and t.settings.style.resampling == "ink"
    again = ExportSettings.from_json(t.settings.to_json())  # a restart
    assert again.other_style.scale == 16 and again.style.ink == "#ff0000"


def test_a_recorded_path_starts_where_the_pen_went_down_and_is_previewed(window, qtbot):
    from genai_studio.core.export.options import ExportSource

    s = window.state
    s.pad.point = (0.9, 0.9)  # where the point was before recording
    dialog = window.take_out.show_export(ExportSource.PATH)
    s.pad.recording = True
    assert "recording" in dialog.preview.text()
    for k in range(6):
        s.pad.point = (0.2 + 0.05 * k, 0.3)
    assert dialog.preview.pixmap() is not None and not dialog.preview.pixmap().isNull()
    s.pad.recording = False
    assert tuple(s.pad.path.points[0]) == (0.2, 0.3)  # no straight jump from (0.9, 0.9)
    assert s.pad.trail_start is None and not dialog.preview.pixmap().isNull()
    dialog.close()


def test_a_fitted_prior_is_the_grids_own_and_the_standard_normal_one_click_away(
        qtbot, tmp_path, make_window, gan_window):
    import torch

    from genai_studio.core.models.registry import VAEConfig, build_model
    from genai_studio.core.store.checkpoints import model_metadata, save_model

    assert not gan_window.actions["standard_prior"].isEnabled()  # no fitted prior to leave
    torch.manual_seed(0)
    model = build_model(VAEConfig(latent_dim=2, hidden=(32,), prior_components=2))
    # Two tight clusters far from the origin: a draw from N(0, I) would rarely land there.
    z = torch.cat([torch.randn(200, 2) * 0.05 + 4, torch.randn(200, 2) * 0.05 - 4])
    model.fitted_prior.fit(z, seed=0)
    (tmp_path / "fitted").mkdir()
    save_model(tmp_path / "fitted" / "fitted.safetensors", model,
               model_metadata(model, dataset={"name": "none"}, training={}))
    w = make_window(qtbot, tmp_path / "fitted", tmp_path)
    qtbot.waitUntil(lambda: w.generations > 0, timeout=90_000)
    state = w.studio.state
    own = state.canvas.grid.latents.copy()
    assert w.actions["standard_prior"].isEnabled()
    assert np.all(np.abs(np.abs(own) - 4) < 0.5)  # every tile from one of the clusters
    seen = w.generations
    w.actions["standard_prior"].trigger()
    qtbot.waitUntil(lambda: w.generations > seen, timeout=30_000)
    standard = state.canvas.grid.latents
    assert state.canvas.standard_prior and state.canvas.grid.seed == state.canvas.seed
    assert np.abs(standard).mean() < 1.5  # N(0, I) draws, the same seed
    w.close()


def test_a_gans_grid_drops_the_samples_its_critic_doubts_unless_asked_not_to(gan_window, window,
                                                                          qtbot):
    action = gan_window.actions["drop_doubted"]
    canvas = gan_window.studio.state.canvas
    assert action.isEnabled() and action.isChecked() and canvas.keep == 0.8  # the default
    curated = canvas.grid.latents.copy()
    seen = gan_window.generations
    action.trigger()
    qtbot.waitUntil(lambda: gan_window.generations > seen, timeout=30_000)
    assert not canvas.curated and canvas.keep == 1.0
    assert canvas.grid.seed == canvas.seed and not np.allclose(canvas.grid.latents, curated)
    assert not window.actions["drop_doubted"].isEnabled()  # a VAE has no critic


def test_a_run_folds_the_training_form_in_a_side_dock(window, qtbot):
    from tests.ui.helpers import start_training

    window.resize(1366, 768)
    window.reset_layout()
    window.docks["training"].raise_()
    panel = window.training
    qtbot.waitUntil(lambda: panel.pairs_per_row == 1, timeout=5_000)  # narrow: one column
    assert panel.kind.isVisible() and not panel.summary.isVisible()
    run = start_training(window, qtbot, kind="vae")
    assert panel.summary.isVisible() and panel.summary.text().startswith("Training: VAE")
    assert not panel.kind.isVisible() and panel.cancel_button.isVisible()
    run.cancel()
    qtbot.waitUntil(lambda: not run.is_running(), timeout=30_000)
    qtbot.waitUntil(lambda: panel.kind.isVisible(), timeout=5_000)
    assert not panel.summary.isVisible()


def test_a_new_runs_loss_legend_holds_only_its_own_curves(state, qtbot):
    """The previous run's legend leaves with it at once: its chips waited for a deferred
    delete and drew over the new ones when the studio was driven without an event loop (the
    GAN screenshot at 1920x1080 showed two legends on top of each other)."""
    from PySide6.QtWidgets import QLabel

    from genai_studio.ui.training.loss_plot import LossPlot

    plot = LossPlot(state)
    qtbot.addWidget(plot)
    plot.resize(290, 600)
    plot.show()
    losses = {"d_loss": 1.3, "g_loss": 0.7, "d_real": 0.5, "d_fake": 0.5}

    def chips() -> list[QLabel]:
        return [c for c in plot.findChildren(QLabel) if "■" in c.text() and c.isVisible()]

    for _ in range(2):
        plot.start_run()
        assert chips() == []
        for step in range(1, 6):
            plot.add(step, losses)
        plot.redraw()
        qtbot.waitUntil(lambda: len(chips()) == 4, timeout=2000)
