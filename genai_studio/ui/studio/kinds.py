"""Kinds more than one feature passes around: a pinned latent (an anchor), the pad's corners,
the morph's ends. Plain data, no Qt."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

from genai_studio.core.defaults import names_characters

if TYPE_CHECKING:
    import numpy as np


def label_items(classes: tuple[str, ...], any_text: str | None = None
                ) -> list[tuple[str, int | None]]:
    """A combo's items for a conditional model's classes: "digit 3", or "'g'" for a glyph
    model's characters; first "any ..." when ``any_text`` is given."""
    digits = not names_characters(classes)
    items: list[tuple[str, int | None]] = [] if any_text is None else [(any_text, None)]
    items += [(f"digit {c}" if digits else f"'{c}'", k) for k, c in enumerate(classes)]
    return items


class Corner(enum.IntEnum):
    """The pad's four anchors, in the order ``core.latent.pad.PadPlane`` takes them."""

    TOP_LEFT = 0
    TOP_RIGHT = 1
    BOTTOM_LEFT = 2
    BOTTOM_RIGHT = 3

    @property
    def arrow(self) -> str:
        return "↖↗↙↘"[self.value]

    @property
    def uv(self) -> tuple[float, float]:
        return (float(self.value % 2), float(self.value // 2))


class MorphEnd(enum.Enum):
    START = "A"
    END = "B"

    @property
    def other(self) -> MorphEnd:
        return MorphEnd.END if self is MorphEnd.START else MorphEnd.START


@dataclass(frozen=True)
class Anchor:
    """A latent the artist pinned (a morph end or a pad corner) and the digit it was drawn as."""

    latent: np.ndarray  # (D,)
    label: int | None = None
    source: str = ""  # "tile 12", "pad", ...: shown in tooltips
