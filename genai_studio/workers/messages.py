"""What the GUI asks the inference worker for and what comes back: plain data, no Qt, no torch.

Requests carry the model handle they were made for, so a result that arrives after the artist
switched models is recognisable (handles compare by identity) and dropped by the controller.
Arrays in results are NumPy copies: safe to hand from the worker thread to the GUI thread.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from genai_studio.core.defaults import model_stem

if TYPE_CHECKING:
    import numpy as np

    from genai_studio.core.genes.genes import Steering
    from genai_studio.core.latent.pad import PadPlane


@dataclass(eq=False)
class ModelHandle:
    """A loaded model and what the GUI needs to know about it (compared by identity)."""

    model: Any  # core.models.Generator, on ``device``
    path: Path
    metadata: dict[str, Any]
    device: str
    live: bool = False  # a snapshot of a model still training: shown, never written from

    @property
    def kind(self) -> str:
        return str(self.metadata.get("kind", "?"))

    @property
    def latent_dim(self) -> int:
        return int(self.model.latent_dim)

    @property
    def conditional(self) -> bool:
        return bool(self.model.conditional)

    @property
    def name(self) -> str:
        return model_stem(self.path)

    @property
    def classes(self) -> tuple[str, ...]:
        """What each label of a conditional model draws (``core.models.base.class_names``)."""
        from genai_studio.core.models.base import class_names

        return class_names(self.model, self.metadata)

    @property
    def draws_glyphs(self) -> bool:
        """A conditional model whose classes are characters (a fonts dataset's)."""
        dataset = self.metadata.get("dataset")
        return self.conditional and isinstance(dataset, dict) and "classes" in dataset


class LoadReason(enum.Enum):
    """Why a model is loaded: decides what the studio says when it fails."""

    OPEN = "Could not load this model"
    IMPORT = "Could not import this model"
    DEVICE = "Could not move the model to that device"
    TRAINED = "Could not open the model just trained"


@dataclass(frozen=True)
class LoadRequest:
    path: Path
    device: str = "auto"
    reason: LoadReason = LoadReason.OPEN


@dataclass(frozen=True)
class GenerateRequest:
    handle: ModelHandle
    count: int
    seed: int
    digit: int | None  # None: any digit (conditional models get one per tile, cycling)
    steer: Steering | None = None  # genes: the latents moved by them before decoding
    fitted: bool | None = None  # the prior: the model's own (None), fitted or standard
    keep: float = 1.0  # < 1: only draws the model's critic accepts, about this share


@dataclass(frozen=True)
class GenerateResult:
    request: GenerateRequest
    images: np.ndarray  # (n, H, W) float32 copy
    latents: np.ndarray  # (n, D) float32 copy
    labels: np.ndarray | None  # (n,) int64 or None
    seconds: float
    base: np.ndarray | None = None  # (n, D) the latents before the genes moved them, if any


@dataclass(frozen=True)
class MorphRequest:
    handle: ModelHandle
    start: np.ndarray
    end: np.ndarray
    frames: int
    label: int | None
    steer: Steering | None = None  # genes: both ends moved and held before the morph


@dataclass(frozen=True)
class MorphResult:
    request: MorphRequest
    images: np.ndarray  # (frames, H, W)
    latents: np.ndarray


@dataclass(frozen=True)
class BackgroundRequest:
    """The pad's backdrop: a decoded atlas of the plane the pad shows and, for unconditional
    2-D VAEs, the encoded test digits coloured by class."""

    handle: ModelHandle
    label: int | None = None
    corners: np.ndarray | None = None  # (4, D): the corner plane; None: the 2-D latent plane
    atlas_cells: int = 20
    encoded_count: int = 2000


@dataclass(frozen=True)
class PadBackground:
    request: BackgroundRequest
    atlas: np.ndarray  # (H, W) or (H, W, 3) uint8, the decoded atlas tiled over the pad
    points: np.ndarray | None = None  # (n, 2) pad coords of encoded test digits, or None
    labels: np.ndarray | None = None  # (n,) their classes

    @property
    def handle(self) -> ModelHandle:
        return self.request.handle


@dataclass(frozen=True)
class InsideRequest:
    """One look inside the model: an image (through the encoder, if there is one) or a latent.
    ``source`` says where it came from ("tile 12", "pad", "dropped image")."""

    handle: ModelHandle
    source: str
    image: np.ndarray | None = None  # (H, W) in [0, 1]
    latent: np.ndarray | None = None  # (D,)
    label: int | None = None  # the digit, for conditional models
    seed: int = 0


@dataclass(frozen=True)
class InsideResult:
    request: InsideRequest
    inside: Any  # core.inside.Inside (NumPy copies)
    real_index: int | None = None  # a GAN's real digit: its index in the MNIST test set


@dataclass(frozen=True)
class StartupReport:
    torch_version: str
    devices: tuple[str, ...]
    seconds: float


@dataclass(frozen=True)
class EncodeRequest:
    """An image into the model's latent space: a file (opened on the worker: it is
    untrusted) or pixels (the sketch, a repaired image). ``cancel`` is a threading.Event the
    worker checks between the steps of a GAN's projection."""

    handle: ModelHandle
    source: str  # what the artist calls it: "drawing.png", "sketch"
    path: Path | None = None
    pixels: np.ndarray | None = None  # (H, W) or (H, W, 3), uint8 or float in [0, 1]
    prepared: bool = False  # pixels are already the model's input (no preparation)
    live: bool = False  # a sketch stroke: a short projection, warm-started from ``init``
    init: np.ndarray | None = None  # (D,)
    plane: PadPlane | None = None  # the pad's plane: also find the pad point of the latent
    seed: int = 0
    target: Any = None  # where the artist sent it (the controller's business)
    cancel: Any = None  # threading.Event


@dataclass(frozen=True)
class EncodeProgress:
    request: EncodeRequest
    step: int
    steps: int
    error: float


@dataclass(frozen=True)
class EncodeResult:
    request: EncodeRequest
    prepared: np.ndarray  # the model's input
    latent: np.ndarray  # (D,)
    label: int | None
    reconstruction: np.ndarray
    error: float
    note: str | None
    cancelled: bool
    pad_point: tuple[float, float] | None  # where the latent sits on (or nearest to) the pad
    framed: np.ndarray | None = None  # the image at the model's size, not re-centred (repairs)


@dataclass(frozen=True)
class RepairRequest:
    handle: ModelHandle
    image: np.ndarray  # the model's input, (H, W) or (H, W, 3) float32
    hole: np.ndarray  # (H, W) bool, True = missing
    alternatives: int = 4
    seed: int = 0
    cancel: Any = None  # threading.Event


@dataclass(frozen=True)
class RepairResult:
    request: RepairRequest
    images: np.ndarray  # (k, H, W[, 3]) best first
    latents: np.ndarray  # (k, D)
    labels: np.ndarray | None
    cancelled: bool
