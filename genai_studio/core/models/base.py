"""What every generator shares: a config that round-trips through JSON, and decoding."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, TypeVar

import torch
from torch import nn

from genai_studio.core.errors import ModelFileError, UsageError
from genai_studio.core.validate import MAX_DIMENSION, check_fields

IMAGE_SIZE = 28
NUM_PIXELS = IMAGE_SIZE * IMAGE_SIZE

C = TypeVar("C", bound="ModelConfig")


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    """Base of the frozen config dataclasses; a model is rebuilt from ``to_dict()`` alone."""

    kind: ClassVar[str] = ""

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}

    @classmethod
    def from_dict(cls: type[C], data: dict[str, Any]) -> C:
        if not isinstance(data, dict):
            raise ModelFileError(f"invalid {cls.kind} config: not a JSON object")
        fields = {f.name: f for f in dataclasses.fields(cls)}
        unknown = set(data) - set(fields)
        if unknown:
            raise ModelFileError(f"unknown {cls.kind} config fields: {sorted(unknown)}")
        # Types and ranges first: a file's config is untrusted JSON (a width of "400" or 1e9).
        data = check_fields(cls, data, f"invalid {cls.kind} config", ModelFileError,
                            MAX_DIMENSION)
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        try:
            return cls(**values)
        except (TypeError, ValueError) as exc:
            raise ModelFileError(f"invalid {cls.kind} config: {exc}") from None


def one_hot(labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    return nn.functional.one_hot(labels.long(), num_classes).to(torch.float32)


class Generator(nn.Module):
    """A model that turns latent vectors (and, if conditional, labels) into 28x28 images."""

    config: ModelConfig
    latent_dim: int
    conditional: bool
    num_classes: int

    def decode(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Images (n, 28, 28) in [0, 1] for latents z (n, latent_dim)."""
        raise NotImplementedError

    def check_labels(self, labels: torch.Tensor | None, n: int) -> torch.Tensor | None:
        """Labels to condition on, or a clear error when they do not fit this model."""
        if not self.conditional:
            if labels is not None:
                raise UsageError("this model is not conditional: it takes no digit label")
            return None
        if labels is None:
            raise UsageError("this conditional model needs a digit label for each sample")
        if labels.shape != (n,):
            raise UsageError(f"expected {n} labels, got shape {tuple(labels.shape)}")
        if labels.numel() and (int(labels.min()) < 0 or int(labels.max()) >= self.num_classes):
            raise UsageError(f"labels must be between 0 and {self.num_classes - 1}")
        return labels

    def prior(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n latent vectors from the standard normal prior, on this model's device."""
        device = next(self.parameters()).device
        # Draw where the generator lives, so a seed gives the same latents on every device.
        source = generator.device if generator is not None else device
        return torch.randn(n, self.latent_dim, generator=generator, device=source).to(device)

    @torch.inference_mode()
    def sample(
        self,
        n: int,
        generator: torch.Generator | None = None,
        labels: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """n images (n, 28, 28) in [0, 1] drawn from the prior."""
        if n <= 0:
            raise UsageError("the number of samples must be positive")
        labels = self.check_labels(labels, n)
        return self.decode(self.prior(n, generator), labels)
