"""New dataset from fonts: the fonts on this computer (its font folders) or a folder the artist
picks, read on the jobs thread with a progress bar and a report (every font kept, every file
skipped and why); nothing is written before Keep."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from genai_studio.ui.common import ask
from genai_studio.ui.common.guard import gui_slot
from genai_studio.ui.common.scan_dialog import ScanDialog

if TYPE_CHECKING:
    from genai_studio.ui.typeface.controller import Typefaces


class FontDatasetDialog(ScanDialog):
    RUNNING = "Reading the fonts…"
    FAILED = "Could not read the fonts"

    def __init__(self, actions: Typefaces, parent: QWidget | None = None) -> None:
        from genai_studio.core.data.fonts import font_folders

        super().__init__(actions, parent)
        self.setObjectName("fontDatasetDialog")
        self.setWindowTitle("New dataset from fonts")
        self.system_folders = font_folders()
        self._build()
        self._update()

    def _build(self) -> None:
        from genai_studio.core.data.fonts import DEFAULT_CHARS

        layout = QVBoxLayout(self)
        intro = QLabel("Every character of every font is drawn on one baseline, at one size: "
                       "the label is the character, the style is the font. Train a "
                       "conditional model on it to morph between typefaces and make your own.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.on_computer = QRadioButton("The fonts on this computer")
        self.on_computer.setObjectName("fontsOnComputer")
        self.on_computer.setToolTip("\n".join(map(str, self.system_folders))
                                    or "no font folder found here")
        self.in_folder = QRadioButton("The fonts in a folder:")
        self.in_folder.setObjectName("fontsInFolder")
        group = QButtonGroup(self)
        group.addButton(self.on_computer)
        group.addButton(self.in_folder)
        (self.on_computer if self.system_folders else self.in_folder).setChecked(True)
        self.on_computer.setEnabled(bool(self.system_folders))
        layout.addWidget(self.on_computer)
        folder_row = QHBoxLayout()
        self.folder = QLineEdit(objectName="fontFolder")
        self.folder.setPlaceholderText("a folder of .ttf / .otf files (sub-folders too)")
        self.folder.textChanged.connect(self._changed)
        choose = QPushButton("Choose…", objectName="fontChoose")
        choose.clicked.connect(self.choose_folder)
        folder_row.addWidget(self.in_folder)
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(choose)
        layout.addLayout(folder_row)
        group.buttonToggled.connect(self._changed)
        form = QFormLayout()
        self.name = QLineEdit("fonts", objectName="fontDatasetName")
        self.chars = QLineEdit(DEFAULT_CHARS, objectName="fontChars")
        self.chars.setToolTip("The characters drawn: one class each. Fonts lacking any of them "
                              "are skipped, so every style has every character.")
        self.chars.textChanged.connect(self._changed)
        self.size = QComboBox(objectName="fontSize")
        for px in (28, 32, 64):
            self.size.addItem(f"{px} px", px)
        form.addRow("Name", self.name)
        form.addRow("Characters", self.chars)
        form.addRow("Size", self.size)
        layout.addLayout(form)
        self._build_run_rows(layout)

    def _build_run_rows(self, layout: QVBoxLayout) -> None:
        self.build_run_rows(layout, "Read the fonts", "font")
        self.read_button = self.run_button
        self.read_button.setObjectName("fontRead")
        self.read_button.clicked.connect(self.read)
        self.resize(600, 520)

    def paths(self) -> list[Path]:
        if self.on_computer.isChecked():
            return list(self.system_folders)
        text = self.folder.text().strip()
        return [Path(text)] if text else []

    def can_run(self) -> bool:
        return bool(self.paths()) and bool(self.chars.text().strip())

    @gui_slot()
    def _changed(self, *_args: object) -> None:
        self.report = None
        self._update()

    @gui_slot()
    def choose_folder(self) -> None:
        folder = ask.folder(self, "A folder of fonts", Path.home(),
                            session=self.actions.state.session)
        if folder is not None:
            self.folder.setText(str(folder))
            self.in_folder.setChecked(True)

    @gui_slot()
    def read(self) -> None:
        from genai_studio.core.data.fonts import check_chars
        from genai_studio.core.errors import GenAIError

        try:
            chars = check_chars(self.chars.text().strip())
        except GenAIError as exc:
            self.summary.setText(str(exc))
            return
        paths, size = self.paths(), int(self.size.currentData())
        self.start(lambda *callbacks: self.actions.scan(paths, chars, size, *callbacks))
