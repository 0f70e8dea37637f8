"""One writer per output.

:class:`OutputLock` is held by a run for as long as it may write an output (a training run
writes its model and checkpoint): a second run given the same output is refused while the
first is alive. The lock is an OS lock on ``.NAME.lock`` beside the output, released by the
kernel when its holder dies, so a crashed run never leaves a stale lock behind.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from genai_studio.core.errors import OutputBusy, OutputError
from genai_studio.core.store.files import resolve_output

LOCK_SUFFIX = ".lock"


def lock_path_for(path: Path) -> Path:
    real = resolve_output(path)
    return real.with_name(f".{real.name}{LOCK_SUFFIX}")


class OutputLock:
    """Exclusive right to write ``path`` (and the files named after it) while held.

    ``with OutputLock(out):`` or ``acquire()`` / ``release()``; a second holder, in this or
    another process, gets :class:`OutputBusy`.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.lock_path = lock_path_for(self.path)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> OutputLock:
        if self._fd is not None:
            return self
        while True:
            try:
                fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0),
                             0o644)
            except OSError as exc:
                raise OutputError(
                    f"cannot lock {self.path}: {exc.strerror or exc}") from None
            if not _try_lock(fd):
                holder = _read_holder(fd)
                os.close(fd)
                raise OutputBusy(f"{self.path} is being written by another run{holder}; "
                                 "choose another output or wait for that run to end")
            # The previous holder may have removed the file between our open and our lock.
            st = os.fstat(fd)
            try:
                now = os.stat(self.lock_path)
            except OSError:
                now = None
            if now is not None and (now.st_dev, now.st_ino) == (st.st_dev, st.st_ino):
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        if os.name == "nt":
            os.close(fd)
            Path(self.lock_path).unlink(missing_ok=True)
            return
        try:  # unlink while still locked, so nobody locks a file that is about to go
            os.unlink(self.lock_path)
        except OSError:
            pass
        os.close(fd)

    def __enter__(self) -> OutputLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __del__(self) -> None:
        if self._fd is not None:
            try:
                os.close(self._fd)
            except OSError:
                pass


def lock_new_output(propose: Callable[[], Path], attempts: int = 100) -> OutputLock:
    """Lock the first free name that ``propose`` gives (it must skip names whose lock file
    exists, as ``default_model_name(folder=...)`` does): concurrent runs get distinct names."""
    for _ in range(attempts):
        try:
            return OutputLock(propose()).acquire()
        except OutputBusy:
            continue
    raise OutputError("could not find a free output name")


def _try_lock(fd: int) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError:  # a file system without locks: no lock beats a refused run
        return True
    return True


def _read_holder(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except (OSError, AttributeError):
        return ""
    return f" (pid {text})" if text.isdigit() else ""


__all__ = ["LOCK_SUFFIX", "OutputLock", "lock_new_output", "lock_path_for"]
