"""Where the studio finds its models: the shipped folder and the artist's own (the judge and
the favourites beside them). A light module: the window reads it before its first paint."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class StudioPaths:
    shipped_models: Path
    user_models: Path

    @property
    def judge(self) -> Path:
        from genai_studio.core.defaults import JUDGE_FILE

        return self.shipped_models / JUDGE_FILE

    @property
    def favourites(self) -> Path:
        return self.user_models.parent / "favourites"
