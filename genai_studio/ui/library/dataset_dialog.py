"""New dataset from folder: choose a folder and options, scan with a progress bar, read the
report (every skipped file and why), then keep it or not. Nothing is written before Keep."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
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
    QVBoxLayout,
    QWidget,
)

from genai_studio.ui.common import ask
from genai_studio.ui.common.guard import gui_slot
from genai_studio.ui.common.input_policy import apply_input_policy
from genai_studio.ui.common.plain import plain

if TYPE_CHECKING:
    from genai_studio.ui.library.dataset_actions import DatasetActions


def default_name(folder: str) -> str:
    """A dataset name from a folder's name: letters, digits, '-', '_' only."""
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(folder).name).strip("-_")
    return (name or "dataset")[:48]


class NewDatasetDialog(QDialog):
    def __init__(self, actions: DatasetActions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("newDatasetDialog")
        self.setWindowTitle("New dataset from folder")
        self.actions = actions
        self.report: Any = None
        self.job: int | None = None
        self._build()
        apply_input_policy(self)
        self._update()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        form = QFormLayout()
        folder_row = QHBoxLayout()
        self.folder = QLineEdit()
        self.folder.setObjectName("datasetFolder")
        self.folder.setPlaceholderText("a folder of images (sub-folders are scanned too)")
        self.folder.textChanged.connect(self._folder_typed)
        choose = QPushButton("Choose…")
        choose.setObjectName("datasetChoose")
        choose.clicked.connect(self.choose_folder)
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(choose)
        form.addRow("Folder", folder_row)
        self.name = QLineEdit()
        self.name.setObjectName("datasetName")
        form.addRow("Name", self.name)
        self.size = _combo("datasetSize", [("28 px", 28), ("32 px", 32), ("64 px", 64)])
        self.colour = _combo("datasetColour", [("grey", "grey"), ("RGB colour", "rgb")])
        self.fit = _combo("datasetFit", [
            ("digit: crop to the ink, centre it as MNIST does", "digit"),
            ("crop: the centred square", "crop"),
            ("pad: the whole image, padded", "pad")])
        self.colour.currentIndexChanged.connect(self._colour_changed)
        form.addRow("Size", self.size)
        form.addRow("Colour", self.colour)
        form.addRow("Fit", self.fit)
        layout.addLayout(form)
        scan_row = QHBoxLayout()
        self.scan_button = QPushButton("Scan")
        self.scan_button.setObjectName("datasetScan")
        self.scan_button.setProperty("accent", True)
        self.scan_button.clicked.connect(self.scan)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setObjectName("datasetStop")
        self.stop_button.clicked.connect(self.stop)
        self.progress = QProgressBar()
        self.progress.setObjectName("datasetProgress")
        self.progress.setRange(0, 1000)
        scan_row.addWidget(self.scan_button)
        scan_row.addWidget(self.stop_button)
        scan_row.addWidget(self.progress, 1)
        layout.addLayout(scan_row)
        self.summary = plain(QLabel("Nothing is kept until you press Keep."))  # names files
        self.summary.setWordWrap(True)
        self.summary.setObjectName("datasetSummary")
        layout.addWidget(self.summary)
        self.details = QPlainTextEdit()
        self.details.setObjectName("datasetReport")
        self.details.setReadOnly(True)
        self.details.setMinimumHeight(120)
        layout.addWidget(self.details, 1)
        self.buttons = QDialogButtonBox()
        self.keep_button = self.buttons.addButton("Keep", QDialogButtonBox.ButtonRole.AcceptRole)
        self.keep_button.setObjectName("datasetKeep")
        self.keep_button.clicked.connect(self.keep)
        close = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.clicked.connect(self.close)
        layout.addWidget(self.buttons)
        self.resize(560, 460)

    def _update(self) -> None:
        scanning = self.job is not None
        self.scan_button.setEnabled(not scanning and bool(self.folder.text().strip()))
        self.stop_button.setEnabled(scanning)
        usable = self.report is not None and self.report.kept > 0 and not self.report.cancelled
        self.keep_button.setEnabled(not scanning and usable)

    @gui_slot(int)
    def _colour_changed(self, _index: int) -> None:
        rgb = self.colour.currentData() == "rgb"
        digit = self.fit.findData("digit")
        self.fit.model().item(digit).setEnabled(not rgb)  # the digit fit is grey only
        if rgb and self.fit.currentData() == "digit":
            self.fit.setCurrentIndex(self.fit.findData("crop"))

    @gui_slot(str)
    def _folder_typed(self, text: str) -> None:
        self.report = None
        if text.strip():
            self.name.setText(default_name(text.strip()))
        self._update()

    @gui_slot()
    def choose_folder(self) -> None:
        folder = ask.folder(self, "A folder of images", Path.home(),
                            session=self.actions.state.session)
        if folder is not None:
            self.folder.setText(str(folder))

    def spec(self) -> Any:
        from genai_studio.core.data.prepare import PrepareSpec

        return PrepareSpec(int(self.size.currentData()), str(self.colour.currentData()),
                           str(self.fit.currentData()))

    @gui_slot()
    def scan(self) -> None:
        self.report = None
        self.details.clear()
        self.progress.setValue(0)
        self.summary.setText("Scanning…")
        self.job = self.actions.scan(Path(self.folder.text().strip()), self.spec(),
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
        self.summary.setText(("Stopped: nothing will be kept. " if report.cancelled else "")
                             + lines[0])
        self.details.setPlainText("\n".join(lines[1:]) or "Every file was kept.")
        self.progress.setValue(1000)
        self._update()

    def on_failed(self, message: str) -> None:
        self.job = None
        self.summary.setText(f"Could not scan: {message}")
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


def _combo(name: str, items: list[tuple[str, Any]]) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    for text, data in items:
        combo.addItem(text, data)
    return combo
