"""Take-out's state: the export dialog's choices (``ExportSettings``, Qt-free and kept in the
settings as JSON: whatever is read back is checked field by field, and a hand-edited or
foreign value falls back to its default), the files exported (the gallery keeps showing them)
and what the gallery found."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from genai_studio.core.errors import GenAIError
from genai_studio.core.export.options import (
    ANIMATION_FORMATS,
    SOURCE_FORMATS,
    STILL_FORMATS,
    SUFFIXES,
    ExportFormat,
    ExportSource,
    ExportStyle,
    Timing,
)
from genai_studio.ui.common.fields import Derived, Field, SubState, one_of

SUFFIX = SUFFIXES  # the file suffix of each format written as one file


@dataclass(frozen=True)
class ExportSettings:
    # The style of the active model's kind of image, and the other kind's, remembered: grey
    # digits come out as ink on paper, colour models keep their colours (and are not put
    # through the digit-only "ink" resampling).
    style: ExportStyle = field(default_factory=lambda: STYLE_PRESETS["grey"])
    style_kind: str = "grey"  # "grey" or "colour": whose style ``style`` is
    other_style: ExportStyle = field(default_factory=lambda: STYLE_PRESETS["colour"])
    timing: Timing = field(default_factory=Timing)
    animation_format: ExportFormat = ExportFormat.GIF
    still_format: ExportFormat = ExportFormat.PNG  # a tile or a grid: PNG (a sheet), SVG, PDF
    frames: int = 48
    gutter: int = 8
    captions: bool = False
    batch_count: int = 64
    smoothing: float = 0.02
    closed: bool = True

    def for_images(self, kind: str) -> ExportSettings:
        """These settings for a model of ``kind`` ("grey" or "colour") images: that kind's
        style comes forward, the other's is kept for when it comes back."""
        if kind == self.style_kind or kind not in STYLE_PRESETS:
            return self
        return replace(self, style=self.other_style, other_style=self.style, style_kind=kind)

    def fmt_for(self, source: ExportSource) -> ExportFormat:
        """The format ``source`` is exported in: the animation format for a morph or a path,
        the one format a still source has otherwise."""
        source = ExportSource(source)
        formats = SOURCE_FORMATS[source]
        chosen = self.animation_format if source.animated else self.still_format
        return chosen if chosen in formats else formats[0]  # a grid's PNG is its sheet

    def choose(self, source: ExportSource, fmt: ExportFormat) -> ExportSettings:
        """These settings with ``fmt`` chosen for ``source`` (and its kind of source)."""
        fmt = ExportFormat(fmt)
        if ExportSource(source).animated:
            return replace(self, animation_format=fmt)
        if fmt in STILL_FORMATS or fmt is ExportFormat.SHEET:
            return replace(self, still_format=fmt if fmt in STILL_FORMATS else ExportFormat.PNG)
        return self

    def to_json(self) -> str:
        data = asdict(self)
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: Any) -> ExportSettings:
        """Settings read back; a bad value anywhere keeps that part's default."""
        default = cls()
        try:
            data = json.loads(text) if isinstance(text, str) else None
        except ValueError:
            data = None
        if not isinstance(data, dict):
            return default
        out = default
        for name in ("style", "other_style"):
            try:
                out = replace(out, **{name: ExportStyle.from_dict(data.get(name, {}))})
            except GenAIError:
                pass
        try:
            timing = data.get("timing", {})
            out = replace(out, timing=Timing(**{k: v for k, v in timing.items()
                                                if k in ("fps", "playback", "easing")}))
        except (GenAIError, TypeError, AttributeError):
            pass
        for f in fields(cls):
            if f.name in ("style", "other_style", "timing") or f.name not in data:
                continue
            value, kind = data[f.name], type(getattr(default, f.name))
            if f.name in ("animation_format", "still_format"):
                kind = str  # an ExportFormat, stored as its name
            if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
                out = replace(out, **{f.name: value})
        return out.clamped()

    def clamped(self) -> ExportSettings:
        kinds = tuple(STYLE_PRESETS)
        return replace(
            self, style_kind=self.style_kind if self.style_kind in kinds else kinds[0],
            animation_format=(ExportFormat(self.animation_format) if self.animation_format
                              in ANIMATION_FORMATS else ExportFormat.GIF),
            still_format=(ExportFormat(self.still_format) if self.still_format in STILL_FORMATS
                          else ExportFormat.PNG),
            frames=min(max(self.frames, 2), 600), gutter=min(max(self.gutter, 0), 256),
            batch_count=min(max(self.batch_count, 1), 10_000),
            smoothing=min(max(self.smoothing, 0.0), 0.2))


STYLE_PRESETS = {
    "grey": ExportStyle(scale=8),  # white ink on black paper, crisp pixels
    "colour": ExportStyle(scale=8, resampling="lanczos"),
}

MAX_REMEMBERED = 200  # exported files the gallery keeps showing (favourites: all of them)


def _remembered(paths: Any) -> tuple[str, ...]:
    return tuple(dict.fromkeys(str(p) for p in paths))[:MAX_REMEMBERED]


class TakeoutState(SubState):
    settings = Field(ExportSettings(), persist="export")
    source = Field(ExportSource.GRID, one_of(ExportSource))  # what the dialog exports
    exported: Field[tuple[str, ...]] = Field((), _remembered, persist="gallery_files")
    gallery: Field[tuple[Any, ...]] = Field((), tuple)  # core.export.gallery.GalleryItem
    busy = Field(False, bool)  # an export is running
    progress: Field[tuple[float, str]] = Field((0.0, ""), tuple)  # its share done, its stage

    def attach(self, root: Any) -> None:
        super().attach(root)
        root.session.model_changed.connect(self._follow_model)

    def _follow_model(self, handle: Any) -> None:
        """A model of the other kind of image brings its kind's export style forward."""
        if handle is not None:
            colour = tuple(getattr(handle.model, "image_shape", (1,)))[0] == 3
            self.settings = self.settings.for_images("colour" if colour else "grey")

    can_export = Derived(bool, lambda s: s.root is not None and s.root.session.model
                         is not None, "session.model")
    can_start = Derived(bool, lambda s: s.can_export and not s.busy, "can_export", "busy")
