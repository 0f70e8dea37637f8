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


def show_grid(state, handle, n: int = 9):  # noqa: ANN001, ANN201
    """Put a grid of ``n`` samples (seed 3) of ``handle``'s model on the canvas, as a generate
    would, without the inference thread; returns the Grid."""
    from genai_studio.core.latent.sampling import sample
    from genai_studio.ui.canvas.state import Grid

    drawn = sample(handle.model, n, 3)
    grid = Grid(handle, 3, None, drawn.images, drawn.latents, drawn.labels)
    state.canvas.grid = grid
    return grid


def breed(window, qtbot, parents) -> None:  # noqa: ANN001
    """Add the canvas tiles ``parents`` as breeding parents, breed, and wait for the brood."""
    state = window.state
    for index in parents:
        state.canvas.selected = index
        window.actions["breed_add"].trigger()
    count = window.generations
    window.actions["breed"].trigger()
    qtbot.waitUntil(lambda: window.generations > count, timeout=20_000)
