"""What the canvas tiles can do (copy, save, favourite, send to pad / morph) and every
keyboard shortcut of the window, kept in one table so the help dialog lists exactly these."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QFileDialog, QInputDialog

from genai_studio.ui.guard import gui_slot
from genai_studio.ui.imaging import gray_image, to_uint8, upscale_nearest
from genai_studio.ui.settings import GRID_SIZES

if TYPE_CHECKING:
    import numpy as np

    from genai_studio.ui.main_window import MainWindow


def install(w: MainWindow) -> list[QAction]:
    """Create the window's actions, menus and shortcuts; returns them for the help dialog."""
    t = w.toolbar
    table = [
        ("Generate a new grid", "Space", w.generate),
        ("Lock / unlock the seed", "Ctrl+L", t.lock.toggle),
        ("Bigger grid", "+", lambda: _grid_step(w, 1)),
        ("Smaller grid", "-", lambda: _grid_step(w, -1)),
        ("Copy the selected tile", "Ctrl+C", lambda: _selected(w, "copy")),
        ("Save the selected tile as PNG", "Ctrl+S", lambda: _selected(w, "save")),
        ("Favourite the selected tile", "F", lambda: _selected(w, "favourite")),
        *[(f"Send the selected tile to pad corner {k + 1}", str(k + 1),
           lambda k=k: _selected(w, f"corner{k}")) for k in range(4)],
        ("Set the selected tile as morph start", "A", lambda: _selected(w, "morph_start")),
        ("Set the selected tile as morph end", "B", lambda: _selected(w, "morph_end")),
        ("Morph start from the pad", "Shift+A", lambda: w.on_morph_from_pad("a")),
        ("Morph end from the pad", "Shift+B", lambda: w.on_morph_from_pad("b")),
        ("Play / pause the morph", "P", w.morph.play_button.toggle),
        ("Crisp / smooth pixels", "S", lambda: _toggle_smooth(w)),
        ("Pad: atlas layer", "G", w.pad_panel.atlas_button.toggle),
        ("Pad: encoded digits layer", "D", w.pad_panel.points_button.toggle),
        ("Train a new model", "Ctrl+T", w.training.start),
        ("Pause / resume training", "Ctrl+P", w.training.toggle_pause),
        ("Cancel training", "Ctrl+.", w.training.cancel),
        ("Import a model", "Ctrl+O", w.library.ask_import),
        ("Export the selected model", "Ctrl+E", w.library.ask_export),
        ("Rename the selected model", "F2", w.library.ask_rename),
        ("Keyboard shortcuts", "F1", w.show_shortcuts),
        ("About GenAI Studio", "Ctrl+Shift+A", w.show_about),
        ("Quit", "Ctrl+Q", w.close),
    ]
    # These callbacks are GUI-thread QActions, never worker signals: lambdas are fine here.
    actions = [w.add_action(text, keys, slot) for text, keys, slot in table]
    menus = {"&File": ("Import", "Export", "Rename", "Quit"),
             "&Sample": ("Generate", "Lock", "Bigger", "Smaller", "Copy", "Save", "Favourite"),
             "&View": ("Crisp", "Pad:", "Play"),
             "&Train": ("Train", "Pause", "Cancel training"),
             "&Help": ("Keyboard", "About")}
    for title, prefixes in menus.items():
        menu = w.menuBar().addMenu(title)
        for action in actions:
            if action.text().startswith(prefixes):
                menu.addAction(action)
    return actions


def _selected(w: MainWindow, action: str) -> None:
    if 0 <= w.canvas.selected < w.canvas.tile_count():
        run(w, action, w.canvas.selected)


def _grid_step(w: MainWindow, step: int) -> None:
    n = min(max(w.toolbar.grid_size() + step, GRID_SIZES[0]), GRID_SIZES[-1])
    w.toolbar.set_grid_size(n)


