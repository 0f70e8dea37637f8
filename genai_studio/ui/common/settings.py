"""The settings file (QSettings, INI): raw reads that never raise, and writes.

A settings file can be hand-edited, truncated or written by another version; the studio must
open anyway, so nothing read from here is trusted: each persisted state field checks what it
gets (``ui.common.fields.Field.decode``) and keeps its default otherwise. The defaults live
with the fields, in one place.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

log = logging.getLogger(__name__)

ORGANISATION = "GenAI Studio"
APPLICATION = "GenAI Studio"

GRID_SIZES = list(range(4, 11))


def open_settings() -> QSettings:
    """The app's settings as an INI file in the user's config folder (tests redirect it)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION,
                     APPLICATION)


class Preferences:
    def __init__(self, settings: QSettings) -> None:
        self.settings = settings
        if settings.status() != QSettings.Status.NoError:
            log.warning("settings file %s is unreadable; using defaults", settings.fileName())
            self.usable = False
        else:
            self.usable = True

    def raw(self, key: str) -> Any:
        """The stored value, or None when there is none or it cannot be read."""
        if not self.usable:
            return None
        try:
            return self.settings.value(key)
        except Exception:  # noqa: BLE001 - a corrupt value must never stop the app
            return None

    def get_bytes(self, key: str) -> QByteArray | None:
        raw = self.raw(key)
        return raw if isinstance(raw, QByteArray) and not raw.isEmpty() else None

    def set(self, key: str, value: Any) -> None:
        self.settings.setValue(key, value)

    def sync(self) -> None:
        self.settings.sync()
