"""What the canvas shows with no model: where start-up is, or what to do next, offered as a
button."""

from __future__ import annotations

import enum
from collections.abc import Mapping

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from genai_studio.ui.common import icons, theme
from genai_studio.ui.common.bind import mirror


class EmptyPage(enum.Enum):
    LOADING = "loading"  # start-up is still looking for models
    EMPTY = "empty"  # none found: train one or import one
    TRAINING = "training"  # the first model is training


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
        mirror(self.import_button, actions["import_model"])
        layout.addWidget(self.title, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(6)
        layout.addWidget(self.text, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(14)
        for widget in (self.train_button, self.import_button):
            widget.setMinimumWidth(240)
            layout.addWidget(widget, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(3)
        self.set_page(EmptyPage.LOADING)

    TEXTS = {
        EmptyPage.LOADING: ("Starting…", "Loading your models."),
        EmptyPage.EMPTY: ("No model yet", "GenAI Studio draws digits with models you train here. "
                  "Train a quick one now — it runs in the background and appears here when "
                  "it is done — or import a .safetensors model file."),
        EmptyPage.TRAINING: ("Training your first model…", "Watch it learn in the Training panel. "
                     "It becomes active here the moment it is finished."),
    }

    def set_page(self, page: EmptyPage) -> None:
        title, text = self.TEXTS[page]
        self.title.setText(title)
        self.text.setText(text)
        # A wrapped label inside an aligned layout item gets its one-line height; ask for more.
        self.text.setFixedHeight(self.text.heightForWidth(self.text.width()) + 6)
        self.train_button.setIcon(icons.icon("bolt", theme.ON_ACCENT))
        self.train_button.setVisible(page is EmptyPage.EMPTY)
        self.import_button.setVisible(page is EmptyPage.EMPTY)
