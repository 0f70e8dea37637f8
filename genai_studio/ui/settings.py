"""Typed access to QSettings: every read is validated, and anything odd falls back to defaults.

A settings file can be hand-edited, truncated or written by another version; the studio must
open anyway, so nothing read from here is trusted until it passes a type and range check.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QByteArray, QSettings

log = logging.getLogger(__name__)

ORGANISATION = "GenAI Studio"
APPLICATION = "GenAI Studio"

GRID_SIZES = list(range(4, 11))
DEFAULTS: dict[str, Any] = {
    "grid": 8,
    "device": "auto",
    "last_model": "",
    "seed": 1234,
    "seed_locked": False,
    "smooth": False,
    "theme": "system",
    "dot_opacity": 55,
    "export": "",  # the export dialog's last settings, JSON (ui.export_settings)
    "gallery_files": "[]",  # exported files the gallery shows, JSON list of paths
}


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

    def _raw(self, key: str) -> Any:
        if not self.usable:
            return None
        try:
            return self.settings.value(key)
        except Exception:  # noqa: BLE001 - a corrupt value must never stop the app
            return None

    def get_int(self, key: str, low: int, high: int) -> int:
        default = int(DEFAULTS[key])
        try:
            value = int(self._raw(key))
        except (TypeError, ValueError):
            return default
        return value if low <= value <= high else default

    def get_bool(self, key: str) -> bool:
        raw = self._raw(key)
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.lower() in ("true", "false"):
            return raw.lower() == "true"
        return bool(DEFAULTS[key])

    def get_str(self, key: str, choices: list[str] | None = None) -> str:
        raw = self._raw(key)
        if not isinstance(raw, str) or (choices is not None and raw not in choices):
            return str(DEFAULTS[key])
        return raw

    def get_bytes(self, key: str) -> QByteArray | None:
        raw = self._raw(key)
        return raw if isinstance(raw, QByteArray) and not raw.isEmpty() else None

    def set(self, key: str, value: Any) -> None:
        self.settings.setValue(key, value)

    def sync(self) -> None:
        self.settings.sync()
