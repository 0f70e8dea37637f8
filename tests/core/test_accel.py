"""The GPU path's device-agnostic logic, on the CPU: fallbacks, graph bookkeeping, precision,
checkpoint timer, defaults."""

import numpy as np
import pytest
import torch

from genai_studio.core.models.registry import GANConfig, VAEConfig, build_model
from genai_studio.core.train import accel
from genai_studio.core.train.accel import GraphedStep, SpeedOptions
from genai_studio.core.train.events import Checkpoint, Finished
from genai_studio.core.train.loop import train
from genai_studio.core.train.run import TrainConfig
from genai_studio.core.train.tasks import make_task

CPU = torch.device("cpu")


class FakeCapture:
    """Stands in for a CUDA graph: 'recording' runs the step once (as the real capture's first
    replay would), later replays rerun it into the same output tensor."""

    def __init__(self):
        self.fn, self.out, self.replays = None, None, 0

    def record(self, fn):
        self.fn = fn
        self.out = fn()
        return self.out

    def replay(self):
        self.replays += 1
        if self.replays > 1:
            self.out.copy_(self.fn())


def _vae_task(seed=0):
    torch.manual_seed(seed)
    model = build_model(VAEConfig(latent_dim=2, hidden=(16,)))
    return make_task(model, None, CPU, 1.0)


def _step_fn(task, data, generator):
    def step(index):
        x, labels = data.batch(index, "dynamic", generator)
        return task.step(x, labels, generator, 1.0)
    return step


def test_a_graphed_step_replays_the_eager_trajectory(tiny_train_set):
    eager_task, graph_task = _vae_task(), _vae_task()
    gen_a, gen_b = torch.Generator().manual_seed(1), torch.Generator().manual_seed(1)
    eager = _step_fn(eager_task, tiny_train_set, gen_a)
    captures = []

    def factory():
        captures.append(FakeCapture())
        return captures[-1]

    graphed = GraphedStep(_step_fn(graph_task, tiny_train_set, gen_b), CPU, 2, factory)
    order = torch.randperm(len(tiny_train_set), generator=torch.Generator().manual_seed(0))
    for i in range(6):
        index = order[i * 32:(i + 1) * 32]
        torch.testing.assert_close(graphed(index), eager(index), rtol=0, atol=0)
    assert len(captures) == 1 and captures[0].replays == 4
    for a, b in zip(eager_task.model.parameters(), graph_task.model.parameters(), strict=True):
        assert torch.equal(a, b)


def test_a_failed_capture_falls_back_to_eager_steps_for_good(tiny_train_set):
    notes = []

    def broken():
        raise RuntimeError("no graphs here")

    task = _vae_task()
    graphed = GraphedStep(_step_fn(task, tiny_train_set, torch.Generator()), CPU, 1, broken,
                          notes.append)
    for i in range(3):
        assert torch.isfinite(graphed(torch.arange(i * 8, i * 8 + 8))).all()
    assert graphed.failed and len(notes) == 1 and "no graphs here" in notes[0]


def test_cpu_requests_fall_back_with_a_note():
    model = build_model(VAEConfig(hidden=(8,)))
    report = accel.resolve(SpeedOptions(cuda_graph=True, precision="bf16"), CPU, model, [])
    assert not report.cuda_graph and "CUDA graphs need a CUDA device" in report.notes[0]
    assert report.precision == "bf16"  # the CPU has bf16 autocast
    blocked = accel.resolve(SpeedOptions(cuda_graph=True), torch.device("cuda"), model,
                            ["the KL warm-up changes the step"])
    assert not blocked.cuda_graph and "KL warm-up" in blocked.notes[0]
    with pytest.raises(Exception, match="precision"):
        SpeedOptions(precision="fp8")


