"""Files: every write atomic and checked, every untrusted read bounded, one writer per output.

Writes (:func:`write_atomic`, :func:`copy_atomic`) go to a temp file in the target's folder,
which is flushed, fsynced and renamed over the target, then the folder is fsynced: a crash, a
kill -9 or a full disk leaves the old file or the new one, never half of either. Before
anything is written the target is checked: it must not be an input of the same command (the
same file by device and inode, so hard links count), a folder, a device, a FIFO or a socket,
nor a file that another live run holds (``core/store/output_lock.py``). The rule every command
applies to all its outputs at once is ``core/store/outputs.py``.

Symlinks are followed: writing to a link replaces the file it points to (atomically, in that
file's folder) and keeps the link, so a models folder linked to another disk works. Every check
applies to the file pointed to; a link to a device is refused like the device. A dangling link
creates its target; a loop is refused.

Temp files are named ``.NAME.PID-XXXXXXXX.tmp``. One whose process is gone (a crash, a kill -9)
is stale and removed by the next write to its folder (or :func:`clean_stale_temps`). The
process check works on this machine only: a writer on another machine sharing the folder may
have its temp removed, and then fails cleanly with the old file in place.

Reads of files a user or a stranger chose (:func:`open_regular`, :func:`read_untrusted`)
accept regular files only, checked before opening and opened without blocking, so a FIFO
cannot hang the caller, and refuse files over a size ceiling before reading them.

One writer per output: ``core/store/output_lock.py``.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

from genai_studio.core.errors import GenAIError, InputError, OutputError

TEMP_SUFFIX = ".tmp"
# Temps whose writer cannot be checked (made before temp names carried a pid, or on a platform
# without a process check) count as stale after this long.
STALE_AFTER_S = 24 * 3600.0
_TEMP_NAME = re.compile(r"^\..+\.(?P<pid>\d+)-[A-Za-z0-9_]+\.tmp$")
_OLD_TEMP_NAME = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")  # mkstemp names of older versions
_MAX_TEMP_STEM = 180  # keeps ".NAME.PID-XXXXXXXX.tmp" under the usual 255-byte name limit
_COPY_CHUNK = 1 << 20


# ----------------------------------------------------------------------------- checks


def describe_mode(mode: int) -> str:
    """What kind of thing a stat mode is, in words ("a FIFO", "a device")."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISLNK(mode):
        return "a symlink"
    return "not a regular file"


def resolve_output(path: Path) -> Path:
    """The file a write to ``path`` replaces: symlinks followed (see the module doc)."""
    real = Path(os.path.realpath(path))
    if real.is_symlink():  # realpath gives up on a loop and returns a link
        raise OutputError(f"refused: {path} is a symlink loop")
    return real


def _stat_or_none(path: Path) -> os.stat_result | None:
    try:
        return os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None


def _same_file(st: os.stat_result, other: Path) -> bool:
    try:
        o = os.stat(other)
    except OSError:
        return False
    return (st.st_dev, st.st_ino) == (o.st_dev, o.st_ino)


def _check_target(path: Path, inputs: Iterable[Path | None] = ()) -> Path:
    """Refuse what must never be written over; the resolved target."""
    path = Path(path)
    real = resolve_output(path)
    folder = real.parent
    if not folder.exists():
        raise OutputError(f"output folder does not exist: {path.parent}")
    if not folder.is_dir():
        raise OutputError(f"output folder is not a folder: {path.parent}")
    try:
        st = _stat_or_none(real)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    if st is None:
        _check_not_held(real)
        return real
    if stat.S_ISDIR(st.st_mode):
        raise OutputError(f"output path is a folder: {path}")
    if not stat.S_ISREG(st.st_mode):
        raise OutputError(f"refused: {path} is {describe_mode(st.st_mode)}, not a regular file")
    for source in inputs:
        if source is not None and _same_file(st, Path(source)):
            raise OutputError(f"refused: the output {path} is also an input of this command; "
                              "choose another output")
    _check_not_held(real)
    return real


def _check_not_held(real: Path) -> None:
    from genai_studio.core.store.output_lock import check_not_held

    check_not_held(real)


def check_writable(path: Path, inputs: Iterable[Path | None] = ()) -> Path:
    """Fail now, not after an hour of training, if ``path`` cannot or must not be written.

    ``inputs`` are the files the same command reads: writing over one of them is refused.
    Returns the file a write will replace (symlinks resolved).
    """
    real = _check_target(path, inputs)
    try:
        with tempfile.TemporaryFile(dir=real.parent):
            pass
    except OSError as exc:
        raise OutputError(
            f"output folder is not writable: {Path(path).parent} ({exc.strerror})") from None
    return real


# ----------------------------------------------------------------------------- atomic writes


def write_atomic(path: Path, data: bytes, *, inputs: Iterable[Path | None] = ()) -> Path:
    """Write ``data`` to ``path`` all or nothing (see the module doc); the file written."""
    return _write_with(Path(path), lambda fh: fh.write(data), inputs)


def copy_atomic(source: Path, target: Path, *, max_bytes: int | None = None) -> Path:
    """Copy a regular file to ``target`` all or nothing; the file written.

    The source is read like any untrusted file (regular files only, at most ``max_bytes``) and
    must not be the target itself. An error on either side leaves ``target`` as it was.
    """
    source, target = Path(source), Path(target)
    with open_regular(source, error=InputError) as src:
        size = os.fstat(src.fileno()).st_size
        if max_bytes is not None and size > max_bytes:
            raise InputError(f"{source.name}: too large ({size:,} bytes; the limit is "
                             f"{max_bytes:,})")

        def fill(fh: BinaryIO) -> None:
            copied = 0
            while True:
                try:
                    chunk = src.read(_COPY_CHUNK)
                except OSError as exc:
                    raise InputError(f"cannot read {source}: {exc.strerror or exc}") from None
                if not chunk:
                    break
                fh.write(chunk)
                copied += len(chunk)
            if copied != size:
                raise InputError(f"{source.name} changed while it was being copied")

        return _write_with(target, fill, (source,))


