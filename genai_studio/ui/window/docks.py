"""The window's docks: where each panel lives, and putting them back there.

The library (models and datasets), the training panel, the gallery and the sketch share the
left side as tabs (idle, they take no room),
the latent pad runs the full height on the right, the morph strip sits under the canvas (the
inside view, opened from the View menu, in a tab beside it); the canvas takes the rest
(docs/architecture.md, Layout and look).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow, QScrollArea, QTabBar, QWidget

DOCK_AREAS = {"library": Qt.DockWidgetArea.LeftDockWidgetArea,
              "training": Qt.DockWidgetArea.LeftDockWidgetArea,
              "pad": Qt.DockWidgetArea.RightDockWidgetArea,
              "morph": Qt.DockWidgetArea.BottomDockWidgetArea,
              "gallery": Qt.DockWidgetArea.LeftDockWidgetArea,
              "material": Qt.DockWidgetArea.LeftDockWidgetArea,
              "inside": Qt.DockWidgetArea.BottomDockWidgetArea,
              "genes": Qt.DockWidgetArea.LeftDockWidgetArea,
              "breeding": Qt.DockWidgetArea.RightDockWidgetArea,
              "history": Qt.DockWidgetArea.RightDockWidgetArea}
# In tabs behind the library (genes too: the pad and its preview stay in view on the right
# while a gene slider moves them).
TABBED = ("training", "gallery", "material", "genes")
BEHIND_PAD = ("breeding", "history")  # in tabs behind the latent pad
CLOSED = ("inside",)  # opened from the View menu


def make_dock(window: QMainWindow, name: str, title: str, widget: QWidget) -> QDockWidget:
    dock = QDockWidget(title, window)
    dock.setObjectName(f"{title.lower().replace(' ', '_')}_dock")
    dock.setWidget(widget)
    dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                     | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                     | QDockWidget.DockWidgetFeature.DockWidgetClosable)
    window.addDockWidget(DOCK_AREAS[name], dock)
    return dock


def scrolling(widget: QWidget) -> QScrollArea:
    """A panel in a scroll area: its natural height never sets the window's minimum."""
    scroll = QScrollArea()
    scroll.setWidget(widget)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setObjectName(f"{widget.objectName()}Scroll")
    return scroll


def reset_layout(window: QMainWindow, docks: dict[str, QDockWidget]) -> None:
    """Every dock where it starts, sized for the window as it is now: a slim library with
    training in a tab behind it, a roomy pad, a slim morph strip; the canvas gets the rest.

    Docks already in place are only resized: re-docking them (or ``restoreState``) makes Qt
    leave a stale copy of the tab bar behind, drawn over the status bar."""
    for name, dock in docks.items():
        if dock.isFloating() or window.dockWidgetArea(dock) != DOCK_AREAS[name]:
            dock.setFloating(False)
            window.addDockWidget(DOCK_AREAS[name], dock)
        if name not in CLOSED:
            dock.show()
    place_inside_view(window, docks)
    for name in TABBED:
        if docks[name] not in window.tabifiedDockWidgets(docks["library"]):
            window.tabifyDockWidget(docks["library"], docks[name])
    for name in BEHIND_PAD:
        if name in docks and docks[name] not in window.tabifiedDockWidgets(docks["pad"]):
            window.tabifyDockWidget(docks["pad"], docks[name])
    docks["library"].raise_()
    docks["pad"].raise_()
    width = window.width()
    side = int(min(max(0.18 * width, 240), 380))
    pad = int(min(max(0.28 * width, 290), 720))
    window.resizeDocks([docks["library"], docks["pad"]], [side, pad], Qt.Orientation.Horizontal)
    # The strip's least height holds two rows of 48 px frames; a tall window gives it more.
    strip = max(docks["morph"].minimumSizeHint().height(), int(0.16 * window.height()))
    window.resizeDocks([docks["morph"]], [strip], Qt.Orientation.Vertical)
    hide_stale_tab_bars(window)


def hide_stale_tab_bars(window: QMainWindow) -> None:
    """Hide the tab bars Qt left on screen for tab groups that no longer exist.

    Growing a group of docked tabs, re-docking or restoring a layout leaves the old group's
    bar visible where it was (PySide6 6.11): a strip of half-hidden tab titles over the
    toolbar or the canvas. A bar is stale when its tabs are not the docks now grouped with
    the dock its first tab names; Qt shows a bar again itself if it takes it back into use.
    """
    docks = {dock.windowTitle(): dock for dock in window.findChildren(QDockWidget)}
    for bar in window.findChildren(QTabBar):
        if bar.parent() is not window or bar.isHidden() or bar.count() == 0:
            continue
        first = docks.get(bar.tabText(0))
        if first is None:
            continue
        group = {first, *window.tabifiedDockWidgets(first)}
        live = {dock.windowTitle() for dock in group if not dock.isHidden()}
        if {bar.tabText(i) for i in range(bar.count())} != live:
            bar.hide()


def place_inside_view(window: QMainWindow, docks: dict[str, QDockWidget]) -> None:
    """The inside view: closed, in a tab beside the morph strip under the canvas (a wide strip
    suits its left-to-right diagram; side by side, the two strips' minimum widths would add up
    and stop the window fitting a small laptop)."""
    inside = docks["inside"]
    inside.hide()
    if inside not in window.tabifiedDockWidgets(docks["morph"]):
        window.tabifyDockWidget(docks["morph"], inside)
        inside.hide()
    docks["morph"].raise_()
