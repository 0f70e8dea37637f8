"""Genes, breeding and the history list, composed for the window: their controllers, panels,
docks, commands and wiring (kept out of ``main_window.py``, which composes them with the rest).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QDockWidget

from genai_studio.ui.breeding.controller import Breeding
from genai_studio.ui.breeding.panel import BreedingPanel
from genai_studio.ui.common import ask
from genai_studio.ui.common.guard import gui_slot
from genai_studio.ui.genes.controller import GenesController
from genai_studio.ui.genes.panel import GenesPanel
from genai_studio.ui.history.panel import HistoryPanel
from genai_studio.ui.takeout.reopen import IMAGE_FILTER
from genai_studio.ui.window import docks

if TYPE_CHECKING:
    from genai_studio.ui.window.main_window import MainWindow


class Steering(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.genes = GenesController(window.state, window.studio, window.paths.judge, self)
        self.breeding = Breeding(window.state, window.studio, self)

    def handlers(self) -> dict[str, Callable[[], object]]:
        return {"breed_add": self.breeding.add_tile, "breed": self.breeding.breed}

    def make_docks(self) -> dict[str, QDockWidget]:
        """The panels (once the actions exist) in their docks."""
        w, s = self.window, self.window.state
        self.genes_panel = GenesPanel(s)
        self.breeding_panel = BreedingPanel(s, w.actions)
        self.history_panel = HistoryPanel(s, w.actions)
        return {
            "genes": docks.make_dock(w, "genes", "Genes", docks.scrolling(self.genes_panel)),
            "breeding": docks.make_dock(w, "breeding", "Breeding",
                                        docks.scrolling(self.breeding_panel)),
            "history": docks.make_dock(w, "history", "History", self.history_panel),
        }

    def connect(self) -> None:
        w = self.window
        for name in docks.BEHIND_PAD:  # breeding and the history list wait behind the pad
            w.tabifyDockWidget(w.docks["pad"], w.docks[name])
        w.docks["pad"].raise_()
        w.docks["genes"].visibilityChanged.connect(self.on_genes_visible)
        self.genes_panel.find_requested.connect(self.genes.find)
        self.genes_panel.make_requested.connect(self.genes.make_gene)
        self.genes_panel.remove_requested.connect(self.genes.remove_gene)
        self.breeding_panel.images_requested.connect(self.ask_parent_images)
        self.breeding_panel.images_dropped.connect(self.breeding.add_images)
        self.history_panel.step_requested.connect(w.take_out.history.go)

    @gui_slot(bool)
    def on_genes_visible(self, visible: bool) -> None:
        """Genes are found only while their panel is on screen."""
        self.window.state.genes.open = visible

    @gui_slot()
    def ask_parent_images(self) -> None:
        """An exported image (a gallery favourite, say) as a parent; more can be dropped."""
        path = ask.open_path(self.window, "Add a parent from an exported image",
                             self.window.paths.favourites, IMAGE_FILTER)
        if path is not None:
            self.breeding.add_images([Path(path)])
