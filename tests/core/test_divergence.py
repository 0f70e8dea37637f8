"""A run that diverges stops with one clear line, keeps its last good checkpoint, writes no
model and never saves non-finite weights."""

from __future__ import annotations

import pytest
import torch

from genai_studio.core.defaults import checkpoint_path_for
from genai_studio.core.errors import TrainingDiverged
from genai_studio.core.models.registry import GANConfig, VAEGANConfig
from genai_studio.core.store.checkpoints import load_model, read_metadata
from genai_studio.core.train.adversarial import GANTask, VAEGANTask
from genai_studio.core.train.events import Checkpoint
from genai_studio.core.train.loop import train
from genai_studio.core.train.run import TrainConfig

CPU = torch.device("cpu")
GAN_CONFIG = GANConfig(latent_dim=8, channels=4)
CONFIG = TrainConfig(epochs=3, batch_size=64, log_every=2, seed=1, lr=2e-4)


def _sabotage(monkeypatch, task_class, from_step, losses=None, poison_weights=False):
    """From ``from_step`` on, the task's step reports ``losses`` and/or poisons a weight."""
    real_step = task_class.step
    calls = {"n": 0}

    def step(self, x, labels, generator, beta_scale):
        out = real_step(self, x, labels, generator, beta_scale)
        calls["n"] += 1
        if calls["n"] > from_step:
            if poison_weights:
                with torch.no_grad():
                    next(self.model.parameters()).view(-1)[0] = float("nan")
            if losses is not None:
                out = torch.tensor([losses.get(name, 0.5) for name in self.loss_names])
        return out

    monkeypatch.setattr(task_class, "step", step)


def _run_until_diverged(config, data, out):
    events = []
    with pytest.raises(TrainingDiverged) as caught:
        for event in train(config, CONFIG, data, CPU, out):
            events.append(event)
    return str(caught.value), events


def test_nan_losses_stop_the_run_and_keep_the_last_good_checkpoint(tiny_train_set, tmp_path,
                                                                  monkeypatch):
    data = tiny_train_set.head(256)  # 4 steps an epoch
    _sabotage(monkeypatch, GANTask, from_step=5, losses={"d_loss": float("nan")})
    out = tmp_path / "g.safetensors"
    message, events = _run_until_diverged(GAN_CONFIG, data, out)
    assert "stopped at step 6" in message and "NaN" in message
    assert "lower learning rate" in message and "0.0002" in message and "5e-05" in message
    assert str(checkpoint_path_for(out)) in message and "\n" not in message
    assert not out.exists(), "a diverged run writes no model"
    assert [e.step for e in events if isinstance(e, Checkpoint)] == [4]
    assert read_metadata(checkpoint_path_for(out))["training_state"]["step"] == 4


def test_non_finite_weights_are_never_saved(tiny_train_set, tmp_path, monkeypatch):
    data = tiny_train_set.head(256)
    # poisoned after the last step of epoch 2: its losses were finite, its checkpoint is not
    _sabotage(monkeypatch, GANTask, from_step=7, poison_weights=True)
    out = tmp_path / "g.safetensors"
    message, _ = _run_until_diverged(GAN_CONFIG, data, out)
    assert "weights became NaN" in message
    kept = load_model(checkpoint_path_for(out)).model.state_dict()
    assert all(bool(torch.isfinite(t).all()) for t in kept.values() if t.is_floating_point())
    assert read_metadata(checkpoint_path_for(out))["training_state"]["step"] == 4


def test_a_discriminator_that_wins_outright_stops_a_vaegan(tiny_train_set, tmp_path,
                                                          monkeypatch):
    data = tiny_train_set.head(128)
    monkeypatch.setattr(VAEGANTask, "outright_steps", 2)  # caught before the first checkpoint
    _sabotage(monkeypatch, VAEGANTask, from_step=0, losses={"d_real": 0.999, "d_prior": 0.001})
    message, _ = _run_until_diverged(VAEGANConfig(latent_dim=4, channels=4, hidden=8), data,
                                     tmp_path / "v.safetensors")
    assert "discriminator won outright" in message
    assert "no checkpoint was written" in message


def test_a_discriminator_ahead_for_a_moment_is_not_divergence():
    task = GANTask.__new__(GANTask)
    task._winning_steps = 0
    winning = {"d_real": 0.999, "d_fake": 0.001}
    assert task.check(winning, 200) is None
    assert task.check({"d_real": 0.8, "d_fake": 0.3}, 20) is None  # the generator caught up
    assert task.check(winning, 200) is None
    assert "won outright" in task.check(winning, 200)


def test_a_hinge_discriminator_at_its_margin_has_won_outright():
    # Its scores stop near +-1 (sigmoid 0.73 / 0.27): the probabilities never look decisive.
    task = GANTask.__new__(GANTask)
    task._winning_steps = 0
    at_margin = {"d_hinge": 0.0, "g_hinge": 1.0, "d_real": 0.73, "d_fake": 0.27}
    assert task.check(at_margin, 200) is None
    assert "won outright" in task.check(at_margin, 200)
    task._winning_steps = 0
    playing = {"d_hinge": 1.6, "g_hinge": 0.3, "d_real": 0.73, "d_fake": 0.27}
    assert task.check(playing, 400) is None
