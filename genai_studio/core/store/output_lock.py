"""One writer per output.

:class:`OutputLock` is held by a run for as long as it may write an output (a training run
writes its model and checkpoint): a second run given the same output is refused while the
first is alive. The lock is an OS lock on ``.NAME.lock`` beside the output, released by the
kernel when its holder dies, so a crashed run never leaves a stale lock behind.

Every write checks it (``files.write_atomic`` calls :func:`check_not_held`): a file that a
live run holds is refused to any other process and to any other thread of this one, so a
sample, an export or a dataset can never land on a model while a run trains it. The holder
is a thread: the thread that took a lock may write the files it covers (a command claims its
outputs, then writes them); a second OutputLock on the same output is refused, whoever asks.
A checkpoint (``NAME.ckpt.safetensors``) is covered by its model's lock.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

from genai_studio.core.errors import OutputBusy, OutputError
from genai_studio.core.store.files import resolve_output

LOCK_SUFFIX = ".lock"
# Locks this process holds: lock file -> [fd, holding thread]. The holding thread may write
# the files the lock covers; any other writer, in this process or another, is refused.
_HELD: dict[str, list[int]] = {}
# A lock file is truncated and written: never through a link planted in its place (a shared
# folder, root), never a FIFO that would block the open.
_NO_FOLLOW = (getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
              | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0))
_HELD_GUARD = threading.Lock()


def lock_path_for(path: Path) -> Path:
    real = resolve_output(path)
    return real.with_name(f".{real.name}{LOCK_SUFFIX}")


def lock_paths_covering(path: Path) -> list[Path]:
    """The lock files whose holder may write ``path``: its own, and for a checkpoint its
    model's."""
    from genai_studio.core.defaults import MODEL_SUFFIX, is_checkpoint, model_stem

    real = resolve_output(path)
    paths = [real.with_name(f".{real.name}{LOCK_SUFFIX}")]
    if is_checkpoint(real):
        paths.append(real.with_name(f".{model_stem(real)}{MODEL_SUFFIX}{LOCK_SUFFIX}"))
    return paths


def holder_of(path: Path) -> str | None:
    """Who else holds a lock covering ``path`` ("another run (pid N)"), or None when nobody
    does or this thread does. Cheap when no lock file exists (one stat)."""
    me = threading.get_ident()
    for lock in lock_paths_covering(path):
        with _HELD_GUARD:
            held = _HELD.get(str(lock))
        if held is not None:
            if held[1] == me:
                continue
            return f"another run (pid {os.getpid()})"
        if not os.path.lexists(lock):
            continue
        try:
            fd = os.open(lock, os.O_RDONLY | _NO_FOLLOW)
        except OSError:
            continue
        try:
            if not _try_lock(fd, shared=True):
                return f"another run{_read_holder(fd)}"
            _unlock(fd)
        finally:
            os.close(fd)
    return None


def _check_own_file(fd: int, lock_path: Path) -> None:
    """The opened lock file must be a plain file of its own (not a hard link to another)."""
    import stat

    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or st.st_nlink > 1:
        os.close(fd)
        raise OutputError(f"refused: the lock file {lock_path} is not a plain file of its own "
                          "(a link or a FIFO planted there?); remove it")


def check_not_held(path: Path) -> None:
    """Refuse to write ``path`` while another run holds it (see the module doc)."""
    holder = holder_of(path)
    if holder is not None:
        raise OutputBusy(f"{path} is being written by {holder}; choose another output or "
                         "wait for that run to end")


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
        key = str(self.lock_path)
        with _HELD_GUARD:
            if key in _HELD:  # flock would let a second fd of this process block or pass
                raise OutputBusy(f"{self.path} is being written by another run (pid "
                                 f"{os.getpid()}); choose another output or wait for that run "
                                 "to end")
        while True:
            try:
                fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | _NO_FOLLOW, 0o644)
            except OSError as exc:
                if os.path.islink(self.lock_path):
                    raise OutputError(f"refused: the lock file {self.lock_path} is a symlink "
                                      "(planted there?); remove it") from None
                raise OutputError(
                    f"cannot lock {self.path}: {exc.strerror or exc}") from None
            _check_own_file(fd, self.lock_path)
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
        with _HELD_GUARD:
            _HELD[key] = [fd, threading.get_ident()]
        return self

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        with _HELD_GUARD:
            held = _HELD.get(str(self.lock_path))
            if held is not None and held[0] == fd:
                del _HELD[str(self.lock_path)]
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
            self.release()


def lock_new_output(propose: Callable[[], Path], attempts: int = 100) -> OutputLock:
    """Lock the first free name that ``propose`` gives (it must skip names whose lock file
    exists, as ``default_model_name(folder=...)`` does): concurrent runs get distinct names."""
    for _ in range(attempts):
        try:
            return OutputLock(propose()).acquire()
        except OutputBusy:
            continue
    raise OutputError("could not find a free output name")


def _try_lock(fd: int, shared: bool = False) -> bool:
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
        fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError:  # a file system without locks: no lock beats a refused run
        return True
    return True


def _unlock(fd: int) -> None:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        except OSError:
            pass
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_UN)
    except OSError:
        pass


def _read_holder(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except (OSError, AttributeError):
        return ""
    return f" (pid {text})" if text.isdigit() else ""


__all__ = ["LOCK_SUFFIX", "OutputLock", "check_not_held", "holder_of", "lock_new_output",
           "lock_path_for", "lock_paths_covering"]
