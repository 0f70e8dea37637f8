"""The morph's state: its two ends, how many frames, and the frames decoded between them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from genai_studio.ui.common.fields import Derived, Field, SubState, clamp
from genai_studio.ui.studio.kinds import Anchor, MorphEnd

if TYPE_CHECKING:
    import numpy as np

FRAMES = (2, 64)  # the morph strip's frame count range


class MorphState(SubState):
    start: Field[Anchor | None] = Field(None, kind=Anchor)
    end: Field[Anchor | None] = Field(None, kind=Anchor)
    frames = Field(None, kind=object)  # np.ndarray (frames, H, W[, 3]) | None
    frame_count = Field(16, clamp(*FRAMES))
    playing = Field(False, bool)  # the strip plays the frames as a ping-pong loop

    can_play = Derived(bool, lambda s: s.frames is not None and len(s.frames) > 1, "frames")

    _last_end = MorphEnd.END

    def anchor(self, end: MorphEnd) -> Anchor | None:
        return self.start if end is MorphEnd.START else self.end

    def set_anchor(self, end: MorphEnd, anchor: Anchor | None) -> None:
        self._last_end = end
        if end is MorphEnd.START:
            self.start = anchor
        else:
            self.end = anchor

    def next_end(self) -> MorphEnd:
        """Where a double-clicked tile goes: A first, then B, then A again..."""
        if self.start is None:
            return MorphEnd.START
        if self.end is None:
            return MorphEnd.END
        return self._last_end.other

    def clear(self) -> None:
        self.start = self.end = None
        self.frames = None

    def ends(self) -> np.ndarray:
        """Both ends' latents (2, D) as set: the strip and its export move them by the genes'
        sliders, held, where they draw them (``core.genes.holding.held_ends``). Both ends
        must be set."""
        import numpy as np

        return np.stack([self.start.latent, self.end.latent])

    def label(self) -> int | None:
        """A conditional model decodes a morph as one digit: the chosen one, else A's, else
        B's, else the pad's (a label cannot be interpolated through ``decode``)."""
        root = self.root
        if root is None or root.session.model is None or not root.session.model.conditional:
            return None
        chosen = root.canvas.digit
        for label in (chosen, *(a.label for a in (self.start, self.end) if a)):
            if label is not None:
                return label
        return root.pad.digit
