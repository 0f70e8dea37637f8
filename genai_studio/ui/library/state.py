"""The library's state: what the last scan found, the artist's selection in it, their
datasets; and what the selection allows."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from genai_studio.ui.common.fields import Derived, Field, SubState


@dataclass(frozen=True)
class LibrarySnapshot:
    """What the library scan found (made on a worker, shown by the library widget)."""

    entries: tuple[Any, ...] = ()  # core.store.library.Entry
    unfinished: tuple[Any, ...] = ()  # core.store.library.UnfinishedRun
    scanned_at: float = 0.0
    folders: tuple[Path, ...] = field(default_factory=tuple)

    def items(self) -> list[Any]:
        return [*self.entries, *self.unfinished]


def path_of(item: Any) -> Path:
    """An entry's model file, or an unfinished run's checkpoint."""
    return item.checkpoint if hasattr(item, "checkpoint") else item.path


def _selected(s: LibraryState) -> Any:
    """The selected Entry or UnfinishedRun (core.store.library), or None."""
    if s.snapshot is None or s.selection is None:
        return None
    return next((e for e in s.snapshot.items() if path_of(e) == s.selection), None)


def _is_entry(item: Any) -> bool:
    return item is not None and hasattr(item, "shipped")


def _own(item: Any) -> bool:
    return _is_entry(item) and not item.shipped


def _dataset(s: LibraryState) -> Any:
    """The selected DatasetInfo (core.data.datasets), or None."""
    return next((d for d in s.datasets if d.path == s.dataset), None)


@dataclass(frozen=True)
class DatasetPreview:
    """A grid of a dataset's first images (made on the jobs thread)."""

    path: Path
    grid: Any  # np.ndarray (H, W) or (H, W, 3) in [0, 1]
    count: int


class LibraryState(SubState):
    snapshot: Field[LibrarySnapshot | None] = Field(None, kind=LibrarySnapshot)
    selection: Field[Path | None] = Field(None, kind=Path)
    datasets: Field[tuple[Any, ...]] = Field((), tuple)  # core.data.datasets.DatasetInfo
    dataset: Field[Path | None] = Field(None, kind=Path)  # the dataset selected
    dataset_preview: Field[DatasetPreview | None] = Field(None, kind=DatasetPreview)

    selected_dataset = Derived(object, _dataset, "datasets", "dataset")
    has_dataset = Derived(bool, lambda s: s.selected_dataset is not None, "selected_dataset")

    selected = Derived(object, _selected, "snapshot", "selection")
    can_load = Derived(bool, lambda s: _is_entry(s.selected) and s.selected.is_generator,
                       "selected")
    can_export = Derived(bool, lambda s: _is_entry(s.selected), "selected")
    can_rename = Derived(bool, lambda s: _own(s.selected), "selected")
    can_score = Derived(bool, lambda s: _is_entry(s.selected) and s.selected.is_generator,
                        "selected")
    can_resume = Derived(bool, lambda s: s.selected is not None and not _is_entry(s.selected),
                         "selected")
    can_delete = Derived(bool, lambda s: _own(s.selected) or (
        s.selected is not None and not _is_entry(s.selected)), "selected")
