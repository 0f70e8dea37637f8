"""New dataset from folder: choose a folder and options, scan with a progress bar, read the
report (every skipped file and why), then keep it or not. Nothing is written before Keep."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from genai_studio.ui.common import ask
from genai_studio.ui.common.guard import gui_slot
from genai_studio.ui.common.scan_dialog import ScanDialog

if TYPE_CHECKING:
    from genai_studio.ui.library.dataset_actions import DatasetActions


def default_name(folder: str) -> str:
    """A dataset name from a folder's name: letters, digits, '-', '_' only."""
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(folder).name).strip("-_")
    return (name or "dataset")[:48]


class NewDatasetDialog(ScanDialog):
    def __init__(self, actions: DatasetActions, parent: QWidget | None = None) -> None:
        super().__init__(actions, parent)
        self.setObjectName("newDatasetDialog")
        self.setWindowTitle("New dataset from folder")
        self._build()
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
            ("pad: the whole image, padded", "pad"),
            ("glyph: letters, light on dark, the whole image", "glyph")])
        self.colour.currentIndexChanged.connect(self._colour_changed)
        form.addRow("Size", self.size)
        form.addRow("Colour", self.colour)
        form.addRow("Fit", self.fit)
        layout.addLayout(form)
        self.build_run_rows(layout, "Scan", "dataset")
        self.scan_button = self.run_button
        self.scan_button.setObjectName("datasetScan")
        self.scan_button.clicked.connect(self.scan)
        self.resize(560, 460)

    def can_run(self) -> bool:
        return bool(self.folder.text().strip())

    @gui_slot(int)
    def _colour_changed(self, _index: int) -> None:
        rgb = self.colour.currentData() == "rgb"
        from genai_studio.core.data.prepare import INK_FITS

        for grey_only in INK_FITS:
            self.fit.model().item(self.fit.findData(grey_only)).setEnabled(not rgb)
        if rgb and self.fit.currentData() in INK_FITS:
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
        folder, spec = Path(self.folder.text().strip()), self.spec()
        self.start(lambda *callbacks: self.actions.scan(folder, spec, *callbacks))


def _combo(name: str, items: list[tuple[str, Any]]) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    for text, data in items:
        combo.addItem(text, data)
    return combo
