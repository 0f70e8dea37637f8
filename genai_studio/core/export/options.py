"""Export options as plain data: the style of the pixels and the timing of an animation.

NumPy-free, like ``core.defaults``, so the studio's state and settings can hold them before the
window's first paint (torch and NumPy load after it); ``core.render`` and ``core.export`` do
the work.
"""

from __future__ import annotations

import enum
import re
from dataclasses import asdict, dataclass
from typing import Any

from genai_studio.core.defaults import EASINGS, MAX_EXPORT_SIDE, PLAYBACK
from genai_studio.core.errors import UsageError


class ExportSource(enum.StrEnum):
    """What an export takes out; also a provenance record's ``kind`` (not BATCH: each image
    of a batch is a tile). String values: what files and settings hold."""

    TILE = "tile"
    GRID = "grid"
    BATCH = "batch"
    MORPH = "morph"
    PATH = "path"

    @property
    def animated(self) -> bool:
        return self in (ExportSource.MORPH, ExportSource.PATH)


class ExportFormat(enum.StrEnum):
    PNG = "png"  # one tile
    SHEET = "sheet"  # a grid as one contact sheet
    BATCH = "batch"  # fresh samples, a PNG each, into a folder
    GIF = "gif"
    APNG = "apng"
    WEBP = "webp"
    FRAMES = "frames"  # a folder of PNG frames
    SPRITE = "sprite"  # one PNG of every frame, and a JSON index
    SVG = "svg"  # traced outlines: a tile, or a grid as a sheet
    PDF = "pdf"  # traced outlines for print: a tile, a sheet, or a page per frame
    SVG_FRAMES = "svg-frames"  # a folder of SVG frames
    SVG_SPRITE = "svg-sprite"  # one SVG of every frame, and a JSON index

    @property
    def vector(self) -> bool:
        return self in VECTOR_FORMATS

    @property
    def folder(self) -> bool:
        """Written as a folder of files (the artist names a folder, not a file)."""
        return self in (ExportFormat.BATCH, ExportFormat.FRAMES, ExportFormat.SVG_FRAMES)

    @property
    def title(self) -> str:
        return FORMAT_TITLES[self]


FORMAT_TITLES = {
    ExportFormat.PNG: "PNG", ExportFormat.SHEET: "PNG contact sheet",
    ExportFormat.BATCH: "PNG files in a folder", ExportFormat.GIF: "GIF",
    ExportFormat.APNG: "APNG (animated PNG)", ExportFormat.WEBP: "Animated WebP",
    ExportFormat.FRAMES: "PNG frame sequence (folder)",
    ExportFormat.SPRITE: "Sprite sheet (PNG + JSON)",
    ExportFormat.SVG: "SVG (sharp at any size)",
    ExportFormat.PDF: "PDF (sharp at any size, for print)",
    ExportFormat.SVG_FRAMES: "SVG frame sequence (folder)",
    ExportFormat.SVG_SPRITE: "SVG sprite sheet (SVG + JSON)"}
VECTOR_FORMATS = (ExportFormat.SVG, ExportFormat.PDF, ExportFormat.SVG_FRAMES,
                  ExportFormat.SVG_SPRITE)
VECTOR_ANIMATION_FORMATS = (ExportFormat.SVG_FRAMES, ExportFormat.SVG_SPRITE, ExportFormat.PDF)
ANIMATION_FORMATS = (ExportFormat.GIF, ExportFormat.APNG, ExportFormat.WEBP, ExportFormat.FRAMES,
                     ExportFormat.SPRITE, *VECTOR_ANIMATION_FORMATS)
STILL_FORMATS = (ExportFormat.PNG, ExportFormat.SVG, ExportFormat.PDF)  # what a still is kept as
# Which formats each source can be written as (the first is its default).
SOURCE_FORMATS: dict[ExportSource, tuple[ExportFormat, ...]] = {
    ExportSource.TILE: (ExportFormat.PNG, ExportFormat.SVG, ExportFormat.PDF),
    ExportSource.GRID: (ExportFormat.SHEET, ExportFormat.SVG, ExportFormat.PDF),
    ExportSource.BATCH: (ExportFormat.BATCH,),
    ExportSource.MORPH: ANIMATION_FORMATS,
    ExportSource.PATH: ANIMATION_FORMATS,
}
SUFFIXES = {ExportFormat.PNG: ".png", ExportFormat.SHEET: ".png", ExportFormat.GIF: ".gif",
            ExportFormat.APNG: ".png", ExportFormat.WEBP: ".webp", ExportFormat.SPRITE: ".png",
            ExportFormat.SVG: ".svg", ExportFormat.PDF: ".pdf", ExportFormat.SVG_SPRITE: ".svg"}
