"""``gui_slot``: a ``@Slot`` that also records calls arriving on a thread other than the GUI's.

Worker signals must reach widgets on the GUI thread (DESIGN §2); a lambda or plain function
connected to a worker signal would silently run on the worker thread. Tests read ``VIOLATIONS``
and ``CALLS`` to prove that every widget-touching slot ran where it must.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Slot

log = logging.getLogger(__name__)
VIOLATIONS: list[str] = []
CALLS: Counter[str] = Counter()
SLOW_MS = 8.0
SLOW: list[tuple[str, float]] = []  # (slot, ms) of GUI-thread slots that took over SLOW_MS


def gui_slot(*types: type) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(self: Any, *args: Any) -> Any:
            CALLS[fn.__qualname__] += 1
            if threading.current_thread() is not threading.main_thread():
                VIOLATIONS.append(fn.__qualname__)
                log.error("%s ran off the GUI thread", fn.__qualname__)
            t0 = time.perf_counter()
            try:
                return fn(self, *args)
            finally:
                ms = (time.perf_counter() - t0) * 1000
                if ms > SLOW_MS:  # a slot this long delays every frame behind it
                    SLOW.append((fn.__qualname__, ms))

        return Slot(*types)(wrapper)

    return decorate
