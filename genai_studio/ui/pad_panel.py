"""The pad side of the window: the latent pad, its layer toggles and legend, the live preview."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from genai_studio.ui import theme
from genai_studio.ui.latent_pad import Coalescer, LatentPad, PadPreview

if TYPE_CHECKING:
    import numpy as np

    from genai_studio.workers.inference import ModelHandle, PadBackground


class Legend(QWidget):
    """Ten coloured digit chips: which colour is which class on the encoded-digit map."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        for digit, colour in enumerate(theme.CLASS_COLOURS):
            chip = QLabel(str(digit))
            chip.setAlignment(Qt.AlignmentFlag.AlignCenter)
            chip.setFixedSize(22, 20)
            chip.setStyleSheet(f"background:{colour}; color:#111; border-radius:4px;"
                               "font-weight:600; font-size:9pt;")
            row.addWidget(chip)
        row.addStretch(1)


class PadPanel(QWidget):
    """Owns the pad's latent geometry for the active model and decodes the newest point."""

    latent_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.handle: ModelHandle | None = None
        self.label: int | None = None
        self.corners: np.ndarray | None = None  # (4, D) anchors in corners mode
        self.pad = LatentPad()
        self.preview = PadPreview()
        self.coalescer = Coalescer(self)
        self.decodes = 0
        self._build()
        self.pad.point_changed.connect(self._on_point)
        self.coalescer.fire.connect(self._decode)

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.setSpacing(8)
        top = QHBoxLayout()
        self.title = QLabel("Drag to explore")
        self.title.setProperty("role", "hint")
        top.addWidget(self.title)
        top.addStretch(1)
        self.atlas_button = self._toggle("Atlas", "Show a faint atlas of decoded digits (G)")
        self.points_button = self._toggle("Digits", "Show encoded test digits by class (D)")
        self.atlas_button.setVisible(False)
        self.points_button.setVisible(False)
        top.addWidget(self.atlas_button)
        top.addWidget(self.points_button)
        layout.addLayout(top)
        layout.addWidget(self.pad, 3)
        self.legend = Legend()
        self.legend.setVisible(False)
        layout.addWidget(self.legend)
        self.hint = QLabel("")
        self.hint.setProperty("role", "hint")
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        caption = QLabel("Live preview")
        caption.setProperty("role", "section")
        layout.addWidget(caption)
        layout.addWidget(self.preview, 2)

    def _toggle(self, text: str, tip: str) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setCheckable(True)
        button.setChecked(True)
        button.setToolTip(tip)
        button.toggled.connect(self._layers_changed)
        return button

    @Slot(bool)
    def _layers_changed(self, _checked: bool) -> None:
        atlas, points = self.atlas_button.isChecked(), self.points_button.isChecked()
        self.pad.set_layers(atlas, points)
        self.legend.setVisible(points and self.pad.has_points())

    # ---------------------------------------------------------------- model

    def set_model(self, handle: ModelHandle | None, seed: int = 0) -> None:
        import numpy as np
        self.handle = handle
        if handle is None:
            self.pad.set_mode("empty")
            self.hint.setText("")
            for button in (self.atlas_button, self.points_button):
                button.setVisible(False)
            return
        plane = handle.latent_dim == 2
        self.pad.set_mode("plane" if plane else "corners")
        for button in (self.atlas_button, self.points_button):
            button.setVisible(plane)
        self.legend.setVisible(False)
        if plane:
            self.hint.setText("The pad is the 2-D latent plane (spaced by the prior's mass).")
        else:
            self.hint.setText(f"{handle.latent_dim}-D latent: the pad spans a plane through "
                              "four corner anchors. Drop canvas tiles on corners to steer it.")
            rng = np.random.default_rng(seed)
            self.corners = rng.standard_normal((4, handle.latent_dim)).astype(np.float32)
            self._refresh_corners()
        self._on_point(*self.pad.point)

    def set_label(self, label: int | None) -> None:
        self.label = label
        if self.handle is not None:
            if self.pad.mode == "corners":
                self._refresh_corners()
            self._on_point(*self.pad.point)

    def set_background(self, background: PadBackground) -> None:
        if background.handle is not self.handle:
            return  # made for a model that is no longer active
        self.pad.set_background(background.atlas, background.points, background.labels)
        self._layers_changed(True)

    def set_corner(self, corner: int, z: np.ndarray) -> None:
        import numpy as np
        if self.handle is None or self.pad.mode != "corners":
            return
        self.corners[corner] = np.asarray(z, np.float32)
        self._refresh_corners()
        self._on_point(*self.pad.point)

    def _refresh_corners(self) -> None:
        from genai_studio.workers.inference import decode_batch

        assert self.handle is not None
        images = decode_batch(self.handle, self.corners, self.label)
        for k in range(4):
            self.pad.set_corner_image(k, images[k])

    # ---------------------------------------------------------------- decoding

    def latent_at(self, u: float, v: float) -> np.ndarray:
        from genai_studio.core import latent

        if self.pad.mode == "plane":
            return latent.pad_to_latent_2d(u, v)
        return latent.pad_to_latent_corners(self.corners, u, v)

    def current_latent(self) -> np.ndarray | None:
        return None if self.handle is None else self.latent_at(*self.pad.point)

    @Slot(float, float)
    def _on_point(self, u: float, v: float) -> None:
        self.coalescer.push((u, v))

    @Slot(object)
    def _decode(self, uv: Any) -> None:
        """One small decode on the GUI thread (DESIGN §1 allows it: well under 1 ms)."""
        import numpy as np

        from genai_studio.workers.inference import decode_batch

        if self.handle is None:
            return
        z = self.latent_at(*uv)
        image = decode_batch(self.handle, z[None, :], self.label)[0]
        self.decodes += 1
        caption = f"({z[0]:+.2f}, {z[1]:+.2f})" if len(z) == 2 else f"|z| = {np.linalg.norm(z):.2f}"
        self.preview.set_pixels(image, caption)
        self.latent_changed.emit()

    @Slot(object)
    def show_frame(self, image: np.ndarray) -> None:
        self.preview.set_pixels(image, "morph")
