"""The inside view: the seed article's diagram drawn with the active model's real tensors.

    x --[encoder]--> mu, sigma --(z = mu + sigma * eps)--> z --[decoder]--> x~     (VAE, VAE-GAN)
                                                     [discriminator]: D(x), D(x~)  (VAE-GAN)
    z --[generator]--> x~ --[discriminator]<-- x (a real digit)                      (GAN)

It draws ``state.inside.result`` (kept current by ``ui/inside/lens.py``), and while a model
trains, its loss terms under their plain names with each formula in a tooltip
(``core/train/loss_terms.py``).
Every box of the diagram says what it computes in a tooltip. An image file or a canvas tile
dropped on the view becomes its input.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QLabel, QSizePolicy, QToolTip, QVBoxLayout, QWidget

from genai_studio.ui.common import theme
from genai_studio.ui.common.guard import gui_slot
from genai_studio.ui.common.imaging import (
    TILE_MIME,
    dropped_image,
    gray_image,
    has_local_files,
    why_not,
)
from genai_studio.ui.common.plain import plain
from genai_studio.ui.inside.losses import LOSS_INTERVAL_S, LossRows
from genai_studio.ui.inside.state import InsideSource
from genai_studio.ui.studio.state import StudioState

BAR_RANGE = 3.0  # latent bars span -3..3 (the prior's +-3 sigma)

TIPS = {
    "x": "The input image x: {source}",
    "encoder": "Encoder q(z|x) = N(μ(x), diag σ²(x)): a network maps the image to the mean and "
               "spread of a Gaussian over latent codes",
    "musigma": "μ (bars) and ±σ (whiskers) of q(z|x), per latent dimension, drawn from −3 to "
               "3 (a cap marks a mean beyond){more}",
    "sample": "z = μ + σ ⊙ ε, ε ~ N(0, I): the reparameterised sample the decoder gets",
    "z": "The latent code z{more}",
    "decoder": "Decoder: maps z to an image (a VAE's Bernoulli means; a VAE-GAN's decoder is "
               "also its GAN's generator)",
    "generator": "Generator G(z): maps a latent code from N(0, I) to an image",
    "out": "The decoded / generated image x~",
    "disc": "Discriminator D: the probability it gives an image of being a real digit (for a "
            "hinge GAN, the logistic of its score)",
    "real": "The real image the discriminator judges: the MNIST test digit nearest the sample, "
            "or the image you dropped on the view",
}


class Diagram(QWidget):
    """The painted diagram; reads ``state.inside.result`` on every paint."""

    def __init__(self, state: StudioState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("insideDiagram")
        self.state = state
        self.setMinimumSize(220, 150)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._boxes: list[tuple[QRectF, str]] = []  # for tooltips
        self.paints = 0

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            self._tooltip(event.pos(), event.globalPos())  # type: ignore[attr-defined]
            return True
        return super().event(event)

    def _tooltip(self, pos: Any, global_pos: Any) -> None:
        result = self.state.inside.result
        for rect, key in self._boxes:
            if rect.contains(QPointF(pos)):
                inside = result.inside if result is not None else None
                shown = min(inside.latent_dim, 64) if inside is not None else 0
                more = (f" (the first {shown} of {inside.latent_dim})"
                        if inside is not None and inside.latent_dim > shown else "")
                source = result.request.source if result is not None else ""
                QToolTip.showText(global_pos, TIPS[key].format(source=source, more=more), self)
                return
        QToolTip.hideText()

    # ---------------------------------------------------------------- painting

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        self.paints += 1
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._boxes = []
        result = self.state.inside.result
        if result is None:
            p.setPen(theme.qcolour("MUTED"))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                       "Drag on the pad, select a tile or drop an image here\n"
                       "to see it go through the model")
            p.end()
            return
        inside = result.inside
        if inside.has_encoder:
            steps = [("image", "x", inside.x, "x"), ("narrow", "encoder", None, "encoder"),
                     ("bars", "musigma", (inside.mu, inside.sigma), "μ ± σ"),
                     ("pill", "sample", "+σε", "sample"), ("bars", "z", (inside.z, None), "z"),
                     ("widen", "decoder", None, "decoder"), ("image", "out", inside.x_out, "x~")]
        else:
            steps = [("bars", "z", (inside.z, None), "z ~ N(0, I)"),
                     ("widen", "generator", None, "generator"),
                     ("image", "out", inside.x_out, "G(z)")]
        area = QRectF(self.rect()).adjusted(6, 4, -6, -4)
        has_d = inside.d_out is not None
        flow = area.adjusted(0, 0, 0, -40) if has_d else area
        rows = 1 if flow.width() >= 2.2 * flow.height() or len(steps) <= 3 else 2
        per_row = -(-len(steps) // rows)
        height = (flow.height() - 8 * (rows - 1)) / rows
        for r in range(rows):
            row = QRectF(flow.left(), flow.top() + r * (height + 8), flow.width(), height)
            self._paint_row(p, row, steps[r * per_row:(r + 1) * per_row])
        if has_d:
            self._paint_verdicts(p, area, inside)
        p.end()

    def _paint_row(self, p: QPainter, area: QRectF, steps: list) -> None:
        """One row of the diagram: cells left to right with arrows between, captions under."""
        weights = {"image": 1.0, "narrow": 0.6, "widen": 0.6, "bars": 1.4, "pill": 0.55}
        caption_h, arrow = 14.0, 14.0
        body = area.adjusted(0, 0, 0, -caption_h)
        total = sum(weights[kind] for kind, *_ in steps)
        unit = min((area.width() - arrow * (len(steps) - 1)) / total, body.height() * 1.2)
        used = unit * total + arrow * (len(steps) - 1)
        x = area.left() + (area.width() - used) / 2
        painters = {"image": self._image, "narrow": self._funnel, "widen": self._funnel,
                    "bars": self._bars, "pill": self._pill}
        small = p.font()
        small.setPointSizeF(max(6.5, small.pointSizeF() * 0.85))
        p.setFont(small)
        for n, (kind, key, value, caption) in enumerate(steps):
            rect = QRectF(x, body.top(), weights[kind] * unit, body.height())
            painters[kind](p, rect, value if kind not in ("narrow", "widen") else kind)
            p.setPen(theme.qcolour("MUTED"))
            p.drawText(QRectF(rect.left() - 10, body.bottom(), rect.width() + 20, caption_h),
                       Qt.AlignmentFlag.AlignCenter, caption)
            self._boxes.append((rect, key))
            x += rect.width()
            if n < len(steps) - 1:
                self._arrow(p, QPointF(x + 2, rect.center().y()), arrow - 4)
                x += arrow

    def _arrow(self, p: QPainter, start: QPointF, length: float) -> None:
        p.setPen(QPen(theme.qcolour("MUTED"), 1.5))
        end = start + QPointF(length, 0)
        p.drawLine(start, end)
        p.drawLine(end, end + QPointF(-4, -3))
        p.drawLine(end, end + QPointF(-4, 3))

    def _image(self, p: QPainter, rect: QRectF, pixels: Any) -> None:
        side = min(rect.width(), rect.height())
        square = QRectF(rect.center().x() - side / 2, rect.center().y() - side / 2, side, side)
        p.setPen(QPen(theme.qcolour("BORDER"), 1))
        p.setBrush(QColor(theme.TILE))
        p.drawRect(square)
        if pixels is not None:
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.state.view.smooth)
            p.drawImage(square, gray_image(pixels))

    def _funnel(self, p: QPainter, rect: QRectF, kind: str) -> None:
        """A network drawn as the article draws it: a trapezoid that narrows (encoder) or
        widens (decoder, generator) towards the latent code's side."""
        inset = rect.height() * 0.3
        left = (0.0, inset) if kind == "widen" else (inset, 0.0)
        poly = [QPointF(rect.left(), rect.top() + left[1]),
                QPointF(rect.right(), rect.top() + left[0]),
                QPointF(rect.right(), rect.bottom() - left[0]),
                QPointF(rect.left(), rect.bottom() - left[1])]
        p.setPen(QPen(QColor(theme.ACCENT), 1.5))
        p.setBrush(theme.qcolour("RAISED"))
        p.drawPolygon(poly)

    def _pill(self, p: QPainter, rect: QRectF, text: str) -> None:
        pill = QRectF(rect.left(), rect.center().y() - 11, rect.width(), 22)
        p.setPen(QPen(QColor(theme.ACCENT), 1.2))
        p.setBrush(theme.qcolour("RAISED"))
        p.drawRoundedRect(pill, 11, 11)
        p.setPen(theme.qcolour("TEXT"))
        p.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)

    def _bars(self, p: QPainter, rect: QRectF, values: tuple) -> None:
        mean, spread = values
        p.setPen(QPen(theme.qcolour("BORDER"), 1))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(rect)
        count = min(len(mean), 64)
        if count == 0:
            return
        width = rect.width() / count
        mid = rect.center().y()
        scale = rect.height() / (2 * BAR_RANGE)
        p.setPen(QPen(theme.qcolour("GRID_LINE"), 1))
        p.drawLine(QPointF(rect.left(), mid), QPointF(rect.right(), mid))
        colour = QColor(theme.ACCENT)
        for d in range(count):
            x = rect.left() + d * width
            m = max(-BAR_RANGE, min(BAR_RANGE, float(mean[d])))
            p.fillRect(QRectF(x + 0.15 * width, mid - max(m, 0) * scale, 0.7 * width,
                              abs(m) * scale), colour)
            if abs(float(mean[d])) > BAR_RANGE:  # clipped: a cap says the mean lies beyond
                edge = mid - m * scale
                tip = edge - (4 if m > 0 else -4)
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(theme.qcolour("TEXT"))
                p.drawPolygon(QPolygonF([QPointF(x + 0.15 * width, edge),
                                         QPointF(x + 0.85 * width, edge),
                                         QPointF(x + width / 2, tip)]))
            if spread is not None:
                s = float(spread[d])
                p.setPen(QPen(theme.qcolour("TEXT"), 1))
                cx = x + width / 2
                top = mid - min(m + s, BAR_RANGE) * scale
                bottom = mid - max(m - s, -BAR_RANGE) * scale
                p.drawLine(QPointF(cx, top), QPointF(cx, bottom))

    def _paint_verdicts(self, p: QPainter, area: QRectF, inside: Any) -> None:
        band = QRectF(area.left(), area.bottom() - 34, area.width(), 34)
        p.setPen(QPen(QColor(theme.ACCENT), 1.5))
        p.setBrush(theme.qcolour("RAISED"))
        p.drawRoundedRect(band, 5, 5)
        self._boxes.append((band, "disc"))
        verdicts = f"D(x~) {inside.d_out:.2f}"
        if inside.d_x is not None:
            verdicts += f" · D({'real' if not inside.has_encoder else 'x'}) {inside.d_x:.2f}"
        text_rect = band.adjusted(8, 0, -40, 0)
        text = f"discriminator  {verdicts}"
        if p.fontMetrics().horizontalAdvance(text) > text_rect.width():
            text = verdicts  # a narrow view: the tooltip says what D is
        p.setPen(theme.qcolour("TEXT"))
        p.drawText(text_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)
        if not inside.has_encoder and inside.x is not None:
            thumb = QRectF(band.right() - 32, band.top() + 2, 30, 30)
            p.drawImage(thumb, gray_image(inside.x))
            self._boxes.append((thumb, "real"))


