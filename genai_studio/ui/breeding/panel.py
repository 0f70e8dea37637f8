"""The Breeding panel: the parents chosen, how far their children may go, and Breed."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QIcon, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from genai_studio.ui.common.bind import bind, enable, mirror, show
from genai_studio.ui.common.guard import gui_slot
from genai_studio.ui.common.imaging import dropped_images, gray_image, upscale_nearest
from genai_studio.ui.studio.state import StudioState

THUMB = 56


class BreedingPanel(QWidget):
    """Draws the parents; writes the spread; asks for images and removals by its signals."""

    images_requested = Signal()  # "Add exported images…"
    images_dropped = Signal(list)  # list[Path]

    def __init__(self, state: StudioState, actions: Mapping[str, QAction],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("breedingPanel")
        self.setAcceptDrops(True)
        self.state = state
        self._build(actions)
        show(self, state.breeding, "parents", self.on_parents)
        show(self, state.breeding, "own_parents", self.on_parents)

    def _build(self, actions: Mapping[str, QAction]) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        intro = QLabel("Pick two or more parents (tiles, or images you exported: drop them "
                       "here), then Breed: the canvas fills with their children, and they "
                       "can be parents in turn.")
        intro.setWordWrap(True)
        intro.setProperty("role", "hint")
        layout.addWidget(intro)
        self.list = QListWidget()
        self.list.setObjectName("breedingParents")
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setIconSize(QSize(THUMB, THUMB))
        self.list.setMovement(QListView.Movement.Static)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setMinimumHeight(THUMB + 34)
        self.list.setMaximumHeight(2 * THUMB + 60)
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        layout.addWidget(self.list)
        row = QHBoxLayout()
        self.add_button = QPushButton("Add the tile")
        mirror(self.add_button, actions["breed_add"])
        self.add_button.setToolTip(actions["breed_add"].toolTip())
        self.images_button = QPushButton("Add images…")
        self.images_button.setToolTip("Exported images (a tile each) made with this model")
        self.images_button.clicked.connect(self.images_requested)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the parents selected in this list")
        self.remove_button.clicked.connect(self._remove)
        enable(self.remove_button, self.state.breeding, "can_clear")
        row.addWidget(self.add_button)
        row.addWidget(self.images_button)
        layout.addLayout(row)
        row2 = QHBoxLayout()
        row2.addWidget(self.remove_button)
        row2.addStretch(1)
        layout.addLayout(row2)
        spread_row = QHBoxLayout()
        caption = QLabel("How far")
        caption.setToolTip("How far children go from their parents: close mixes the parents "
                           "only, far owes them little.\nchild = √(1 − s²)·crossover + s·ε, "
                           "ε ~ N(0, I), s from 0 to 1")
        self.spread = QSlider(Qt.Orientation.Horizontal)
        self.spread.setObjectName("breedingSpread")
        self.spread.setRange(0, 100)
        self.spread.setToolTip(caption.toolTip())
        bind(self.spread, self.state.breeding, "spread",
             convert=lambda s: round(100 * s), back=lambda v: v / 100)
        self.spread_value = QLabel("")
        show(self, self.state.breeding, "spread",
             lambda s: self.spread_value.setText(f"{s:.2f}"))
        head = QHBoxLayout()
        head.addWidget(caption)
        head.addStretch(1)
        head.addWidget(self.spread_value)
        layout.addLayout(head)
        spread_row.addWidget(QLabel("close"))
        spread_row.addWidget(self.spread, 1)
        spread_row.addWidget(QLabel("far"))
        layout.addLayout(spread_row)
        self.breed_button = QPushButton("Breed")
        self.breed_button.setObjectName("breedButton")
        mirror(self.breed_button, actions["breed"])
        self.breed_button.setToolTip(actions["breed"].toolTip())
        layout.addWidget(self.breed_button)
        self.count = QLabel("")
        self.count.setProperty("role", "hint")
        self.count.setWordWrap(True)
        layout.addWidget(self.count)
        layout.addStretch(1)

    @gui_slot(object)
    def on_parents(self, _parents: Any = None) -> None:
        b = self.state.breeding
        own = set(map(id, b.own_parents))
        self.list.clear()
        for k, tile in enumerate(b.parents):
            pixmap = QPixmap.fromImage(gray_image(upscale_nearest(tile.image, THUMB)))
            item = QListWidgetItem(QIcon(pixmap), f"{k + 1}")
            item.setToolTip(tile.parent.source + ("" if id(tile) in own
                                                  else " (another model's: left out)"))
            if id(tile) not in own:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            self.list.addItem(item)
        n = len(b.own_parents)
        self.count.setText("No parents yet." if not b.parents else
                           f"{n} parent{'s' if n != 1 else ''} of this model"
                           + ("" if n >= 2 else ": one more to breed"))

    def _remove(self) -> None:
        rows = sorted({i.row() for i in self.list.selectedIndexes()}, reverse=True)
        if not rows:
            rows = [self.list.count() - 1] if self.list.count() else []
        for row in rows:
            self.state.breeding.remove(row)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if dropped_images(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        paths = [Path(p) for p in dropped_images(event.mimeData())]
        if paths:
            event.acceptProposedAction()
            self.images_dropped.emit(paths)
