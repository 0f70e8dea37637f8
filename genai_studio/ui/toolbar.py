"""The top bar (model, device, Generate, seed + lock, grid, digit) and the empty state."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
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

from genai_studio.ui import icons, theme
from genai_studio.ui.guard import gui_slot
from genai_studio.ui.settings import GRID_SIZES

MAX_SEED = 2**31 - 1


class StudioToolbar(QToolBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Main", parent)
        self.setObjectName("mainToolbar")
        self.setMovable(False)
        self.setIconSize(QSize(18, 18))
        self.model_label = QLabel("no model")
        self.model_label.setObjectName("activeModel")
        self.model_label.setStyleSheet(f"color:{theme.TEXT}; font-weight:600; padding:0 10px;")
        self.device = QComboBox()
        self.device.setObjectName("deviceSelector")
        self.device.addItem("Auto", "auto")
        self.device.setToolTip("Compute device; switching reloads the model there (no restart)")
        self.generate = QPushButton(icons.icon("dice", "#10131a"), "Generate")
        self.generate.setObjectName("generateButton")
        self.generate.setProperty("accent", True)
        self.generate.setToolTip("Generate a new grid (Space)")
        self.seed = QSpinBox()
        self.seed.setObjectName("seedField")
        self.seed.setRange(0, MAX_SEED)
        self.seed.setMinimumWidth(110)
        self.seed.setToolTip("Seed of the grid; lock it to get the same grid again "
                             "(type, scroll or use the arrow keys)")
        self.lock = QToolButton()
        self.lock.setObjectName("seedLock")
        self.lock.setCheckable(True)
        self.lock.setToolTip("Lock the seed (Ctrl+L)")
        self.lock.toggled.connect(self._lock_toggled)
        self._lock_toggled(False)
        self._make_pickers()
        self._lay_out()

    def _make_pickers(self) -> None:
        self.grid = QComboBox()
        self.grid.setObjectName("gridSize")
        for n in GRID_SIZES:
            self.grid.addItem(f"{n} × {n}", n)
        self.grid.setToolTip("Grid size (+ / -)")
        self.digit = QComboBox()
        self.digit.setObjectName("digitPicker")
        self.digit.addItem("any", None)
        for d in range(10):
            self.digit.addItem(str(d), d)
        self.digit.setToolTip("Digit to draw (conditional models only)")

    def _lay_out(self) -> None:
        self._add("Model", self.model_label)
        self._add("Device", self.device)
        self.addSeparator()
        self.addWidget(self.generate)
        self._add("Seed", self.seed)
        self.addWidget(self.lock)
        self._add("Grid", self.grid)
        # Widgets in a toolbar are shown/hidden through their actions, not setVisible.
        self.digit_label_action = self.addWidget(QLabel("Digit"))
        self.digit_action = self.addWidget(self.digit)
        self.set_conditional(False)

    def _add(self, label: str, widget: QWidget) -> None:
        self.addWidget(QLabel(label))
        self.addWidget(widget)

    @gui_slot(bool)
    def _lock_toggled(self, locked: bool) -> None:
        self.lock.setIcon(icons.icon("lock" if locked else "unlock",
                                     theme.ACCENT if locked else theme.MUTED))

    def set_conditional(self, conditional: bool) -> None:
        self.digit_label_action.setVisible(conditional)
        self.digit_action.setVisible(conditional)

    def grid_size(self) -> int:
        return int(self.grid.currentData())

    def set_grid_size(self, n: int) -> None:
        index = self.grid.findData(n)
        if index >= 0:
            self.grid.setCurrentIndex(index)

    def label(self) -> int | None:
        data = self.digit.currentData()
        return None if data is None else int(data)


class EmptyState(QWidget):
    """What the canvas shows with no model: say what to do next, offer it as a button."""

    quick_train = Signal()
    import_model = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emptyState")
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        self.title = QLabel("Starting…")
        self.title.setProperty("role", "title")
        self.text = QLabel("")
        self.text.setProperty("role", "hint")
        self.text.setWordWrap(True)
        self.train_button = QPushButton(icons.icon("bolt", "#10131a"), "Train a quick model")
        self.train_button.setObjectName("quickTrainButton")
        self.train_button.setProperty("accent", True)
        self.train_button.setToolTip("A 2-D VAE, 1 epoch on MNIST: about a minute on a laptop CPU")
        self.import_button = QPushButton(icons.icon("import"), "Import a model file…")
        self.train_button.clicked.connect(self.quick_train)
        self.import_button.clicked.connect(self.import_model)
        self.text.setFixedWidth(440)  # a fixed width lets the wrapped text take its full height
        self.text.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.title, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(6)
        layout.addWidget(self.text, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(14)
        for widget in (self.train_button, self.import_button):
            widget.setMinimumWidth(240)
            layout.addWidget(widget, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(3)
        self.set_state("loading")

    def set_state(self, state: str) -> None:
        """"loading" | "empty" | "training"."""
        titles = {
            "loading": ("Starting…", "Loading your models."),
            "empty": ("No model yet", "GenAI Studio draws digits with models you train here. "
                      "Train a quick one now — it runs in the background and appears here when "
                      "it is done — or import a .safetensors model file."),
            "training": ("Training your first model…", "Watch it learn in the training panel "
                         "below. It becomes active here the moment it is finished."),
        }
        title, text = titles[state]
        self.title.setText(title)
        self.text.setText(text)
        # A wrapped label inside an aligned layout item gets its one-line height; ask for more.
        self.text.setFixedHeight(self.text.heightForWidth(self.text.width()) + 6)
        self.train_button.setVisible(state == "empty")
        self.import_button.setVisible(state == "empty")
