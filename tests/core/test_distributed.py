"""Training under torchrun: 2 CPU processes (gloo) equal 1 process with the same global batch."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from genai_studio.core.errors import UsageError
from genai_studio.core.store.checkpoints import load_model, read_metadata
from genai_studio.core.train.distributed import World, world_from_env

ROOT = Path(__file__).resolve().parents[2]
RUN = ["train", "vae", "--hidden", "32", "--latent-dim", "2", "--epochs", "2", "--limit", "512",
       "--batch-size", "64", "--seed", "3", "--threads", "1"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _cli(args, env_extra=None, launcher=()):
    env = dict(os.environ, OMP_NUM_THREADS="1", **(env_extra or {}))
    return subprocess.run([*launcher, sys.executable, "-m", "genai_studio", *map(str, args)],
                          capture_output=True, text=True, timeout=300, env=env, cwd=ROOT)


def _torchrun(args):
    launcher = [sys.executable, "-m", "torch.distributed.run", "--nnodes", "1",
                "--nproc-per-node", "2", "--master-addr", "127.0.0.1",
                "--master-port", str(_free_port())]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    return subprocess.run([*launcher, "-m", "genai_studio", *map(str, args)],
                          capture_output=True, text=True, timeout=300, env=env, cwd=ROOT)


def test_rows_shard_a_global_batch_and_env_describes_the_world():
    world = World(rank=1, size=4)
    assert world.rows(64) == slice(16, 32) and not world.is_main and world.distributed
    assert World().rows(64) == slice(None)
    with pytest.raises(UsageError, match="multiple"):
        World(rank=0, size=3).check_batch(64)
    assert world_from_env({"WORLD_SIZE": "2", "RANK": "1", "LOCAL_RANK": "1"}) == World(1, 2, 1)
    assert world_from_env({}) == World()
    with pytest.raises(UsageError):
        world_from_env({"WORLD_SIZE": "2", "RANK": "2"})


def test_two_gloo_processes_train_what_one_process_trains(tmp_path):
    one, two = tmp_path / "one.safetensors", tmp_path / "two.safetensors"
    single = _cli([*RUN, "--out", one])
    assert single.returncode == 0, single.stderr
    ddp = _torchrun([*RUN, "--out", two])
    assert ddp.returncode == 0, ddp.stderr + ddp.stdout
    a, b = load_model(one).model.state_dict(), load_model(two).model.state_dict()
    for name in a:
        torch.testing.assert_close(a[name], b[name], rtol=1e-4, atol=1e-5, msg=name)
    meta = read_metadata(two)
    assert meta["training"]["world_size"] == 2 and read_metadata(one)["training"]["world_size"] == 1
    ckpt = read_metadata(tmp_path / "two.ckpt.safetensors")
    assert ckpt["training_state"]["world_size"] == 2
    assert ddp.stderr.count("trained VAE") == 1, "rank 0 alone reports"
    # Without BatchNorm, another number of processes continues the run exactly: resume the
    # 2-process checkpoint in 1 process and the 1-process one in 1 process, one more epoch.
    for ckpt_path in (tmp_path / "one.ckpt.safetensors", tmp_path / "two.ckpt.safetensors"):
        done = _cli(["train", "vae", "--resume", ckpt_path, "--epochs", "3", "--threads", "1"])
        assert done.returncode == 0, done.stderr
    a, b = load_model(one).model.state_dict(), load_model(two).model.state_dict()
    for name in a:
        torch.testing.assert_close(a[name], b[name], rtol=1e-4, atol=1e-5, msg=name)


def test_a_batch_norm_model_refuses_another_world_size(tmp_path):
    from genai_studio.core.data.mnist import load_mnist
    from genai_studio.core.models.registry import GANConfig
    from genai_studio.core.train.loop import train
    from genai_studio.core.train.run import TrainConfig

    out = tmp_path / "gan.safetensors"
    data = load_mnist("train", limit=128)
    config = TrainConfig(epochs=1, batch_size=64)
    for _ in train(GANConfig(latent_dim=4, channels=4), config, data, torch.device("cpu"), out):
        pass
    # Pretend the checkpoint came from 2 processes: its BatchNorm statistics would differ.
    from genai_studio.core.store.checkpoints import load_model as load
    from genai_studio.core.store.checkpoints import save_model

    ckpt = tmp_path / "gan.ckpt.safetensors"
    loaded = load(ckpt)
    meta = dict(loaded.metadata)
    meta["training_state"] = dict(meta["training_state"], world_size=2)
    save_model(ckpt, loaded.model, meta, state=loaded.state)
    with pytest.raises(UsageError, match="resume it with 2 process"):
        for _ in train(None, TrainConfig(epochs=2), data, torch.device("cpu"), out,
                       resume_from=ckpt):
            pass
