"""Keeping only the newest of a burst: a pad drag sends points faster than they can be drawn,
and only the last one matters."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal, Slot


class Coalescer(QObject):
    """Keeps only the newest value and hands it to ``callback`` once the queue drains."""

    fire = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._value: object = None
        self._pending = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._flush)

    def push(self, value: object) -> None:
        self._value = value
        if not self._pending:
            self._pending = True
            self._timer.start()

    @Slot()
    def _flush(self) -> None:
        self._pending = False
        self.fire.emit(self._value)
