"""The pad side of the window: the latent pad, its layers and legend, the live preview.

It draws what the state holds (the model, the corners, the pad point and backdrop) and does the
one small decode the GUI thread may do: the newest pad point (and the four corner thumbnails),
through ``core.sampling``, the path every other decode takes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from genai_studio.ui.common import theme
from genai_studio.ui.common.bind import bind, refill, show
from genai_studio.ui.common.guard import gui_slot
from genai_studio.ui.common.imaging import ImagePreview
from genai_studio.ui.pad.latent_pad import LatentPad
from genai_studio.ui.pad.state import PadMode
from genai_studio.ui.studio.kinds import Corner, label_items
from genai_studio.ui.studio.state import StudioState

if TYPE_CHECKING:
    import numpy as np

    from genai_studio.workers.messages import ModelHandle, PadBackground


class Legend(QWidget):
    """Ten coloured digit chips: which colour is which class on the encoded-digit map."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(1)  # ten chips, the caption and the slider in a 1024 px window's column
        for digit, colour in enumerate(theme.CLASS_COLOURS):
            chip = QLabel(str(digit))
            chip.setAlignment(Qt.AlignmentFlag.AlignCenter)
            chip.setFixedSize(15, 15)
            chip.setStyleSheet(f"background:{colour}; color:#111; border-radius:4px;"
                               "font-weight:600; font-size:8pt;")
            row.addWidget(chip)
        row.addStretch(1)


def corner_weights(u: float, v: float) -> str:
    """How much of each corner the point holds (bilinear shares), for the caption."""
    shares = ((1 - u) * (1 - v), u * (1 - v), (1 - u) * v, u * v)
    return " ".join(f"{c.arrow}{100 * w:.0f}%" for c, w in zip(Corner, shares, strict=True))


