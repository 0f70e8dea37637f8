"""The top bar (model, device, Generate, seed + lock, grid, digit) and the empty state."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QPushButton,
    QSpinBox,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from genai_studio.core.events import RunState
from genai_studio.ui import icons, theme
from genai_studio.ui.bind import bind_combo_data, bind_spin
from genai_studio.ui.guard import gui_slot
from genai_studio.ui.settings import GRID_SIZES
from genai_studio.ui.state import MAX_SEED, StudioState, TrainingStatus
from genai_studio.workers.messages import ModelHandle


class SeedField(QSpinBox):
    """The seed; Enter draws the grid of the seed typed (not a random one)."""

    entered = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("seedField")
        self.setRange(0, MAX_SEED)
        self.setMinimumWidth(104)
        self.setToolTip("Seed of the grid: type one and press Enter to draw it; lock it "
                        "(Ctrl+L) to get the same grid again")
        self.setKeyboardTracking(False)  # the state hears the whole number, not each digit

    def keyPressEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt API
        super().keyPressEvent(event)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.entered.emit()


class StudioToolbar(QToolBar):
    def __init__(self, state: StudioState, actions: Mapping[str, QAction],
                 parent: QWidget | None = None) -> None:
        super().__init__("Main", parent)
        self.setObjectName("mainToolbar")
        self.setMovable(False)
        self.setIconSize(QSize(18, 18))
        self.state = state
        self.model_label = QLabel("no model")
        self.model_label.setObjectName("activeModel")
        self.model_label.setProperty("role", "strong")
        self.device = QComboBox()
        self.device.setObjectName("deviceSelector")
        self.device.setToolTip("Compute device; switching reloads the model there (no restart)")
        self.generate = QPushButton("Generate")
        self.generate.setObjectName("generateButton")
        self.generate.setProperty("accent", True)
        self.generate.setToolTip("Generate a new grid (Space)")
        self.generate.clicked.connect(actions["generate"].trigger)
        self.seed = SeedField()
        self.seed.entered.connect(self._seed_entered)
        self.lock = QToolButton()
        self.lock.setObjectName("seedLock")
        self.lock.setDefaultAction(actions["lock_seed"])
        self.lock.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self.grid = QComboBox()
        self.grid.setObjectName("gridSize")
        for n in GRID_SIZES:
            self.grid.addItem(f"{n} × {n}", n)
        self.grid.setToolTip("Grid size (+ / -)")
        self.digit = QComboBox()
        self.digit.setObjectName("digitPicker")
        self.digit.addItem("any digit", None)
        for d in range(10):
            self.digit.addItem(f"digit {d}", d)
        self.digit.setToolTip("The digit a conditional model draws ('any': 0-9 in turn)")
        self.back, self.forward = QToolButton(), QToolButton()
        for button, name in ((self.back, "history_back"), (self.forward, "history_forward")):
            button.setObjectName(f"{name}Button")
            button.setDefaultAction(actions[name])
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self._lay_out()
        self._bind()

    def _lay_out(self) -> None:
        self.addWidget(self.model_label)
        self.addWidget(self.device)
        self.addSeparator()
        self.addWidget(self.back)
        self.addWidget(self.forward)
        self.addWidget(self.generate)
        self.addWidget(_caption("Seed"))
        self.addWidget(self.seed)
        self.addWidget(self.lock)
        self.addWidget(self.grid)
        # Widgets in a toolbar are shown/hidden through their actions, not setVisible.
        self.digit_action = self.addWidget(self.digit)

    def _bind(self) -> None:
        s = self.state
        bind_spin(self.seed, s, "seed")
        bind_combo_data(self.grid, s, "grid_size")
        bind_combo_data(self.digit, s, "digit")
        self.device_binding = bind_combo_data(self.device, s, "device")
        s.devices_changed.connect(self.on_devices)
        s.model_changed.connect(self.on_model)
        s.model_info_changed.connect(self.on_model)
        s.loading_changed.connect(self.on_loading)
        s.seed_locked_changed.connect(self.on_locked)
        s.training_changed.connect(self.on_training)
        s.theme_changed.connect(self.on_theme)
        self.on_devices(s.devices)
        self.on_model(s.model)
        self.on_locked(s.seed_locked)
        self.on_theme(None)

    @gui_slot()
    def _seed_entered(self) -> None:
        self.seed.interpretText()
        self.state.seed = self.seed.value()
        self.state.request_generate(fresh=False)

    @gui_slot(object)
    def on_devices(self, devices: tuple[str, ...]) -> None:
        self.device.blockSignals(True)
        self.device.clear()
        self.device.addItem("Auto", "auto")
        for name in devices:
            self.device.addItem("CPU" if name == "cpu" else name.upper(), name)
        self.device.blockSignals(False)
        self.device_binding.from_state(self.state.device)

    @gui_slot(object)
    def on_model(self, handle: ModelHandle | None) -> None:
        self.model_label.setText(handle.name if handle is not None else "no model")
        self.model_label.setToolTip(str(handle.path) if handle is not None else "")
        self.digit_action.setVisible(handle is not None and handle.conditional)
        self.generate.setEnabled(handle is not None)

    @gui_slot(bool)
    def on_loading(self, loading: bool) -> None:
        if loading:
            self.model_label.setText("loading…")
        else:
            self.on_model(self.state.model)

    @gui_slot(bool)
    def on_locked(self, locked: bool) -> None:
        action = self.lock.defaultAction()
        action.setIcon(icons.icon("lock" if locked else "unlock",
                                  theme.ACCENT if locked else theme.MUTED))
        action.setToolTip(("Unlock" if locked else "Lock") + " the seed (Ctrl+L)")

    @gui_slot(object)
    def on_training(self, status: TrainingStatus) -> None:
        # The device cannot change under a running training run's feet.
        self.device.setEnabled(status.state in (RunState.IDLE, *_ENDED))

    @gui_slot(object)
    def on_theme(self, _theme: object) -> None:
        self.generate.setIcon(icons.icon("dice", theme.ON_ACCENT))
        self.on_locked(self.state.seed_locked)


_ENDED = (RunState.CANCELLED, RunState.FINISHED, RunState.FAILED)


def _caption(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "hint")
    return label


class EmptyState(QWidget):
    """What the canvas shows with no model: say what to do next, offer it as a button."""

    def __init__(self, actions: Mapping[str, QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emptyState")
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        self.title = QLabel("Starting…")
        self.title.setProperty("role", "title")
        self.text = QLabel("")
        self.text.setProperty("role", "hint")
        self.text.setWordWrap(True)
        self.text.setFixedWidth(420)  # a fixed width lets the wrapped text take its full height
        self.text.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.train_button = QPushButton("Train a quick model")
        self.train_button.setObjectName("quickTrainButton")
        self.train_button.setProperty("accent", True)
        self.train_button.setToolTip("A 2-D VAE, 1 epoch on MNIST: about a minute on a laptop CPU")
        self.import_button = QPushButton(icons.icon("import"), "Import a model file…")
        self.import_button.setObjectName("emptyImportButton")
        self.import_button.clicked.connect(actions["import_model"].trigger)
        layout.addWidget(self.title, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(6)
        layout.addWidget(self.text, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(14)
        for widget in (self.train_button, self.import_button):
            widget.setMinimumWidth(240)
            layout.addWidget(widget, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(3)
        self.set_state("loading")

    TEXTS = {
        "loading": ("Starting…", "Loading your models."),
        "empty": ("No model yet", "GenAI Studio draws digits with models you train here. "
                  "Train a quick one now — it runs in the background and appears here when "
                  "it is done — or import a .safetensors model file."),
        "training": ("Training your first model…", "Watch it learn in the Training panel. "
                     "It becomes active here the moment it is finished."),
    }

    def set_state(self, state: str) -> None:
        """"loading" | "empty" | "training"."""
        title, text = self.TEXTS[state]
        self.title.setText(title)
        self.text.setText(text)
        # A wrapped label inside an aligned layout item gets its one-line height; ask for more.
        self.text.setFixedHeight(self.text.heightForWidth(self.text.width()) + 6)
        self.train_button.setIcon(icons.icon("bolt", theme.ON_ACCENT))
        self.train_button.setVisible(state == "empty")
        self.import_button.setVisible(state == "empty")
