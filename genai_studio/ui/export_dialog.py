"""The export dialog: non-modal, bound to ``state.export_settings`` (so it remembers its last
settings, and Copy uses the same size and style), exporting on the jobs thread with a progress
bar and Cancel while the studio stays usable."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from genai_studio.ui import ask
from genai_studio.ui.export_settings import FORMAT_NAMES, SOURCE_FORMATS, SUFFIX, ExportSettings
from genai_studio.ui.exports import SOURCES, Exports
from genai_studio.ui.guard import gui_slot
from genai_studio.ui.state import StudioState

SCALES = (4, 8, 16, 32)
PREVIEW = 168  # px of the preview box


def style_image(pixels: Any) -> QImage:
    """A rendered Pillow image as an owning QImage (grey, RGB or RGBA)."""
    import numpy as np

    a = np.ascontiguousarray(np.asarray(pixels))
    h, w = a.shape[:2]
    fmt = {2: QImage.Format.Format_Grayscale8}.get(a.ndim) or (
        QImage.Format.Format_RGB888 if a.shape[2] == 3 else QImage.Format.Format_RGBA8888)
    channels = 1 if a.ndim == 2 else a.shape[2]
    return QImage(a.data, w, h, w * channels, fmt).copy()


class ExportDialog(QDialog):
    def __init__(self, state: StudioState, exports: Exports, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export")
        self.setModal(False)
        self.state, self.exports = state, exports
        self.rows: dict[str, list[QWidget]] = {}
        self._build()
        state.export_settings_changed.connect(self.on_settings)
        for signal in (state.grid_changed, state.selected_changed, state.morph_frames_changed,
                       state.pad_path_changed, state.model_changed):
            signal.connect(self.on_content)
        exports.progress.connect(self.on_progress)
        exports.busy_changed.connect(self.on_busy)
        self.on_settings(state.export_settings)

    # ---------------------------------------------------------------- layout

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        top = QHBoxLayout()
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form = form
        self.source = self._combo("exportSource", [(v, k) for k, v in SOURCES.items()])
        self.source.currentIndexChanged.connect(self._source_chosen)
        self.fmt = QComboBox(objectName="exportFormat")
        self.fmt.currentIndexChanged.connect(self._changed)
        self.scale = self._combo("exportScale", [(f"x{k}", k) for k in SCALES]
                                 + [("custom px", None)])
        self.size = QSpinBox(objectName="exportSize", minimum=16, maximum=8192, singleStep=28,
                             suffix=" px")
        self.resampling = self._combo("exportResampling", [
            ("crisp pixels (nearest)", "nearest"), ("smooth (Lanczos)", "lanczos"),
            ("ink: smooth, clean edges", "ink")])
        self.ink = QPushButton(objectName="exportInk")
        self.paper = QPushButton(objectName="exportPaper")
        self.ink.clicked.connect(lambda: self._pick_colour("ink"))
        self.paper.clicked.connect(lambda: self._pick_colour("paper"))
        self.invert = QCheckBox("invert", objectName="exportInvert")
        self.transparent = QCheckBox("transparent paper (grey becomes alpha)",
                                     objectName="exportTransparent")
        self.gutter = QSpinBox(objectName="exportGutter", maximum=256, suffix=" px")
        self.captions = QCheckBox("captions under tiles", objectName="exportCaptions")
        self.batch = QSpinBox(objectName="exportBatch", minimum=1, maximum=10_000)
        self.frames = QSpinBox(objectName="exportFrames", minimum=2, maximum=600)
        self.fps = QDoubleSpinBox(objectName="exportFps", minimum=0.5, maximum=60, decimals=1)
        self.playback = self._combo("exportPlayback", [("play once", "once"), ("loop", "loop"),
                                                       ("ping-pong", "ping-pong")])
        self.easing = self._combo("exportEasing", [("linear", "linear"),
                                                   ("ease in and out", "ease-in-out")])
        self.smoothing = QSpinBox(objectName="exportSmoothing", maximum=20, suffix=" %")
        self.closed = QCheckBox("close the path into a loop", objectName="exportClosed")
        for widget in (self.size, self.gutter, self.batch, self.frames, self.fps,
                       self.smoothing):
            widget.valueChanged.connect(self._changed)
        for widget in (self.invert, self.transparent, self.captions, self.closed):
            widget.toggled.connect(self._changed)
        colours = QHBoxLayout()
        for label, button in (("ink", self.ink), ("paper", self.paper)):
            colours.addWidget(QLabel(label))
            colours.addWidget(button)
        colours.addWidget(self.invert)
        colours.addStretch(1)
        size_row = QHBoxLayout()
        size_row.addWidget(self.scale)
        size_row.addWidget(self.size)
        for name, label, field in (
                ("all", "What", self.source), ("all", "Format", self.fmt),
                ("all", "Size", size_row), ("all", "Pixels", self.resampling),
                ("all", "Colours", colours), ("all", "", self.transparent),
                ("grid", "Gutter", self.gutter), ("grid", "", self.captions),
                ("batch", "Samples", self.batch), ("anim", "Frames", self.frames),
                ("anim", "Frames per second", self.fps), ("anim", "Playback", self.playback),
                ("anim", "Easing", self.easing), ("path", "Smoothing", self.smoothing),
                ("path", "", self.closed)):
            form.addRow(label, field)
            self.rows.setdefault(name, []).append(field)
        top.addLayout(form, 1)
        self.preview = QLabel(objectName="exportPreview", alignment=Qt.AlignmentFlag.AlignCenter)
        self.preview.setFixedSize(PREVIEW, PREVIEW)
        self.preview.setStyleSheet("background: #202020; border-radius: 6px;")
        top.addWidget(self.preview, 0, Qt.AlignmentFlag.AlignTop)
        outer.addLayout(top)
        self.progress = QProgressBar(objectName="exportProgress")
        self.progress.setRange(0, 1000)
        self.progress.setVisible(False)
        outer.addWidget(self.progress)
        buttons = QHBoxLayout()
        self.note = QLabel("", objectName="exportNote")
        self.note.setProperty("role", "muted")
        buttons.addWidget(self.note, 1)
        self.export_button = QPushButton("Export…", objectName="exportButton")
        self.export_button.setProperty("accent", True)
        self.export_button.clicked.connect(self.export)
        self.cancel_button = QPushButton("Cancel", objectName="exportCancel")
        self.cancel_button.clicked.connect(self.exports.cancel)
        self.cancel_button.setEnabled(False)
        close = QPushButton("Close", objectName="exportClose")
        close.clicked.connect(self.close)
        for button in (self.export_button, self.cancel_button, close):
            buttons.addWidget(button)
        outer.addLayout(buttons)

    def _combo(self, name: str, items: list[tuple[str, Any]]) -> QComboBox:
        combo = QComboBox(objectName=name)
        for text, data in items:
            combo.addItem(text, data)
        if name != "exportSource":
            combo.currentIndexChanged.connect(self._changed)
        return combo

    # ---------------------------------------------------------------- state -> widgets

    @property
    def kind(self) -> str:
        return str(self.source.currentData())

    def show_for(self, kind: str) -> None:
        """Open (or raise) the dialog on ``kind``."""
        self.source.setCurrentIndex(max(self.source.findData(kind), 0))
        self.show()
        self.raise_()
        self.activateWindow()

    @gui_slot(object)
    def on_settings(self, e: ExportSettings) -> None:
        widgets = (self.fmt, self.scale, self.size, self.resampling, self.invert,
                   self.transparent, self.gutter, self.captions, self.batch, self.frames,
                   self.fps, self.playback, self.easing, self.smoothing, self.closed)
        blocked = [w.blockSignals(True) for w in widgets]
        try:
            self._fill_formats(e)
            st = e.style
            self.scale.setCurrentIndex(self.scale.findData(st.scale) if st.size is None
                                       else self.scale.count() - 1)
            self.size.setValue(st.size or 28 * (st.scale or 8))
            self.size.setEnabled(st.size is not None)
            self.resampling.setCurrentIndex(self.resampling.findData(st.resampling))
            self.invert.setChecked(st.invert)
            self.transparent.setChecked(st.transparent)
            self.gutter.setValue(e.gutter)
            self.captions.setChecked(e.captions)
            self.batch.setValue(e.batch_count)
            self.frames.setValue(e.frames)
            self.fps.setValue(e.timing.fps)
            self.playback.setCurrentIndex(self.playback.findData(e.timing.playback))
            self.easing.setCurrentIndex(self.easing.findData(e.timing.easing))
            self.smoothing.setValue(round(e.smoothing * 100))
            self.closed.setChecked(e.closed)
        finally:
            for w, b in zip(widgets, blocked, strict=True):
                w.blockSignals(b)
        for button, colour in ((self.ink, st.ink), (self.paper, st.paper)):
            button.setText(colour)
            button.setStyleSheet(f"background:{colour}; color:{_contrast(colour)};")
        self._show_rows()
        self.on_content()

    def _fill_formats(self, e: ExportSettings) -> None:
        formats = SOURCE_FORMATS[self.kind]
        if [self.fmt.itemData(i) for i in range(self.fmt.count())] != list(formats):
            self.fmt.clear()
            for fmt in formats:
                self.fmt.addItem(FORMAT_NAMES[fmt], fmt)
        self.fmt.setCurrentIndex(max(self.fmt.findData(e.fmt_for(self.kind)), 0))

    def _show_rows(self) -> None:
        kind = self.kind
        shown = {"all": True, "grid": kind == "grid", "batch": kind == "batch",
                 "anim": kind in ("morph", "path"), "path": kind == "path"}
        for name, fields in self.rows.items():
            for field in fields:
                self.form.setRowVisible(field, shown[name])

    @gui_slot()
    def on_content(self, *_args: object) -> None:
        """Preview the first image of what would be exported, in the chosen style."""
        from genai_studio.core.errors import GenAIError
        from genai_studio.core.render import render

        image = self._preview_source()
        if image is None:
            self.preview.setPixmap(QPixmap())
            self.preview.setText({"path": "record a path\non the pad",
                                  "morph": "set the morph's\nA and B"}.get(self.kind,
                                                                          "nothing\nyet"))
            return
        try:
            picture = style_image(render(image, self.state.export_settings.style))
        except GenAIError as exc:
            self.preview.setText(str(exc))
            return
        self.preview.setPixmap(QPixmap.fromImage(picture).scaled(
            PREVIEW - 8, PREVIEW - 8, Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation))

    def _preview_source(self) -> Any:
        s, grid = self.state, self.state.grid
        if self.kind == "morph":
            return None if s.morph_frames is None else s.morph_frames[len(s.morph_frames) // 2]
        if self.kind == "path" or grid is None:
            return None
        return grid.images[s.selected if 0 <= s.selected < len(grid) else 0]

    # ---------------------------------------------------------------- widgets -> state

    @gui_slot(int)
    def _source_chosen(self, _index: int) -> None:
        self.on_settings(self.state.export_settings)

    @gui_slot()
    def _changed(self, *_args: object) -> None:
        from genai_studio.core.errors import GenAIError
        from genai_studio.core.export import Timing
        from genai_studio.core.render import ExportStyle

        e = self.state.export_settings
        scale = self.scale.currentData()
        try:
            style = replace(e.style, scale=scale, size=None if scale else self.size.value(),
                            resampling=self.resampling.currentData(),
                            invert=self.invert.isChecked(),
                            transparent=self.transparent.isChecked())
            style = ExportStyle(**style.to_dict())
            timing = Timing(self.fps.value(), self.playback.currentData(),
                            self.easing.currentData())
        except GenAIError as exc:
            self.note.setText(str(exc))
            return
        fmt = self.fmt.currentData()
        self.state.export_settings = replace(
            e, style=style, timing=timing, gutter=self.gutter.value(),
            captions=self.captions.isChecked(), batch_count=self.batch.value(),
            frames=self.frames.value(), smoothing=self.smoothing.value() / 100,
            closed=self.closed.isChecked(),
            animation_format=fmt if self.kind in ("morph", "path") and fmt else
            e.animation_format)

    def _pick_colour(self, which: str) -> None:
        style = self.state.export_settings.style
        chosen = ask.colour(self, f"The {which} colour", getattr(style, which))
        if chosen is not None:
            self.state.export_settings = replace(self.state.export_settings,
                                                 style=replace(style, **{which: chosen}))

    # ---------------------------------------------------------------- exporting

    @gui_slot()
    def export(self) -> None:
        target = self._ask_target()
        if target is not None:
            self.exports.start(self.kind, target)

    def _ask_target(self) -> Path | None:
        s = self.state
        fmt = s.export_settings.fmt_for(self.kind)
        name = s.model.name if s.model else "export"
        seed = s.grid.seed if s.grid is not None else s.seed
        stem = {"tile": f"{name}-seed{seed}-tile{s.selected + 1}",
                "grid": f"{name}-seed{seed}-grid"}.get(self.kind, f"{name}-{self.kind}")
        start = Path.home()
        if fmt == "batch":
            return ask.folder(self, "Export a batch into the folder", start)
        if fmt == "frames":
            return ask.save_path(self, "A new folder for the frames", start / f"{stem}-frames",
                                 "Folders (*)")
        return ask.save_path(self, "Export", start / f"{stem}{SUFFIX[fmt]}",
                             f"{FORMAT_NAMES[fmt]} (*{SUFFIX[fmt]})")

    @gui_slot(float, str)
    def on_progress(self, fraction: float, stage: str) -> None:
        self.progress.setValue(int(fraction * 1000))
        self.note.setText(stage)

    @gui_slot(bool)
    def on_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.progress.setValue(0)
        self.export_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)
        if not busy:
            self.note.setText("")


def _contrast(colour: str) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "#ffffff"
