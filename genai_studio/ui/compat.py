"""A guard against a reference-count bug in PySide6 6.12's abi3 wheels on CPython < 3.12.

Measured here (PySide6 6.12.0, CPython 3.11.7): every call of a void Qt method (``setText``,
``update``...) takes one reference from ``None`` that it never gave, and every ``emit()`` takes
one from ``True``. Python 3.12 made these singletons immortal, so the wheels only work there;
on 3.11 the counts run down while the app is used and the process aborts with "Fatal Python
error: none_dealloc / bool_dealloc" (1000 emits were enough to kill a small script).

The guard detects the bug and, only then, gives None/True/False a huge reference count:
what 3.12's immortality does. The real fix is a dependency one: Python >= 3.12, or a PySide6
release without the bug on 3.11.
"""

from __future__ import annotations

import logging
import platform
import sys

log = logging.getLogger(__name__)

_HEADROOM = 1 << 40  # ~10^12 lost references: beyond any session's length
_applied = False


def _void_call_steals_none() -> bool:
    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(8):
        probe.setObjectName("probe")  # a void method: must leave None's count unchanged
    return sys.getrefcount(None) < before - 4


def protect_singletons() -> bool:
    """Apply the guard if this interpreter and PySide6 need it; True when applied."""
    global _applied
    if _applied:
        return True
    if sys.version_info >= (3, 12) or platform.python_implementation() != "CPython":
        return False
    if not _void_call_steals_none():
        return False
    import ctypes

    # ob_refcnt is the first field of every CPython object; we hold the GIL here.
    for obj in (None, True, False):
        ctypes.c_ssize_t.from_address(id(obj)).value += _HEADROOM
    _applied = True
    log.info("PySide6 %s leaks references to None/True on Python %s; guard applied",
                _pyside_version(), platform.python_version())
    return True


def _pyside_version() -> str:
    import PySide6

    return str(PySide6.__version__)
