"""Export typeface…: a live preview line ("Hamburgefonstiv 0123") of the typeface under the
pad's point, a family name, and the export (an OpenType font written on the jobs thread).

The preview follows the pad: each move schedules one decode of the line's characters at the
newest point (a zero-delay timer coalesces a drag into one decode per turn of the event loop),
one batch on the window's torch thread, as the pad's own preview is; the glyphs are set with
the font's metrics (each cut to its ink, the side bearing either side), not traced.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QDialog, QFormLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout

from genai_studio.ui.common import ask
from genai_studio.ui.common.bind import bind, show
from genai_studio.ui.common.guard import gui_slot
from genai_studio.ui.studio.state import StudioState

PREVIEW_HEIGHT = 72  # px of the preview line on screen


class TypefaceDialog(QDialog):
    export_requested = Signal(object, str)  # target path, family name ("": a default)

    def __init__(self, state: StudioState, parent: Any = None) -> None:
        super().__init__(parent)
        self.setObjectName("typefaceDialog")
        self.setWindowTitle("Export typeface")
        self.state = state
        self.last_preview_ms = 0.0  # the latest preview's decode and layout, for benchmarks
        self.previews = 0
        self._timer = QTimer(self, singleShot=True, interval=0)
        self._timer.timeout.connect(self.refresh)
        self._build()
        s = state
        for signal in (s.pad.point_changed, s.pad.plane_changed, s.session.model_changed,
                       s.pad.effective_digit_changed):
            signal.connect(self.schedule)

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        intro = QLabel("A typeface from the pad's point: every character the model draws, "
                       "traced into outlines. Move the point on the pad to change the style.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.preview = QLabel(objectName="typefacePreview",
                              alignment=Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(560, PREVIEW_HEIGHT + 24)
        self.preview.setStyleSheet("background: #ffffff; color: #202020; border-radius: 6px;")
        self.preview.setToolTip("Decoded glyphs set with the font's metrics: each glyph's "
                                "advance is its ink box plus a side bearing of 0.05 em")
        layout.addWidget(self.preview)
        form = QFormLayout()
        self.family = QLineEdit(objectName="typefaceFamily")
        self.family.setPlaceholderText("the model's name and a tag of the point")
        bind(self.family, self.state.typeface, "family")
        form.addRow("Family name", self.family)
        layout.addLayout(form)
        self.export_button = QPushButton("Export typeface…", objectName="typefaceExport")
        self.export_button.setProperty("accent", True)
        self.export_button.setToolTip("An OpenType (.otf) font: metrics from each glyph's ink "
                                      "box; the model and the point are in its name table")
        self.export_button.clicked.connect(self.export)
        show(self.export_button, self.state.typeface, "can_export_typeface", self._enable)
        show(self.export_button, self.state.typeface, "busy", self._enable)
        layout.addWidget(self.export_button)
        self.resize(620, 240)

    def _enable(self, _value: object) -> None:
        t = self.state.typeface
        self.export_button.setEnabled(t.can_export_typeface and not t.busy)

    # ---------------------------------------------------------------- the live preview

    @gui_slot()
    def schedule(self, *_args: object) -> None:
        if self.isVisible():
            self._timer.start()

    def showEvent(self, event: Any) -> None:  # noqa: N802
        super().showEvent(event)
        self.schedule()

    def preview_text(self, chars: tuple[str, ...]) -> str:
        from genai_studio.core.export.typeface import PREVIEW_TEXT

        letters = [c for c in PREVIEW_TEXT if c != " "]
        drawn = sum(c in chars for c in letters)
        return PREVIEW_TEXT if drawn >= len(letters) // 2 else "".join(chars)[:24]

    @gui_slot()
    def refresh(self) -> None:
        """One decode of the preview line at the pad's newest point."""
        from genai_studio.core.errors import GenAIError

        model, latent = self.state.session.model, self.state.pad.latent()
        if model is None or latent is None or not self.state.typeface.can_export_typeface:
            self.preview.setPixmap(QPixmap())
            self.preview.setText("Load a conditional model of characters (one trained on a "
                                 "fonts dataset, or of digits) to preview its typeface.")
            return
        started = time.perf_counter()
        try:
            line = self._line(model, latent)
        except GenAIError as exc:
            self.preview.setText(str(exc))
            return
        self._show(line)
        self.last_preview_ms = 1000 * (time.perf_counter() - started)
        self.previews += 1

    def _line(self, model: Any, latent: Any) -> Any:
        import numpy as np

        from genai_studio.core.export.typeface import glyph_set, preview_line
        from genai_studio.core.latent.sampling import decode_live

        glyphs = glyph_set(model.model, model.metadata)
        text = self.preview_text(glyphs.chars)
        unique = [c for c in dict.fromkeys(text) if c in glyphs.chars]
        labels = np.array([glyphs.chars.index(c) for c in unique], np.int64)
        z = np.repeat(np.asarray(latent, np.float32)[None], len(unique), axis=0)
        images = decode_live(model.model, z, labels)
        return preview_line(dict(zip(unique, images, strict=True)), text, glyphs)

    def _show(self, line: Any) -> None:
        from genai_studio.ui.common.imaging import gray_image

        picture = gray_image(1.0 - line)  # dark ink on white paper, as type is read
        self.preview.setPixmap(QPixmap.fromImage(picture).scaled(
            max(64, self.preview.width() - 16), PREVIEW_HEIGHT,
            Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation))

    # ---------------------------------------------------------------- exporting

    @gui_slot()
    def export(self) -> None:
        from genai_studio.core.export.typeface import font_family

        model, latent = self.state.session.model, self.state.pad.latent()
        if model is None or latent is None:
            return
        family = self.family.text().strip() or font_family(model.name, latent)
        target = ask.save_path(self, "Export typeface", Path.home() / f"{family}.otf",
                               "OpenType font (*.otf)")
        if target is not None:
            if target.suffix.lower() != ".otf":
                target = target.with_name(target.name + ".otf")
            self.export_requested.emit(target, family)
