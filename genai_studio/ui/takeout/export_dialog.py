"""The export dialog: non-modal, every input bound to ``state.takeout.settings`` (so it
remembers its last settings, and Copy uses the same size and style), with a preview, a progress
bar and Cancel while the studio stays usable.

It takes the state alone: Export asks where, then emits ``export_requested(source, target)``;
the take-out controller runs it on the jobs thread and writes its progress to the state.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from genai_studio.core.export.options import (
    EASINGS,
    PLAYBACK,
    RESAMPLING,
    SOURCE_FORMATS,
    ExportFormat,
    ExportSource,
)
from genai_studio.ui.common import ask
from genai_studio.ui.common.bind import bind, enable, show
from genai_studio.ui.common.guard import gui_slot
from genai_studio.ui.common.imaging import style_image
from genai_studio.ui.common.input_policy import apply_input_policy
from genai_studio.ui.common.spin import DoubleSpinBox, SpinBox
from genai_studio.ui.studio.state import StudioState
from genai_studio.ui.takeout.state import SUFFIX, ExportSettings

SCALES = (4, 8, 16, 32)
PREVIEW = 168  # px of the preview box
SOURCE_TITLES = {ExportSource.TILE: "Selected tile",
                 ExportSource.GRID: "Whole grid (contact sheet)",
                 ExportSource.BATCH: "A batch of fresh samples", ExportSource.MORPH: "The morph",
                 ExportSource.PATH: "The recorded pad path"}
RESAMPLING_TITLES = {"nearest": "crisp pixels (nearest)", "lanczos": "smooth (Lanczos)",
                     "ink": "ink: smooth, clean edges"}
PLAYBACK_TITLES = {"once": "play once", "loop": "loop", "ping-pong": "ping-pong"}
EASING_TITLES = {"linear": "linear", "ease-in-out": "ease in and out"}


def _combo(name: str, items: list[tuple[str, Any]]) -> QComboBox:
    combo = QComboBox(objectName=name)
    for text, data in items:
        combo.addItem(text, data)
    return combo


class ExportDialog(QDialog):
    export_requested = Signal(ExportSource, Path)  # what, and where the artist chose
    cancel_requested = Signal()

    def __init__(self, state: StudioState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export")
        self.setModal(False)
        self.state = state
        self.rows: dict[str, list[Any]] = {}
        self._build()
        self._bind()
        apply_input_policy(self)

    # ---------------------------------------------------------------- layout

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        top = QHBoxLayout()
        self.form = form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.source = _combo("exportSource", [(v, k) for k, v in SOURCE_TITLES.items()])
        self.fmt = QComboBox(objectName="exportFormat")
        self.fmt.setToolTip(
            "SVG and PDF stay sharp at any size: each image is traced into smooth outlines "
            "(vtracer: grey art becomes Bezier curves in the ink colour, colour art colour "
            "regions), with the same size, ink and paper as a PNG")
        self.scale = _combo("exportScale", [(f"x{k}", k) for k in SCALES] + [("custom px", 0)])
        self.size = SpinBox(objectName="exportSize", minimum=16, maximum=8192, singleStep=28,
                             suffix=" px")
        self.resampling = _combo("exportResampling",
                                 [(RESAMPLING_TITLES[r], r) for r in RESAMPLING])
        self.ink = QPushButton(objectName="exportInk")
        self.paper = QPushButton(objectName="exportPaper")
        self.ink.clicked.connect(lambda: self._pick_colour("ink"))
        self.paper.clicked.connect(lambda: self._pick_colour("paper"))
        self.invert = QCheckBox("invert", objectName="exportInvert")
        self.transparent = QCheckBox("transparent paper (grey becomes alpha)",
                                     objectName="exportTransparent")
        self.gutter = SpinBox(objectName="exportGutter", maximum=256, suffix=" px")
        self.captions = QCheckBox("captions under tiles", objectName="exportCaptions")
        self.batch = SpinBox(objectName="exportBatch", minimum=1, maximum=10_000)
        self.frames = SpinBox(objectName="exportFrames", minimum=2, maximum=600)
        self.fps = DoubleSpinBox(objectName="exportFps", minimum=0.5, maximum=60, decimals=1)
        self.playback = _combo("exportPlayback", [(PLAYBACK_TITLES[p], p) for p in PLAYBACK])
        self.easing = _combo("exportEasing", [(EASING_TITLES[e], e) for e in EASINGS])
        self.smoothing = SpinBox(objectName="exportSmoothing", maximum=20, suffix=" %")
        self.closed = QCheckBox("close the path into a loop", objectName="exportClosed")
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
        self.preview = QLabel(objectName="exportPreview", alignment=Qt.AlignmentFlag.AlignCenter,
                              textFormat=Qt.TextFormat.PlainText)  # errors quote file text
        self.preview.setFixedSize(PREVIEW, PREVIEW)
        self.preview.setStyleSheet("background: #202020; border-radius: 6px;")
        top.addWidget(self.preview, 0, Qt.AlignmentFlag.AlignTop)
        outer.addLayout(top)
        self.progress = QProgressBar(objectName="exportProgress")
        self.progress.setRange(0, 1000)
        self.progress.setVisible(False)
        outer.addWidget(self.progress)
        buttons = QHBoxLayout()
        self.note = QLabel("", objectName="exportNote", textFormat=Qt.TextFormat.PlainText)
        self.note.setProperty("role", "muted")
        buttons.addWidget(self.note, 1)
        self.export_button = QPushButton("Export…", objectName="exportButton")
        self.export_button.setProperty("accent", True)
        self.export_button.clicked.connect(self.export)
        self.cancel_button = QPushButton("Cancel", objectName="exportCancel")
        self.cancel_button.clicked.connect(self.cancel_requested)
        close = QPushButton("Close", objectName="exportClose")
        close.clicked.connect(self.close)
        for button in (self.export_button, self.cancel_button, close):
            buttons.addWidget(button)
        outer.addLayout(buttons)

    def _bind(self) -> None:
        t = self.state.takeout
        bind(self.source, t, "source")
        for widget, attr in ((self.resampling, "style.resampling"),
                             (self.invert, "style.invert"),
                             (self.transparent, "style.transparent"), (self.gutter, "gutter"),
                             (self.captions, "captions"), (self.batch, "batch_count"),
                             (self.frames, "frames"), (self.fps, "timing.fps"),
                             (self.playback, "timing.playback"),
                             (self.easing, "timing.easing"), (self.closed, "closed")):
            bind(widget, t, "settings", attr)
        bind(self.scale, t, "settings", "style.scale", convert=lambda s: s or 0,
             back=self._scale_chosen)
        bind(self.size, t, "settings", "style.size",
             convert=lambda px: px or 28 * (t.settings.style.scale or 8), back=self._size_typed)
        bind(self.smoothing, t, "settings", "smoothing", convert=lambda f: round(f * 100),
             back=lambda percent: percent / 100)
        show(self, t, "settings", self.on_settings)
        show(self, t, "source", self.on_source)
        show(self, t, "busy", self.on_busy)
        show(self, t, "progress", self.on_progress)
        enable(self.export_button, t, "can_start")
        for signal in (self.state.canvas.grid_changed, self.state.canvas.selected_changed,
                       self.state.morph.frames_changed, self.state.pad.path_changed,
                       self.state.pad.trail_start_changed, self.state.pad.recording_changed,
                       self.state.session.model_changed):
            signal.connect(self.on_content)
        self.fmt.currentIndexChanged.connect(self._format_chosen)

    # ---------------------------------------------------------------- state -> widgets

    @property
    def kind(self) -> ExportSource:
        return self.state.takeout.source

    def show_for(self, kind: ExportSource) -> None:
        """Open (or raise) the dialog on ``kind``."""
        self.state.takeout.source = kind
        self.show()
        self.raise_()
        self.activateWindow()

    def on_settings(self, e: ExportSettings) -> None:
        st = e.style
        self.size.setEnabled(st.size is not None)
        for button, colour in ((self.ink, st.ink), (self.paper, st.paper)):
            button.setText(colour)
            button.setStyleSheet(f"background:{colour}; color:{_contrast(colour)};")
        # A colour model keeps its colours: ink, paper and the digit-only "ink" resampling
        # do not apply to it (each kind of image keeps its own style).
        grey = e.style_kind == "grey"
        for widget in (self.ink, self.paper, self.invert, self.transparent):
            widget.setEnabled(grey)
            widget.setToolTip("" if grey else "a colour model's images keep their own colours")
        ink_item = self.resampling.model().item(self.resampling.findData("ink"))
        if ink_item is not None:
            ink_item.setEnabled(grey)
        self._fill_formats()
        self.on_content()

    def on_source(self, _source: ExportSource) -> None:
        self._fill_formats()
        shown = {"all": True, "grid": self.kind is ExportSource.GRID,
                 "batch": self.kind is ExportSource.BATCH, "anim": self.kind.animated,
                 "path": self.kind is ExportSource.PATH}
        for name, fields in self.rows.items():
            for field in fields:
                self.form.setRowVisible(field, shown[name])
        self.on_content()

    def _fill_formats(self) -> None:
        """The formats the source can be written as, the chosen one current."""
        formats = SOURCE_FORMATS[self.kind]
        self._filling = True
        try:
            if [self.fmt.itemData(i) for i in range(self.fmt.count())] != list(formats):
                self.fmt.clear()
                for fmt in formats:
                    self.fmt.addItem(fmt.title, fmt)
            self.fmt.setCurrentIndex(max(self.fmt.findData(
                self.state.takeout.settings.fmt_for(self.kind)), 0))
        finally:
            self._filling = False

    @gui_slot()
    def on_content(self, *_args: object) -> None:
        """Preview the first image of what would be exported, in the chosen style."""
        from genai_studio.core.errors import GenAIError
        from genai_studio.core.export.render import render

        image = self._preview_source()
        if image is None:
            self.preview.setPixmap(QPixmap())
            self.preview.setText(self._nothing_yet())
            return
        try:
            picture = style_image(render(image, self.state.takeout.settings.style))
        except GenAIError as exc:
            self.preview.setText(str(exc))
            return
        self.preview.setPixmap(QPixmap.fromImage(picture).scaled(
            PREVIEW - 8, PREVIEW - 8, Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation))

    def _nothing_yet(self) -> str:
        if self.kind is ExportSource.PATH:
            return ("recording: drag\non the pad" if self.state.pad.recording
                    else "record a path\non the pad")
        if self.kind is ExportSource.MORPH:
            return "set the morph's\nA and B"
        return "nothing\nyet"

    def _preview_source(self) -> Any:
        s, grid = self.state, self.state.canvas.grid
        if self.kind is ExportSource.MORPH:
            frames = s.morph.frames
            return None if frames is None else frames[len(frames) // 2]
        if self.kind is ExportSource.PATH:
            return self._path_preview()
        if grid is None:
            return None
        picked = s.canvas.tile()
        return grid.images[picked[1] if picked is not None else 0]

    def _path_preview(self) -> Any:
        """The recorded path's first frame: the image under its first point."""
        from genai_studio.core.latent.pad import PadPlane
        from genai_studio.core.latent.sampling import decode_live

        pad, model = self.state.pad, self.state.session.model
        if model is None:
            return None
        if pad.trail_start is not None and pad.plane is not None:  # being drawn now
            z = pad.plane.latent_at(*pad.trail_start)
            return decode_live(model.model, z[None, :], pad.effective_digit)[0]
        path = pad.path
        if path is None or path.handle is not model:
            return None
        plane = PadPlane(model.latent_dim, path.corners)
        z = plane.latent_at(*path.points[0])
        return decode_live(model.model, z[None, :], path.label)[0]

    # ---------------------------------------------------------------- widgets -> state

    def _scale_chosen(self, scale: int) -> int | None:
        """A preset scale, or 0 for a width in px (the size box then says which)."""
        from dataclasses import replace

        t = self.state.takeout
        if not scale:
            t.settings = replace(t.settings, style=replace(t.settings.style, scale=None,
                                                             size=self.size.value()))
            return None
        t.settings = replace(t.settings, style=replace(t.settings.style, size=None))
        return scale

    def _size_typed(self, px: int) -> int | None:
        return px if self.state.takeout.settings.style.size is not None else None

    @gui_slot(int)
    def _format_chosen(self, _index: int) -> None:
        fmt = self.fmt.currentData()
        if getattr(self, "_filling", False) or fmt is None:
            return
        t = self.state.takeout
        t.settings = t.settings.choose(self.kind, ExportFormat(fmt))

    def _pick_colour(self, which: str) -> None:
        from dataclasses import replace

        t = self.state.takeout
        chosen = ask.colour(self, f"The {which} colour", getattr(t.settings.style, which))
        if chosen is not None:
            t.settings = replace(t.settings, style=replace(t.settings.style, **{which: chosen}))

    # ---------------------------------------------------------------- exporting

    @gui_slot()
    def export(self) -> None:
        target = self._ask_target()
        if target is not None:
            self.export_requested.emit(self.kind, target)

    def _ask_target(self) -> Path | None:
        s = self.state
        fmt = s.takeout.settings.fmt_for(self.kind)
        name = s.session.model.name if s.session.model else "export"
        seed = s.canvas.grid.seed if s.canvas.grid is not None else s.canvas.seed
        stem = {ExportSource.TILE: f"{name}-seed{seed}-tile{s.canvas.selected + 1}",
                ExportSource.GRID: f"{name}-seed{seed}-grid"}.get(
                    self.kind, f"{name}-{self.kind.value}")
        start, session = Path.home(), s.session
        if fmt is ExportFormat.BATCH:
            # A new folder's name may be typed: the batch makes it.
            return ask.save_path(self, "A folder for the batch (new or existing)",
                                 start / f"{stem}-batch", "Folders (*)", session=session)
        if fmt.folder:
            return ask.save_path(self, "A new folder for the frames", start / f"{stem}-frames",
                                 "Folders (*)", session=session)
        return ask.save_path(self, "Export", start / f"{stem}{SUFFIX[fmt]}",
                             f"{fmt.title} (*{SUFFIX[fmt]})", session=session)

    def on_progress(self, progress: tuple[float, str]) -> None:
        fraction, stage = progress
        self.progress.setValue(int(fraction * 1000))
        self.note.setText(stage)

    def on_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.progress.setValue(0)
        self.cancel_button.setEnabled(busy)
        if not busy:
            self.note.setText("")


def _contrast(colour: str) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "#ffffff"