class PadPanel(QWidget):
    """Shows the pad for the state's model and decodes the newest point."""

    decoded = Signal()  # a new preview is on screen (benchmarks count them)

    def __init__(self, state: StudioState, actions: Mapping[str, QAction],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.pad = LatentPad(state)
        self.preview = ImagePreview("padPreview")
        # A drag moves the point faster than frames are drawn: only the newest point is
        # decoded, once the events queued before it are handled.
        self._newest: tuple[float, float] | None = None
        self._decode_timer = QTimer(self)
        self._decode_timer.setSingleShot(True)
        self._decode_timer.setInterval(0)
        self.decodes = 0
        self._build(actions)
        state.session.model_changed.connect(self.on_model)
        state.training.live_model_changed.connect(self.on_corners)
        state.pad.plane_changed.connect(self.on_corners)
        state.pad.background_changed.connect(self.on_background)
        state.pad.point_changed.connect(self.on_point)
        state.pad.effective_digit_changed.connect(self.on_corners)
        state.view.smooth_changed.connect(self.on_smooth)
        state.morph.frames_changed.connect(self.on_morph_frames)
        state.inside.result_changed.connect(self.on_inside)
        state.inside.open_changed.connect(self.on_inside)
        state.genes.values_changed.connect(self.on_genes)
        state.genes.active_changed.connect(self.on_genes)
        self._decode_timer.timeout.connect(self._decode_newest)
        self.on_model(state.session.model)

    def _build(self, actions: Mapping[str, QAction]) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        top = QHBoxLayout()
        self.digit = QComboBox()
        self.digit.setObjectName("padDigit")
        self.digit.setToolTip("The digit the pad draws (the toolbar's 'any digit' leaves the "
                              "choice to the pad)")
        for d in range(10):
            self.digit.addItem(f"digit {d}", d)
        bind(self.digit, self.state.pad, "effective_digit", convert=lambda d: d or 0)
        show(self.digit, self.state.canvas, "digit",
             lambda chosen: self.digit.setEnabled(chosen is None))
        top.addWidget(self.digit)
        self.atlas_button = self._toggle(actions["show_atlas"])
        self.points_button = self._toggle(actions["show_points"])
        self.record_button = self._toggle(actions["record_path"])
        self.record_button.setObjectName("recordButton")
        self.replay_button = self._toggle(actions["replay_path"])
        self.replay_button.setObjectName("replayButton")
        for button in (self.record_button, self.replay_button):  # icons: the pad stays narrow
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        top.addWidget(self.record_button)
        top.addWidget(self.replay_button)
        top.addStretch(1)
        top.addWidget(self.atlas_button)
        top.addWidget(self.points_button)
        layout.addLayout(top)
        layout.addWidget(self.pad, 3)
        legend_row = QHBoxLayout()
        self.legend = Legend()
        legend_row.addWidget(self.legend, 1)
        dots_caption = QLabel("dots")
        dots_caption.setProperty("role", "hint")
        legend_row.addWidget(dots_caption)
        self.dots = QSlider(Qt.Orientation.Horizontal)
        self.dots.setObjectName("dotOpacity")
        self.dots.setRange(0, 100)
        self.dots.setMinimumWidth(40)
        self.dots.setMaximumWidth(110)
        self.dots.setToolTip("Balance: strong coloured dots (right) or a clear atlas (left)")
        bind(self.dots, self.state.pad, "dot_opacity", convert=lambda share: round(100 * share),
             back=lambda percent: percent / 100)
        legend_row.addWidget(self.dots)
        self.legend_holder = QWidget()
        self.legend_holder.setLayout(legend_row)
        legend_row.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.legend_holder)
        self.hint = QLabel("")
        self.hint.setProperty("role", "hint")
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        layout.addWidget(self.preview, 2)

    def _toggle(self, action: QAction) -> QToolButton:
        button = QToolButton()
        button.setDefaultAction(action)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        return button

    # ---------------------------------------------------------------- model and layers

    @gui_slot(object)
    def on_model(self, handle: ModelHandle | None) -> None:
        mode = self.state.pad.mode
        self.pad.set_mode(mode)
        if handle is None:
            self.hint.setText("")
            self._show_controls(False, False)
            return
        if mode is PadMode.PLANE:
            self.hint.setText("The pad is the 2-D latent plane, spaced so that each area holds "
                              "an equal share of the prior.")
        else:
            self.hint.setText(f"{handle.latent_dim}-D latent: the pad spans a plane through "
                              "four corner anchors. Drop canvas tiles on corners to steer it.")
        self._show_controls(mode is PadMode.PLANE, handle.conditional)
        if handle.conditional:
            refill(self.digit, label_items(handle.classes))
        self.on_corners()

    def _show_controls(self, plane: bool, conditional: bool) -> None:
        self.atlas_button.setVisible(self.state.session.model is not None)
        self.points_button.setVisible(plane and not conditional)
        self.legend_holder.setVisible(False)
        self.digit.setVisible(conditional)

    @gui_slot(object)
    def on_background(self, background: PadBackground | None) -> None:
        if background is None:
            self.pad.set_background(None, None, None)
        else:
            self.pad.set_background(background.atlas, background.points, background.labels)
        self.legend_holder.setVisible(self.pad.has_points())

    @gui_slot(bool)
    def on_smooth(self, smooth: bool) -> None:
        self.preview.smooth = smooth
        self.preview.update()

    # ---------------------------------------------------------------- decoding

    @gui_slot()
    def on_corners(self, *_args: object) -> None:
        """Corner thumbnails: four small decodes on the GUI thread (well under 1 ms each)."""
        from genai_studio.core.latent.sampling import decode_live

        s = self.state
        plane = s.pad.plane
        if self.pad.mode is PadMode.CORNERS and plane is not None:
            images = decode_live(self._decoder(), plane.corners, s.pad.effective_digit)
            for k in range(4):
                self.pad.set_corner_image(k, images[k])
        self.on_point(s.pad.point)

    @gui_slot(object)
    def on_point(self, point: tuple[float, float]) -> None:
        self._newest = point
        if not self._decode_timer.isActive():
            self._decode_timer.start()

    @gui_slot()
    def _decode_newest(self) -> None:
        """One small decode on the GUI thread: the newest point only (well under 1 ms)."""
        from genai_studio.core.latent.sampling import decode_live

        s, uv = self.state, self._newest
        if uv is None:
            return
        plane = s.pad.plane
        if s.session.model is None or plane is None:
            return  # no model, or its own corners have not arrived yet
        z = plane.latent_at(*uv)
        moved = s.genes.steer(z)  # the genes' sliders move the pad's point too
        # On CUDA on a stream of its own: it never waits behind a training run's kernels.
        image = decode_live(self._decoder(), moved[None, :], s.pad.effective_digit)[0]
        self.decodes += 1
        self.preview.set_pixels(image, self._caption(z, uv))
        self.decoded.emit()

    def _decoder(self) -> Any:
        """The open model, or the copy of a run shown live when it fits the pad's plane (the
        same latent size and conditioning)."""
        s = self.state
        live, model = s.training.live_model, s.session.model
        if live is not None and live.latent_dim == model.latent_dim \
                and live.conditional == model.conditional:
            return live.model
        return model.model

    def _caption(self, z: np.ndarray, uv: tuple[float, float]) -> str:
        """Where the point is: its latent on the 2-D plane, each corner's share elsewhere
        (the digit a conditional model draws is shown by the pad's digit picker)."""
        if len(z) == 2 and self.pad.mode is PadMode.PLANE:
            return f"z = ({z[0]:+.2f}, {z[1]:+.2f})"
        return corner_weights(*uv)

    @gui_slot(object)
    def on_genes(self, _value: object = None) -> None:
        """A gene slider moved: the preview follows (the newest point, decoded again)."""
        self.on_point(self.state.pad.point)

    @gui_slot(object)
    def on_inside(self, _value: object = None) -> None:
        """The inside view's sampled z as a dot on the latent plane (2-D latents only: on a
        corner plane a latent has no place unless it lies in that plane)."""
        from genai_studio.core.latent.pad import latent_2d_to_pad

        result = self.state.inside.result
        if not self.state.inside.open or result is None or self.pad.mode is not PadMode.PLANE \
                or result.inside.z.shape != (2,):
            self.pad.set_marker(None)
            return
        u, v = latent_2d_to_pad(result.inside.z[None, :])[0]
        self.pad.set_marker((float(u), float(v)))

    @gui_slot(object)
    def on_morph_frames(self, frames: np.ndarray | None) -> None:
        if frames is not None and len(frames):
            self.show_frame(frames[0], 0)

    def show_frame(self, image: np.ndarray, index: int) -> None:
        self.preview.set_pixels(image, f"morph frame {index + 1}")
