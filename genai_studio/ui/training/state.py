"""Training's state: the form as the artist filled it in, and where the run is."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from genai_studio.core.defaults import DEFAULT_BATCH, DEFAULT_EPOCHS, ModelKind
from genai_studio.core.train.events import Preview, Progress, RunState
from genai_studio.core.train.plan import QUICK
from genai_studio.ui.common.fields import Derived, Field, SubState
from genai_studio.workers.messages import ModelHandle


@dataclass(frozen=True)
class TrainingStatus:
    state: RunState = RunState.IDLE
    fraction: float = 0.0  # 0..1 of the run's steps
    detail: str = ""  # "42%  ETA 0:31  12.3k img/s" while training, why it stopped after


@dataclass(frozen=True)
class TrainingSettings:
    """The training form, as the artist filled it in."""

    kind: ModelKind = ModelKind.VAE
    # How long to train: minutes (a preset; the run sizes itself), or None: the epochs, batch
    # and learning rate below, as given (the advanced choice).
    minutes: float | None = QUICK
    conditional: bool = False
    latent_dim: int = 2
    epochs: int = DEFAULT_EPOCHS
    batch_size: int = DEFAULT_BATCH
    lr: float = 1e-3
    device: str = "app"  # "app": the studio's own device
    resume_from: Path | None = None  # a checkpoint to continue instead of a new run
    data: Path | None = None  # a dataset file (core.datasets); None: the bundled MNIST


def _labelled(s: TrainingState, path: object) -> bool:
    """Whether the dataset at ``path`` (as the library listed it) holds labels."""
    found = s.root.library.datasets if s.root is not None else ()
    return any(info.path == path and "classes" in info.metadata for info in found)


class TrainingState(SubState):
    status = Field(TrainingStatus())
    settings = Field(TrainingSettings())
    runs = Field(0, int)  # runs started in this session: a new one clears the plot
    progress: Field[Progress | None] = Field(None, kind=Progress)  # the latest, its losses
    preview: Field[Preview | None] = Field(None, kind=Preview)  # the latest fixed-noise grid
    quality = Field(None, kind=object)  # core.scoring.quality.QuickScores, or why there is none
    # Show the model on the canvas and the pad as it trains (a copy at most twice a second).
    live = Field(False, bool, persist="live_view")
    live_model: Field[ModelHandle | None] = Field(None, kind=ModelHandle)  # the newest copy

    active = Derived(bool, lambda s: s.status.state.active, "status")
    can_train = Derived(bool, lambda s: not s.status.state.active, "status")
    can_pause = Derived(bool, lambda s: s.status.state in (RunState.TRAINING, RunState.PAUSED),
                        "status")
    can_cancel = Derived(bool, lambda s: s.status.state.active
                         and s.status.state is not RunState.CANCELLING, "status")
    # The device cannot change under a running run's feet.
    device_locked = Derived(bool, lambda s: s.status.state.active, "status")
    # Epochs, batch and learning rate are the advanced choice: a timed run sizes itself.
    advanced = Derived(bool, lambda s: s.settings.minutes is None, "settings")
    # Conditional models train on labelled data: MNIST, or a glyph dataset (one class a
    # character); a folder's dataset has no labels.
    can_condition = Derived(bool, lambda s: not s.status.state.active and (
        s.settings.data is None or _labelled(s, s.settings.data)),
        "status", "settings", "library.datasets")

    def choose_kind(self, kind: ModelKind) -> None:
        """A new model kind in the form, with that kind's latent size and learning rate."""
        from dataclasses import replace

        from genai_studio.core.defaults import DEFAULT_LATENT, DEFAULT_LR

        kind = ModelKind(kind)
        self.settings = replace(self.settings, kind=kind,
                                latent_dim=DEFAULT_LATENT.get(kind.value, 2),
                                lr=DEFAULT_LR.get(kind.value, 1e-3))
