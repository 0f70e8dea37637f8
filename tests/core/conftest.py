"""Fixtures for the Qt-free engine tests.

``GENAI_BLOCK_QT=1 pytest tests/core`` runs this folder with PySide6 made unimportable;
``test_no_qt.py`` checks the same in a subprocess on every run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.core.qt_blocker import install_qt_blocker

if os.environ.get("GENAI_BLOCK_QT") == "1":
    install_qt_blocker()


@pytest.fixture(scope="session")
def torch_threads():
    import torch

    torch.set_num_threads(min(2, os.cpu_count() or 1))
    return torch


@pytest.fixture(scope="session")
def tiny_train_set(torch_threads):
    from genai_studio.core.data.mnist import load_mnist

    return load_mnist("train", limit=1024)


def _train_file(tmp_path_factory, name, model_config, **train_kwargs) -> Path:
    import torch

    from genai_studio.core.data.mnist import load_mnist
    from genai_studio.core.train.loop import train
    from genai_studio.core.train.run import TrainConfig

    out = tmp_path_factory.mktemp(name) / f"{name}.safetensors"
    data = load_mnist("train", limit=train_kwargs.pop("limit", 512))
    for _ in train(model_config, TrainConfig(epochs=1, batch_size=64, **train_kwargs), data,
                   torch.device("cpu"), out):
        pass
    return out


@pytest.fixture(scope="session")
def vae_file(tmp_path_factory, torch_threads) -> Path:
    from genai_studio.core.models.registry import VAEConfig

    return _train_file(tmp_path_factory, "vae", VAEConfig(latent_dim=2, hidden=(64,)))


@pytest.fixture(scope="session")
def cvae_file(tmp_path_factory, torch_threads) -> Path:
    from genai_studio.core.models.registry import VAEConfig

    return _train_file(tmp_path_factory, "cvae",
                       VAEConfig(latent_dim=4, hidden=(64,), conditional=True))


@pytest.fixture(scope="session")
def gan_file(tmp_path_factory, torch_threads) -> Path:
    from genai_studio.core.models.registry import GANConfig

    return _train_file(tmp_path_factory, "gan", GANConfig(latent_dim=8, channels=8), limit=256)

