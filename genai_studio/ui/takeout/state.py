"""Take-out's state: the export dialog's choices, the files exported (the gallery keeps
showing them) and what the gallery found."""

from __future__ import annotations

from typing import Any

from genai_studio.core.export.options import ExportSource
from genai_studio.ui.common.fields import Derived, Field, SubState, one_of
from genai_studio.ui.takeout.export_settings import ExportSettings

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

    can_export = Derived(bool, lambda s: s.root is not None and s.root.session.model
                         is not None, "session.model")
    can_start = Derived(bool, lambda s: s.can_export and not s.busy, "can_export", "busy")
