"""The latent pad's state: its corners, the point, the digit it draws, its layers and a
recorded path; and the plane they span, derived in one place."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from genai_studio.ui.common.fields import MAX_LABEL, Derived, Field, SubState, unit
from genai_studio.workers.messages import ModelHandle, PadBackground

if TYPE_CHECKING:
    import numpy as np

    from genai_studio.core.latent.pad import PadPlane


class PadMode(enum.Enum):
    EMPTY = "empty"  # no model
    PLANE = "plane"  # a 2-D model: the pad is its latent plane
    CORNERS = "corners"  # larger latents: a plane through four anchors


@dataclass(frozen=True)
class RecordedPath:
    """A path drawn on the pad while Record was on: its points and the plane it was drawn on."""

    points: np.ndarray  # (m, 2) pad coordinates in [0, 1]
    corners: np.ndarray | None  # (4, D) the corner plane; None: a 2-D model's latent plane
    handle: ModelHandle
    label: int | None  # the digit the pad drew (conditional models)


def _point(p: Any) -> tuple[float, float]:
    return (unit(p[0]), unit(p[1]))


def _model(s: PadState) -> ModelHandle | None:
    return s.root.session.model if s.root is not None else None


def _mode(s: PadState) -> PadMode:
    model = _model(s)
    if model is None:
        return PadMode.EMPTY
    return PadMode.PLANE if model.latent_dim == 2 else PadMode.CORNERS


def _own_corners(s: PadState) -> tuple[Any, ...] | None:
    """The corners if they belong to the model: while one model replaces another, the model
    changes first and its own corners follow (a 64-D GAN's corners are no latents of a 32-D
    VAE-GAN)."""
    model = _model(s)
    if model is None or s.corners is None:
        return None
    if any(a.latent.shape != (model.latent_dim,) for a in s.corners):
        return None
    return s.corners


def _plane(s: PadState) -> PadPlane | None:
    """The plane the pad shows now; None without a model or while the corners are still the
    previous model's."""
    mode, corners = _mode(s), _own_corners(s)
    if mode is PadMode.EMPTY or (mode is PadMode.CORNERS and corners is None):
        return None  # (NumPy stays unimported until a model is there: first paint first)
    import numpy as np

    from genai_studio.core.latent.pad import PadPlane

    if mode is PadMode.PLANE:
        return PadPlane(2)
    return PadPlane(_model(s).latent_dim, np.stack([a.latent for a in corners]))


def _effective_digit(s: PadState) -> int | None:
    """The digit the pad, its corners and its atlas are drawn as (conditional models): the
    toolbar's digit when one is chosen, else the pad's own (shown on the pad)."""
    model = _model(s)
    if model is None or not model.conditional:
        return None
    chosen = s.root.canvas.digit
    return chosen if chosen is not None else s.digit


def _can_replay(s: PadState) -> bool:
    return s.path is not None and s.path.handle is _model(s)


class PadState(SubState):
    corners: Field[tuple[Any, ...] | None] = Field(None, kind=tuple)  # 4 Anchors, or None
    point: Field[tuple[float, float]] = Field((0.5, 0.5), _point)
    digit = Field(0, lambda d: min(max(int(d or 0), 0), MAX_LABEL))  # a conditional model's class
    background: Field[PadBackground | None] = Field(None, kind=PadBackground)
    show_atlas = Field(True, bool, persist="show_atlas")
    show_points = Field(True, bool, persist="show_points")
    dot_opacity = Field(0.55, unit, persist="dots")  # strong dots (1) or a clear atlas (0)
    recording = Field(False, bool)
    # Where the pen went down in the path being recorded (None: not recording, or not yet):
    # the export's preview shows the path's first frame while it is drawn.
    trail_start: Field[tuple[float, float] | None] = Field(None, kind=object)
    path: Field[RecordedPath | None] = Field(None, kind=RecordedPath)

    mode = Derived(PadMode, _mode, "session.model")
    model_corners = Derived(object, _own_corners, "corners", "session.model")
    plane = Derived(object, _plane, "corners", "session.model")  # PadPlane | None
    effective_digit = Derived(object, _effective_digit, "digit", "canvas.digit",
                              "session.model",  # int | None; written: the pad's own digit
                              write=lambda s, d: setattr(s, "digit", d))
    can_record = Derived(bool, lambda s: _model(s) is not None, "session.model")
    can_replay = Derived(bool, _can_replay, "path", "session.model")
    has_point = Derived(bool, lambda s: s.plane is not None, "plane")

    def latent(self) -> np.ndarray | None:
        """The latent under the pad's point, or None when the pad shows no plane."""
        plane = self.plane
        return None if plane is None else plane.latent_at(*self.point)
