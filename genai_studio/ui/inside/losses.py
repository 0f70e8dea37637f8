"""The inside view's loss rows: while a model trains, its loss terms under their plain names,
each with its formula in a tooltip (``core/train/loss_terms.py``)."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from genai_studio.core.train import loss_terms

LOSS_INTERVAL_S = 0.1  # the loss rows change at most ten times a second


class LossRows(QWidget):
    """The training run's loss terms, each under its plain name with its formula as tooltip.

    A fixed pool of labels, made once and relabelled: no widget is created or deleted while a
    run streams its progress."""

    POOL = 8  # more loss terms than any trainer reports

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("insideLosses")
        grid = QGridLayout(self)
        grid.setContentsMargins(6, 0, 6, 4)
        grid.setHorizontalSpacing(12)
        self.pool: list[tuple[QLabel, QLabel]] = []
        for i in range(self.POOL):
            pair = (QLabel(self), QLabel(self))
            row, col = divmod(i, 2)
            for k, label in enumerate(pair):
                label.setProperty("role", "hint")
                label.hide()
                grid.addWidget(label, row, 2 * col + k)
            self.pool.append(pair)
        self.rows: dict[str, tuple[QLabel, QLabel]] = {}
        self._last = 0.0
        self.updates = 0

    def show_losses(self, losses: dict[str, float], force: bool = False) -> bool:
        """Show ``losses`` unless the last update was under 0.1 s ago; whether it did."""
        now = time.perf_counter()
        if not force and now - self._last < LOSS_INTERVAL_S:
            return False
        self._last = now
        self.updates += 1
        if list(losses) != list(self.rows):
            self._relabel(list(losses)[: self.POOL])
        for key, (_, value) in self.rows.items():
            value.setText(f"{losses[key]:.4g}")
        return True

    def _relabel(self, keys: list[str]) -> None:
        self.rows = {}
        for i, (name, value) in enumerate(self.pool):
            shown = i < len(keys)
            if shown:
                key = keys[i]
                name.setText(loss_terms.label(key))
                for label in (name, value):
                    label.setToolTip(loss_terms.formula(key))
                self.rows[key] = (name, value)
            name.setVisible(shown)
            value.setVisible(shown)

    def clear(self) -> None:
        self._relabel([])
