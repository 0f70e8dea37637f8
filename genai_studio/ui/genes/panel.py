"""The Genes panel: a slider per gene with what it was measured to do, the selected tile
steered live, and making a gene of your own from tiles that have a quality and tiles that
lack it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from genai_studio.ui.common.bind import enable, show
from genai_studio.ui.common.guard import gui_slot
from genai_studio.ui.common.imaging import ImagePreview
from genai_studio.ui.common.plain import escaped
from genai_studio.ui.studio.state import StudioState

if TYPE_CHECKING:
    from genai_studio.core.genes.genes import Gene

STEPS = 100  # slider ticks per unit
RANGE = 3  # units either way


class GeneRow(QWidget):
    """One gene: its name, a slider from -3 to +3 units, the value and its measured effect."""

    moved = Signal(str, float)
    remove = Signal(str)

    def __init__(self, gene: Gene, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.gene = gene
        self.setObjectName(f"gene_{gene.name}")
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 2, 0, 4)
        grid.setHorizontalSpacing(4)
        grid.setVerticalSpacing(0)
        self.name = QLabel(gene.name)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName(f"geneSlider_{gene.name}")
        self.slider.setRange(-RANGE * STEPS, RANGE * STEPS)
        self.slider.setPageStep(STEPS // 2)
        self.slider.setSingleStep(STEPS // 10)
        self.slider.setMinimumWidth(80)
        self.value = QLabel("0.0")
        self.value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.effect = QLabel("")
        self.effect.setProperty("role", "hint")
        self.effect.setWordWrap(True)
        grid.addWidget(self.name, 0, 0)
        grid.addWidget(self.value, 0, 1)
        if gene.source == "artist":
            drop = QToolButton()
            drop.setText("×")
            drop.setToolTip(f"Forget the gene {gene.name!r}")
            drop.clicked.connect(lambda: self.remove.emit(gene.name))
            grid.addWidget(drop, 0, 2)
        grid.addWidget(self.slider, 1, 0, 1, 3)
        grid.addWidget(self.effect, 2, 0, 1, 3)
        grid.setColumnStretch(0, 1)
        self._label(0.0)
        tip = self._tooltip()
        for widget in (self.name, self.slider, self.effect):
            widget.setToolTip(tip)
        self.slider.valueChanged.connect(self._on_slider)

    def _tooltip(self) -> str:
        g = self.gene
        lines = [f"<b>{escaped(g.name)}</b>: one unit is {escaped(g.unit)}.",
                 f"How: {escaped(g.how)}."]
        if len(g.held) == 4:
            step = "" if len(g.effect) < 2 else \
                f": +1 → {g.effect[0]:+.2f}, +2 → {g.effect[1]:+.2f}"
            lines.append(f"Held to the digit: once the sliders are still, each digit on the "
                         f"grid is the model's nearest drawing of that digit with its "
                         f"{escaped(g.name)} changed, measured +1 → {g.held[0]:+.2f}, +2 → "
                         f"{g.held[1]:+.2f} units. While a slider moves, the pad follows "
                         f"the step alone{step}.")
            for words, side in (("Above", 1.0), ("Below", -1.0)):
                if not g.holds(side):
                    lines.append(f"{words} 0 it follows the step alone: held there, fewer "
                                 "digits kept their class.")
        if g.source == "measure" and len(g.effect) >= 2:
            if len(g.held) != 4:
                lines.append(f"Measured on the model's samples: +1 → {g.effect[0]:+.2f}, "
                             f"+2 → {g.effect[1]:+.2f} units.")
            if g.cross:
                talk = escaped(", ".join(f"{k} {v:+.2f}" for k, v in g.cross.items()))
                lines.append(f"At +1 the others move (cross-talk, in their units): {talk}.")
            lines.append("A setting v moves a latent z to z + v·g (along g's path where it "
                         "has a slope), g scaled so that +1 measured one unit.")
        return "<br>".join(lines)

    def show_value(self, value: float) -> None:
        ticks = round(value * STEPS)
        if ticks == self.slider.value():
            return  # the slider being dragged already shows it (and its labels)
        self.slider.blockSignals(True)
        self.slider.setValue(ticks)
        self.slider.blockSignals(False)
        self._label(value)

    def _label(self, value: float) -> None:
        self.value.setText(f"{value:+.1f}" if value else "0.0")
        text = self.gene.describe_effect(value or 1.0)
        self.effect.setText(text if value else text.replace(f"{self.gene.name} ", "", 1))

    def _on_slider(self, ticks: int) -> None:
        value = ticks / STEPS
        self._label(value)
        self.moved.emit(self.gene.name, value)


class GenesPanel(QWidget):
    """Draws the state's genes; writes slider values and tile marks; asks for the rest."""

    find_requested = Signal(bool)  # recompute
    make_requested = Signal(str)  # the new gene's name
    remove_requested = Signal(str)
    decoded = Signal()  # the steered tile is on screen (benchmarks count them)

    def __init__(self, state: StudioState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("genesPanel")
        self.state = state
        self.rows: dict[str, GeneRow] = {}
        self._build()
        g = state.genes
        show(self, g, "active", self.on_genes)
        show(self, g, "values", self.on_values)
        show(self, g, "status", self.status.setText)
        show(self, g, "finding", self.on_finding)
        show(self, state.canvas, "selected", self.on_tile)
        show(self, state.canvas, "grid", self.on_tile)
        for name in ("having", "lacking"):
            show(self, g, name, self.on_marks)

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        intro = QLabel("Steer by how it looks: a slider moves the grid, the pad, the morph "
                       "and the selected tile (here, before and after).")
        intro.setWordWrap(True)
        intro.setProperty("role", "hint")
        layout.addWidget(intro)
        tiles = QHBoxLayout()
        self.before = ImagePreview("genesBefore")
        self.after = ImagePreview("genesAfter")
        for preview in (self.before, self.after):
            preview.setMinimumSize(80, 80)
            preview.setMaximumHeight(130)
            tiles.addWidget(preview)
        layout.addLayout(tiles)
        self.rows_box = QVBoxLayout()
        self.rows_box.setSpacing(2)
        layout.addLayout(self.rows_box)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(6)
        layout.addWidget(self.progress)
        self.status = QLabel("")
        self.status.setObjectName("genesStatus")
        self.status.setWordWrap(True)
        self.status.setProperty("role", "hint")
        layout.addWidget(self.status)
        buttons = QHBoxLayout()
        self.reset_button = self._button("Reset all", "Every slider back to 0",
                                         self._reset)
        enable(self.reset_button, self.state.genes, "can_reset")
        self.find_button = self._button(
            "Find again", "Measure this model's samples and find its genes afresh (a minute "
            "or so); your own genes are kept", lambda: self.find_requested.emit(True))
        enable(self.find_button, self.state.genes, "can_find")
        buttons.addWidget(self.reset_button)
        buttons.addWidget(self.find_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        layout.addWidget(self._own_gene_box())
        layout.addStretch(1)

    def _button(self, text: str, tip: str, slot: Callable[[], Any]) -> QPushButton:
        button = QPushButton(text)
        button.setToolTip(tip)
        button.clicked.connect(slot)
        return button

    def _own_gene_box(self) -> QGroupBox:
        box = QGroupBox("Your own gene")
        grid = QGridLayout(box)
        hint = QLabel("Select tiles on the canvas that have a quality and mark them, then "
                      "tiles that lack it; name the quality.")
        hint.setWordWrap(True)
        hint.setProperty("role", "hint")
        grid.addWidget(hint, 0, 0, 1, 3)
        self.has_button = self._button("Has it", "The selected tile has the quality",
                                       lambda: self._mark(True))
        self.lacks_button = self._button("Lacks it", "The selected tile lacks the quality",
                                         lambda: self._mark(False))
        self.unmark_button = self._button("Clear", "Forget the marks",
                                          self.state.genes.clear_marks)
        grid.addWidget(self.has_button, 1, 0)
        grid.addWidget(self.lacks_button, 1, 1)
        for button in (self.has_button, self.lacks_button):
            enable(button, self.state.canvas, "has_tile")
        self.marks = QLabel("")
        self.marks.setProperty("role", "hint")
        self.marks.setWordWrap(True)
        grid.addWidget(self.marks, 2, 0)
        grid.addWidget(self.unmark_button, 2, 1)
        self.gene_name = QLineEdit()
        self.gene_name.setObjectName("geneName")
        self.gene_name.setPlaceholderText("name, e.g. curly")
        self.gene_name.setMaxLength(40)
        self.make_button = self._button("Make gene", "A slider from the tiles that lack it to "
                                        "the tiles that have it", self._make)
        grid.addWidget(self.gene_name, 3, 0)
        grid.addWidget(self.make_button, 3, 1)
        show(self, self.state.genes, "can_make", lambda _v: self._make_enabled())
        self.gene_name.textChanged.connect(lambda _t: self._make_enabled())
        return box

    # ---------------------------------------------------------------- drawing the state

    @gui_slot(object)
    def on_genes(self, genes: Any) -> None:
        for row in self.rows.values():
            row.setParent(None)
            row.deleteLater()
        self.rows = {}
        for gene in () if genes is None else genes.genes:
            row = GeneRow(gene)
            row.moved.connect(self.state.genes.set_value)
            row.remove.connect(self.remove_requested)
            self.rows_box.addWidget(row)
            self.rows[gene.name] = row
        self.on_values(self.state.genes.values)

    @gui_slot(object)
    def on_values(self, values: Any) -> None:
        current = dict(values or ())
        for name, row in self.rows.items():
            row.show_value(current.get(name, 0.0))
        self._steered_tile()

    def on_finding(self, finding: float) -> None:
        self.progress.setVisible(finding >= 0)
        self.progress.setValue(int(100 * max(finding, 0.0)))

    def on_marks(self, _marks: Any = None) -> None:
        g = self.state.genes
        self.marks.setText(f"{len(g.having)} with, {len(g.lacking)} without"
                           if g.having or g.lacking else "None marked yet.")
        self._make_enabled()

    def _make_enabled(self) -> None:
        self.make_button.setEnabled(self.state.genes.can_make
                                    and bool(self.gene_name.text().strip()))

    def showEvent(self, event: Any) -> None:  # noqa: N802
        super().showEvent(event)
        self.on_tile()  # hidden, it decoded nothing

    def _picked(self) -> tuple[Any, int] | None:
        """The selected tile of the active model's grid, while the panel is on screen."""
        if not self.isVisible():
            return None
        s = self.state
        picked = s.canvas.tile()
        if picked is None or s.session.model is None or picked[0].handle is not s.session.model:
            return None
        return picked

    @gui_slot(object)
    def on_tile(self, _value: Any = None) -> None:
        """The selected tile as it was drawn before any gene moved it, then steered."""
        picked = self._picked()
        if picked is None:
            return
        from genai_studio.core.latent.sampling import decode_live

        grid, index = picked
        base = grid.base_latents()[index]
        self.before.set_pixels(grid.images[index] if grid.base is None else
                               decode_live(grid.handle.model, base[None, :],
                                           grid.label_at(index))[0], f"tile {index + 1}")
        self._steered_tile()

    def _steered_tile(self) -> None:
        """The selected tile moved by the sliders: one small decode along the genes' path on
        every slider move; the grid's own tile, held to its digit, once the grid has caught
        up with the sliders."""
        picked = self._picked()
        if picked is None:
            return
        from genai_studio.core.latent.sampling import decode_live

        s = self.state
        grid, index = picked
        if grid.base is not None and grid.genes == s.genes.values:
            image = grid.images[index]
        else:
            moved = s.genes.steer(grid.base_latents()[index])
            image = decode_live(grid.handle.model, moved[None, :], grid.label_at(index))[0]
        values = ", ".join(f"{k} {v:+.1f}" for k, v in s.genes.values) or "no genes moved"
        self.after.set_pixels(image, values)
        self.decoded.emit()

    # ---------------------------------------------------------------- the artist's choices

    def _reset(self) -> None:
        self.state.genes.values = ()

    def _mark(self, having: bool) -> None:
        if self.state.canvas.has_tile:
            self.state.genes.mark(self.state.canvas.selected, having)

    def _make(self) -> None:
        name = self.gene_name.text().strip()
        if name:
            self.make_requested.emit(name)
            self.gene_name.clear()
