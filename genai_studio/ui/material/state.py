"""The artist's own material: the image they brought in last, prepared and placed in latent
space, and where an encoded image goes."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

from genai_studio.ui.common.fields import Field, SubState
from genai_studio.ui.studio.kinds import Anchor, MorphEnd
from genai_studio.workers.messages import ModelHandle, RepairResult

if TYPE_CHECKING:
    import numpy as np


class TargetKind(enum.Enum):
    PAD = "pad"  # the pad's point moves to it
    CORNER = "corner"  # a pad corner becomes it
    MORPH = "morph"  # a morph end becomes it
    SHOW = "show"  # only the material panel shows it


@dataclass(frozen=True)
class Target:
    """Where an encoded image goes: the pad's point, a corner (``index``), a morph end
    (``end``), or only the material panel."""

    kind: TargetKind = TargetKind.PAD
    index: int = 0
    end: MorphEnd | None = None


@dataclass(frozen=True)
class Material:
    """An image the artist brought (opened, dropped, sketched or repaired), prepared for the
    active model, and where it landed in latent space (None while it is being encoded)."""

    handle: ModelHandle  # the model it was prepared and encoded for
    prepared: np.ndarray  # the model's input: (H, W) or (H, W, 3) float32 in [0, 1]
    source: str  # "drawing.png", "sketch", "repair of tile 3"
    latent: np.ndarray | None = None  # (D,)
    label: int | None = None  # the digit it was encoded under (conditional models)
    reconstruction: np.ndarray | None = None  # the model's own version of it
    error: float | None = None  # RMSE between the two
    note: str | None = None  # "unlike the model's data ..."
    framed: np.ndarray | None = None  # the image as framed, for a repair (None: ``prepared``)

    def anchor(self) -> Anchor | None:
        if self.latent is None:
            return None
        return Anchor(self.latent, self.label, self.source)


class MaterialState(SubState):
    current: Field[Material | None] = Field(None, kind=Material)
    encoding = Field(False, bool)  # a non-live encode (a GAN's projection) is running
    progress: Field[tuple[int, int, float]] = Field((0, 0, 0.0), tuple)  # step, steps, error
    repairing = Field(False, bool)  # a repair is running
    repair_progress: Field[tuple[int, int]] = Field((0, 0), tuple)  # step, steps
    repair: Field[RepairResult | None] = Field(None, kind=RepairResult)  # the latest repair
