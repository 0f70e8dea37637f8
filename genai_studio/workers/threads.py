"""The worker threads the studio started, so that tests and shutdown can check none is left
running."""

from __future__ import annotations

import weakref

from PySide6.QtCore import QThread

_THREADS: weakref.WeakSet[QThread] = weakref.WeakSet()


def track(thread: QThread) -> QThread:
    """Remember a worker thread so that tests (and shutdown) can check none is left running."""
    _THREADS.add(thread)
    return thread


def running_threads() -> list[QThread]:
    return [t for t in list(_THREADS) if t.isRunning()]
