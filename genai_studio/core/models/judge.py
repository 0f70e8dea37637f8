"""The quality judge: a small MNIST classifier whose verdicts and features score generators.

Three 3x3 conv blocks (conv -> BatchNorm -> ReLU -> 2x2 max-pool) and one hidden linear layer.
The hidden layer's activations are the "penultimate features" that the Frechet distance of
``core.metrics`` compares between generated and real digits (as FID does with Inception's pool
features); the last linear layer turns them into class logits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
from torch import nn

from genai_studio.core.models.base import IMAGE_SIZE, ModelConfig

# MNIST's pixel mean and standard deviation: the judge sees standardised inputs.
_MNIST_MEAN = 0.1307
_MNIST_STD = 0.3081


@dataclass(frozen=True)
class JudgeConfig(ModelConfig):
    kind: ClassVar[str] = "judge"

    channels: int = 32  # first block's channels; the next two have 2x and 4x
    features: int = 128  # width of the penultimate layer
    dropout: float = 0.3
    num_classes: int = 10

    def __post_init__(self) -> None:
        if self.channels < 1 or self.features < 1 or self.num_classes < 2:
            raise ValueError("channels and features must be positive, num_classes >= 2")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), not {self.dropout}")


def _block(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, padding=1, bias=False),  # BatchNorm has the bias
        nn.BatchNorm2d(c_out),
        nn.ReLU(),
        nn.MaxPool2d(2),
    )


class Judge(nn.Module):
    """Classifier of 28x28 digits in [0, 1]; ``features`` gives the penultimate activations."""

    def __init__(self, config: JudgeConfig) -> None:
        super().__init__()
        self.config = config
        self.num_classes = config.num_classes
        c = config.channels
        self.body = nn.Sequential(
            _block(1, c),  # (B, c, 14, 14)
            _block(c, 2 * c),  # (B, 2c, 7, 7)
            _block(2 * c, 4 * c),  # (B, 4c, 3, 3)
            nn.Flatten(),  # (B, 4c*9)
            nn.Linear(4 * c * 9, config.features),  # (B, F)
            nn.ReLU(),
        )
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Linear(config.features, config.num_classes)  # (B, 10)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Images (B, 28, 28) or (B, 1, 28, 28) in [0, 1] -> penultimate features (B, F)."""
        x = x.reshape(-1, 1, IMAGE_SIZE, IMAGE_SIZE)
        return self.body((x - _MNIST_MEAN) / _MNIST_STD)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Images (B, 28, 28) or (B, 1, 28, 28) in [0, 1] -> class logits (B, num_classes)."""
        return self.head(self.dropout(self.features(x)))

    def logits_and_features(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Both at once (one pass), as the metrics need; dropout is off in eval mode."""
        h = self.features(x)
        return self.head(self.dropout(h)), h
