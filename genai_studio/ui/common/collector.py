"""Python's cyclic garbage collector, run on the GUI thread only.

Left to itself, the collector runs in whichever thread happens to allocate when a threshold is
crossed: a worker thread, as often as not. If the garbage it finds holds the last reference to
a Qt object that Python owns (a closed window whose actions' handlers refer back to it, say),
that object is destroyed on the worker thread, and Qt crashes (seen here: a segmentation fault
inside a model load on the inference thread). So the studio turns automatic collection off
and collects from a timer on the GUI thread instead, the approach of pyqtgraph's
``GarbageCollector``. Reference counting still frees everything that is not in a cycle at once.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Slot

INTERVAL_MS = 1000


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(INTERVAL_MS)

    @Slot()
    def check(self) -> None:
        """Collect the oldest generation whose allocation count passed its threshold."""
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self.threshold[generation]:
                gc.collect(generation)
                return


def install(app: QCoreApplication) -> GuiThreadCollector:
    """Once per application; later calls return the collector already there."""
    found = app.findChild(GuiThreadCollector)
    return found if found is not None else GuiThreadCollector(app)
