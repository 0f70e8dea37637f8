"""Writing files so that a crash, a full disk or a bad folder never leaves half a file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from genai_studio.core.errors import OutputError


def check_writable(path: Path) -> None:
    """Fail now, not after an hour of training, if ``path`` cannot be written."""
    path = Path(path)
    folder = path.parent
    if not folder.exists():
        raise OutputError(f"output folder does not exist: {folder}")
    if not folder.is_dir():
        raise OutputError(f"output folder is not a folder: {folder}")
    if path.is_dir():
        raise OutputError(f"output path is a folder: {path}")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise OutputError(f"output folder is not writable: {folder} ({exc.strerror})") from None


def write_atomic(path: Path, data: bytes) -> None:
    """Temp file in the same folder, flush, fsync, rename over ``path``: all or nothing."""
    path = Path(path)
    folder = path.parent
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputError(f"cannot write to {folder}: {exc.strerror or exc}") from None
    try:
        # mkstemp makes 0600 files; a saved model or image should get the usual permissions.
        os.chmod(tmp_name, 0o666 & ~_UMASK)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_name, path)
    except OSError as exc:
        Path(tmp_name).unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    _fsync_folder(folder)


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