RESAMPLING = ("nearest", "lanczos", "ink")
SCALE_PRESETS = (4, 8, 16, 32)
MAX_SIDE = MAX_EXPORT_SIDE  # px, for one frame
MAX_SHEET_PIXELS = 200_000_000  # a 10x10 sheet at x32 is ~81 MP
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def parse_colour(text: str) -> tuple[int, int, int]:
    """``#rrggbb`` -> (r, g, b)."""
    if not isinstance(text, str) or not _COLOUR.match(text):
        raise UsageError(f"a colour is written #rrggbb, not {text!r}")
    return int(text[1:3], 16), int(text[3:5], 16), int(text[5:7], 16)


@dataclass(frozen=True)
class ExportStyle:
    """How images leave the studio. Either ``scale`` (a whole multiple of the model's size) or
    ``size`` (the output width in px; the height follows the image's aspect) sets the size."""

    scale: int | None = None  # x8 when neither is given
    size: int | None = None
    resampling: str = "nearest"
    ink: str = "#ffffff"
    paper: str = "#000000"
    invert: bool = False
    transparent: bool = False

    def __post_init__(self) -> None:
        if self.scale is not None and self.size is not None:
            raise UsageError("give either a scale (x4..x32) or a size in px, not both")
        if self.scale is None and self.size is None:
            object.__setattr__(self, "scale", 8)
        if self.scale is not None and not 1 <= self.scale <= 64:
            raise UsageError(f"the scale must be 1 to 64, not {self.scale}")
        if self.size is not None and not 1 <= self.size <= MAX_SIDE:
            raise UsageError(f"the size must be 1 to {MAX_SIDE} px, not {self.size}")
        if self.resampling not in RESAMPLING:
            raise UsageError(f"unknown resampling {self.resampling!r}; "
                             f"choose one of {', '.join(RESAMPLING)}")
        parse_colour(self.ink)
        parse_colour(self.paper)

    def output_size(self, height: int, width: int) -> tuple[int, int]:
        """(height, width) of one output image for an input of (height, width)."""
        if self.scale is not None:
            out = (height * self.scale, width * self.scale)
        else:
            out = (max(1, round(self.size * height / width)), int(self.size))
        if max(out) > MAX_SIDE:
            raise UsageError(f"{out[1]}x{out[0]} px is too large (at most {MAX_SIDE} px a side)")
        return out

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExportStyle:
        """A style from saved settings; unknown keys are ignored, bad values refused."""
        if not isinstance(data, dict):
            raise UsageError("an export style must be a JSON object")
        fields = cls.__dataclass_fields__
        try:
            return cls(**{k: v for k, v in data.items() if k in fields})
        except TypeError as exc:
            raise UsageError(f"bad export style: {exc}") from None



@dataclass(frozen=True)
class Timing:
    """How an animation plays: frames per second, once / loop / ping-pong, easing."""

    fps: float = 12.0
    playback: str = "loop"
    easing: str = "linear"

    def __post_init__(self) -> None:
        if not 0.1 <= self.fps <= 100:
            raise UsageError(f"fps must be 0.1 to 100, not {self.fps}")
        if self.playback not in PLAYBACK:
            raise UsageError(f"playback must be one of {', '.join(PLAYBACK)}")
        if self.easing not in EASINGS:
            raise UsageError(f"easing must be one of {', '.join(EASINGS)}")

    def duration_ms(self, fmt: str) -> int:
        """One frame's duration as the format stores it (GIF counts in 10 ms steps)."""
        ms = 1000.0 / self.fps
        return max(20, int(round(ms / 10.0)) * 10) if fmt == "gif" else max(1, round(ms))
