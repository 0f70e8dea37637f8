"""The typeface feature's state: whether a glyph job runs, the family name the artist typed,
and the flags that enable its commands."""

from __future__ import annotations

from typing import Any

from genai_studio.ui.common.fields import Derived, Field, SubState


def _model(s: Any) -> Any:
    return s.root.session.model if s.root is not None else None


def _draws_characters(s: TypefaceState) -> bool:
    """A conditional grey model whose classes are single characters (a glyph model's, or the
    ten digits): each class can become a glyph."""
    model = _model(s)
    if model is None or not model.conditional or model.model.image_shape[0] != 1:
        return False
    return all(len(c) == 1 for c in model.classes)


def _can_corners(s: TypefaceState) -> bool:
    model = _model(s)
    return (model is not None and model.draws_glyphs and model.latent_dim != 2
            and hasattr(model.model, "encode") and not s.busy)


class TypefaceState(SubState):
    busy = Field(False, bool)  # a fonts dataset or a typeface is being made
    family = Field("", str)  # the family name typed in the typeface dialog ("": a default)

    can_export_typeface = Derived(bool, lambda s: _draws_characters(s)
                                  and s.root.pad.plane is not None,
                                  "session.model", "pad.plane")
    can_fonts_as_corners = Derived(bool, _can_corners, "session.model", "busy")
