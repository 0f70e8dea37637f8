"""Background training from the window: progress, pause, resume, cancel, close, faults."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt

from genai_studio.ui import guard
from genai_studio.workers import running_threads


def _start(window, qtbot, epochs: int = 200):
    t = window.training
    t.limit = 512  # 8 steps of 64 per epoch: seconds, not minutes
    t.epochs.setValue(epochs)
    t.batch.setValue(64)
    qtbot.mouseClick(t.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: t.progress_count > 0, timeout=60_000)
    return t


def test_training_progresses_pauses_resumes_and_cancels_within_1s(window, qtbot):
    t = _start(window, qtbot)
    assert not t.train_button.isEnabled() and t.pause_button.isEnabled()
    assert t.last_progress.step > 0 and t.progress_bar.value() > 0
    assert window.status["training"].text().startswith("training")

    # The canvas and the pad keep working while the model trains.
    count, decodes = window.generations, window.pad_panel.decodes
    window.generate()
    window.pad_panel.pad.set_point(0.2, 0.8)
    qtbot.waitUntil(lambda: window.generations > count, timeout=10_000)
    qtbot.waitUntil(lambda: window.pad_panel.decodes > decodes, timeout=5_000)

    qtbot.mouseClick(t.pause_button, Qt.MouseButton.LeftButton)
    assert t.pause_button.text() == "Resume"
    qtbot.wait(300)  # let signals already in the queue land
    paused_step = t.last_progress.step
    qtbot.wait(500)
    assert t.last_progress.step == paused_step, "training kept going while paused"

    qtbot.mouseClick(t.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: t.last_progress.step > paused_step, timeout=10_000)

    t0 = time.perf_counter()
    qtbot.mouseClick(t.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not t.is_running(), timeout=5_000)
    assert time.perf_counter() - t0 <= 1.0
    assert t.train_button.isEnabled() and not t.cancel_button.isEnabled()
    checkpoints = list(window.paths.user_models.glob("*.ckpt.safetensors"))
    assert checkpoints, "cancel must keep the last checkpoint"


def test_cancel_while_paused_still_ends(window, qtbot):
    t = _start(window, qtbot)
    t.toggle_pause()
    t0 = time.perf_counter()
    t.cancel()
    qtbot.waitUntil(lambda: not t.is_running(), timeout=5_000)
    assert time.perf_counter() - t0 <= 1.0


def test_finished_model_is_saved_to_library_and_becomes_active(window, qtbot):
    t = window.training
    t.limit = 256
    t.epochs.setValue(1)
    t.batch.setValue(64)
    t.start()
    qtbot.waitUntil(lambda: window.handle is not None
                    and window.handle.path.parent == window.paths.user_models, timeout=60_000)
    assert window.handle.path.exists()
    assert any(e.path == window.handle.path for e in window.library.entries)
    assert t.preview.image is not None  # the final preview arrived


def test_close_during_training_leaves_no_thread_running(qtbot, tmp_path, model_files,
                                                      make_window):

    w = make_window(qtbot, model_files["vae"].parent, tmp_path)
    qtbot.waitUntil(lambda: w.generations > 0, timeout=30_000)
    _start(w, qtbot)
    w.close()  # must cancel, write the checkpoint and join the threads
    assert running_threads() == []
    assert list((tmp_path / "user").glob("*.ckpt.safetensors"))


def test_worker_error_surfaces_and_reenables_controls(window, qtbot, monkeypatch):
    t = window.training
    monkeypatch.setattr(t, "app_device", "no-such-device")
    t.start()
    qtbot.waitUntil(lambda: not t.is_running(), timeout=30_000)
    assert "unknown device" in window.last_error
    assert t.train_button.isEnabled() and not t.pause_button.isEnabled()


def test_widget_slots_ran_on_the_gui_thread(window, qtbot):
    before = guard.CALLS["TrainingPanel.on_progress"]
    _start(window, qtbot)
    window.training.cancel()
    qtbot.waitUntil(lambda: not window.training.is_running(), timeout=5_000)
    assert guard.CALLS["TrainingPanel.on_progress"] > before
    assert guard.CALLS["MainWindow.on_generated"] > 0
    assert guard.VIOLATIONS == []


def test_gan_trained_from_the_panel_becomes_active_in_corner_mode(window, qtbot):
    t = window.training
    t.kind.setCurrentIndex(t.kind.findData("gan"))
    assert t.latent.value() == 64 and t.lr.value() == 0.0002  # the kind's defaults
    t.latent.setValue(16)
    t.limit = 128
    t.epochs.setValue(1)
    t.batch.setValue(64)
    t.start()
    qtbot.waitUntil(lambda: window.handle is not None and window.handle.kind == "gan",
                    timeout=60_000)
    assert window.handle.latent_dim == 16
    assert window.pad_panel.pad.mode == "corners"
    qtbot.waitUntil(lambda: not t.is_running(), timeout=5_000)
