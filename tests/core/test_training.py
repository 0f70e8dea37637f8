import threading

import numpy as np
import pytest
import torch

from genai_studio.core.defaults import checkpoint_path_for
from genai_studio.core.errors import ModelFileError, UsageError
from genai_studio.core.models.registry import GANConfig, VAEConfig
from genai_studio.core.store.checkpoints import load_model, read_metadata
from genai_studio.core.train.events import Checkpoint, Finished, Preview, Progress, Started
from genai_studio.core.train.loop import train
from genai_studio.core.train.run import TrainConfig

CPU = torch.device("cpu")
SMALL_VAE = VAEConfig(latent_dim=2, hidden=(64,))


def _run(config, train_config, data, out, **kwargs):
    return list(train(config, train_config, data, CPU, out, **kwargs))


def _weights(path):
    return load_model(path).model.state_dict()


def _assert_same_weights(a, b):
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


def test_events_come_in_order_and_loss_falls(tiny_train_set, tmp_path):
    out = tmp_path / "vae.safetensors"
    events = _run(SMALL_VAE, TrainConfig(epochs=3, batch_size=64, log_every=4, preview_every=8),
                  tiny_train_set, out)
    assert isinstance(events[0], Started) and events[0].total_steps == 48
    assert isinstance(events[-1], Finished) and events[-1].path == out
    progress = [e for e in events if isinstance(e, Progress)]
    assert [p.step for p in progress] == list(range(4, 49, 4))
    assert progress[-1].losses["neg_elbo"] < progress[0].losses["neg_elbo"] - 20
    assert all(p.images_per_s > 0 and p.eta_s >= 0 for p in progress)
    assert progress[-1].eta_s == 0
    previews = [e for e in events if isinstance(e, Preview)]
    assert previews and previews[-1].images.shape == (64, 28, 28)
    assert previews[-1].images.dtype == np.float32
    checkpoints = [e for e in events if isinstance(e, Checkpoint)]
    assert [c.step for c in checkpoints] == [16, 32, 48]
    assert checkpoints[0].path == checkpoint_path_for(out) == tmp_path / "vae.ckpt.safetensors"
    meta = read_metadata(out)
    assert meta["training"]["epochs"] == 3 and meta["training"]["steps"] == 48
    assert meta["dataset"] == {"name": "mnist", "split": "train", "num_images": 1024,
                               "binarize": "dynamic"}
    assert "training_state" not in meta, "the finished model carries no optimizer state"


def test_same_seed_same_weights_other_seed_other_weights(tiny_train_set, tmp_path):
    config = TrainConfig(epochs=1, batch_size=128, seed=7)
    _run(SMALL_VAE, config, tiny_train_set, tmp_path / "a.safetensors")
    _run(SMALL_VAE, config, tiny_train_set, tmp_path / "b.safetensors")
    _assert_same_weights(_weights(tmp_path / "a.safetensors"), _weights(tmp_path / "b.safetensors"))
    _run(SMALL_VAE, TrainConfig(epochs=1, batch_size=128, seed=8), tiny_train_set,
         tmp_path / "c.safetensors")
    a, c = _weights(tmp_path / "a.safetensors"), _weights(tmp_path / "c.safetensors")
    assert not torch.equal(a["mu_head.weight"], c["mu_head.weight"])


class _CancelAfter:
    """A cancel token that fires once ``steps`` Progress events have been seen."""

    def __init__(self):
        self.event = threading.Event()

    def is_set(self):
        return self.event.is_set()


@pytest.mark.parametrize("config", [SMALL_VAE, GANConfig(latent_dim=8, channels=4,
                                                         conditional=True)])
def test_cancel_mid_epoch_then_resume_equals_an_uninterrupted_run(tiny_train_set, tmp_path,
                                                                  config):
    # 512 images in batches of 64: 8 steps an epoch; cancelled at step 12, inside the second.
    data = tiny_train_set.head(512)
    train_config = TrainConfig(epochs=2, batch_size=64, log_every=4, seed=3)
    _run(config, train_config, data, tmp_path / "straight.safetensors")

    out = tmp_path / "split.safetensors"
    cancel = _CancelAfter()
    events = []
    for event in train(config, train_config, data, CPU, out, cancel=cancel):
        events.append(event)
        if isinstance(event, Progress) and event.step == 12:
            cancel.event.set()
    assert isinstance(events[-1], Finished) and events[-1].cancelled and events[-1].path is None
    assert not out.exists(), "a cancelled run writes only its checkpoint"
    checkpoint = events[-1].checkpoint
    assert read_metadata(checkpoint)["training_state"]["step"] == 12

    resumed = _run(None, train_config, data, out, resume_from=checkpoint)
    assert resumed[0].start_step == 12
    assert isinstance(resumed[-1], Finished) and not resumed[-1].cancelled
    _assert_same_weights(_weights(tmp_path / "straight.safetensors"), _weights(out))


def test_resume_can_extend_a_finished_run(tiny_train_set, tmp_path):
    out = tmp_path / "m.safetensors"
    _run(SMALL_VAE, TrainConfig(epochs=1, batch_size=128), tiny_train_set, out)
    events = _run(None, TrainConfig(epochs=2, batch_size=128), tiny_train_set, out,
                  resume_from=checkpoint_path_for(out))
    assert events[0].start_step == 8 and events[-1].summary["steps"] == 16


