"""The loss curves of the run in progress: plain names, the formula on hover, and a plot that
stays put.

pyqtgraph's plot zooms under the wheel and drags under the mouse by default, and its right
click opens an engineering menu (axes, transforms, export). Here the wheel scrolls the panel as
everywhere in the studio, the view follows the curves, and the right click offers what an
artist needs: copy the image, save the numbers as CSV, reset the view, and (asked for) zoom
with the wheel and mouse. pyqtgraph is imported on the GUI thread once start-up is over
(``preload_plotting``).
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPoint, QSize, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QGridLayout, QLabel, QMenu, QVBoxLayout, QWidget

from genai_studio.core.train import loss_terms
from genai_studio.ui.common import ask, theme
from genai_studio.ui.common.guard import gui_slot
from genai_studio.ui.studio.state import StudioState

PLOT_INTERVAL_S = 0.25  # the curves redraw at most 4 times a second
# The plot's natural height. pyqtgraph asks for ~500 px, and a side dock lays its panel out at
# the natural heights (word-wrapped labels): that put the curves below the fold at 1366x768.
# It still grows into any room the panel has to spare.
PLOT_HINT_HEIGHT = 170
CURVE_COLOURS = ("ACCENT", "#e0a43a", "#3fbfa0", "DANGER")
LEGEND_COLUMNS = 2


PRELOAD_RETRY_MS = 500  # a drag is under way: the import waits for the button to be let go

log = logging.getLogger(__name__)


def preload_plotting() -> None:
    """Import pyqtgraph on the GUI thread in a quiet moment after start-up, so that the first
    Train does not freeze for it (~200 ms on 2 cores).

    Never on a worker thread: the import reads every PySide6 type, and PySide6 builds a type's
    wrapper the first time it is read, which is not thread-safe. Done on the inference thread
    beside the GUI thread, it crashed the studio (SIGSEGV) in about 1 launch in 20.
    """
    if "pyqtgraph" in sys.modules:
        return
    if QGuiApplication.mouseButtons() != Qt.MouseButton.NoButton:
        QTimer.singleShot(PRELOAD_RETRY_MS, preload_plotting)
        return
    try:
        import pyqtgraph  # noqa: F401
    except Exception:  # noqa: BLE001 - an optimisation only; the first Train says what failed
        log.exception("could not pre-load the plotting library")


class LossPlot(QWidget):
    def __init__(self, state: StudioState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.history: dict[str, list[float]] = {}
        self.steps: list[int] = []
        self.plot: Any = None
        self.curves: dict[str, Any] = {}
        self.zoomable = False
        self._plotted_at = 0.0
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.hint = QLabel("Loss curves appear here while a model trains.")
        self.hint.setProperty("role", "hint")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setWordWrap(True)
        self.box.addWidget(self.hint)
        # Two chips a row, each wrapping its words: a GAN's four curves in one row made the
        # plot 471 px wide and pushed the training form out of a 1366 px window's side dock.
        self.legend = QGridLayout()
        self.legend.setHorizontalSpacing(10)
        self.legend.setVerticalSpacing(2)
        self.box.addLayout(self.legend)

    def ensure_plot(self) -> None:
        if self.plot is not None:
            return
        import pyqtgraph as pg

        # No antialiasing: antialiased polylines cost the GUI thread ~10x more to draw, and
        # this plot redraws while training competes for the same two cores.
        pg.setConfigOptions(antialias=False, background=theme.PANEL, foreground=theme.MUTED)
        class CompactPlot(pg.PlotWidget):
            def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
                return QSize(super().sizeHint().width(), PLOT_HINT_HEIGHT)

        self.plot = CompactPlot()
        self.plot.setObjectName("lossPlot")
        self.plot.setMinimumHeight(90)
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.plot.setDownsampling(auto=True, mode="peak")
        self.plot.setClipToView(True)
        self.plot.setLabel("bottom", "step")
        self.plot.setMenuEnabled(False)  # pyqtgraph's own menu: axes, transforms, export
        self.plot.hideButtons()
        self.plot.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.plot.customContextMenuRequested.connect(self.show_menu)
        self.set_zoomable(False)
        self.box.insertWidget(0, self.plot, 1)
        self.plot.hide()

    def set_zoomable(self, on: bool) -> None:
        """Wheel zoom and mouse drag, only when asked for from the menu."""
        self.zoomable = bool(on)
        if self.plot is not None:
            self.plot.setMouseEnabled(x=self.zoomable, y=self.zoomable)
            if not self.zoomable:
                self.reset_view()

    def reset_view(self) -> None:
        if self.plot is not None:
            self.plot.enableAutoRange()

    def start_run(self) -> None:
        self.ensure_plot()
        self.history.clear()
        self.steps.clear()
        self.plot.clear()
        self.curves.clear()
        while self.legend.count():
            item = self.legend.takeAt(0)
            if item.widget() is not None:
                item.widget().hide()  # now: the delete waits for the event loop
                item.widget().deleteLater()
        self.hint.hide()
        self.plot.show()
        self.reset_view()

    def add(self, step: int, losses: dict[str, float]) -> None:
        self.steps.append(step)
        for name, value in losses.items():
            self.history.setdefault(name, []).append(value)
        if time.perf_counter() - self._plotted_at >= PLOT_INTERVAL_S:
            self.redraw()  # otherwise the data waits; the curve catches up next time

    def redraw(self) -> None:
        if self.plot is None:
            return
        self._plotted_at = time.perf_counter()
        for k, (name, values) in enumerate(self.history.items()):
            curve = self.curves.get(name)
            if curve is None:
                colour = theme.qcolour(CURVE_COLOURS[k % len(CURVE_COLOURS)])
                curve = self.plot.plot(pen={"color": colour, "width": 2})
                self.curves[name] = curve
                self._add_legend(name, colour.name())
            curve.setData(self.steps[-len(values):], values)

    def _add_legend(self, name: str, colour: str) -> None:
        """A legend under the plot, never over the curves; the formula is its tooltip."""
        chip = QLabel(f"<span style='color:{colour}'>■</span> {loss_terms.label(name)}")
        chip.setToolTip(loss_terms.formula(name))
        chip.setProperty("role", "hint")
        chip.setWordWrap(True)
        row, column = divmod(self.legend.count(), LEGEND_COLUMNS)
        self.legend.addWidget(chip, row, column)

    # ---------------------------------------------------------------- the menu

    def menu(self) -> QMenu:
        menu = QMenu(self)
        menu.setObjectName("lossPlotMenu")
        copy = menu.addAction("Copy image", self.copy_image)
        csv = menu.addAction("Save as CSV…", self.save_csv)
        menu.addAction("Reset view", self.reset_view)
        menu.addSeparator()
        zoom = menu.addAction("Zoom with the wheel and mouse")
        zoom.setCheckable(True)
        zoom.setChecked(self.zoomable)
        zoom.toggled.connect(self.set_zoomable)
        copy.setEnabled(self.plot is not None and self.plot.isVisible())
        csv.setEnabled(bool(self.steps))
        return menu

    @gui_slot(QPoint)
    def show_menu(self, where: QPoint) -> None:
        self.menu().popup(self.plot.mapToGlobal(where))

    def copy_image(self) -> None:
        QGuiApplication.clipboard().setPixmap(self.plot.grab())
        self.state.post("Copied the loss curves")

    def csv_text(self) -> str:
        """One row per step shown: step, then each loss under its plain name."""
        names = list(self.history)
        rows = ["step," + ",".join(f'"{loss_terms.label(n)}"' for n in names)]
        for k, step in enumerate(self.steps):
            values = []
            for name in names:
                series = self.history[name]
                offset = len(self.steps) - len(series)  # a loss that began reporting late
                values.append(f"{series[k - offset]:.6g}" if k >= offset else "")
            rows.append(f"{step}," + ",".join(values))
        return "\n".join(rows) + "\n"

    def save_csv(self) -> None:
        path = ask.save_path(self, "Save the loss curves", Path.home() / "losses.csv",
                             "CSV files (*.csv)", session=self.state.session)
        if path is not None:
            self.state.request_save(path, self.csv_text().encode("utf-8"), "the loss curves")