def _toggle_smooth(w: MainWindow) -> None:
    w.canvas.set_smooth(not w.canvas.smooth)
    w.pad_panel.preview.smooth = w.canvas.smooth
    w.pad_panel.preview.update()


def run(w: MainWindow, action: str, index: int) -> None:
    """Carry out a tile action (from the context menu, a shortcut or a double-click)."""
    canvas = w.canvas
    if action == "copy":
        pixels = upscale_nearest(to_uint8(canvas.image_at(index)), 280)
        QGuiApplication.clipboard().setImage(gray_image(pixels))
    elif action == "save":
        save_tile(w, index)
    elif action == "favourite":
        favourite(w, index)
    elif action.startswith("corner"):
        w.on_tile_dropped(index, int(action[-1]))
    elif action in ("morph_start", "morph_end", "morph_next"):
        which = {"morph_start": "a", "morph_end": "b"}.get(action, w._morph_next)
        w.set_morph_anchor(which, canvas.latents[index], w.tile_label(index))


def save_tile(w: MainWindow, index: int) -> None:
    size, ok = QInputDialog.getInt(w, "Save as PNG", "Size in pixels (crisp upscale):", 280,
                                   28, 4096, 28)
    if not ok:
        return
    path, _ = QFileDialog.getSaveFileName(w, "Save as PNG", str(Path.home() / "digit.png"),
                                          "PNG images (*.png)")
    if path:
        write_tile_png(w, index, Path(path), size)


def write_tile_png(w: MainWindow, index: int, path: Path, size: int) -> None:
    from genai_studio.core.errors import GenAIError
    from genai_studio.core.images import save_png

    try:
        save_png(path, upscale_nearest(to_uint8(w.canvas.image_at(index)), size))
    except GenAIError as exc:
        w.show_error("Could not save the image", str(exc))


def favourite(w: MainWindow, index: int) -> None:
    """Star the tile and keep a copy in the user's favourites folder."""
    from datetime import datetime

    w.canvas.favourites.add(index)
    w.canvas.update()
    folder = w.paths.user_models.parent / "favourites"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    write_tile_png(w, index, folder / f"{stamp}-seed{w.toolbar.seed.value()}-{index}.png", 280)
    w.statusBar().showMessage(f"Favourite saved in {folder}", 4000)


class TileAnchors:
    """MainWindow's tile -> pad / morph wiring (a mixin; GUI-thread signals only)."""

    canvas: Any
    toolbar: Any
    pad_panel: Any
    morph: Any
    handle: Any
    _morph_labels: dict[str, int | None]
    _morph_next: str

    @gui_slot(str, int)
    def on_tile_action(self: Any, action: str, index: int) -> None:
        run(self, action, index)

    @gui_slot(int, int)
    def on_tile_dropped(self: Any, index: int, corner: int) -> None:
        if 0 <= index < self.canvas.tile_count():
            label = self.tile_label(index)
            if label is not None and self.toolbar.label() is None:
                # "Any digit" on a conditional model: the pad draws the dropped tile's digit.
                self.pad_panel.set_label(label)
            self.pad_panel.set_corner(corner, self.canvas.latents[index])

    def tile_label(self: Any, index: int) -> int | None:
        """The digit a conditional model drew tile ``index`` as (None otherwise)."""
        labels = self.canvas.labels
        return None if labels is None else int(labels[index])

    def set_morph_anchor(self: Any, which: str, z: np.ndarray, label: int | None = None) -> None:
        self._morph_labels[which] = label
        self.morph.set_anchor(which, z)
        self._morph_next = "b" if which == "a" else "a"

    def morph_label(self: Any) -> int | None:
        """Conditional models decode a morph as one digit: the picked one, else A's, else B's
        (a label cannot be interpolated through ``decode``)."""
        if self.handle is None or not self.handle.conditional:
            return None
        for label in (self.toolbar.label(), self._morph_labels.get("a"),
                      self._morph_labels.get("b"), self.pad_panel.label):
            if label is not None:
                return label
        return None
