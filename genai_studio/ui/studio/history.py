"""Undo / Redo through what the studio showed: a bounded list of steps (no Qt).

Each step is what one action put on screen (``ui/studio/history_control.py`` says which), kept
whole so that going back shows exactly that again, without decoding. The list is bounded by
steps and by bytes (parts that several steps share, one grid under many pad points, count
once): the oldest steps go first. A new step after going back drops the steps ahead of it, as
in every editor's undo.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

MAX_STEPS = 64
MAX_BYTES = 64 * 1024 * 1024  # a 10x10 grid of 28x28 float32 tiles is 0.3 MB


class History(Generic[T]):
    def __init__(self, size_of: Callable[[T], int] = lambda _item: 0,
                 max_steps: int = MAX_STEPS, max_bytes: int = MAX_BYTES,
                 share: Callable[[T], object] | None = None) -> None:
        self._items: list[T] = []
        self._index = -1
        self._size_of = size_of
        self._share = share  # steps whose share-key is the same object count their size once
        self.max_steps, self.max_bytes = max_steps, max_bytes

    def __len__(self) -> int:
        return len(self._items)

    @property
    def current(self) -> T | None:
        return self._items[self._index] if self._items else None

    @property
    def index(self) -> int:
        return self._index

    @property
    def can_back(self) -> bool:
        return self._index > 0

    @property
    def can_forward(self) -> bool:
        return self._index < len(self._items) - 1

    def push(self, item: T) -> None:
        """A new step after the current one; steps ahead of it are dropped."""
        del self._items[self._index + 1:]
        self._items.append(item)
        self._index = len(self._items) - 1
        self._trim()

    def replace(self, item: T) -> None:
        """Update the current step in place (stars added to the grid it shows)."""
        if self._items:
            self._items[self._index] = item
        else:
            self.push(item)

    def back(self) -> T | None:
        if not self.can_back:
            return None
        self._index -= 1
        return self._items[self._index]

    def forward(self) -> T | None:
        if not self.can_forward:
            return None
        self._index += 1
        return self._items[self._index]

    def items(self) -> tuple[T, ...]:
        return tuple(self._items)

    def go(self, index: int) -> T | None:
        """Jump to step ``index`` (the history dock's click); None when there is none."""
        if not 0 <= index < len(self._items):
            return None
        self._index = index
        return self._items[index]

    def clear(self) -> None:
        self._items.clear()
        self._index = -1

    def _total(self) -> int:
        if self._share is None:
            return sum(self._size_of(item) for item in self._items)
        seen: dict[int, int] = {}
        for item in self._items:
            seen.setdefault(id(self._share(item)), self._size_of(item))
        return sum(seen.values())

    def _trim(self) -> None:
        while len(self._items) > 1 and (len(self._items) > self.max_steps
                                        or self._total() > self.max_bytes):
            self._items.pop(0)
            self._index -= 1