def test_channels_last_only_for_conv_models_on_cuda():
    conv, mlp = build_model(GANConfig(latent_dim=4, channels=4)), build_model(VAEConfig())
    cuda = torch.device("cuda")
    assert accel.memory_format(conv, cuda) is torch.channels_last
    assert accel.memory_format(mlp, cuda) is torch.contiguous_format
    assert accel.memory_format(conv, CPU) is torch.contiguous_format


def _train(out, data, speed=None, model=None, **config):
    model = model or VAEConfig(latent_dim=2, hidden=(16,))
    events = list(train(model, TrainConfig(batch_size=64, log_every=2, **config), data, CPU, out,
                        speed=speed))
    return events


def test_cuda_graph_asked_on_the_cpu_trains_the_same_weights(tiny_train_set, tmp_path):
    from genai_studio.core.store.checkpoints import load_model

    plain = _train(tmp_path / "a.safetensors", tiny_train_set, epochs=1)
    asked = _train(tmp_path / "b.safetensors", tiny_train_set, SpeedOptions(cuda_graph=True),
                   epochs=1)
    assert asked[-1].summary["cuda_graph"] is False and plain[-1].summary["precision"] == "fp32"
    a = load_model(tmp_path / "a.safetensors").model.state_dict()
    b = load_model(tmp_path / "b.safetensors").model.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_bf16_autocast_trains_a_gan_and_a_vae_on_the_cpu(tiny_train_set, tmp_path):
    for name, model in (("vae", None), ("gan", GANConfig(latent_dim=4, channels=4))):
        events = _train(tmp_path / f"{name}.safetensors", tiny_train_set,
                        SpeedOptions(precision="bf16"), model=model, epochs=1, limit=256)
        finished = events[-1]
        assert isinstance(finished, Finished) and finished.summary["precision"] == "bf16"
        assert all(np.isfinite(v) for v in finished.summary["final_losses"].values())


def test_checkpoints_on_a_timer(tiny_train_set, tmp_path):
    rare = _train(tmp_path / "a.safetensors", tiny_train_set,
                  SpeedOptions(checkpoint_every_s=3600), epochs=3)
    assert [e.step for e in rare if isinstance(e, Checkpoint)] == [48], "only the last"
    often = _train(tmp_path / "b.safetensors", tiny_train_set,
                   SpeedOptions(checkpoint_every_s=1e-9), epochs=1)
    steps = [e.step for e in often if isinstance(e, Checkpoint)]
    assert steps == list(range(2, 17, 2)), "every log window, the epoch's end included"


def test_warm_up_runs_on_the_chosen_device():
    """The throw-away step leaves the global RNG as it found it (the app's seeds stay)."""
    import torch

    from genai_studio.core.train.stepping import warm_up

    before = torch.random.get_rng_state()
    warm_up("cpu")
    warm_up(CPU)
    assert torch.equal(torch.random.get_rng_state(), before)


def test_gpu_defaults_scale_the_learning_rate_with_the_batch():
    from genai_studio.core.defaults import DEFAULT_BATCH, default_batch, default_lr, scaled_lr

    assert default_batch("cpu") == DEFAULT_BATCH and default_batch("cuda") > DEFAULT_BATCH
    assert scaled_lr("vae", DEFAULT_BATCH) == default_lr("vae")
    assert scaled_lr("gan", 4 * DEFAULT_BATCH) == pytest.approx(2 * default_lr("gan"))


def test_the_pads_live_decode_is_the_plain_decode_off_cuda():
    from genai_studio.core.latent.sampling import decode, decode_live

    torch.manual_seed(0)
    model = build_model(VAEConfig(hidden=(8,))).eval()
    z = np.random.default_rng(0).standard_normal((3, 2)).astype(np.float32)
    assert np.array_equal(decode_live(model, z), decode(model, z))
    gan = build_model(GANConfig(latent_dim=4, channels=4, conditional=True)).eval()
    z4 = np.zeros((2, 4), np.float32)
    assert np.array_equal(decode_live(gan, z4, 3), decode(gan, z4, 3))
