"""The Datasets section of the library: the artist's datasets, a preview grid of each, and
New / Train on it / Delete. Draws ``state.library.datasets``; the work is ``DatasetActions``'."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from genai_studio.ui.common import theme
from genai_studio.ui.common.bind import enable, show
from genai_studio.ui.common.guard import gui_slot
from genai_studio.ui.common.imaging import ImagePreview
from genai_studio.ui.common.plain import tooltip
from genai_studio.ui.studio.state import StudioState


def describe(info: Any) -> str:
    c, h, w = info.image_shape
    meta = info.metadata
    counts = meta.get("counts") or {}
    options = meta.get("options") or {}
    skipped = counts.get("skipped_by_reason") or {}
    rows = [("images", info.num_images), ("size", f"{w}x{h} {'grey' if c == 1 else 'RGB'}"),
            ("fit", options.get("fit", "?")), ("from", meta.get("source", "?")),
            ("files found", counts.get("found", "?")),
            ("skipped", ", ".join(f"{r}: {n}" for r, n in skipped.items()) or "none"),
            ("made", meta.get("created", ""))]
    body = "".join(f"<tr><td style='color:{theme.MUTED}; padding-right:8px'>{k}</td>"
                   f"<td>{html.escape(str(v))}</td></tr>" for k, v in rows)
    return f"<b>{html.escape(info.name)}</b><table>{body}</table>"


class DatasetPanel(QWidget):
    """The artist's datasets (``state.library.datasets``), the selected one's first images
    and facts; New, Train and Delete are intents the dataset controller answers."""

    new_requested = Signal()
    train_requested = Signal(object)  # core.data.datasets.DatasetInfo
    delete_requested = Signal(object)  # core.data.datasets.DatasetInfo

    def __init__(self, state: StudioState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("datasetPanel")
        self.state = state
        self._build()
        lib = state.library
        show(self, lib, "datasets", self.on_datasets)
        show(self, lib, "selected_dataset", self.on_current)
        show(self, lib, "dataset_preview", self.on_preview)
        enable(self.train_button, lib, "has_dataset")
        enable(self.delete_button, lib, "has_dataset")

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        self.list = QListWidget()
        self.list.setObjectName("datasetList")
        self.list.currentRowChanged.connect(self._row_chosen)
        layout.addWidget(self.list, 2)
        row = QHBoxLayout()
        self.new_button = QPushButton("New…")
        self.new_button.setToolTip("A new dataset from a folder of your images")
        self.new_button.setObjectName("datasetNew")
        self.new_button.clicked.connect(self.new_requested)
        self.train_button = QPushButton("Train")
        self.train_button.setObjectName("datasetTrain")
        self.train_button.setToolTip("Fill in the training form with this dataset")
        self.train_button.clicked.connect(self._train)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setObjectName("datasetDelete")
        self.delete_button.clicked.connect(self._delete)
        for button in (self.new_button, self.train_button, self.delete_button):
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        self.preview = ImagePreview("datasetPreview")
        self.preview.setMinimumSize(120, 120)
        layout.addWidget(self.preview, 3)
        self.info = QLabel("")
        self.info.setObjectName("datasetInfo")
        self.info.setWordWrap(True)
        self.info.setTextFormat(Qt.TextFormat.RichText)
        # Ignored width: a long source path must not widen the dock.
        self.info.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout.addWidget(self.info)
        self.empty = QLabel("No datasets yet. Make one from a folder of your images: File > "
                            "New dataset from folder.")
        self.empty.setProperty("role", "hint")
        self.empty.setWordWrap(True)
        layout.addWidget(self.empty)

    def current(self) -> Any:
        return self.state.library.selected_dataset

    def on_datasets(self, datasets: tuple) -> None:
        lib = self.state.library
        self._listing = True
        try:
            self.list.clear()
            for info in datasets:
                c, h, _ = info.image_shape
                item = QListWidgetItem(f"{info.name}\n      {info.num_images} images · {h}px "
                                       f"{'grey' if c == 1 else 'RGB'}")
                item.setToolTip(tooltip(info.path))
                self.list.addItem(item)
        finally:
            self._listing = False
        self.empty.setVisible(not datasets)
        paths = [d.path for d in datasets]
        if lib.dataset not in paths:
            lib.dataset = paths[0] if paths else None
        self.list.setCurrentRow(paths.index(lib.dataset) if lib.dataset in paths else -1)

    @gui_slot(int)
    def _row_chosen(self, row: int) -> None:
        datasets = self.state.library.datasets
        if not getattr(self, "_listing", False):
            self.state.library.dataset = datasets[row].path if 0 <= row < len(datasets) \
                else None

    def on_current(self, info: Any) -> None:
        self.preview.setVisible(info is not None)
        self.info.setText(describe(info) if info is not None else "")
        self.on_preview(self.state.library.dataset_preview)

    def on_preview(self, preview: Any) -> None:
        info = self.current()
        if preview is not None and info is not None and preview.path == info.path:
            self.preview.set_pixels(preview.grid, f"first {preview.count} images",
                                    immediate=False)

    @gui_slot()
    def _train(self) -> None:
        if self.current() is not None:
            self.train_requested.emit(self.current())

    @gui_slot()
    def _delete(self) -> None:
        if self.current() is not None:
            self.delete_requested.emit(self.current())
