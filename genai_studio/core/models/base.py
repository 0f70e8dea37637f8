"""What every generator shares: a config that round-trips through JSON, and decoding."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, TypeVar

import torch
from torch import nn

from genai_studio.core.errors import ModelFileError, UsageError
from genai_studio.core.validate import MAX_DIMENSION, check_fields

IMAGE_SIZE = 28  # MNIST's side; the judge's and the default generators' images
NUM_PIXELS = IMAGE_SIZE * IMAGE_SIZE
MNIST_SHAPE = (1, IMAGE_SIZE, IMAGE_SIZE)
IMAGE_CHANNELS = (1, 3)  # grey or RGB
MIN_SIDE, MAX_SIDE = 8, 128

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


def check_image_shape(shape: tuple[int, ...], conv: bool) -> tuple[int, int, int]:
    """(channels, height, width) as a tuple of ints, or a ValueError saying what is wrong.

    Generators carry the shape of the images they make in their config (``image_shape``); a
    file written before shapes existed has none and loads as MNIST's (1, 28, 28).
    """
    try:
        c, h, w = (int(v) for v in shape)
    except (TypeError, ValueError):
        raise ValueError(f"image_shape must be (channels, height, width), not {shape!r}") from None
    if c not in IMAGE_CHANNELS:
        raise ValueError(f"images must have 1 (grey) or 3 (RGB) channels, not {c}")
    if not (MIN_SIDE <= h <= MAX_SIDE and MIN_SIDE <= w <= MAX_SIDE):
        raise ValueError(f"image sides must be {MIN_SIDE} to {MAX_SIDE} px, not {h}x{w}")
    if conv and conv_levels(h, w) < 2:
        raise ValueError(f"convolutional models need sides divisible by 4 and at least 20 px, "
                         f"not {h}x{w}")
    return c, h, w


def conv_levels(height: int, width: int) -> int:
    """How many stride-2 steps the conv models take: halve while both sides are even and
    above 8 px. 28 -> 14 -> 7 and 32 -> 16 -> 8 take two, 64 -> 32 -> 16 -> 8 three."""
    levels = 0
    while height % 2 == 0 and width % 2 == 0 and min(height, width) > 8:
        height, width, levels = height // 2, width // 2, levels + 1
    return levels


def to_studio_layout(x: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) -> the studio's image layout: (B, H, W) grey, (B, H, W, 3) colour."""
    return x.squeeze(1) if x.shape[1] == 1 else x.permute(0, 2, 3, 1)


def from_studio_layout(x: torch.Tensor) -> torch.Tensor:
    """(B, H, W) grey or (B, H, W, 3) colour -> (B, C, H, W)."""
    return x.unsqueeze(1) if x.ndim == 3 else x.permute(0, 3, 1, 2)


def one_hot(labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    return nn.functional.one_hot(labels.long(), num_classes).to(torch.float32)


class Generator(nn.Module):
    """A model that turns latent vectors (and, if conditional, labels) into images of
    ``image_shape`` (channels, height, width): MNIST's (1, 28, 28) unless trained otherwise.

    Torch code inside the models works in (B, C, H, W); what ``decode`` hands out is in the
    studio's layout, (B, H, W) for grey and (B, H, W, 3) for colour, as NumPy arrays are.
    """

    config: ModelConfig
    latent_dim: int
    conditional: bool
    num_classes: int
    image_shape: tuple[int, int, int] = MNIST_SHAPE

    def __init__(self, config: Any) -> None:
        """Keep the config and the facts every front end reads off a generator."""
        super().__init__()
        self.config = config
        self.latent_dim = config.latent_dim
        self.conditional = config.conditional
        self.num_classes = config.num_classes
        self.image_shape = config.image_shape
        # A mixture fitted to the encoded training set (``core.models.prior``), where the
        # config asks for one: ``prior(fitted=True)`` draws from it instead of N(0, I).
        self.fitted_prior: nn.Module | None = None
        components = getattr(config, "prior_components", 0)
        if components:
            from genai_studio.core.models.prior import MixturePrior

            self.fitted_prior = MixturePrior(components, config.latent_dim)

    def decode_images(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Images (B, C, H, W) in [0, 1] for latents z (B, latent_dim); differentiable."""
        raise NotImplementedError

    def decode(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Images (B, H, W) grey or (B, H, W, 3) colour in [0, 1] for latents z (B, D)."""
        return to_studio_layout(self.decode_images(z, labels))

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

    def _param_device(self) -> torch.device:
        return next(self.parameters()).device

    def prior(self, n: int, generator: torch.Generator | None = None,
              fitted: bool | None = None) -> torch.Tensor:
        """n latent vectors on this model's device from its own prior: the fitted one where
        it has one (``fitted=None``, the default), or as asked (True: the fitted prior,
        False: the standard normal)."""
        device = self._param_device()
        if fitted is None:
            fitted = self.fitted_prior is not None
        if fitted:
            if self.fitted_prior is None:
                raise UsageError("this model has no fitted prior (genai-studio fit-prior "
                                 "MODEL --out FILE adds one)")
            return self.fitted_prior.draw(n, generator)[0].to(device)
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
        """n images in the studio's layout, in [0, 1], drawn from the prior."""
        if n <= 0:
            raise UsageError("the number of samples must be positive")
        labels = self.check_labels(labels, n)
        return self.decode(self.prior(n, generator), labels)


def class_names(model: Any, metadata: Any) -> tuple[str, ...]:
    """What each label of a conditional model draws: the characters of a model trained on
    glyphs (its dataset's ``classes``, one name a class), else the class numbers (MNIST's
    digits); empty for a model that is not conditional."""
    from genai_studio.core.defaults import class_numbers

    if not getattr(model, "conditional", False):
        return ()
    n = int(getattr(model, "num_classes", 10))
    dataset = metadata.get("dataset") if isinstance(metadata, dict) else None
    names = dataset.get("classes") if isinstance(dataset, dict) else None
    if isinstance(names, list) and len(names) == n and all(
            isinstance(c, str) and 0 < len(c) <= 8 for c in names):
        return tuple(names)
    return class_numbers(n)