class InsideView(QWidget):
    """The dock's content: the diagram and, while training, the loss rows."""

    image_dropped = Signal(Path)  # an image file dropped on the view

    def __init__(self, state: StudioState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("insideView")
        self.state = state
        self.setAcceptDrops(True)
        self.caption = plain(QLabel(""))  # the input may be a file's name
        self.caption.setProperty("role", "hint")
        self.caption.setWordWrap(True)
        self.diagram = Diagram(state)
        self.losses = LossRows()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.caption)
        layout.addWidget(self.diagram, 1)
        layout.addWidget(self.losses)
        # A skipped update is shown once the interval has passed: a run's last losses stay.
        self._trailing = QTimer(self)
        self._trailing.setSingleShot(True)
        self._trailing.setInterval(int(LOSS_INTERVAL_S * 1000))
        self._trailing.timeout.connect(self._show_latest)
        state.inside.result_changed.connect(self.on_inside)
        state.session.model_changed.connect(self.on_inside)
        state.inside.open_changed.connect(self.on_open)
        state.training.status_changed.connect(self.on_training)
        state.training.progress_changed.connect(self.on_progress)
        self.on_inside(state.inside.result)

    def _latest_losses(self) -> dict[str, float] | None:
        """The running run's latest losses (``state.training.progress``), if a run is on."""
        t = self.state.training
        return t.progress.losses if t.progress is not None and t.active else None

    @gui_slot(bool)
    def on_open(self, shown: bool) -> None:
        if shown and self._latest_losses() is not None:
            self.losses.show_losses(self._latest_losses(), force=True)

    @gui_slot(object)
    def on_inside(self, _value: object = None) -> None:
        result = self.state.inside.result
        if result is None or self.state.session.model is None:
            self.caption.setText("")
        else:
            kind = self.state.session.model.kind.upper().replace("VAEGAN", "VAE-GAN")
            label = result.request.label
            conditional = self.state.session.conditional
            digit = f", digit {label}" if label is not None and conditional else ""
            self.caption.setText(f"{kind} · input: {result.request.source}{digit}")
        self.diagram.update()

    @gui_slot(object)
    def on_progress(self, event: Any) -> None:
        """A training Progress event: show its losses (throttled; only while on screen)."""
        if event is None:
            return
        if self.state.inside.open and not self.losses.show_losses(event.losses):
            if not self._trailing.isActive():
                self._trailing.start()

    @gui_slot(object)
    def on_training(self, status: Any) -> None:
        """The loss rows are the running run's: they go when it ends (a finished VAE's
        losses under a GAN's diagram would mislead)."""
        if not status.state.active:
            self._trailing.stop()
            self.losses.clear()

    @gui_slot()
    def _show_latest(self) -> None:
        if self.state.inside.open and self._latest_losses() is not None:
            self.losses.show_losses(self._latest_losses(), force=True)

    # ---------------------------------------------------------------- drops

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        mime = event.mimeData()
        if mime.hasFormat(TILE_MIME) or has_local_files(mime):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        mime = event.mimeData()
        if mime.hasFormat(TILE_MIME):
            index = int(bytes(mime.data(TILE_MIME)).decode() or -1)
            if index >= 0:
                self.state.canvas.selected = index
                self.state.inside.source = InsideSource.TILE
        elif dropped_image(mime) is not None:
            self.image_dropped.emit(dropped_image(mime))
        elif has_local_files(mime):
            self.state.post(why_not(mime), 8000)
        event.acceptProposedAction()
