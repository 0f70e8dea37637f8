"""New dataset from fonts: the fonts on this computer (its font folders) or a folder the artist
picks, read on the jobs thread with a progress bar and a report (every font kept, every file
skipped and why); nothing is written before Keep."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from genai_studio.ui.common import ask
from genai_studio.ui.common.guard import gui_slot

if TYPE_CHECKING:
    from genai_studio.ui.typeface.controller import Typefaces


class FontDatasetDialog(QDialog):
    def __init__(self, actions: Typefaces, parent: QWidget | None = None) -> None:
        from genai_studio.core.data.fonts import font_folders

        super().__init__(parent)
        self.setObjectName("fontDatasetDialog")
        self.setWindowTitle("New dataset from fonts")
        self.actions = actions
        self.system_folders = font_folders()
        self.report: Any = None
        self.job: int | None = None
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
        row = QHBoxLayout()
        self.read_button = QPushButton("Read the fonts", objectName="fontRead")
        self.read_button.setProperty("accent", True)
        self.read_button.clicked.connect(self.read)
        self.stop_button = QPushButton("Stop", objectName="fontStop")
        self.stop_button.clicked.connect(self.stop)
        self.progress = QProgressBar(objectName="fontProgress")
        self.progress.setRange(0, 1000)
        row.addWidget(self.read_button)
        row.addWidget(self.stop_button)
        row.addWidget(self.progress, 1)
        layout.addLayout(row)
        self.summary = QLabel("Nothing is kept until you press Keep.", objectName="fontSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.details = QPlainTextEdit(objectName="fontReport")
        self.details.setReadOnly(True)
        self.details.setMinimumHeight(120)
        layout.addWidget(self.details, 1)
        buttons = QDialogButtonBox()
        self.keep_button = buttons.addButton("Keep", QDialogButtonBox.ButtonRole.AcceptRole)
        self.keep_button.setObjectName("fontKeep")
        self.keep_button.clicked.connect(self.keep)
        buttons.addButton(QDialogButtonBox.StandardButton.Close).clicked.connect(self.close)
        layout.addWidget(buttons)
        self.resize(600, 520)

    def paths(self) -> list[Path]:
        if self.on_computer.isChecked():
            return list(self.system_folders)
        text = self.folder.text().strip()
        return [Path(text)] if text else []

    def _update(self) -> None:
        reading = self.job is not None
        self.read_button.setEnabled(not reading and bool(self.paths())
                                    and bool(self.chars.text().strip()))
        self.stop_button.setEnabled(reading)
        usable = self.report is not None and self.report.kept > 0
        self.keep_button.setEnabled(not reading and usable)

    @gui_slot()
    def _changed(self, *_args: object) -> None:
        self.report = None
        self._update()

    @gui_slot()
    def choose_folder(self) -> None:
        folder = ask.folder(self, "A folder of fonts", Path.home())
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
        self.report = None
        self.details.clear()
        self.progress.setValue(0)
        self.summary.setText("Reading the fonts…")
        self.job = self.actions.scan(self.paths(), chars, int(self.size.currentData()),
                                     self.on_progress, self.on_report, self.on_failed)
        self._update()

    @gui_slot()
    def stop(self) -> None:
        if self.job is not None:
            self.actions.cancel(self.job)

    def on_progress(self, fraction: float, text: str) -> None:
        self.progress.setValue(int(1000 * fraction))
        self.progress.setFormat(text)

    def on_report(self, report: Any) -> None:
        self.job, self.report = None, report
        lines = report.lines()
        self.summary.setText(lines[0])
        self.details.setPlainText("\n".join(lines[1:]))
        self.progress.setValue(1000)
        self._update()

    def on_failed(self, message: str) -> None:
        self.job = None
        self.summary.setText(f"Could not read the fonts: {message}")
        self._update()

    @gui_slot()
    def keep(self) -> None:
        if self.report is None:
            return
        self.keep_button.setEnabled(False)
        self.actions.keep(self.report, self.name.text().strip(), lambda _p: self.accept(),
                          self.on_keep_failed)

    def on_keep_failed(self, message: str) -> None:
        self.summary.setText(f"Not kept: {message}")
        self._update()

    def closeEvent(self, event: Any) -> None:  # noqa: N802
        self.stop()
        super().closeEvent(event)
