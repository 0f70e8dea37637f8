"""The inside view's state: what it looks at, its latest look, and whether it is on screen
(it works only then)."""

from __future__ import annotations

import enum

from genai_studio.ui.common.fields import Field, SubState, one_of
from genai_studio.workers.messages import InsideResult


class InsideSource(enum.Enum):
    """What the inside view looks at: the pad's point, the selected tile or a dropped image."""

    PAD = "pad"
    TILE = "tile"
    IMAGE = "image"


class InsideState(SubState):
    result: Field[InsideResult | None] = Field(None, kind=InsideResult)
    source = Field(InsideSource.PAD, one_of(InsideSource))
    image = Field(None, kind=object)  # np.ndarray (H, W[, 3]) dropped on the view | None
    open = Field(False, bool)
