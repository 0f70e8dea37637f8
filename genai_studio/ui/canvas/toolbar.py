"""The top bar: the model, the device, Back / Forward, Generate, the seed and its lock, the
grid's size and the digit a conditional model draws."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QPushButton,
    QToolBar,
    QToolButton,
    QWidget,
)

from genai_studio.ui.canvas.state import MAX_SEED
from genai_studio.ui.common import icons, theme
from genai_studio.ui.common.bind import bind, mirror, refill, show
from genai_studio.ui.common.guard import gui_slot
from genai_studio.ui.common.plain import plain
from genai_studio.ui.common.settings import GRID_SIZES
from genai_studio.ui.common.spin import SpinBox
from genai_studio.ui.studio.kinds import label_items
from genai_studio.ui.studio.state import StudioState
from genai_studio.workers.messages import ModelHandle


class SeedField(SpinBox):
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
        self.model_label = plain(QLabel("no model"))  # a model's name is its file's
        self.model_label.setObjectName("activeModel")
        self.model_label.setProperty("role", "strong")
        self.device = QComboBox()
        self.device.setObjectName("deviceSelector")
        self.device.setToolTip("Compute device; switching reloads the model there (no restart)")
        self.generate = QPushButton("Generate")
        self.generate.setObjectName("generateButton")
        self.generate.setProperty("accent", True)
        self.generate.setToolTip("Generate a new grid (Space)")
        mirror(self.generate, actions["generate"])
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
        bind(self.seed, s.canvas, "seed")
        bind(self.grid, s.canvas, "grid_size")
        bind(self.digit, s.canvas, "digit")
        self.device_binding = bind(self.device, s.session, "device")
        show(self.device, s.session, "devices", self.on_devices)
        show(self, s.session, "model", self.on_model)
        s.session.model_info_changed.connect(self.on_model)
        show(self, s.session, "loading", self.on_loading)
        show(self, s.canvas, "seed_locked", self.on_locked)
        show(self.device, s.training, "device_locked", lambda locked: self.device.setEnabled(
            not locked))
        s.view.theme_changed.connect(self.on_theme)
        self.on_theme(None)

    @gui_slot()
    def _seed_entered(self) -> None:
        self.seed.interpretText()
        self.state.canvas.seed = self.seed.value()
        self.state.request_generate(fresh=False)

    def on_devices(self, devices: tuple[str, ...]) -> None:
        refill(self.device, [("Auto", "auto")] + [
            ("CPU" if name == "cpu" else name.upper(), name) for name in devices])

    @gui_slot(object)
    def on_model(self, handle: ModelHandle | None) -> None:
        self.model_label.setText(handle.name if handle is not None else "no model")
        self.model_label.setToolTip(str(handle.path) if handle is not None else "")
        self.digit_action.setVisible(handle is not None and handle.conditional)
        if handle is not None and handle.conditional:
            glyphs = handle.draws_glyphs
            refill(self.digit, label_items(handle.classes,
                                           "any character" if glyphs else "any digit"))
            self.digit.setToolTip("The character a glyph model draws ('any': each in turn)"
                                  if glyphs else "The digit a conditional model draws "
                                  "('any': 0-9 in turn)")

    def on_loading(self, loading: bool) -> None:
        if loading:
            self.model_label.setText("loading…")
        else:
            self.on_model(self.state.session.model)

    def on_locked(self, locked: bool) -> None:
        action = self.lock.defaultAction()
        action.setIcon(icons.icon("lock" if locked else "unlock",
                                  theme.ACCENT if locked else theme.MUTED))
        action.setToolTip(("Unlock" if locked else "Lock") + " the seed (Ctrl+L)")

    @gui_slot(object)
    def on_theme(self, _theme: object) -> None:
        self.generate.setIcon(icons.icon("dice", theme.ON_ACCENT))
        self.on_locked(self.state.canvas.seed_locked)



def _caption(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "hint")
    return label
