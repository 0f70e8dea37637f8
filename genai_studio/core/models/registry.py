"""Model kinds by name: each a frozen config dataclass and the ``nn.Module`` built from it."""

from __future__ import annotations

from typing import Any

from torch import nn

from genai_studio.core.errors import ModelFileError
from genai_studio.core.models.base import Generator, ModelConfig
from genai_studio.core.models.gan import GAN, GANConfig
from genai_studio.core.models.judge import Judge, JudgeConfig
from genai_studio.core.models.vae import VAE, VAEConfig
from genai_studio.core.models.vaegan import VAEGAN, VAEGANConfig

MODEL_KINDS: dict[str, tuple[type[ModelConfig], type[nn.Module]]] = {
    "vae": (VAEConfig, VAE),
    "gan": (GANConfig, GAN),
    "vaegan": (VAEGANConfig, VAEGAN),
    "judge": (JudgeConfig, Judge),
}


def config_from_dict(kind: str, data: dict[str, Any]) -> ModelConfig:
    if kind not in MODEL_KINDS:
        raise ModelFileError(f"unknown model kind {kind!r}")
    return MODEL_KINDS[kind][0].from_dict(data)


def build_model(config: ModelConfig) -> nn.Module:
    return MODEL_KINDS[config.kind][1](config)


__all__ = [
    "GAN", "GANConfig", "Generator", "Judge", "JudgeConfig", "MODEL_KINDS", "ModelConfig",
    "VAE", "VAEConfig", "VAEGAN", "VAEGANConfig",
    "build_model", "config_from_dict",
]
