"""Background training from the window: progress, pause, resume, cancel, close, faults."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt

from genai_studio.core.train.events import RunState
from genai_studio.ui.pad.state import PadMode
from genai_studio.workers.threads import running_threads
from tests.ui.helpers import start_training


def test_training_progresses_pauses_resumes_and_cancels(window, qtbot):
    run, panel, s = window.run, window.training, window.state
    start_training(window, qtbot)
    assert not panel.train_button.isEnabled() and panel.pause_button.isEnabled()
    assert window.state.training.progress.step > 0 and panel.progress_bar.value() > 0
    assert window.status["training"].text().startswith("training")

    # The canvas and the pad keep working while the model trains.
    count, decodes = window.generations, window.pad_panel.decodes
    window.actions["generate"].trigger()
    window.pad_panel.pad.set_point(0.2, 0.8)
    qtbot.waitUntil(lambda: window.generations > count, timeout=10_000)
    qtbot.waitUntil(lambda: window.pad_panel.decodes > decodes, timeout=5_000)

    qtbot.mouseClick(panel.pause_button, Qt.MouseButton.LeftButton)
    assert s.training.status.state is RunState.PAUSED and panel.pause_button.text() == "Resume"
    assert "ETA" not in panel.progress_bar.format() and "paused" in panel.progress_bar.format()
    qtbot.wait(300)  # let signals already in the queue land
    paused_step = window.state.training.progress.step
    qtbot.wait(500)
    assert window.state.training.progress.step == paused_step, "training kept going while paused"

    qtbot.mouseClick(panel.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.state.training.progress.step > paused_step, timeout=10_000)

    qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not run.is_running(), timeout=10_000)
    assert s.training.status.state is RunState.CANCELLED
    assert panel.train_button.isEnabled() and not panel.cancel_button.isEnabled()
    checkpoints = list(window.paths.user_models.glob("*.ckpt.safetensors"))
    assert checkpoints, "cancel must keep the last checkpoint"


def test_a_cancelled_run_is_listed_and_resumes_from_the_library(window, qtbot):
    run, s = window.run, window.state
    start_training(window, qtbot, epochs=3, limit=512)
    run.cancel()
    qtbot.waitUntil(lambda: not run.is_running(), timeout=10_000)
    qtbot.waitUntil(lambda: s.library.snapshot is not None
                    and len(s.library.snapshot.unfinished) == 1, timeout=10_000)
    unfinished = s.library.snapshot.unfinished[0]
    assert 0 < unfinished.step < unfinished.total_steps
    s.library.selection = unfinished.checkpoint
    assert window.actions["resume_run"].isEnabled()
    window.actions["resume_run"].trigger()
    qtbot.waitUntil(lambda: s.session.model is not None  # finished: written beside its checkpoint
                    and s.session.model.path == unfinished.model_path, timeout=60_000)
    assert s.training.status.state is RunState.FINISHED
    qtbot.waitUntil(lambda: not run.is_running(), timeout=5_000)
    qtbot.waitUntil(lambda: not s.library.snapshot.unfinished, timeout=10_000)


def test_cancel_while_paused_still_ends(window, qtbot):
    run = start_training(window, qtbot)
    run.toggle_pause()
    run.cancel()
    qtbot.waitUntil(lambda: not run.is_running(), timeout=10_000)


def test_finished_model_is_saved_to_library_and_becomes_active(window, qtbot):
    run = start_training(window, qtbot, epochs=1, limit=256, wait=False)
    qtbot.waitUntil(lambda: window.handle.path.parent == window.paths.user_models,
                    timeout=60_000)
    assert window.handle.path.exists()
    qtbot.waitUntil(lambda: any(e.path == window.handle.path
                                for e in window.state.library.snapshot.entries), timeout=10_000)
    assert window.training.preview.image is not None  # the final preview arrived
    qtbot.waitUntil(lambda: not run.is_running(), timeout=5_000)


def test_a_timed_run_from_the_form_stops_on_time_with_a_model(window, qtbot):
    """The form's time (a preset, here a few seconds) bounds the run, not its epochs; the
    status counts the time left down in plain words."""
    import time

    from genai_studio.core.train.events import RunState

    details: list[str] = []
    window.state.training.status_changed.connect(lambda s: details.append(s.detail))
    t0 = time.perf_counter()
    run = start_training(window, qtbot, epochs=1, limit=None, minutes=0.1, wait=False)
    qtbot.waitUntil(lambda: window.state.training.status.state is RunState.FINISHED,
                    timeout=60_000)
    took = time.perf_counter() - t0
    assert 5 <= took < 40  # 6 s of training, plus loading and the final write
    qtbot.waitUntil(lambda: window.handle.path.parent == window.paths.user_models,
                    timeout=30_000)  # the finished model opens
    assert any(" left" in d for d in details) and not any("ETA" in d for d in details)
    qtbot.waitUntil(lambda: not run.is_running(), timeout=5_000)


def test_close_during_training_leaves_no_thread_running(qtbot, tmp_path, model_files,
                                                      make_window):
    w = make_window(qtbot, model_files["vae"].parent, tmp_path)
    qtbot.waitUntil(lambda: w.generations > 0, timeout=30_000)
    start_training(w, qtbot)
    w.close()  # must cancel, write the checkpoint and join the threads
    assert running_threads() == []
    assert list((tmp_path / "user").glob("*.ckpt.safetensors"))


def test_worker_error_surfaces_and_reenables_controls(window, qtbot):
    s = window.state
    s.training.settings = replace(s.training.settings, device="no-such-device")
    run = start_training(window, qtbot, wait=False)
    qtbot.waitUntil(lambda: not run.is_running(), timeout=30_000)
    assert "unknown device" in window.last_error and s.training.status.state is RunState.FAILED
    panel = window.training
    assert panel.train_button.isEnabled() and not panel.pause_button.isEnabled()


def test_gan_trained_from_the_panel_becomes_active_in_corner_mode(window, qtbot):
    panel = window.training
    panel.kind.setCurrentIndex(panel.kind.findData("gan"))
    t = window.state.training.settings
    assert t.kind == "gan" and t.latent_dim == 64 and t.lr == 0.0002  # the kind's defaults
    run = start_training(window, qtbot, kind="gan", epochs=1, limit=128, latent=16, wait=False)
    qtbot.waitUntil(lambda: window.handle is not None and window.handle.kind == "gan",
                    timeout=60_000)
    assert window.handle.latent_dim == 16
    assert window.pad_panel.pad.mode is PadMode.CORNERS
    qtbot.waitUntil(lambda: not run.is_running(), timeout=5_000)


def test_loss_names_are_plain_with_formulas(window, qtbot):
    run = start_training(window, qtbot)
    panel = window.training
    qtbot.waitUntil(lambda: panel.losses.legend.count() == 3, timeout=20_000)
    chips = [panel.losses.legend.itemAt(k).widget() for k in range(panel.losses.legend.count())]
    names = [c.text().split("</span> ")[-1] for c in chips]
    assert names == ["total loss", "redrawing error", "map fit"]
    assert all(c.toolTip() for c in chips)  # the formula, on hover
    assert "neg_elbo" not in panel.stats.text() and "redrawing error" in panel.stats.text()
    run.cancel()
    qtbot.waitUntil(lambda: not run.is_running(), timeout=10_000)


def test_a_window_run_locks_its_output_against_other_runs(window, qtbot):
    from genai_studio.core.errors import OutputBusy
    from genai_studio.core.store.output_lock import OutputLock

    run = start_training(window, qtbot, epochs=50)
    locks = list(window.paths.user_models.glob(".*.lock"))
    assert len(locks) == 1
    out = window.paths.user_models / locks[0].name[1:].removesuffix(".lock")
    with pytest.raises(OutputBusy, match="being written by another run"):
        OutputLock(out).acquire()  # a CLI run with --out on the same file is refused
    run.cancel()
    qtbot.waitUntil(lambda: not run.is_running(), timeout=10_000)
    with OutputLock(out):  # released with the run
        pass


def test_a_run_shown_live_redraws_canvas_and_pad_at_most_twice_a_second(window, qtbot):
    import time

    s = window.state
    s.canvas.selected = 0
    s.training.live = True
    copies: list[float] = []
    s.training.live_model_changed.connect(
        lambda h: copies.append(time.perf_counter()) if h is not None else None)
    run = start_training(window, qtbot, epochs=200, limit=512, latent=2)
    qtbot.waitUntil(lambda: s.canvas.grid is not None and s.canvas.grid.handle.live,
                    timeout=30_000)
    assert not s.canvas.has_tile
    assert not window.actions["save_tile"].isEnabled()  # a live tile has no file behind it
    live = s.training.live_model
    assert window.pad_panel._decoder() is live.model  # the pad draws with it too
    qtbot.waitUntil(lambda: len(copies) >= 4, timeout=30_000)
    gaps = [b - a for a, b in zip(copies, copies[1:], strict=False)]
    assert min(gaps) >= 0.45  # at most twice a second
    s.training.live = False  # off mid-run: the open model draws again
    qtbot.waitUntil(lambda: s.canvas.grid is not None and not s.canvas.grid.handle.live,
                    timeout=30_000)
    assert s.canvas.has_tile
    run.cancel()
    qtbot.waitUntil(lambda: not run.is_running(), timeout=30_000)
