"""Shared steps of the window tests."""

from __future__ import annotations

from dataclasses import replace


def start_training(window, qtbot, *, epochs: int = 200, limit: int = 512, kind: str = "vae",
                   latent: int | None = None, wait: bool = True):
    """Start a small run from the window (8 steps of 64 per epoch for limit 512); with
    ``wait``, return once its first progress arrived. Returns the window's TrainingRun."""
    s, run = window.state, window.run
    settings = replace(s.training_settings, kind=kind, epochs=epochs, batch_size=64)
    if latent is not None:
        settings = replace(settings, latent_dim=latent)
    s.training_settings = settings
    run.limit = limit
    window.training.train_button.click()
    if wait:
        qtbot.waitUntil(lambda: run.progress_count > 0, timeout=60_000)
    return run
