"""Panels that start hidden are built the first time they are shown (issue 21).

The training panel, the gallery and the sketch wait in tabs behind the library, the inside
view starts closed and the datasets are the library's second tab: none of them is on screen
at start, so the start-up builds none of them (nor imports their modules). Each waits as a
:class:`BuiltOnShow` placeholder that builds and wires its panel in the event that first
shows it, before that frame is painted, or when code first reads it (``window.training``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QDockWidget, QMainWindow, QVBoxLayout, QWidget

from genai_studio.ui.common.guard import gui_slot
from genai_studio.ui.common.input_policy import apply_input_policy
from genai_studio.ui.window.docks import scrolling

if TYPE_CHECKING:
    from genai_studio.ui.window.main_window import MainWindow


class BuiltOnShow(QWidget):
    """Holds the place of a panel that starts hidden and builds it when it is first shown,
    or first asked for (:meth:`content`); ``scroll`` puts the panel in a scroll area."""

    def __init__(self, name: str, build: Callable[[], QWidget], scroll: bool = False) -> None:
        super().__init__()
        self.setObjectName(f"{name}Deferred")
        self._build = build
        self._building = False
        self._scroll = scroll
        self._content: QWidget | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

    @property
    def built(self) -> bool:
        return self._content is not None

    def content(self) -> QWidget:
        """The panel, built now if it was not yet."""
        if self._content is None:
            if self._building:
                raise RuntimeError(f"{self.objectName()}: its build asked for the panel itself")
            self._building = True
            try:  # a build that fails (a missing module) is tried again on the next show
                self._content = self._build()
            finally:
                self._building = False
            apply_input_policy(self._content)  # the studio's wheel rule, as for every panel
            shown = scrolling(self._content) if self._scroll else self._content
            self.layout().addWidget(shown)
            if self.isVisible():  # a layout would show a new child only on the next turn
                shown.show()
        return self._content

    @gui_slot(bool)
    def on_visible(self, visible: bool) -> None:
        if visible:
            self.content()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        # A dock behind another tab counts as shown (Qt only covers it), so in a dock the
        # dock's visibilityChanged, which follows the tabs, says when it is on screen.
        if not isinstance(self.parentWidget(), QDockWidget):
            self.content()
        super().showEvent(event)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        dock = self.parentWidget()
        if event.type() == QEvent.Type.ParentChange and isinstance(dock, QDockWidget):
            dock.visibilityChanged.connect(self.on_visible)
        super().changeEvent(event)


class Panel:
    """A window attribute for a panel built on first show: reading it builds the panel
    (``window.deferred[name]``), so code and tests reach it as if it had been built at start."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, window: QMainWindow | None, owner: type) -> object:
        if window is None:
            return self
        return window.deferred[self.name].content()  # type: ignore[attr-defined]


def hidden_panels(window: MainWindow) -> dict[str, BuiltOnShow]:
    """The panels that start hidden, each built and connected to its controller when first
    shown."""
    s, a = window.state, window.actions

    def training() -> QWidget:
        from genai_studio.ui.training.panel import TrainingPanel

        return TrainingPanel(s, a)

    def gallery() -> QWidget:
        from genai_studio.ui.takeout.gallery import GalleryPanel

        panel = GalleryPanel(s)
        window.take_out.gallery.connect_panel(panel)
        return panel

    def material() -> QWidget:
        from genai_studio.ui.material.panel import MaterialPanel

        panel = MaterialPanel(s)
        window.material.connect_panel(panel)
        return panel

    def datasets() -> QWidget:
        from genai_studio.ui.library.datasets_panel import DatasetPanel

        panel = DatasetPanel(s)
        window.dataset_actions.connect_panel(panel)
        return panel

    def inside() -> QWidget:
        from genai_studio.ui.inside.view import InsideView

        panel = InsideView(s)
        panel.image_dropped.connect(window.lens.open_image)
        return panel

    return {"training": BuiltOnShow("training", training, scroll=True),
            "gallery": BuiltOnShow("gallery", gallery),
            "material": BuiltOnShow("material", material, scroll=True),
            "datasets": BuiltOnShow("datasets", datasets, scroll=True),
            "inside": BuiltOnShow("inside", inside)}
