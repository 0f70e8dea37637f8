"""Where shipped files live: a source checkout or a PyInstaller bundle (``sys._MEIPASS``)."""

from __future__ import annotations

import sys
from pathlib import Path

APP_NAME = "GenAI Studio"
APP_AUTHOR = "GenAI Studio"


def bundle_root() -> Path:
    """The folder that holds ``resources/`` and ``models/``."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root)
    return Path(__file__).resolve().parents[3]  # genai_studio/core/store/ -> the checkout


def resources_dir() -> Path:
    return bundle_root() / "resources"


def mnist_dir() -> Path:
    return resources_dir() / "mnist"


def shipped_models_dir() -> Path:
    return bundle_root() / "models"


def user_models_dir() -> Path:
    """Where trained models go; created on demand by whoever writes there."""
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, APP_AUTHOR) / "models"


CACHE_ENV = "GENAI_STUDIO_CACHE"


def user_cache_dir() -> Path:
    """Where derived data that can always be rebuilt is kept (decoded MNIST, judge features);
    ``GENAI_STUDIO_CACHE`` overrides it. Created on demand by whoever writes there."""
    import os

    override = os.environ.get(CACHE_ENV, "").strip()
    if override:
        return Path(override)
    from platformdirs import user_cache_path

    return user_cache_path(APP_NAME, APP_AUTHOR)
