"""The status bar: the device, the active model and its headline score, where training is,
and the studio's passing messages. It draws the state and nothing else."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from genai_studio.core.train.events import RunState
from genai_studio.ui.common.guard import gui_slot
from genai_studio.ui.common.plain import plain
from genai_studio.ui.library.scores import headline
from genai_studio.ui.studio.state import StudioState
from genai_studio.ui.training.state import TrainingStatus

FIELDS = ("device", "model", "quality", "training")


class StudioStatusBar(QStatusBar):
    def __init__(self, state: StudioState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.labels = {name: plain(QLabel("")) for name in FIELDS}  # names come from files
        for name, label in self.labels.items():
            label.setObjectName(f"status_{name}")
            self.addPermanentWidget(label)
        session = state.session
        for signal in (session.model_changed, session.model_info_changed,
                       session.device_changed):
            signal.connect(self.on_model)
        state.training.status_changed.connect(self.on_training)
        state.message_posted.connect(self.on_message)
        self.on_model(None)
        self.on_training(state.training.status)

    @gui_slot(object)
    def on_model(self, _value: object) -> None:
        handle = self.state.session.model
        self.labels["device"].setText(
            f"device: {handle.device if handle else self.state.session.device}")
        self.labels["model"].setText(f"model: {handle.name if handle else 'none'}")
        self.labels["quality"].setText(
            headline(handle.metadata.get("metrics")) if handle else "")

    @gui_slot(object)
    def on_training(self, status: TrainingStatus) -> None:
        if status.state is RunState.IDLE:
            text = "idle"
        elif not status.state.active:
            text = status.state.value
        elif status.detail.startswith(("training", "paused")):
            text = status.detail
        else:
            text = f"training {status.detail}"
        self.labels["training"].setText(text)

    @gui_slot(str, int)
    def on_message(self, text: str, ms: int) -> None:
        self.showMessage(text, ms)
