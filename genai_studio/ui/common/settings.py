"""The settings file (QSettings, INI): raw reads that never raise, and writes that never go
through a link to something that is not a file.

A settings file can be hand-edited, truncated, written by another version or planted; the
studio must open anyway, so nothing read from here is trusted:

* before Qt parses the file (:meth:`Preferences.open`), it must be a regular file (a FIFO would
  hang the start, a device never ends) of at most ``MAX_FILE_BYTES``; a larger one is moved
  aside (kept as ``NAME.ini.too-large``) and the studio starts from its defaults;
* every value read is bounded (:meth:`Preferences.raw`): plain text, numbers, yes/no, a short
  list of texts or a small byte blob (the window's layout); anything else (nested lists,
  maps, a list claiming millions of items, a huge text) is dropped with a note;
* each persisted state field then checks what it gets (``ui.common.fields.Field.decode``) and
  keeps its default otherwise. The defaults live with the fields, in one place;
* a blob only Qt can check (the window's geometry and dock layout) is kept with its SHA-256
  (:meth:`Preferences.set_sealed`) and handed back to Qt only when it matches: Qt's
  ``restoreState`` trusts the dock-area numbers it reads, and one damaged byte crashed the
  studio at every start (a segmentation fault, no window, no crash log);
* Qt replaces the file atomically (a temp file renamed over it); the studio writes nothing
  when the file, or what a link in its place points to, is not a regular file.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

log = logging.getLogger(__name__)

ORGANISATION = "GenAI Studio"
APPLICATION = "GenAI Studio"

GRID_SIZES = list(range(4, 11))

MAX_FILE_BYTES = 1024 * 1024  # a real settings file is a few KB (the layout is the most)
MAX_TEXT = 64 * 1024
MAX_LIST = 1000
MAX_BLOB = 256 * 1024
SEAL_SUFFIX = "_sha256"


def settings_path() -> Path:
    """Where :func:`open_settings` keeps the INI file (``QSettings.setPath`` respected): read
    off a settings object of a name no one uses, so the real file is not parsed to learn it."""
    probe = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      "GenAI Studio path probe", APPLICATION)
    return Path(probe.fileName()).parent.parent / ORGANISATION / f"{APPLICATION}.ini"


def open_settings() -> QSettings:
    """The app's settings as an INI file in the user's config folder (tests redirect it)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION,
                     APPLICATION)


def odd_file(path: Path) -> str | None:
    """Why ``path`` (links followed) must be neither read nor written as settings, or None."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if stat.S_ISREG(st.st_mode):
        return None
    from genai_studio.core.store.files import describe_mode

    return f"is {describe_mode(st.st_mode)}, not a file"


def _too_large(path: Path) -> str | None:
    """Move an oversized settings file aside (nothing is lost); a note saying so."""
    try:
        size = os.stat(path).st_size
    except OSError:
        return None
    if size <= MAX_FILE_BYTES:
        return None
    from genai_studio.core.store.files import keep_aside

    try:
        kept = keep_aside(path, "too-large")  # never over one kept before: the artist's too
    except OSError as exc:
        return f"the settings file {path} is too large ({size:,} bytes) and could not be " \
               f"moved aside ({exc.strerror or exc})"
    return f"the settings file was too large ({size:,} bytes): kept as {kept.name}; the " \
           "studio starts from its defaults"


class Preferences:
    def __init__(self, settings: QSettings | None, notes: list[str] | None = None) -> None:
        self.settings = settings
        self.notes: list[str] = list(notes or [])
        self.usable = settings is not None
        self.writable = settings is not None
        if settings is None:
            return
        if settings.status() != QSettings.Status.NoError:
            log.warning("settings file %s is unreadable; using defaults", settings.fileName())
            self.usable = False
        problem = odd_file(Path(settings.fileName())) if settings.fileName() else None
        if problem:
            self.usable = self.writable = False
            self.notes.append(f"the settings file {settings.fileName()} {problem}: the studio "
                              "uses its defaults and saves nothing there")

    @classmethod
    def open(cls) -> Preferences:
        """The app's own settings, checked before Qt parses them (see the module doc)."""
        path = settings_path()
        problem = odd_file(path)
        if problem:
            note = f"the settings file {path} {problem}: the studio uses its defaults and " \
                   "saves nothing there"
            log.warning(note)
            return cls(None, [note])
        moved = _too_large(path)
        if moved:
            log.warning(moved)
        return cls(open_settings(), [moved] if moved else [])

    def raw(self, key: str) -> Any:
        """The stored value, bounded (see the module doc), or None when there is none, it
        cannot be read, or it was dropped (with a note in ``notes``)."""
        if not self.usable or self.settings is None:
            return None
        try:
            value = self.settings.value(key)
        except Exception:  # noqa: BLE001 - a corrupt value must never stop the app
            return None
        problem = _unbounded(value)
        if problem:
            self._ignored(key, problem)
            return None
        return value

    def get_bytes(self, key: str) -> QByteArray | None:
        raw = self.raw(key)
        return raw if isinstance(raw, QByteArray) and not raw.isEmpty() else None

    def get_sealed(self, key: str) -> QByteArray | None:
        """A blob stored by :meth:`set_sealed`, or None (with a note) when it is not the one
        the studio stored: damaged, edited, or written without its digest."""
        blob = self.get_bytes(key)
        if blob is None:
            return None
        seal = self.raw(key + SEAL_SUFFIX)
        if seal is None:  # saved before layouts were sealed: reset once, and said so plainly
            self._note("the window's layout was reset after an update")
            return None
        if seal != _digest(blob):
            self._ignored(key, "not as the studio saved it")
            return None
        return blob

    def set_sealed(self, key: str, blob: QByteArray) -> None:
        self.set(key, blob)
        self.set(key + SEAL_SUFFIX, _digest(blob))

    def _ignored(self, key: str, problem: str) -> None:
        self._note(f"setting {key!r} ignored ({problem})")

    def _note(self, note: str) -> None:
        if note not in self.notes:  # read twice (the frame's theme, then the state)
            self.notes.append(note)
            log.warning(note)

    def set(self, key: str, value: Any) -> None:
        if self.writable and self.settings is not None:
            self.settings.setValue(key, value)

    def sync(self) -> None:
        """Write what was set, unless the file has become something that is not a file."""
        if not self.writable or self.settings is None:
            return
        problem = odd_file(Path(self.settings.fileName()))
        if problem:
            self.writable = False
            log.warning("settings not saved: %s %s", self.settings.fileName(), problem)
            return
        self.settings.sync()


def _digest(blob: QByteArray) -> str:
    return hashlib.sha256(bytes(blob.data())).hexdigest()


def _unbounded(value: Any) -> str | None:
    """Why a value read from the settings is not one the studio keeps there, or None."""
    if value is None or isinstance(value, bool | int | float):
        return None
    if isinstance(value, str):
        return None if len(value) <= MAX_TEXT else f"a text of {len(value):,} characters"
    if isinstance(value, QByteArray):
        return None if value.size() <= MAX_BLOB else f"{value.size():,} bytes"
    if isinstance(value, list):
        if len(value) > MAX_LIST:
            return f"a list of {len(value):,} items"
        if not all(isinstance(v, str) and len(v) <= MAX_TEXT for v in value):
            return "a list of something other than short texts"
        return None
    return f"a {type(value).__name__}, which the studio never stores"