def _write_with(path: Path, fill: Callable[[BinaryIO], object],
                inputs: Iterable[Path | None]) -> Path:
    real = _check_target(path, inputs)
    folder = real.parent
    clean_stale_temps(folder)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{real.name[:_MAX_TEMP_STEM]}.{os.getpid()}-",
                                        suffix=TEMP_SUFFIX, dir=folder)
    except OSError as exc:
        raise OutputError(f"cannot write to {path.parent}: {exc.strerror or exc}") from None
    try:
        # mkstemp makes 0600 files; a saved model or image should get the usual permissions.
        os.chmod(tmp_name, 0o666 & ~_UMASK)
        with os.fdopen(fd, "wb") as fh:
            fill(fh)
            fh.flush()
            os.fsync(fh.fileno())
        # The target may have become a FIFO or a device since the check; look once more.
        _check_target(path, inputs)
        os.replace(tmp_name, real)
    except OSError as exc:
        Path(tmp_name).unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    _fsync_folder(folder)
    return real

def _read_umask() -> int:
    # os.umask can only be read by setting it: do it once, at import, before any threads.
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable where the platform allows opening a folder."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _pid_alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) would send Ctrl-C there; age decides instead
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: alive, owned by someone else
        return True
    return True


def clean_stale_temps(folder: Path) -> int:
    """Remove temp files that crashed writers left in ``folder``; how many went."""
    removed = 0
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        if not entry.name.endswith(TEMP_SUFFIX):
            continue
        match = _TEMP_NAME.match(entry.name)
        try:
            st = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(st.st_mode):
                continue
            if match:
                pid = int(match["pid"])
                stale = pid != os.getpid() and not _pid_alive(pid)
            else:
                stale = bool(_OLD_TEMP_NAME.match(entry.name))
            if stale or (match and now - st.st_mtime > STALE_AFTER_S):
                os.unlink(entry.path)
                removed += 1
        except OSError:
            continue
    return removed


# ----------------------------------------------------------------------------- reads


def open_regular(path: Path, error: type[GenAIError] = InputError,
                 what: str = "file") -> BinaryIO:
    """Open an untrusted file for reading: regular files only, never blocking on a FIFO.

    Every failure is ``error`` with a one-line message; ``what`` names the file in it.
    """
    path = Path(path)
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise error(f"{what} not found: {path}") from None
    except OSError as exc:
        raise error(f"cannot read {path}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        raise error(f"{path} is a folder, not a {what}")
    if not stat.S_ISREG(st.st_mode):
        raise error(f"refused: {path} is {describe_mode(st.st_mode)}, not a regular file")
    flags = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
             | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise error(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        now = os.fstat(fd)
        if not stat.S_ISREG(now.st_mode) or (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino):
            raise error(f"refused: {path} was replaced while it was being opened")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_untrusted(path: Path, max_bytes: int, error: type[GenAIError] = InputError,
                   what: str = "file") -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; anything else is ``error``."""
    path = Path(path)
    with open_regular(path, error, what) as fh:
        try:
            size = os.fstat(fh.fileno()).st_size
            if size > max_bytes:
                raise error(f"{path.name}: too large ({size:,} bytes; the limit is "
                            f"{max_bytes:,})")
            data = fh.read(size + 1)  # read(n) allocates n up front: ask for what is there
        except OSError as exc:
            raise error(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) != size:
        raise error(f"{path.name} changed while it was being read")
    return data


def clear_cache_entry(path: Path) -> None:
    """Make room for a fresh cache entry: one that is not a regular file (a FIFO, a link to a
    device or anywhere else) is removed, the link itself and never what it points to. Only
    for the studio's own cache folders, whose entries it rebuilds at will."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISREG(st.st_mode) and not stat.S_ISDIR(st.st_mode):
        os.unlink(path)


def keep_aside(path: Path, why: str) -> Path:
    """Move a file the studio will not use (too large, unreadable) out of its way under a name
    of its own, ``NAME.WHY`` or ``NAME.WHY-2``...: never over another kept before, since each
    may hold the artist's work. Raises OSError when it cannot be moved."""
    real = Path(os.path.realpath(path))
    for n in range(1, 1000):
        kept = real.with_name(f"{real.name}.{why}" + (f"-{n}" if n > 1 else ""))
        try:
            os.link(real, kept)  # fails if the name is taken: no window to lose one
        except FileExistsError:
            continue
        except OSError:  # a file system without hard links: check, then rename
            if os.path.lexists(kept):
                continue
            os.replace(real, kept)
            return kept
        os.unlink(real)
        return kept
    raise OSError(f"too many files kept aside beside {real.name}")


def write_group(files: dict[Path, bytes]) -> list[Path]:
    """Write several files that belong together (frames, a sheet and its map), each atomically.

    All or nothing as far as a file system allows: if one write fails, the ones this call
    already wrote are removed again before the error goes up, so no partial set is left.
    """
    written: list[Path] = []
    try:
        for path, data in files.items():
            write_atomic(Path(path), data)
            written.append(Path(path))
    except BaseException:
        for path in written:
            Path(path).unlink(missing_ok=True)
        raise
    return written


__all__ = [
    "check_writable", "clean_stale_temps", "clear_cache_entry", "copy_atomic", "describe_mode",
    "open_regular", "read_untrusted", "resolve_output", "write_atomic", "write_group",
]
