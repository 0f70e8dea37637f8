"""The quality meter: the judge's verdict on each training preview, and its trend.

The training worker scores the fixed-noise preview batch (``core.quality``) and sends the
numbers; this widget only draws them. The headline (a bar) is a quality figure that a
model cannot game by drawing one crisp digit over and over: the judge's confidence times the
share of the digits that appear (for conditional models: times the share drawn as asked).
Under it one line of the raw numbers, and a sparkline of quality over the run answers "does
more training still help?" at a glance.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QGridLayout, QLabel, QProgressBar, QSizePolicy, QWidget

from genai_studio.ui.common import theme
from genai_studio.ui.common.guard import gui_slot
from genai_studio.ui.common.plain import plain, tooltip

GOAL = 0.90  # a faint line on the trend: confident, varied digits
IDLE_TEXT = "The judge scores each preview while a model trains."


def quality(scores: Any) -> float:
    """Confidence x variety in [0, 1]: 1 only for crisp digits that are the right ones.

    Unconditional: confidence x (digits present / 10), so one crisp digit repeated scores 0.1
    whatever its confidence. Conditional: confidence x the share judged as the digit asked for.
    """
    variety = scores.label_accuracy if scores.label_accuracy is not None \
        else scores.digits_present / 10
    return float(scores.mean_confidence) * float(variety)


def verdict_colour(scores: Any) -> str:
    """Green only when the judge is sure *and* the digits are right: a model that draws one
    crisp digit over and over is confident, not good."""
    if scores.label_accuracy is not None:  # conditional: the digits are asked for
        variety_good, variety_poor = scores.label_accuracy >= 0.9, scores.label_accuracy < 0.5
    else:  # 64 images: all ten digits are expected (9 allows for chance)
        variety_good, variety_poor = scores.digits_present >= 9, scores.digits_present <= 5
    if scores.mean_confidence < 0.7 or variety_poor:
        return theme.DANGER
    return theme.GOOD if scores.mean_confidence >= GOAL and variety_good else theme.FAIR


def _span(values: list[float]) -> tuple[float, float]:
    """The y range: the data and the goal, at least 0.1 tall, so a rise of 0.01 shows."""
    lo, hi = min([*values, GOAL]), max([*values, GOAL])
    pad = max(0.1 - (hi - lo), 0.0) / 2 + 0.01
    return lo - pad, hi + pad


class Sparkline(QWidget):
    """Values in [0, 1] over time as a thin line, scaled to their range and the goal's."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("qualityTrend")
        self.values: list[float] = []
        self.setFixedHeight(22)  # one row beside the bar: the loss plot keeps its height
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(120, 22)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        p.setPen(QPen(QColor(theme.BORDER), 1))
        p.setBrush(QColor(theme.BG))
        p.drawRoundedRect(self.rect().adjusted(0, 0, -1, -1), 4, 4)
        w, h = self.width() - 8, self.height() - 6
        lo, hi = _span(self.values)

        def y(v: float) -> float:
            return 3 + h * (hi - v) / (hi - lo)

        goal_y = y(GOAL)
        p.setPen(QPen(QColor(theme.BORDER), 1, Qt.PenStyle.DashLine))
        p.drawLine(QPointF(4, goal_y), QPointF(4 + w, goal_y))
        if len(self.values) >= 2:
            step = w / (len(self.values) - 1)
            points = [QPointF(4 + i * step, y(v)) for i, v in enumerate(self.values)]
            p.setPen(QPen(QColor(theme.ACCENT), 1.5))
            p.drawPolyline(points)
        elif self.values:  # the first score: a dot, so the trend is visibly under way
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(theme.ACCENT))
            p.drawEllipse(QPointF(6, y(self.values[0])), 2.5, 2.5)
        p.end()


