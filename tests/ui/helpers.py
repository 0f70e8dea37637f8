"""Shared steps of the window tests."""

from __future__ import annotations

from dataclasses import replace


def start_training(window, qtbot, *, epochs: int = 200, limit: int = 512, kind: str = "vae",
                   latent: int | None = None, wait: bool = True,
                   minutes: float | None = None):
    """Start a small run from the window (8 steps of 64 per epoch for limit 512); with
    ``wait``, return once its first progress arrived; ``minutes``: a timed run instead of
    ``epochs``. Returns the window's TrainingRun."""
    s, run = window.state, window.run
    settings = replace(s.training.settings, kind=kind, epochs=epochs, batch_size=64,
                       minutes=minutes)
    if latent is not None:
        settings = replace(settings, latent_dim=latent)
    s.training.settings = settings
    run.limit = limit
    window.training.train_button.click()
    if wait:
        qtbot.waitUntil(lambda: run.progress_count > 0, timeout=60_000)
    return run


def record_handlers(asked: list[str] | None = None) -> dict:
    """A handler for every row of the action table that only records its name: none for the
    checkable rows bound to a state field, the checked state for the other checkable ones."""
    from genai_studio.ui.window.actions import ACTIONS

    asked = [] if asked is None else asked
    handlers: dict = {s.name: (lambda n=s.name: asked.append(n)) for s in ACTIONS
                      if not s.checkable}
    handlers.update({s.name: (lambda _checked, n=s.name: asked.append(n)) for s in ACTIONS
                     if s.checkable and not s.field})
    return handlers
