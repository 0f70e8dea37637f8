"""The inside view: every model kind's real tensors, at most ten looks a second, loss terms
under plain names with their formulas, and no work while it is closed."""

from __future__ import annotations

import time

import numpy as np
import pytest

from genai_studio.core.train.events import Progress, RunState
from genai_studio.ui.training.state import TrainingStatus


@pytest.fixture(scope="session")
def vaegan_file(tmp_path_factory):
    import torch

    from genai_studio.core.models.registry import VAEGAN, VAEGANConfig
    from genai_studio.core.store.checkpoints import model_metadata, save_model

    torch.manual_seed(0)
    model = VAEGAN(VAEGANConfig(latent_dim=4, channels=4, hidden=8))
    folder = tmp_path_factory.mktemp("vaegan")
    return save_model(folder / "tiny-vaegan.safetensors", model,
                      model_metadata(model, dataset={"name": "none"}, training={}))


def _open_inside(qtbot, w):
    w.docks["inside"].show()
    w.docks["inside"].raise_()
    qtbot.waitUntil(lambda: w.state.inside.open, timeout=5000)


def _look(qtbot, w, source):
    qtbot.waitUntil(lambda: w.state.inside.result is not None
                    and w.state.inside.result.request.handle is w.state.session.model
                    and w.state.inside.result.request.source.startswith(source), timeout=20_000)
    return w.state.inside.result.inside


@pytest.mark.parametrize("name", ["vae", "vae8", "gan", "cgan", "vaegan"])
def test_every_kind_shows_its_tensors(qtbot, tmp_path, make_window, model_files, vaegan_file,
                                      name):
    folder = (vaegan_file if name == "vaegan" else model_files[name]).parent
    w = make_window(qtbot, folder, tmp_path)
    qtbot.waitUntil(lambda: w.generations > 0, timeout=90_000)
    try:
        _open_inside(qtbot, w)
        w.state.pad.point = (0.3, 0.6)
        inside = _look(qtbot, w, "pad")
        encoder = name != "gan" and name != "cgan"
        assert inside.has_encoder == encoder
        assert inside.z.shape == (w.state.session.model.latent_dim,)
        assert inside.x_out.shape == (28, 28)
        if encoder:  # the round trip: the pad's image, its q(z|x), a sample, its decoding
            assert inside.mu.shape == inside.sigma.shape == inside.z.shape
            assert bool((inside.sigma > 0).all()) and inside.x is not None
        adversarial = name in ("gan", "cgan", "vaegan")
        assert (inside.d_out is not None) == adversarial
        if adversarial:
            assert 0 < inside.d_out < 1 and 0 < inside.d_x < 1  # D of a real and a sample
        w.state.canvas.selected = 3
        tile = _look(qtbot, w, "tile")
        if encoder:
            np.testing.assert_allclose(tile.x, w.state.canvas.grid.images[3])
        else:
            np.testing.assert_allclose(tile.z, w.state.canvas.grid.latents[3], rtol=1e-6)
        assert "tile 4" in w.inside_view.caption.text()
        w.inside_view.grab()  # paints without a fault
        assert w.inside_view.diagram.paints > 0
    finally:
        w.close()


def test_a_drag_asks_at_most_ten_looks_a_second(qtbot, window):
    _open_inside(qtbot, window)
    lens = window.lens
    qtbot.waitUntil(lambda: not lens._in_flight, timeout=10_000)
    before, t0 = lens.sent, time.perf_counter()
    while time.perf_counter() - t0 < 1.5:
        u = (time.perf_counter() - t0) / 1.5
        window.state.pad.point = (u, 1 - u)
        qtbot.wait(5)
    seconds = time.perf_counter() - t0
    assert 1 <= lens.sent - before <= 10 * seconds + 1
    qtbot.waitUntil(lambda: window.state.inside.result is not None
                    and not lens._in_flight and not lens._timer.isActive(), timeout=10_000)
    # The last point is the one shown once the drag stops.
    np.testing.assert_allclose(window.state.inside.result.request.latent,
                               window.state.pad.latent(), rtol=1e-6)


def test_closed_it_asks_for_nothing(qtbot, window):
    window.docks["inside"].hide()
    qtbot.waitUntil(lambda: not window.state.inside.open, timeout=5000)
    looks = []  # the lens sends from a timer: closed, it must not even start one
    window.studio.inference.request_inside.connect(looks.append)
    for k in range(20):
        window.state.pad.point = (k / 20, 0.5)
        assert not window.lens._timer.isActive()
    assert looks == []


