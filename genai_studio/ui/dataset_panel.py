"""The Datasets section of the library: the artist's datasets, a preview grid of each, and
New / Train on it / Delete. Draws ``state.datasets``; the work is ``DatasetActions``'."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt
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

from genai_studio.ui import theme
from genai_studio.ui.dataset_actions import DatasetActions
from genai_studio.ui.guard import gui_slot
from genai_studio.ui.preview import PadPreview
from genai_studio.ui.state import StudioState


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
    def __init__(self, state: StudioState, actions: DatasetActions,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("datasetPanel")
        self.state, self.actions = state, actions
        self._build()
        state.datasets_changed.connect(self.on_datasets)
        self.on_datasets(state.datasets)

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        self.list = QListWidget()
        self.list.setObjectName("datasetList")
        self.list.currentRowChanged.connect(self.on_current)
        layout.addWidget(self.list, 2)
        row = QHBoxLayout()
        self.new_button = QPushButton("New…")
        self.new_button.setToolTip("A new dataset from a folder of your images")
        self.new_button.setObjectName("datasetNew")
        self.new_button.clicked.connect(self.actions.ask_new)
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
        self.preview = PadPreview()
        self.preview.setObjectName("datasetPreview")
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
        row = self.list.currentRow()
        datasets = self.state.datasets
        return datasets[row] if 0 <= row < len(datasets) else None

    @gui_slot(object)
    def on_datasets(self, datasets: tuple) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for info in datasets:
            c, h, _ = info.image_shape
            item = QListWidgetItem(f"{info.name}\n      {info.num_images} images · {h}px "
                                   f"{'grey' if c == 1 else 'RGB'}")
            item.setToolTip(str(info.path))
            self.list.addItem(item)
        self.list.blockSignals(False)
        self.empty.setVisible(not datasets)
        self.list.setCurrentRow(0 if datasets else -1)
        self.on_current(self.list.currentRow())

    @gui_slot(int)
    def on_current(self, _row: int) -> None:
        info = self.current()
        self.train_button.setEnabled(info is not None)
        self.delete_button.setEnabled(info is not None)
        self.preview.setVisible(info is not None)
        self.info.setText(describe(info) if info is not None else "")
        if info is not None:
            self.actions.preview(info, lambda grid, shown=info: self._show(shown, grid))

    def _show(self, info: Any, grid: Any) -> None:
        if info is self.current():
            self.preview.set_pixels(grid, f"first {min(64, info.num_images)} images",
                                    immediate=False)

    @gui_slot()
    def _train(self) -> None:
        if self.current() is not None:
            self.actions.train_on(self.current())

    @gui_slot()
    def _delete(self) -> None:
        if self.current() is not None:
            self.actions.ask_delete(self.current())
