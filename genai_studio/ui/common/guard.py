"""``gui_slot``: a ``@Slot`` that never lets a fault escape silently.

Every slot the artist can trigger is a ``gui_slot``. If it raises, the fault is logged with its
traceback and shown in one line through :data:`GUARD.report` (the window shows a dialog; a
windowed build has no stderr), and the window stays usable: the crash log is only the last
resort for faults outside slots. ``GenAIError`` is the artist's own mistake (a bad file, a full
disk) and is shown as it is; anything else is also recorded in ``GUARD.faults`` (the same record
the worker threads and jobs add their caught bugs to, ``crash.FAULTS``) so that tests fail on
it.

With ``GUARD.checking`` on (tests and benchmarks turn it on; the shipped app does not), each
call also records slots that ran off the GUI thread (a worker signal connected to a lambda
would) and slots slow enough to cost a frame. Every record is bounded.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Slot

from genai_studio.crash import FAULTS, record_fault

log = logging.getLogger(__name__)
SLOW_MS = 8.0  # a slot this long delays every frame behind it
RECORDS = 200


def _report_to_log(title: str, message: str) -> None:
    log.warning("%s: %s", title, message)


@dataclass
class Guard:
    checking: bool = False
    report: Callable[[str, str], None] = _report_to_log  # the window replaces it
    faults: deque[str] = field(default_factory=lambda: FAULTS)  # shared with the workers
    violations: deque[str] = field(default_factory=lambda: deque(maxlen=RECORDS))
    slow: deque[tuple[str, float]] = field(default_factory=lambda: deque(maxlen=RECORDS))
    calls: Counter[str] = field(default_factory=Counter)

    def reset(self) -> None:
        for record in (self.faults, self.violations, self.slow, self.calls):
            record.clear()

    def fault(self, where: str, exc: BaseException, title: str = "Something went wrong") -> None:
        """Show an exception in one line; record it unless it is a user error."""
        from genai_studio.core.errors import GenAIError
        from genai_studio.workers.jobs import one_line

        if not isinstance(exc, GenAIError):
            log.error("%s failed", where, exc_info=exc)
            record_fault(where, exc)
        try:
            self.report(title, one_line(exc))
        except Exception:  # noqa: BLE001 - reporting must never raise in turn
            log.exception("could not report a fault in %s", where)


GUARD = Guard()


def gui_slot(*types: type, title: str = "Something went wrong"
             ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        name = fn.__qualname__

        @functools.wraps(fn)
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            if GUARD.checking:
                return _checked(fn, name, title, self, args, kwargs)
            try:
                return fn(self, *args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - shown, never fatal
                GUARD.fault(name, exc, title)
                return None

        return Slot(*types)(wrapper)

    return decorate


def _checked(fn: Callable[..., Any], name: str, title: str, owner: Any,
             args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    GUARD.calls[name] += 1
    if threading.current_thread() is not threading.main_thread():
        GUARD.violations.append(name)
        log.error("%s ran off the GUI thread", name)
    t0 = time.perf_counter()
    try:
        return fn(owner, *args, **kwargs)
    except Exception as exc:  # noqa: BLE001
        GUARD.fault(name, exc, title)
        return None
    finally:
        ms = (time.perf_counter() - t0) * 1000
        if ms > SLOW_MS:
            GUARD.slow.append((name, ms))
