"""The studio state: everything the window shows and the artist chose, in one object.

:class:`StudioState` composes one sub-state per feature (napari's ViewerModel holds its camera,
dims and layers the same way): ``session`` (the model and the device), ``canvas``, ``pad``,
``morph``, ``training``, ``library``, ``takeout``, ``material``, ``inside``, ``view`` and
``history``. Each is a :class:`~genai_studio.ui.common.fields.SubState`: typed fields with a
``<name>_changed`` signal, persisted fields declared once with their settings key, derived
values (the pad's plane, the ``can_*`` flags that enable buttons and menu items alike).

Widgets take the state, draw what it holds and write the artist's choices back; they never read
each other. Controllers turn state changes and intents into work for the worker threads and
write the results back. The state lives on the GUI thread and is only touched there; workers
send results to controllers, never to the state (docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from genai_studio.core.defaults import DEVICE_CHOICES
from genai_studio.core.export.options import ExportSource
from genai_studio.ui.breeding.state import BreedingState
from genai_studio.ui.canvas.state import MAX_SEED, CanvasState, Grid
from genai_studio.ui.common.fields import Derived, Field, SubState, choice
from genai_studio.ui.common.theme import ViewState
from genai_studio.ui.genes.state import GenesState
from genai_studio.ui.inside.state import InsideState
from genai_studio.ui.library.state import LibraryState
from genai_studio.ui.material.state import MaterialState
from genai_studio.ui.morph.state import MorphState
from genai_studio.ui.pad.state import PadState
from genai_studio.ui.studio.history import History
from genai_studio.ui.studio.kinds import Anchor
from genai_studio.ui.takeout.state import TakeoutState
from genai_studio.ui.training.state import TrainingState
from genai_studio.ui.typeface.state import TypefaceState
from genai_studio.workers.messages import ModelHandle

__all__ = ["MAX_SEED", "StudioState"]


class SessionState(SubState):
    """The active model and where models run."""

    model: Field[ModelHandle | None] = Field(None, kind=ModelHandle)
    loading = Field(False, bool)
    devices: Field[tuple[str, ...]] = Field(("cpu",), tuple)  # concrete devices here
    device = Field("auto", choice(*DEVICE_CHOICES), persist="device")
    last_model = Field("", str, persist="last_model")  # the file opened last, for the next start
    last_folder = Field("", str, persist="last_folder")  # where file dialogs open (ui.common.ask)
    model_info_changed = Signal(ModelHandle)  # the same model renamed or newly scored

    ready = Derived(bool, lambda s: s.model is not None and not s.loading, "model", "loading")
    conditional = Derived(bool, lambda s: s.model is not None and s.model.conditional, "model")


@dataclass(frozen=True)
class Step:
    """One step of the history: what the artist saw after one action (a grid exactly as
    shown, its stars, the pad's corners and point, the genes' values, the digit asked for)
    and the action's name (``what``)."""

    grid: Grid
    favourites: frozenset[int]
    corners: tuple[Anchor, ...] | None
    point: tuple[float, float] = (0.5, 0.5)
    genes: tuple[tuple[str, float], ...] = ()
    digit: int | None = None
    what: str = ""

    def nbytes(self) -> int:
        return int(self.grid.images.nbytes + self.grid.latents.nbytes)

    def same_view(self, other: Step) -> bool:
        """The same thing on screen (stars and names aside)."""
        return (self.grid is other.grid and self.corners is other.corners
                and self.point == other.point and self.genes == other.genes
                and self.digit == other.digit)


class HistoryState(SubState):
    """Undo / Redo through the steps: ``steps`` is the list, ``position`` (index, length)
    changes with every push and move, ``names`` is what the history dock lists."""

    position: Field[tuple[int, int]] = Field((-1, 0), tuple)

    can_back = Derived(bool, lambda s: s.position[0] > 0, "position")
    can_forward = Derived(bool, lambda s: s.position[0] < s.position[1] - 1, "position")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.steps: History[Step] = History(size_of=Step.nbytes, share=lambda step: step.grid)

    names: Field[tuple[str, ...]] = Field((), tuple)

    def moved(self) -> None:
        """Call after changing ``steps``: the flags and the list follow."""
        self.names = tuple(step.what for step in self.steps.items())
        self.position = (self.steps.index, len(self.steps))


class StudioState(QObject):
    """The studio's state: a sub-state per feature, the artist's intents and the reports."""

    # ---------------------------------------------------------------- intents (-> controllers)
    generate_requested = Signal(bool)  # fresh: True = a new seed unless locked or typed
    export_requested = Signal(ExportSource)  # what to export
    open_image_requested = Signal(Path)  # an exported image to reopen
    save_requested = Signal(Path, bytes, str)  # write these bytes there (what they are)
    # ---------------------------------------------------------------- reports (-> window)
    error_reported = Signal(str, str)  # title, one-paragraph message
    message_posted = Signal(str, int)  # status-bar text, milliseconds

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = SessionState(self)
        self.canvas = CanvasState(self)
        self.pad = PadState(self)
        self.morph = MorphState(self)
        self.training = TrainingState(self)
        self.library = LibraryState(self)
        self.takeout = TakeoutState(self)
        self.material = MaterialState(self)
        self.inside = InsideState(self)
        self.view = ViewState(self)
        self.history = HistoryState(self)
        self.typeface = TypefaceState(self)
        self.genes = GenesState(self)
        self.breeding = BreedingState(self)
        for part in self.parts():
            part.attach(self)

    def parts(self) -> list[SubState]:
        return [self.session, self.canvas, self.pad, self.morph, self.training, self.library,
                self.takeout, self.material, self.inside, self.view, self.history,
                self.typeface, self.genes, self.breeding]

    def resolve(self, path: str) -> tuple[SubState, str]:
        """``"canvas.has_tile"`` -> (the canvas sub-state, "has_tile")."""
        part, name = path.split(".", 1)
        return getattr(self, part), name

    # ---------------------------------------------------------------- settings

    def restore(self, read: Callable[[str], Any]) -> list[str]:
        """Every persisted field from the settings; returns the notes on values dropped."""
        return [note for part in self.parts() for note in part.restore(read)]

    def save(self, write: Callable[[str, Any], None]) -> None:
        for part in self.parts():
            part.save(write)

    # ---------------------------------------------------------------- intents and reports

    def request_generate(self, fresh: bool = True) -> None:
        self.generate_requested.emit(fresh)

    def request_save(self, path: Path, data: bytes, what: str) -> None:
        """Small files the artist saves (a CSV of the losses): written on the jobs thread,
        atomically, with a status line or a dialog."""
        self.save_requested.emit(path, data, what)

    def report_error(self, title: str, message: str) -> None:
        self.error_reported.emit(title, message)

    def post(self, text: str, ms: int = 4000) -> None:
        self.message_posted.emit(text, ms)
