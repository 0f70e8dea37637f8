"""The studio state: everything the window shows and the artist chose, in one object.

Widgets take a :class:`StudioState`, draw what it holds, and write the artist's choices back
to it; they never read each other. The :class:`~genai_studio.ui.studio.Studio` controller
turns state changes and intents into work for the worker threads and writes the results back.
``MainWindow`` only composes. (The shape follows napari's layer models and
krita-ai-diffusion's ``Model`` + ``bind()``: see docs/architecture.md.)

Each property is a :class:`Field`: reading it is a plain attribute read, setting it validates,
compares with the old value and emits ``<name>_changed`` only on a real change, so a binding
that writes back what it was just told does not loop. The state lives on the GUI thread and is
only touched there; workers send results to the controller, never to the state.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from PySide6.QtCore import QObject, Signal

from genai_studio.core.defaults import DEFAULT_BATCH, DEFAULT_EPOCHS
from genai_studio.core.events import RunState
from genai_studio.ui.export_settings import ExportSettings
from genai_studio.ui.history import History
from genai_studio.ui.settings import GRID_SIZES

if TYPE_CHECKING:
    import numpy as np

    from genai_studio.workers.messages import ModelHandle, PadBackground

T = TypeVar("T")
MAX_SEED = 2**31 - 1
MORPH_FRAMES = (2, 64)  # the morph strip's frame count range
INSIDE_SOURCES = ("pad", "tile", "image")  # what the inside view can look at


class Corner(enum.IntEnum):
    """The pad's four anchors, in the order ``core.latent.pad_to_latent_corners`` takes them."""

    TOP_LEFT = 0
    TOP_RIGHT = 1
    BOTTOM_LEFT = 2
    BOTTOM_RIGHT = 3

    @property
    def arrow(self) -> str:
        return "↖↗↙↘"[self.value]

    @property
    def uv(self) -> tuple[float, float]:
        return (float(self.value % 2), float(self.value // 2))


class MorphEnd(enum.Enum):
    START = "A"
    END = "B"

    @property
    def other(self) -> MorphEnd:
        return MorphEnd.END if self is MorphEnd.START else MorphEnd.START


class Theme(enum.Enum):
    SYSTEM = "system"
    DARK = "dark"
    LIGHT = "light"


@dataclass(frozen=True)
class Grid:
    """One generated grid, exactly as drawn: enough to show it again or restore it."""

    handle: ModelHandle
    seed: int
    digit: int | None  # the digit asked for (None: any; conditional models cycle 0-9)
    images: np.ndarray  # (n, H, W) float32 in [0, 1]
    latents: np.ndarray  # (n, D)
    labels: np.ndarray | None  # (n,) digits drawn, conditional models only
    seconds: float = 0.0

    def __len__(self) -> int:
        return len(self.images)

    def label_at(self, index: int) -> int | None:
        return None if self.labels is None else int(self.labels[index])


@dataclass(frozen=True)
class Anchor:
    """A latent the artist pinned (a morph end or a pad corner) and the digit it was drawn as."""

    latent: np.ndarray  # (D,)
    label: int | None = None
    source: str = ""  # "tile 12", "pad", ...: shown in tooltips


@dataclass(frozen=True)
class Step:
    """One step of the history: a grid exactly as shown, its stars and the pad's corners."""

    grid: Grid
    favourites: frozenset[int]
    corners: tuple[Anchor, ...] | None

    def nbytes(self) -> int:
        return int(self.grid.images.nbytes + self.grid.latents.nbytes)


@dataclass(frozen=True)
class RecordedPath:
    """A path drawn on the pad while Record was on: its points and the plane it was drawn on."""

    points: np.ndarray  # (m, 2) pad coordinates in [0, 1]
    corners: np.ndarray | None  # (4, D) the corner plane; None: a 2-D model's latent plane
    handle: ModelHandle
    label: int | None  # the digit the pad drew (conditional models)


@dataclass(frozen=True)
class TrainingStatus:
    state: RunState = RunState.IDLE
    fraction: float = 0.0  # 0..1 of the run's steps
    detail: str = ""  # "42%  ETA 0:31  12.3k img/s" while training, why it stopped after


@dataclass(frozen=True)
class TrainingSettings:
    """The training form, as the artist filled it in."""

    kind: str = "vae"
    conditional: bool = False
    latent_dim: int = 2
    epochs: int = DEFAULT_EPOCHS
    batch_size: int = DEFAULT_BATCH
    lr: float = 1e-3
    device: str = "app"  # "app": the studio's own device
    resume_from: Path | None = None  # a checkpoint to continue instead of a new run
    data: Path | None = None  # a dataset file (core.datasets); None: the bundled MNIST


@dataclass(frozen=True)
class Material:
    """An image the artist brought (opened, dropped, sketched or repaired), prepared for the
    active model, and where it landed in latent space (None while it is being encoded)."""

    handle: ModelHandle  # the model it was prepared and encoded for
    prepared: np.ndarray  # the model's input: (H, W) or (H, W, 3) float32 in [0, 1]
    source: str  # "drawing.png", "sketch", "repair of tile 3"
    latent: np.ndarray | None = None  # (D,)
    label: int | None = None  # the digit it was encoded under (conditional models)
    reconstruction: np.ndarray | None = None  # the model's own version of it
    error: float | None = None  # RMSE between the two
    note: str | None = None  # "unlike the model's data ..."

    def anchor(self) -> Anchor | None:
        if self.latent is None:
            return None
        return Anchor(self.latent, self.label, self.source)


def _same(old: Any, new: Any) -> bool:
    """Equality that never asks NumPy arrays or models for element-wise truth."""
    if old is new:
        return True
    if type(old) is not type(new) or hasattr(old, "__array__") or hasattr(new, "__array__"):
        return False
    try:
        return bool(old == new)
    except Exception:  # noqa: BLE001 - odd types compare as different
        return False


class Field(Generic[T]):
    """A state property: validated on set, ``<name>_changed`` emitted on a real change."""

    def __init__(self, default: T, validate: Callable[[Any], T] | None = None) -> None:
        self.default = default
        self.validate = validate
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: type | None = None) -> T:
        if obj is None:
            return self  # type: ignore[return-value]
        return obj.__dict__.get(self.name, self.default)

    def __set__(self, obj: Any, value: T) -> None:
        if self.validate is not None:
            value = self.validate(value)
        if _same(self.__get__(obj), value):
            return
        obj.__dict__[self.name] = value
        getattr(obj, f"{self.name}_changed").emit(value)


def _clamp(low: int, high: int) -> Callable[[Any], int]:
    return lambda value: min(max(int(value), low), high)


def _digit(value: Any) -> int | None:
    return None if value is None else min(max(int(value), 0), 9)


def _unit(value: Any) -> float:
    return min(max(float(value), 0.0), 1.0)


class StudioState(QObject):
    """The studio's state. Signals: one ``<field>_changed`` per field, intents, reports."""

    # ---------------------------------------------------------------- change signals
    model_changed = Signal(object)  # ModelHandle | None
    loading_changed = Signal(bool)
    devices_changed = Signal(object)  # tuple[str, ...] of concrete devices on this machine
    device_changed = Signal(str)  # "auto" | "cpu" | "cuda" | "mps"
    seed_changed = Signal(int)
    seed_locked_changed = Signal(bool)
    grid_size_changed = Signal(int)
    digit_changed = Signal(object)  # int | None
    grid_changed = Signal(object)  # Grid | None
    favourites_changed = Signal(object)  # frozenset[int]
    selected_changed = Signal(int)
    corners_changed = Signal(object)  # tuple[Anchor, Anchor, Anchor, Anchor] | None
    pad_point_changed = Signal(object)  # (u, v)
    pad_digit_changed = Signal(int)
    pad_background_changed = Signal(object)  # PadBackground | None
    morph_start_changed = Signal(object)  # Anchor | None
    morph_end_changed = Signal(object)  # Anchor | None
    morph_frames_changed = Signal(object)  # np.ndarray (frames, H, W) | None
    morph_frame_count_changed = Signal(int)
    training_changed = Signal(object)  # TrainingStatus
    training_settings_changed = Signal(object)  # TrainingSettings
    library_changed = Signal(object)  # LibrarySnapshot
    library_selection_changed = Signal(object)  # Path | None: the entry the library shows
    model_info_changed = Signal(object)  # ModelHandle: renamed or newly scored (same model)
    smooth_changed = Signal(bool)
    show_atlas_changed = Signal(bool)
    show_points_changed = Signal(bool)
    dot_opacity_changed = Signal(float)
    theme_changed = Signal(object)  # Theme
    inside_changed = Signal(object)  # InsideResult | None: the inside view's latest look
    inside_source_changed = Signal(str)  # what it looks at: "pad" | "tile" | "image"
    inside_image_changed = Signal(object)  # np.ndarray (H, W) | None: an image dropped on it
    inside_open_changed = Signal(bool)  # the inside view is on screen (it works only then)
    datasets_changed = Signal(object)  # tuple[core.datasets.DatasetInfo, ...]
    material_changed = Signal(object)  # Material | None
    export_settings_changed = Signal(object)  # ExportSettings
    recording_changed = Signal(bool)
    pad_path_changed = Signal(object)  # RecordedPath | None
    history_changed = Signal()  # a step was added, or Back / Forward moved
    gallery_changed = Signal(object)  # tuple[core.gallery.GalleryItem, ...]

    # ---------------------------------------------------------------- intents (-> Studio)
    generate_requested = Signal(bool)  # fresh: True = a new seed unless locked or typed
    load_requested = Signal(object)  # Path
    tile_action_requested = Signal(object, int)  # TileAction, tile index
    export_requested = Signal(str)  # what to export: "tile", "grid", "batch", "morph", "path"
    open_image_requested = Signal(object)  # Path of an image to restore from its provenance
    # ---------------------------------------------------------------- reports (-> window)
    error_reported = Signal(str, str)  # title, one-paragraph message
    message_posted = Signal(str, int)  # status-bar text, milliseconds

    model = Field(None)
    loading = Field(False)
    devices: Field[tuple[str, ...]] = Field(("cpu",), tuple)
    device = Field("auto", str)
    seed = Field(1234, _clamp(0, MAX_SEED))
    seed_locked = Field(False, bool)
    grid_size = Field(8, _clamp(GRID_SIZES[0], GRID_SIZES[-1]))
    digit: Field[int | None] = Field(None, _digit)
    grid: Field[Grid | None] = Field(None)
    favourites: Field[frozenset[int]] = Field(frozenset(), frozenset)
    selected = Field(-1, int)
    corners: Field[tuple[Anchor, ...] | None] = Field(None)
    pad_point: Field[tuple[float, float]] = Field((0.5, 0.5),
                                                  lambda p: (_unit(p[0]), _unit(p[1])))
    pad_digit = Field(0, lambda d: _digit(d) or 0)
    pad_background: Field[PadBackground | None] = Field(None)
    morph_start: Field[Anchor | None] = Field(None)
    morph_end: Field[Anchor | None] = Field(None)
    morph_frames = Field(None)
    morph_frame_count = Field(16, _clamp(*MORPH_FRAMES))
    training = Field(TrainingStatus())
    training_settings = Field(TrainingSettings())
    library = Field(None)
    library_selection: Field[Path | None] = Field(None)
    smooth = Field(False, bool)
    show_atlas = Field(True, bool)
    show_points = Field(True, bool)
    dot_opacity = Field(0.55, _unit)
    theme = Field(Theme.SYSTEM, Theme)
    inside = Field(None)
    inside_source = Field("pad", lambda v: v if v in INSIDE_SOURCES else "pad")
    inside_image = Field(None)
    inside_open = Field(False, bool)
    datasets: Field[tuple[Any, ...]] = Field((), tuple)
    material: Field[Material | None] = Field(None)
    export_settings = Field(ExportSettings())
    recording = Field(False, bool)
    pad_path: Field[RecordedPath | None] = Field(None)
    gallery: Field[tuple[Any, ...]] = Field((), tuple)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.generations = 0  # grids shown so far (tests and benchmarks wait on it)
        self.history: History[Step] = History(size_of=Step.nbytes)

    # ---------------------------------------------------------------- derived

    @property
    def conditional(self) -> bool:
        return self.model is not None and self.model.conditional

    @property
    def effective_pad_digit(self) -> int | None:
        """The digit the pad, its corners and its atlas are drawn as (conditional models):
        the toolbar's digit when one is chosen, else the pad's own (shown on the pad)."""
        if not self.conditional:
            return None
        return self.digit if self.digit is not None else self.pad_digit

    @property
    def model_corners(self) -> tuple[Anchor, ...] | None:
        """The pad's corners if they belong to the model: while one model replaces another,
        the model changes first and its own corners follow (a 64-D GAN's corners are no
        latents of a 32-D VAE-GAN)."""
        if self.model is None or self.corners is None:
            return None
        if any(a.latent.shape != (self.model.latent_dim,) for a in self.corners):
            return None
        return self.corners

    def morph_anchor(self, end: MorphEnd) -> Anchor | None:
        return self.morph_start if end is MorphEnd.START else self.morph_end

    def set_morph_anchor(self, end: MorphEnd, anchor: Anchor | None) -> None:
        self._last_morph_end = end
        if end is MorphEnd.START:
            self.morph_start = anchor
        else:
            self.morph_end = anchor

    def next_morph_end(self) -> MorphEnd:
        """Where a double-clicked tile goes: A first, then B, then A again..."""
        if self.morph_start is None:
            return MorphEnd.START
        if self.morph_end is None:
            return MorphEnd.END
        return self._last_morph_end.other

    def morph_label(self) -> int | None:
        """A conditional model decodes a morph as one digit: the chosen one, else A's, else
        B's, else the pad's (a label cannot be interpolated through ``decode``)."""
        if not self.conditional:
            return None
        for label in (self.digit, *(a.label for a in (self.morph_start, self.morph_end) if a)):
            if label is not None:
                return label
        return self.pad_digit

    _last_morph_end = MorphEnd.END

    # ---------------------------------------------------------------- intents and reports

    def request_generate(self, fresh: bool = True) -> None:
        self.generate_requested.emit(fresh)

    def report_error(self, title: str, message: str) -> None:
        self.error_reported.emit(title, message)

    def post(self, text: str, ms: int = 4000) -> None:
        self.message_posted.emit(text, ms)

    def toggle_favourite(self, index: int) -> bool:
        """Star or unstar tile ``index``; True when it is now a favourite."""
        starred = index not in self.favourites
        self.favourites = (self.favourites | {index}) if starred else (self.favourites - {index})
        return starred


@dataclass(frozen=True)
class LibrarySnapshot:
    """What the library scan found (made on a worker, shown by the library widget)."""

    entries: tuple[Any, ...] = ()  # core.library.Entry
    unfinished: tuple[Any, ...] = ()  # core.library.UnfinishedRun
    scanned_at: float = 0.0
    folders: tuple[Path, ...] = field(default_factory=tuple)
