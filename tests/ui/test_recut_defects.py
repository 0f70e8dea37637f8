"""The defects the re-cut of the house fixed, each as the artist met it (issue 16)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QPushButton

from genai_studio.core.export.options import ExportSource
from genai_studio.core.train.events import RunState
from genai_studio.ui.training.state import TrainingStatus
from genai_studio.ui.window.actions import ACTIONS, ActionSpec, Menu, check_table
from tests.ui.helpers import record_handlers


def test_every_key_does_one_thing_in_its_scope():
    """R was both Repair and Record a pad path, so it did neither."""
    check_table(ACTIONS, record_handlers())  # the real table passes its own rules
    keys = {spec.name: spec.keys for spec in ACTIONS}
    assert keys["repair_tile"] != keys["record_path"]
    clash = (*ACTIONS, ActionSpec("twin", "Twin of Generate", "Space", Menu.SAMPLE))
    with pytest.raises(ValueError, match="Space"):
        check_table(clash, {**record_handlers(), "twin": lambda: None})


def test_a_handler_must_name_a_row_and_checkable_ones_take_the_state():
    with pytest.raises(KeyError, match="nonsense"):
        check_table(ACTIONS, {**record_handlers(), "nonsense": lambda: None})
    handlers = record_handlers()
    handlers["play_morph"] = lambda: None  # checkable: must take the checked state
    with pytest.raises(TypeError, match="play_morph"):
        check_table(tuple(s for s in ACTIONS if s.name != "play_morph") + tuple(
            s.__class__(**{**s.__dict__, "field": ""}) for s in ACTIONS
            if s.name == "play_morph"), handlers)


def test_view_inside_view_toggles_without_an_error(window, qtbot):
    """View > Inside view showed "TypeError: on_inside_toggled() missing 1 required
    positional argument" on every toggle."""
    errors = []
    window.state.error_reported.connect(lambda title, message: errors.append(message))
    toggle = window.docks["inside"].toggleViewAction()
    toggle.trigger()
    qtbot.waitUntil(lambda: window.state.inside.open, timeout=5000)
    assert window.docks["inside"].isVisible()
    toggle.trigger()
    qtbot.waitUntil(lambda: not window.state.inside.open, timeout=5000)
    assert errors == []


def test_a_gan_after_the_2d_vae_with_the_inside_view_open(window, qtbot, model_files):
    """Loading the GAN after vae-2d with the inside view open showed "mat1 and mat2 shapes
    cannot be multiplied (1x2 and 64x3136)": the old model's tile latent went to the new
    model."""
    errors = []
    window.state.error_reported.connect(lambda title, message: errors.append(message))
    window.docks["inside"].toggleViewAction().trigger()
    qtbot.waitUntil(lambda: window.state.inside.result is not None, timeout=10_000)
    window.state.canvas.selected = 2  # the inside view looks at a tile of the 2-D VAE
    window.studio.load(model_files["gan"])
    s = window.state
    qtbot.waitUntil(lambda: s.inside.result is not None
                    and s.inside.result.request.handle is s.session.model
                    and s.session.model.latent_dim == 8, timeout=20_000)
    qtbot.wait(300)  # any look still in flight has landed
    assert errors == []


def test_a_button_and_its_menu_item_agree(window, qtbot):
    """The training panel's and toolbar's push buttons follow their actions exactly."""
    pairs = [(window.training.train_button, "train"),
             (window.training.pause_button, "pause_training"),
             (window.training.cancel_button, "cancel_training"),
             (window.toolbar.generate, "generate")]
    t = window.state.training
    for status in (RunState.TRAINING, RunState.PAUSED, RunState.CANCELLING, RunState.IDLE):
        t.status = TrainingStatus(status, 0.5)
        for button, name in pairs:
            assert isinstance(button, QPushButton)
            assert button.isEnabled() == window.actions[name].isEnabled(), (status, name)
    window.state.session.loading = True
    assert not window.toolbar.generate.isEnabled() and not window.actions["generate"].isEnabled()
    window.state.session.loading = False


class _Jobs:
    """A jobs runner that only keeps what it was given: the test finishes the job itself."""

    def __init__(self) -> None:
        self.jobs, self.cancelled = [], []

    def submit(self, job):  # noqa: ANN001, ANN201
        from genai_studio.workers.jobs import JobContext

        job.context = JobContext(len(self.jobs) + 1, job, None)
        self.jobs.append(job)
        return job.context.job_id

    def cancel(self, job_id: int) -> None:
        self.cancelled.append(job_id)


def test_a_late_finish_after_cancel_says_one_thing(window, qtbot, tmp_path):
    """Cancel, then the export finishes anyway (it had written everything): the artist was
    told both "cancelled" and "exported"."""
    from genai_studio.ui.takeout.controller import Exports

    posted = []
    window.state.message_posted.connect(lambda text, _ms: posted.append(text))
    jobs = _Jobs()
    exports = Exports(window.state, jobs)
    assert exports.start(ExportSource.GRID, tmp_path / "grid.png")
    exports.cancel()
    assert jobs.cancelled and window.state.takeout.busy  # asked, not yet over
    job = jobs.jobs[0]
    job.done((Path(tmp_path / "grid.png"),))  # it finished before it saw the cancel
    assert not window.state.takeout.busy
    outcomes = [p for p in posted if p.startswith(("Exported", "Export cancelled"))]
    assert outcomes == [f"Exported {tmp_path / 'grid.png'}"]
    job.cancelled()  # a stray second ending changes nothing
    assert [p for p in posted if p.startswith("Export cancelled")] == []
