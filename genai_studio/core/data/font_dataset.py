"""Font files -> a labelled glyph dataset: the label is the character, the style the font.

    for event in scan_fonts([Path("/usr/share/fonts")], "ABC...xyz0123456789", size=28):
        ...  # FontProgress events, then one FontReport

Each file is read by ``core.data.fonts.read_font`` (refused in one line, or skipped for the
characters it lacks); nothing is written before every file was read: the report comes first
and the caller keeps it with ``keep_fonts`` / ``keep_font_dataset`` if it wants it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from genai_studio.core.data.dataset_header import MAX_IMAGES
from genai_studio.core.data.fonts import (
    DEFAULT_CHARS,
    SIZES,
    FontRefused,
    FontSkipped,
    GlyphGrid,
    check_chars,
    list_font_files,
    read_font,
)
from genai_studio.core.errors import DataError, UsageError


class CancelToken(Protocol):
    def is_set(self) -> bool: ...


@dataclass(frozen=True)
class FontProgress:
    done: int
    total: int
    kept: int


@dataclass
class FontReport:
    chars: str
    grid: GlyphGrid
    found: int  # font files (and collection faces) looked at
    images: np.ndarray  # (N, size, size) uint8, N = len(styles) * len(chars)
    labels: np.ndarray  # (N,) class index into chars
    styles: np.ndarray  # (N,) index into names
    names: list[str]  # one per kept font: "Family Style"
    sources: list[str]  # the file (and face) each kept font came from
    scales: list[float] = field(default_factory=list)  # 1.0, or smaller where a font did not fit
    skipped: list[FontSkipped] = field(default_factory=list)
    cancelled: bool = False

    @property
    def kept(self) -> int:
        return len(self.names)

    def summary(self) -> str:
        return (f"{self.found} font(s) looked at, {self.kept} kept ({len(self.chars)} "
                f"characters each, {len(self.images)} glyphs of {self.grid.size}x"
                f"{self.grid.size}), {len(self.skipped)} skipped")

    def lines(self) -> list[str]:
        """The summary, every font kept, then every font skipped and why."""
        out = [self.summary()]
        out += [f"  kept {n} ({s})" for n, s in zip(self.names, self.sources, strict=True)]
        out += [f"  skipped {s.path}: {s.reason}: {s.detail}" for s in self.skipped]
        if self.found == 0:
            out.append("  no font file here: only .ttf, .otf, .ttc or .otc files are read "
                       "(not Type 1 .pfb / .t1, nor web fonts)")
        return out

    def metadata(self, name: str) -> dict[str, Any]:
        """The dataset's metadata: its classes (the characters), styles (the fonts), the glyph
        grid and the report."""
        return {"name": name, "source": "fonts", "classes": list(self.chars),
                "styles": list(self.names), "glyphs": self.grid.to_dict(),
                "options": {"size": self.grid.size, "colour": "grey", "fit": "glyph"},
                "fonts": [{"name": n, "file": s, "scale": round(k, 4)}
                          for n, s, k in zip(self.names, self.sources, self.scales, strict=True)],
                "counts": {"found": self.found, "kept": self.kept,
                           "skipped": len(self.skipped)},
                "skipped_fonts": [asdict(s) for s in self.skipped]}


# ---- many fonts ----------------------------------------------------------------------------

def scan_fonts(paths: Sequence[Path], chars: str = DEFAULT_CHARS, size: int = 28, *,
               cancel: CancelToken | None = None,
               progress_every: Callable[[int], bool] = lambda _k: True
               ) -> Iterator[FontProgress | FontReport]:
    """Read every font under ``paths``; yields progress after each file, then the report."""
    chars = check_chars(chars)
    if size not in SIZES:
        raise UsageError(f"the glyph size must be one of {', '.join(map(str, SIZES))}")
    if not paths:
        raise UsageError("name at least one font file or folder")
    grid = GlyphGrid.for_size(size)
    files, skipped = list_font_files(paths)
    yield FontProgress(0, len(files), 0)
    names: list[str] = []
    sources: list[str] = []
    scales: list[float] = []
    glyphs: list[np.ndarray] = []
    seen: dict[str, str] = {}
    cancelled = False
    limit = MAX_IMAGES // len(chars)
    found = 0
    for done, path in enumerate(files, 1):
        if cancel is not None and cancel.is_set():
            cancelled = True
            break
        result = read_font(path, chars, grid)
        if isinstance(result, FontRefused):
            found += 1
            skipped.append(FontSkipped(str(path), result.reason, result.detail))
        else:
            for name, images, scale in result:
                found += 1
                if name in seen:
                    skipped.append(FontSkipped(str(path), "duplicate",
                                               f"{name} is also in {seen[name]}"))
                elif len(names) < limit:
                    seen[name] = str(path)
                    names.append(name)
                    sources.append(str(path))
                    scales.append(scale)
                    glyphs.append(images)
        if progress_every(done) or done == len(files):
            yield FontProgress(done, len(files), len(names))
    yield _report(chars, grid, found, glyphs, names, sources, scales, skipped, cancelled)


def _report(chars: str, grid: GlyphGrid, found: int, glyphs: list[np.ndarray],
            names: list[str], sources: list[str], scales: list[float],
            skipped: list[FontSkipped], cancelled: bool) -> FontReport:
    n = len(chars)
    images = (np.concatenate(glyphs) if glyphs
              else np.zeros((0, grid.size, grid.size), np.uint8))
    labels = np.tile(np.arange(n, dtype=np.int64), len(names))
    styles = np.repeat(np.arange(len(names), dtype=np.int64), n)
    return FontReport(chars, grid, found, images, labels, styles, names, sources, scales,
                      skipped, cancelled)


def keep_fonts(report: FontReport, path: Path, name: str) -> Path:
    """Write a font scan as a labelled dataset at ``path`` (atomically)."""
    from genai_studio.core.data.datasets import save_dataset

    if report.kept == 0:
        raise DataError("no usable font: nothing was kept")
    return save_dataset(path, report.images, report.metadata(name), labels=report.labels,
                        styles=report.styles)


def scan_to_report(paths: Sequence[Path], chars: str = DEFAULT_CHARS, size: int = 28,
                   progress: Callable[[float, str], None] = lambda _f, _s: None,
                   check: Callable[[], None] = lambda: None) -> FontReport:
    """The scan as the studio's jobs thread runs it: ``check`` raises to cancel (nothing is
    written by a scan); ``progress`` hears the share of files read."""
    report = None
    for event in scan_fonts(paths, chars, size):
        check()
        if isinstance(event, FontProgress):
            progress(event.done / max(event.total, 1),
                     f"{event.done} of {event.total} files, {event.kept} fonts kept")
        else:
            report = event
    assert report is not None
    return report


def keep_font_dataset(report: FontReport, name: str, folder: Path | None = None) -> Path:
    """Write a scan as the dataset ``name`` in ``folder`` (the user's datasets folder by
    default); refused if the name is taken or no font was kept."""
    from genai_studio.core.data.datasets import check_name, user_datasets_dir
    from genai_studio.core.defaults import MODEL_SUFFIX
    from genai_studio.core.errors import OutputError

    folder = folder or user_datasets_dir()
    target = folder / f"{check_name(name)}{MODEL_SUFFIX}"
    if target.exists():
        raise OutputError(f"a dataset named {name!r} exists already: choose another name")
    if report.kept == 0:
        reasons = "; ".join(f"{Path(s.path).name}: {s.reason}" for s in report.skipped[:3])
        raise DataError(f"no usable font among {report.found}: nothing was kept ({reasons})")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot make {folder}: {exc.strerror or exc}") from None
    return keep_fonts(report, target, name)


def make_font_dataset(paths: Sequence[Path], name: str, chars: str = DEFAULT_CHARS,
                      size: int = 28, folder: Path | None = None,
                      check: Callable[[], None] = lambda: None,
                      progress: Callable[[float, str], None] = lambda _f, _s: None
                      ) -> tuple[Path, FontReport]:
    """Scan, then keep the dataset ``name``; nothing is written before the scan is complete
    (``check`` raises to cancel)."""
    from genai_studio.core.data.datasets import check_name, user_datasets_dir
    from genai_studio.core.defaults import MODEL_SUFFIX
    from genai_studio.core.errors import OutputError

    if ((folder or user_datasets_dir()) / f"{check_name(name)}{MODEL_SUFFIX}").exists():
        raise OutputError(f"a dataset named {name!r} exists already: choose another name")
    report = scan_to_report(paths, chars, size, progress, check)
    return keep_font_dataset(report, name, folder), report