def test_training_losses_show_plain_names_and_formulas(qtbot, window):
    _open_inside(qtbot, window)
    rows = window.inside_view.losses
    losses = {"llike": 1.0, "kl": 2.0, "l_gan": 1.5, "dec_gan": -1.2, "d_real": 0.6,
              "d_prior": 0.3}
    window.inside_view.on_progress(Progress(1, 1, 1, 1, losses, 1.0, 0.0, 0.0))
    names = {key: name.text() for key, (name, _) in rows.rows.items()}
    assert names["llike"] == "redrawing error" and names["l_gan"] == "critic"
    assert names["dec_gan"] == "generator (decoder)"
    tip = rows.rows["l_gan"][0].toolTip()
    assert "log D(x)" in tip and "log(1 − D(x~))" in tip and "log(1 − D(x_p))" in tip
    assert "Dis_l" in rows.rows["llike"][0].toolTip()
    assert rows.rows["kl"][1].text() == "2"
    # Faster than ten a second, the rows skip updates.
    count = rows.updates
    for step in range(50):
        rows.show_losses({**losses, "kl": float(step)})
    assert rows.updates - count <= 1


def test_the_last_losses_of_a_burst_are_shown(qtbot, window):
    _open_inside(qtbot, window)
    view, t = window.inside_view, window.state.training
    t.status = TrainingStatus(RunState.TRAINING, 0.5)
    losses = {"neg_elbo": 100.0, "rec": 90.0, "kl": 10.0}
    for step in range(30):  # faster than ten a second: most are skipped as they come
        t.progress = Progress(step, 30, 1, 1, {**losses, "kl": float(step)}, 1.0, 0.0, 0.0)
    qtbot.waitUntil(lambda: view.losses.rows["kl"][1].text() == "29", timeout=2000)


def test_switching_between_corner_models_of_different_sizes(qtbot, tmp_path, make_window,
                                                            model_files, vaegan_file,
                                                            monkeypatch):
    from genai_studio.ui.common.guard import GUARD

    # The GAN's 8-D corners are still in the state for a moment when the 4-D VAE-GAN becomes
    # the model: nothing may decode them with it, and no error dialog may come of it.
    w = make_window(qtbot, model_files["gan"].parent, tmp_path)
    qtbot.waitUntil(lambda: w.generations > 0, timeout=90_000)
    reported: list[tuple[str, str]] = []
    monkeypatch.setattr(GUARD, "report", lambda title, text: reported.append((title, text)))
    try:
        _open_inside(qtbot, w)
        w.studio.load(vaegan_file)
        qtbot.waitUntil(lambda: w.state.session.model.path == vaegan_file
                        and w.state.canvas.grid is not None
                        and w.state.canvas.grid.handle is w.state.session.model, timeout=30_000)
        assert all(a.latent.shape == (4,) for a in w.state.pad.corners)
        _look(qtbot, w, "pad")
        w.pad_panel.pad.set_point(0.7, 0.2)
        qtbot.waitUntil(lambda: w.pad_panel.decodes > 0, timeout=5_000)
        assert reported == []
    finally:
        w.close()


def test_a_dropped_drawing_is_prepared_as_the_pad_prepares_it(qtbot, window, tmp_path):
    from genai_studio.core.data.image_input import open_image
    from genai_studio.core.data.prepare import MNIST_SPEC, prepare
    from tests.core.byo_files import digit_drawing

    path = tmp_path / "seven.png"
    digit_drawing().save(path)  # dark ink on light paper, 300 px
    _open_inside(qtbot, window)
    window.inside_view.image_dropped.emit(path)
    inside = _look(qtbot, window, "dropped image")
    np.testing.assert_allclose(inside.x, prepare(open_image(path).image, MNIST_SPEC), atol=1e-6)
    assert inside.x.max() > 0.5 and inside.x[0].max() == 0  # light strokes, centred, on black


def test_the_loss_rows_go_when_the_run_ends(qtbot, window):
    from genai_studio.core.train.events import RunState
    from genai_studio.ui.training.state import TrainingStatus

    _open_inside(qtbot, window)
    view = window.inside_view
    view.on_progress(Progress(1, 10, 1, 1, {"neg_elbo": 1.0, "rec": 0.9, "kl": 0.1}, 1.0, 0.0,
                              0.0))
    window.state.training.status = TrainingStatus(RunState.TRAINING, 0.1, "10%")
    assert view.losses.rows and not view.losses.rows["kl"][0].isHidden()
    window.state.training.status = TrainingStatus(RunState.CANCELLED, 0.1, "cancelled")
    assert view.losses.rows == {}
