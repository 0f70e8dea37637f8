"""Every command of the window, in one table: menus, shortcuts, buttons and the help dialog.

A row names the command, its text, its keys, its menu and whether it also acts on a canvas
tile (then it appears in the tile's context menu and acts on the selected tile). The window
builds one ``QAction`` per row and hands it to whatever shows it: the menu bar, toolbar and
panel buttons (``setDefaultAction``), the canvas' context menu, and the shortcut list (F1).
Each action runs its handler inside a :func:`~genai_studio.ui.guard.gui_slot`, so a fault in
any of them is shown in a dialog, never lost on stderr.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt, Slot
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QWidget,
)

from genai_studio.ui.guard import gui_slot
from genai_studio.ui.state import Corner, StudioState


class Menu(enum.Enum):
    FILE = "&File"
    SAMPLE = "&Sample"
    VIEW = "&View"
    TRAIN = "&Train"
    HELP = "&Help"


class Scope(enum.Enum):
    """Where a shortcut listens: the whole window, or only while the library has focus
    (Del and F2 must not delete or rename a model while the artist types elsewhere)."""

    WINDOW = Qt.ShortcutContext.WindowShortcut
    LIBRARY = Qt.ShortcutContext.WidgetWithChildrenShortcut


@dataclass(frozen=True)
class ActionSpec:
    name: str  # the handler's key and the QAction's objectName ("action_<name>")
    text: str
    keys: str = ""
    menu: Menu | None = None
    tile: bool = False  # also in a canvas tile's context menu
    checkable: bool = False
    scope: Scope = Scope.WINDOW
    tip: str = ""
    icon: str = ""  # a name in ui.icons; drawn in the scheme's colours (danger for "trash")
    short: str = ""  # the text on a small button that shows this action (Qt's iconText)
    field: str = ""  # checkable rows: the StudioState field the check mark is bound to


_CORNERS = tuple(
    ActionSpec(f"corner_{c.value}", f"Send to pad corner {c.arrow}", str(c.value + 1),
               Menu.SAMPLE, tile=True, tip="The selected tile becomes this corner's anchor")
    for c in Corner)

ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("load_model", "Load the selected model", "Return", Menu.FILE,
               scope=Scope.LIBRARY, icon="open"),
    ActionSpec("import_model", "Import a model…", "Ctrl+O", Menu.FILE, icon="import"),
    ActionSpec("export_model", "Export the selected model…", "Ctrl+E", Menu.FILE,
               icon="export"),
    ActionSpec("rename_model", "Rename the selected model…", "F2", Menu.FILE,
               scope=Scope.LIBRARY, icon="rename"),
    ActionSpec("delete_model", "Delete the selected model…", "Del", Menu.FILE,
               scope=Scope.LIBRARY, icon="trash"),
    ActionSpec("score_model", "Score the selected model", "", Menu.FILE,
               tip="Let the judge score 10,000 samples (in the background)", icon="star"),
    ActionSpec("resume_run", "Resume the selected unfinished run", "", Menu.FILE,
               icon="play"),
    ActionSpec("export", "Export…", "Ctrl+Shift+E", Menu.FILE, tile=True, icon="export",
               tip="Export the tile, the grid, a batch, the morph or a recorded pad path as "
               "PNG, GIF, APNG, WebP, frames or a sprite sheet", short="Export"),
    ActionSpec("open_image", "Open an exported image…", "Ctrl+Shift+O", Menu.FILE,
               icon="open", tip="Bring back the model, seed, grid, pad point or morph an "
               "exported image was made with (or drop the image on the window)"),
    ActionSpec("encode_image", "Bring an image into latent space…", "Ctrl+I", Menu.FILE,
               icon="import", tip="Any picture of yours (PNG, JPEG, WebP, BMP, GIF), prepared "
               "as the model's data was (or drop it on the pad or the canvas)"),
    ActionSpec("new_dataset", "New dataset from folder…", "Ctrl+Shift+N", Menu.FILE,
               tip="Make a training set of your own images"),
    ActionSpec("quit", "Quit", "Ctrl+Q", Menu.FILE),
    ActionSpec("generate", "Generate a new grid", "Space", Menu.SAMPLE),
    ActionSpec("history_back", "Back", "Ctrl+Z", Menu.SAMPLE, icon="back",
               tip="The grid shown before this one, stars included"),
    ActionSpec("history_forward", "Forward", "Ctrl+Shift+Z", Menu.SAMPLE, icon="forward",
               tip="The grid shown after this one"),
    ActionSpec("lock_seed", "Lock the seed", "Ctrl+L", Menu.SAMPLE, checkable=True,
               icon="lock", field="seed_locked"),
    ActionSpec("grid_bigger", "Bigger grid", "+", Menu.SAMPLE),
    ActionSpec("grid_smaller", "Smaller grid", "-", Menu.SAMPLE),
    ActionSpec("copy_tile", "Copy image", "Ctrl+C", Menu.SAMPLE, tile=True),
    ActionSpec("save_tile", "Save as PNG…", "Ctrl+S", Menu.SAMPLE, tile=True),
    ActionSpec("favourite_tile", "Favourite", "F", Menu.SAMPLE, tile=True),
    ActionSpec("repair_tile", "Repair…", "R", Menu.SAMPLE, tile=True,
               tip="Mask a part of the tile and let the model fill it in"),
    *_CORNERS,
    ActionSpec("morph_start", "Set as morph start (A)", "A", Menu.SAMPLE, tile=True),
    ActionSpec("morph_end", "Set as morph end (B)", "B", Menu.SAMPLE, tile=True),
    ActionSpec("morph_start_from_pad", "Morph start from the pad", "Shift+A", Menu.SAMPLE,
               short="A ← pad"),
    ActionSpec("morph_end_from_pad", "Morph end from the pad", "Shift+B", Menu.SAMPLE,
               short="B ← pad"),
    ActionSpec("play_morph", "Play the morph", "P", Menu.VIEW, checkable=True, icon="play",
               short="Play"),
    ActionSpec("record_path", "Record a pad path", "R", Menu.VIEW, checkable=True,
               icon="record", short="Record", field="recording",
               tip="On: drag on the pad to draw a path; off: it becomes an animation"),
    ActionSpec("replay_path", "Replay the recorded path", "Shift+R", Menu.VIEW, icon="play",
               short="Replay", tip="Walk the pad along the recorded path"),
    ActionSpec("smooth", "Smooth pixels", "S", Menu.VIEW, checkable=True, field="smooth",
               tip="Smooth (bilinear) or crisp (nearest-neighbour) digits"),
    ActionSpec("show_atlas", "Pad: atlas layer", "G", Menu.VIEW, checkable=True,
               short="Atlas", tip="Show a faint atlas of decoded digits under the pad",
               field="show_atlas"),
    ActionSpec("show_points", "Pad: encoded digits layer", "D", Menu.VIEW, checkable=True,
               short="Digits", tip="Show where the test digits encode, coloured by class",
               field="show_points"),
    ActionSpec("reset_layout", "Reset the layout", "", Menu.VIEW,
               tip="Put every panel back where it starts, sized for this window"),
    ActionSpec("train", "Train a new model", "Ctrl+T", Menu.TRAIN),
    ActionSpec("pause_training", "Pause / resume training", "Ctrl+P", Menu.TRAIN),
    ActionSpec("cancel_training", "Cancel training", "Ctrl+.", Menu.TRAIN),
    ActionSpec("shortcuts", "Keyboard shortcuts", "F1", Menu.HELP),
    ActionSpec("about", "About GenAI Studio", "Ctrl+Shift+A", Menu.HELP),
)

# Gestures that are not commands, listed in the help dialog after the table's shortcuts.
GESTURES: tuple[tuple[str, str], ...] = (
    ("Arrow keys", "Move the tile selection on the canvas; nudge the point on the pad"),
    ("Shift + arrow keys", "Nudge the pad's point ten times further"),
    ("Enter / double-click", "Send the tile to the morph (A, then B)"),
    ("Drag a tile", "Drop it on a pad corner to make it an anchor"),
    ("Drag on the pad", "Decode the point under the cursor, live"),
    ("Drop an image file on the pad", "Find it in latent space (on a corner: its anchor)"),
    ("Drop an image file on the canvas", "Make it a morph end"),
    ("Enter in the seed field", "Generate with the seed you typed"),
)


SPACE_TAKERS = (QAbstractButton, QComboBox, QAbstractItemView, QAbstractSpinBox,
                QAbstractSlider)


class _Trigger(QObject):
    """Runs one action's handler as a guarded slot (``triggered(bool)`` passes its flag, which
    the handler never sees: a lambda default would be overwritten by it)."""

    def __init__(self, action: QAction, handler: Callable[[], object]) -> None:
        super().__init__(action)
        self.handler = handler
        self.setObjectName(f"trigger_{action.objectName()}")

    @gui_slot(bool, title="That command failed")
    def run(self, _checked: bool = False) -> None:
        self.handler()


class SpaceForFocus(QObject):
    """Space presses the focused button (or toggles the focused list item) instead of firing
    the window's Generate shortcut: the widget under the keyboard wins.

    Qt offers Space to the window's shortcuts first unless the focused widget claims it (a
    ShortcutOverride event, which buttons do not claim). The filter sits on each such widget
    when it takes the focus, not on the whole application: an application-wide Python filter
    would run for every event, every frame of a pad drag included."""

    @Slot(object, object)
    def focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if isinstance(new, SPACE_TAKERS):
            new.installEventFilter(self)  # installing twice keeps one filter

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent) \
                and event.key() == Qt.Key.Key_Space \
                and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            event.accept()
            return True
        return False


def build_actions(owner: QWidget, handlers: Mapping[str, Callable[[], object]]
                  ) -> dict[str, QAction]:
    """One QAction per table row, parented to ``owner``; every row needs a handler, except
    checkable rows, which the caller binds to a state field instead."""
    actions = {}
    for spec in ACTIONS:
        action = QAction(spec.text, owner)
        action.setObjectName(f"action_{spec.name}")
        if spec.keys:
            action.setShortcut(QKeySequence(spec.keys))
        action.setShortcutContext(spec.scope.value)
        action.setToolTip(f"{spec.tip or spec.text} ({spec.keys})" if spec.keys
                          else spec.tip or spec.text)
        action.setCheckable(spec.checkable)
        action.setIconVisibleInMenu(False)
        if spec.short:
            action.setIconText(spec.short)
        if spec.name in handlers:
            action.triggered.connect(_Trigger(action, handlers[spec.name]).run)
        elif not spec.checkable:
            raise KeyError(f"no handler for action {spec.name!r}")
        if spec.scope is Scope.WINDOW:
            owner.addAction(action)
        actions[spec.name] = action
    tint_icons(actions)
    return actions


def bind_actions(actions: Mapping[str, QAction], state: StudioState) -> None:
    """Tie each checkable row with a ``field`` to that field of the state, both ways."""
    from genai_studio.ui.bind import bind_check

    for spec in ACTIONS:
        if spec.field:
            bind_check(actions[spec.name], state, spec.field)


def tint_icons(actions: Mapping[str, QAction]) -> None:
    """(Re)draw the actions' icons in the current scheme's colours."""
    from genai_studio.ui import icons, theme

    for spec in ACTIONS:
        if spec.icon:
            colour = theme.DANGER if spec.icon == "trash" else theme.TEXT
            actions[spec.name].setIcon(icons.icon(spec.icon, colour))


def tile_actions(actions: Mapping[str, QAction]) -> list[QAction]:
    return [actions[spec.name] for spec in ACTIONS if spec.tile]


def help_rows(actions: Mapping[str, QAction]) -> list[tuple[str, str]]:
    """(keys, what) for the help dialog: every shortcut of the table, then the gestures."""
    rows = []
    for spec in ACTIONS:
        keys = actions[spec.name].shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        if keys:
            rows.append((keys, spec.text.rstrip("…")))
    return rows + list(GESTURES)