def test_resume_refuses_files_without_training_state(tiny_train_set, tmp_path):
    out = tmp_path / "m.safetensors"
    _run(SMALL_VAE, TrainConfig(epochs=1, batch_size=256), tiny_train_set, out)
    with pytest.raises(ModelFileError, match="holds no training state"):
        _run(None, TrainConfig(epochs=2), tiny_train_set, out, resume_from=out)


def test_gan_trains_with_finite_losses_and_saturating_nothing(tiny_train_set, tmp_path):
    events = _run(GANConfig(latent_dim=8, channels=8), TrainConfig(epochs=1, batch_size=64,
                  log_every=4), tiny_train_set, tmp_path / "g.safetensors")
    progress = [e for e in events if isinstance(e, Progress)]
    assert set(progress[0].losses) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert all(np.isfinite(list(p.losses.values())).all() for p in progress)
    assert read_metadata(tmp_path / "g.safetensors")["dataset"]["binarize"] == "none"


def test_training_leaves_the_global_rng_alone(tiny_train_set, tmp_path):
    state = torch.get_rng_state()
    _run(SMALL_VAE, TrainConfig(epochs=1, batch_size=512), tiny_train_set, tmp_path / "m.st")
    assert torch.equal(state, torch.get_rng_state())


@pytest.mark.parametrize(
    "kwargs",
    [{"epochs": 0}, {"batch_size": -1}, {"lr": 0.0}, {"beta": -1.0}, {"limit": 0},
     {"binarize": "sometimes"}, {"lr": float("nan")}],
)
def test_train_config_rejects_nonsense(kwargs):
    with pytest.raises(UsageError):
        TrainConfig(**kwargs)


def test_kl_warmup_ramps_beta(tiny_train_set, tmp_path):
    from genai_studio.core.train.loop import _prepare
    from genai_studio.core.train.stepping import beta_scale as _beta_scale

    run, _ = _prepare(SMALL_VAE, TrainConfig(epochs=4, batch_size=128, kl_warmup_epochs=2),
                      tiny_train_set, CPU, tmp_path / "m.safetensors", None, None)
    scales = []
    for step in (0, 8, 16, 24):
        run.step = step
        scales.append(_beta_scale(run))
    assert scales == [0.0, 0.5, 1.0, 1.0]


def test_a_timed_run_stops_on_time_and_finishes(tmp_path):
    """--minutes: the run trains until its time is up (within 20%), then writes its model as a
    finished run does; its progress counts down the time left."""
    from genai_studio.core.data.mnist import load_mnist
    from genai_studio.core.models.registry import VAEConfig
    from genai_studio.core.train.events import Finished, Progress
    from genai_studio.core.train.loop import train
    from genai_studio.core.train.plan import EPOCH_CAP
    from genai_studio.core.train.run import TrainConfig

    budget_s = 6.0
    config = TrainConfig(epochs=EPOCH_CAP, batch_size=32, limit=256, minutes=budget_s / 60)
    events = list(train(VAEConfig(hidden=(32,)), config, load_mnist("train"),
                        torch.device("cpu"), tmp_path / "timed.safetensors"))
    finished = events[-1]
    assert isinstance(finished, Finished) and not finished.cancelled
    assert finished.path.exists()
    assert 0.8 * budget_s <= finished.summary["wall_time_s"] <= 1.2 * budget_s
    etas = [e.eta_s for e in events if isinstance(e, Progress)]
    assert etas[0] <= budget_s and etas[-1] < 0.3 * budget_s  # the time left, counting down
    assert finished.summary["epochs_done"] > 1


def test_a_timed_run_sizes_itself_from_its_data():
    from genai_studio.core.train.plan import SMALL, plan_for

    big = plan_for("gan", 60_000)
    assert big.augment == "none" and big.batch_size == 128 and big.lr_scale == 1.0
    small = plan_for("gan", 200)
    assert small.augment == "diff" and small.batch_size < 128 and small.r1_gamma > 0
    assert small.lr_scale < 1.0 and "200 images" in small.note
    assert plan_for("vae", SMALL - 1).augment == "shift"


def test_a_timed_runs_progress_line_speaks_in_time():
    """`train --minutes 1` said "1500000 steps" (its epoch cap) on its first line, and its
    percentage, counted in steps against a re-estimated total, went backwards; a timed run's
    line gives its time and the share of it that is done."""
    import io

    from genai_studio.cli.progress import ProgressLine
    from genai_studio.core.train.events import Progress, Started

    out = io.StringIO()
    line = ProgressLine(out, log_interval_s=0.0)
    line.update(Started(1_500_000, 15, 0, 2000, "cpu", budget_s=60.0))
    for step, total, elapsed in ((450, 3350, 15.0), (1420, 3668, 30.0), (1180, 3009, 24.0)):
        line.update(Progress(30, 224, step, total, {"loss": 1.0}, 6000.0, 60.0 - elapsed,
                             elapsed, timed=True))
    lines = out.getvalue().splitlines()
    assert lines[0] == "training on cpu: 2000 images, for 1:00"
    assert [ln.split("%")[0].split()[-1] for ln in lines[1:]] == ["25.0", "50.0", "40.0"]

    out = io.StringIO()  # a run by epochs is unchanged
    ProgressLine(out).update(Started(300, 15, 0, 2000, "cpu"))
    assert out.getvalue() == "training on cpu: 2000 images, 300 steps\n"
