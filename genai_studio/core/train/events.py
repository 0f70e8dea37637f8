"""What a training run reports, as plain data: torch-free and Qt-free.

The trainer (``core.train.loop.train``) yields these; the CLI prints them and the GUI's training
worker sends them as signals, so both front ends and every slot are typed by this one module.
Arrays in them are NumPy copies, safe to hand from a worker thread to the GUI thread.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class Started:
    total_steps: int
    steps_per_epoch: int
    start_step: int  # > 0 when resumed
    num_images: int
    device: str
    budget_s: float | None = None  # a timed run (--minutes): its training time
    # The model being trained, for a live view (whoever holds it copies it only while the
    # loop waits at a yield); not part of the event's value.
    model: Any = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Progress:
    epoch: int  # 1-based, the epoch the step belongs to
    epochs: int
    step: int  # steps done so far
    total_steps: int
    losses: dict[str, float]  # means over the steps since the last Progress
    images_per_s: float
    eta_s: float
    elapsed_s: float
    timed: bool = False  # a run by time: its total steps are re-estimated as it goes

    @property
    def done(self) -> float:
        """The share of the run done, 0..1: of its time for a timed run (a share of steps
        against a re-estimated total would go back and forth), else of its steps."""
        if self.timed:
            return self.elapsed_s / max(self.elapsed_s + self.eta_s, 1e-9)
        return self.step / max(self.total_steps, 1)


@dataclass(frozen=True)
class Preview:
    step: int
    images: np.ndarray  # (n, H, W) grey or (n, H, W, 3) colour, float32 in [0, 1], a copy
    labels: np.ndarray | None = None  # (n,) digits asked for (conditional models), a copy


@dataclass(frozen=True)
class Checkpoint:
    path: Path
    epoch: int
    step: int


@dataclass(frozen=True)
class Finished:
    path: Path | None  # the finished model file; None when cancelled
    checkpoint: Path | None  # where to resume from
    cancelled: bool
    summary: dict[str, Any]


Event = Started | Progress | Preview | Checkpoint | Finished


class RunState(enum.Enum):
    """Where a training run is, as the studio shows it."""

    IDLE = "idle"
    LOADING = "loading data"
    TRAINING = "training"
    PAUSED = "paused"
    CANCELLING = "cancelling"
    CANCELLED = "cancelled"
    FINISHED = "finished"
    FAILED = "failed"

    @property
    def active(self) -> bool:
        """A run exists (its thread is alive): the training form is locked."""
        return self in (RunState.LOADING, RunState.TRAINING, RunState.PAUSED,
                        RunState.CANCELLING)
