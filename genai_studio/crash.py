"""Last-resort fault handling, Qt-free: a crash is one line on stderr plus a log file.

An artist who runs the packaged app must never see a raw Python traceback. :func:`install`
replaces ``sys.excepthook`` (and the thread hook, which Qt worker threads go through) so that an
unexpected exception writes its traceback to the user log folder (platformdirs
``user_log_dir``) and prints a single line naming that file. When the log folder cannot be
written (unwritable or missing HOME) it falls back to the temp folder, and when that fails too it
still prints one line. Fatal signals (a segfault in a native library) are logged by
``faulthandler`` into the same folder.

:func:`check_display` turns "no display" into a clear message before Qt is loaded, because Qt
answers a missing display with an abort and a wall of plugin text.
"""

from __future__ import annotations

import faulthandler
import os
import stat
import sys
import tempfile
import threading
import time
import traceback
from collections import deque
from pathlib import Path
from types import TracebackType
from typing import IO

from genai_studio.core.errors import GenAIError

PROG = "genai-studio"
_state: dict[str, object] = {}  # what install() set up, so a second call is a no-op


class DisplayError(GenAIError):
    """No graphical display to open the window on."""


# Faults that were caught and shown in one line, but were bugs (not the artist's doing): a
# worker's or a job's exception that was not a GenAIError. Tests fail on any; the window's
# guarded slots record theirs here too (ui.common.guard). Bounded; appended from any thread.
FAULTS: deque[str] = deque(maxlen=200)


def record_fault(where: str, exc: BaseException) -> None:
    """Remember a bug that was caught and reported (never a ``GenAIError``: that is a
    message for the artist, not a fault)."""
    if not isinstance(exc, GenAIError):
        FAULTS.append(f"{where}: {type(exc).__name__}: {exc}")


def log_dir() -> Path:
    """The user log folder (e.g. ``~/.local/state/GenAI Studio/log`` on Linux); not created."""
    override = os.environ.get("GENAI_STUDIO_LOG_DIR")  # for tests and locked-down machines
    if override:
        return Path(override)
    from platformdirs import user_log_path

    from genai_studio.core.store.resources import APP_AUTHOR, APP_NAME

    return user_log_path(APP_NAME, APP_AUTHOR)


def _candidate_dirs() -> list[Path]:
    dirs = []
    try:
        dirs.append(log_dir())
    except Exception:  # noqa: BLE001 - platformdirs can fail on a broken HOME; fall through
        pass
    dirs.append(Path(tempfile.gettempdir()) / "genai-studio-logs")
    return dirs


def _open_log(name: str, mode: str = "w") -> tuple[IO[str], Path] | None:
    """Open ``name`` in the first writable candidate folder, or None if none is.

    The fallback folder is in the shared temp folder, where anyone may have planted a link
    under a predictable name: a log is only ever a regular file this process opens itself,
    never followed through a link ("w" makes a new file; "a" appends to an existing one)."""
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    flags |= os.O_APPEND if mode == "a" else os.O_EXCL
    for folder in _candidate_dirs():
        path = folder / name
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, flags | getattr(os, "O_NONBLOCK", 0), 0o600)
        except OSError:
            continue
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            continue
        return os.fdopen(fd, mode, encoding="utf-8"), path
    return None


def write_crash_log(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> Path | None:
    """Write the traceback (and versions, for the bug report) to a new crash log."""
    opened = _open_log(f"crash-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log")
    if opened is None:
        return None
    handle, path = opened
    with handle:
        from genai_studio import __version__

        handle.write(f"{PROG} {__version__} crashed at {time.strftime('%Y-%m-%d %H:%M:%S %z')}\n")
        handle.write(f"python {sys.version.split()[0]} on {sys.platform}, frozen="
                     f"{bool(getattr(sys, 'frozen', False))}, argv={sys.argv!r}\n\n")
        handle.write("".join(traceback.format_exception(exc_type, exc, tb)))
    return path


def say(line: str) -> None:
    # A windowed Windows build has no stderr at all (sys.stderr is None).
    stream = sys.stderr
    if stream is None:
        return
    try:
        print(line, file=stream, flush=True)
    except (OSError, ValueError):
        pass


def report(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """The excepthook: one line for the user, the traceback in the log."""
    if issubclass(exc_type, BrokenPipeError):  # `genai-studio info m | head`: not a crash
        return
    if issubclass(exc_type, KeyboardInterrupt):
        say(f"{PROG}: interrupted")
        return
    if isinstance(exc, GenAIError):  # a user-fixable error that escaped a handler: no log needed
        say(f"{PROG}: error: {exc}")
        return
    message = str(exc).strip().splitlines()
    summary = f"{exc_type.__name__}: {message[0][:200]}" if message else exc_type.__name__
    try:
        path = write_crash_log(exc_type, exc, tb)
    except Exception:  # noqa: BLE001 - the hook itself must never raise
        path = None
    where = f"details in {path}" if path else "no crash log could be written"
    say(f"{PROG}: internal error ({summary}); {where}")


def _thread_hook(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is not None:
        report(args.exc_type, args.exc_value, args.exc_traceback)


def install() -> None:
    """Install the hooks once per process; safe to call again."""
    if _state.get("installed"):
        return
    _state["installed"] = True
    sys.excepthook = report
    threading.excepthook = _thread_hook
    # Native crashes: faulthandler needs an open file now, so it gets one fixed file (appended
    # to, empty unless something crashed). Only for the frozen app: test runs and `python -m`
    # runs have a terminal and a debugger.
    if getattr(sys, "frozen", False) and not faulthandler.is_enabled():
        opened = _open_log("fatal-errors.log", "a")
        if opened is not None:
            _state["fatal_log"] = opened[0]  # keep it open for the life of the process
            faulthandler.enable(file=opened[0])


def check_display(headless: bool) -> None:
    """Raise :class:`DisplayError` when the window cannot be shown on this Linux machine.

    ``headless`` runs (``--self-test``, ``--screenshot``) need no display: they get Qt's
    offscreen platform unless the caller chose one.
    """
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return
    if headless:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        return
    raise DisplayError(
        "no display found (DISPLAY and WAYLAND_DISPLAY are unset): start GenAI Studio from a "
        "desktop session, or use the command line (genai-studio --help)"
    )
