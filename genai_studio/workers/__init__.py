"""The only QThread code: QObject workers that drive the core on their own threads
(docs/architecture.md, Threads).

Rules kept here: workers are moved to a QThread and started through ``thread.started``; their
signals carry copies (NumPy arrays, plain dataclasses), are connected only to ``@Slot`` methods of
GUI-thread objects, and on shutdown the owner requests cancel, then ``quit()`` and ``wait()``.
"""

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
