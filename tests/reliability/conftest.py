"""Fixtures of the reliability suite: small model files, small data sets, a CLI runner.

The suite is Qt-free (like tests/core) except ``test_window_signals.py``, which runs the window
in a child process.
"""

from __future__ import annotations

import gzip
import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest


@pytest.fixture(scope="session", autouse=True)
def _one_thread():
    import torch

    torch.set_num_threads(1)


def save_tiny_vae(path: Path, hidden: int = 16, seed: int = 0, **config) -> Path:
    """An untrained MLP VAE file (its samples are noise, its format is the real one)."""
    import torch

    from genai_studio.core.models.registry import VAE, VAEConfig
    from genai_studio.core.store.checkpoints import model_metadata, save_model

    torch.manual_seed(seed)
    model = VAE(VAEConfig(hidden=(hidden,), **config))
    save_model(path, model, model_metadata(model))
    return Path(path)


def split_model(raw: bytes) -> tuple[dict, bytes]:
    """A model file's bytes as its parsed safetensors header and its tensor data."""
    (n,) = struct.unpack("<Q", raw[:8])
    return json.loads(raw[8:8 + n]), raw[8 + n:]


def join_model(header: dict, data: bytes) -> bytes:
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def rewrite_config(path: Path, **changes) -> Path:
    """Change fields of a model file's config in place, keeping its tensors as they are."""
    header, data = split_model(path.read_bytes())
    meta = json.loads(header["__metadata__"]["metadata"])
    meta["config"].update(changes)
    header["__metadata__"]["metadata"] = json.dumps(meta)
    path.write_bytes(join_model(header, data))
    return path


@pytest.fixture
def model_file(tmp_path) -> Path:
    return save_tiny_vae(tmp_path / "m.safetensors")


def write_idx_gz(path: Path, array: np.ndarray) -> None:
    """An IDX file (uint8), gzip-compressed like MNIST's own."""
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(
        f">{array.ndim}I", *array.shape)
    path.write_bytes(gzip.compress(header + array.astype(np.uint8).tobytes()))


def make_mnist_dir(folder: Path, n: int = 256, seed: int = 0) -> Path:
    """A folder with MNIST-shaped training files of n random digits."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    write_idx_gz(folder / "train-images-idx3-ubyte.gz",
                 rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
    write_idx_gz(folder / "train-labels-idx1-ubyte.gz", rng.integers(0, 10, n, dtype=np.uint8))
    return folder


def run_cli(capsys, *args) -> tuple[int, str, str]:
    """``genai-studio ARGS`` in this process: exit status, stdout, stderr."""
    from genai_studio.cli import main

    try:
        code = main([str(a) for a in args])
    except SystemExit as exc:  # argparse exits for bad options
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code, err, *fragments) -> str:
    assert code == 2, (code, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def assert_last_line_error(code, err, *fragments) -> str:
    """A training run's refusal: progress lines, then the one error line, exit 2."""
    assert code == 2, (code, err)
    lines = err.strip().splitlines()
    assert "Traceback" not in err and sum("error" in line for line in lines) == 1, err
    assert lines[-1].startswith("genai-studio: error: "), err
    for fragment in fragments:
        assert fragment in lines[-1], lines[-1]
    return lines[-1]


def child_env(home: Path) -> dict[str, str]:
    """Environment of a child ``genai-studio``: one thread, its own HOME and data folders."""
    env = dict(os.environ, OMP_NUM_THREADS="1", OMP_WAIT_POLICY="PASSIVE", HOME=str(home),
               XDG_DATA_HOME=str(home / "data-home"), XDG_STATE_HOME=str(home / "state"),
               GENAI_STUDIO_LOG_DIR=str(home / "log"),
               PYTHONFAULTHANDLER="1")  # a native crash prints where each thread was
    env.pop("GENAI_BLOCK_QT", None)
    return env


def spawn_cli(home: Path, *args, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "genai_studio", *map(str, args)],
                            env=child_env(home), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **popen)