class QualityMeter(QWidget):
    """Shows ``QuickScores``; ``state`` is 'idle', 'waiting', 'live' or 'no judge'."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("qualityMeter")
        self.state = "idle"
        self.updates = 0
        self.last: Any = None
        # Two compact rows under the progress bar: [QUALITY][bar][trend] / [numbers].
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.setHorizontalSpacing(8)
        layout.setVerticalSpacing(2)
        caption = QLabel("Quality")
        caption.setProperty("role", "section")
        self.bar = QProgressBar()
        self.bar.setObjectName("qualityBar")
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(True)
        self.detail = plain(QLabel())
        self.detail.setProperty("role", "hint")
        # Ignored width: a long line must not widen the dock mid-run (as the stats line);
        # it wraps instead when the dock is narrow.
        self.detail.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.detail.setWordWrap(True)
        # With an ignored width Qt does not ask the label for its wrapped height: reserve two
        # lines so a wrapped line is not clipped by the widgets below it.
        self.detail.setMinimumHeight(2 * self.detail.fontMetrics().lineSpacing())
        self.trend = Sparkline()
        self.grid, self.caption = layout, caption
        self.set_compact(True)
        self.setToolTip("The quality judge scores every training preview (the same fixed noise "
                        "each time).\nQuality = sharpness × digits there: sharpness is the "
                        "judge's mean confidence in each digit (1 = crisp); digits there is the "
                        "share of the ten digits that appear (conditional models: the share "
                        "drawn as asked).\nVariety: the furthest any digit's share is from "
                        "10%.\nThe line shows "
                        "quality over the run; the dashes mark 0.90.\nGreen: confident and all "
                        "digits there; amber: getting there; red: blurry or few digits.\n"
                        "A flat line means more training no longer helps.")
        self.reset("idle")

    def set_compact(self, compact: bool) -> None:
        """Wide: [caption][bar][trend] over the numbers; compact (a side dock): the caption
        over the bar, then the trend, then the numbers."""
        g = self.grid
        for widget in (self.caption, self.bar, self.trend, self.detail):
            g.removeWidget(widget)
        if compact:
            g.addWidget(self.caption, 0, 0, 1, 2)
            g.addWidget(self.bar, 1, 0, 1, 2)
            g.addWidget(self.trend, 2, 0, 1, 2)
            g.addWidget(self.detail, 3, 0, 1, 2)
            g.setColumnStretch(2, 0)
        else:
            g.addWidget(self.caption, 0, 0)
            g.addWidget(self.bar, 0, 1)
            g.addWidget(self.trend, 0, 2)
            g.addWidget(self.detail, 1, 1, 1, 2)
            g.setColumnStretch(2, 2)
        g.setColumnStretch(1, 3)

    def reset(self, state: str = "waiting") -> None:
        """A new run (``waiting``) or no run yet (``idle``)."""
        self.state, self.updates, self.last = state, 0, None
        self.trend.values = []
        self.trend.update()
        self.bar.setValue(0)
        self.bar.setFormat("–")
        self.detail.setText(IDLE_TEXT if state == "idle" else "waiting for the first preview…")

    def show_quality(self, quality: Any) -> None:
        """``state.training.quality``: the judge's scores of the latest preview, or why there
        are none (a str); None before the first."""
        if isinstance(quality, str):
            self.set_unavailable(quality)
        elif quality is not None:
            self.set_scores(quality)

    @gui_slot(object)
    def set_scores(self, scores: Any) -> None:
        self.state, self.last = "live", scores
        self.updates += 1
        value = quality(scores)
        self.bar.setValue(int(1000 * value))
        self.bar.setFormat(f"quality {value:.2f}")
        self.bar.setStyleSheet(f"QProgressBar::chunk {{ background: {verdict_colour(scores)}; }}")
        parts = [f"sharpness {scores.mean_confidence:.2f}",
                 f"{scores.digits_present}/10 digits",
                 f"variety ±{100 * scores.max_class_deviation:.0f} pts"]
        if scores.label_accuracy is not None:
            parts.append(f"{100 * scores.label_accuracy:.0f}% as asked")
        self.detail.setText(" · ".join(parts))
        self.bar.setToolTip(f"the judge on the preview at step {scores.step} ({scores.n} digits)")
        self.trend.values.append(value)
        self.trend.update()

    @gui_slot(str)
    def set_unavailable(self, reason: str) -> None:
        """No judge (missing or broken file, or a run on the artist's own images, which the
        MNIST judge cannot score): say so; training is unaffected."""
        self.state = "no judge"
        self.bar.setValue(0)
        own_data = reason.startswith("the judge scores MNIST")
        self.bar.setFormat("not judged" if own_data else "no judge")
        self.detail.setText("the judge reads MNIST digits, not this dataset" if own_data
                            else "judge file missing or damaged; training goes on")
        self.detail.setToolTip(tooltip(reason))
