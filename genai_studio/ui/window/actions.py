"""Every command of the window, in one table: menus, shortcuts, buttons and the help dialog.

A row names the command, its text, its keys, its menu, whether it also acts on a canvas tile
(then it appears in the tile's context menu and acts on the selected tile), the state flag
that enables it (``enabled="canvas.has_tile"``) and, for a checkable row, the state field its
check mark shows. The window builds one ``QAction`` per row and hands it to whatever shows it:
the menu bar, toolbar and panel buttons (``setDefaultAction``), the canvas' context menu, and
the shortcut list (Help > Keyboard shortcuts); so a button and its menu item can never
disagree. Each action runs its handler inside a :func:`~genai_studio.ui.common.guard.gui_slot`,
so a fault in any of them is shown in a dialog, never lost on stderr. :func:`check_table` keeps
the table honest: each key is used once in its scope, every handler names a row, and a
checkable row's handler takes the new checked state.
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

from genai_studio.ui.common.guard import gui_slot
from genai_studio.ui.studio.kinds import Corner
from genai_studio.ui.studio.state import StudioState


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
    field: str = ""  # checkable rows: the state field ("pad.recording") the check mark shows
    enabled: str = ""  # the state flag ("canvas.has_tile") that enables it; "": always


_CORNERS = tuple(
    ActionSpec(f"corner_{c.value}", f"Send to pad corner {c.arrow}", str(c.value + 1),
               Menu.SAMPLE, tile=True, tip="The selected tile becomes this corner's anchor",
               enabled="canvas.can_send_to_corner")
    for c in Corner)

ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("load_model", "Load the selected model", "Return", Menu.FILE,
               scope=Scope.LIBRARY, icon="open", enabled="library.can_load"),
    ActionSpec("import_model", "Import a model…", "Ctrl+O", Menu.FILE, icon="import"),
    ActionSpec("export_model", "Export the selected model…", "Ctrl+E", Menu.FILE,
               icon="export", enabled="library.can_export"),
    ActionSpec("rename_model", "Rename the selected model…", "F2", Menu.FILE,
               scope=Scope.LIBRARY, icon="rename", enabled="library.can_rename"),
    ActionSpec("delete_model", "Delete the selected model…", "Del", Menu.FILE,
               scope=Scope.LIBRARY, icon="trash", enabled="library.can_delete"),
    ActionSpec("score_model", "Score the selected model", "", Menu.FILE,
               tip="Let the judge score 10,000 samples (in the background)", icon="star",
               enabled="library.can_score"),
    ActionSpec("resume_run", "Resume the selected unfinished run", "", Menu.FILE,
               icon="play", enabled="library.can_resume"),
    ActionSpec("export", "Export…", "Ctrl+Shift+E", Menu.FILE, tile=True, icon="export",
               tip="Export the tile, the grid, a batch, the morph or a recorded pad path as "
               "PNG, GIF, APNG, WebP, frames or a sprite sheet, or as SVG or PDF outlines",
               short="Export",
               enabled="takeout.can_export"),
    ActionSpec("open_image", "Open an exported image…", "Ctrl+Shift+O", Menu.FILE,
               icon="open", tip="Bring back the model, seed, grid, pad point or morph an "
               "exported image was made with (or drop the image on the window)"),
    ActionSpec("encode_image", "Bring an image into latent space…", "Ctrl+I", Menu.FILE,
               icon="import", tip="Any picture of yours (PNG, JPEG, WebP, BMP, GIF), prepared "
               "as the model's data was (or drop it on the pad or the canvas)"),
    ActionSpec("new_dataset", "New dataset from folder…", "Ctrl+Shift+N", Menu.FILE,
               tip="Make a training set of your own images"),
    ActionSpec("new_font_dataset", "New dataset from fonts on this computer…", "", Menu.FILE,
               tip="Draw every character of your fonts into a training set: the label is the "
               "character, the style is the font"),
    ActionSpec("export_typeface", "Export typeface…", "", Menu.FILE,
               tip="An OpenType font from the pad's point of a model of characters, with a "
               "live preview", enabled="typeface.can_export_typeface"),
    ActionSpec("quit", "Quit", "Ctrl+Q", Menu.FILE),
    ActionSpec("generate", "Generate a new grid", "Space", Menu.SAMPLE,
               enabled="canvas.can_generate"),
    ActionSpec("history_back", "Undo", "Ctrl+Z", Menu.SAMPLE, icon="back",
               tip="Back to what you saw before the last thing you did (a grid, corners, the "
               "pad's point, genes, a breeding round, the digit, the model)",
               enabled="history.can_back"),
    ActionSpec("history_forward", "Redo", "Ctrl+Shift+Z", Menu.SAMPLE, icon="forward",
               tip="Forward again to what you undid", enabled="history.can_forward"),
    ActionSpec("lock_seed", "Lock the seed", "Ctrl+L", Menu.SAMPLE, checkable=True,
               icon="lock", field="canvas.seed_locked"),
    ActionSpec("standard_prior", "Draw from the standard normal prior", "", Menu.SAMPLE,
               checkable=True, field="canvas.standard_prior",
               enabled="canvas.can_choose_prior",
               tip="This model has a fitted prior: its samples come from where it put its "
               "training images. Checked: from N(0, I) instead, as it was trained to decode "
               "(blurrier, more in-between shapes)"),
    ActionSpec("drop_doubted", "Drop the samples the critic doubts", "", Menu.SAMPLE,
               checkable=True, field="canvas.curated", enabled="canvas.can_curate",
               tip="Keeps about 80% of the draws: those this model's own critic (its "
               "discriminator) finds most like its training images, so fewer malformed "
               "digits. Off while the model draws from its fitted prior, which keeps to its "
               "training images already. Discriminator rejection sampling (Azadi et al. 2019)"),
    ActionSpec("grid_bigger", "Bigger grid", "+", Menu.SAMPLE),
    ActionSpec("grid_smaller", "Smaller grid", "-", Menu.SAMPLE),
    ActionSpec("copy_tile", "Copy image", "Ctrl+C", Menu.SAMPLE, tile=True,
               enabled="canvas.has_tile"),
    ActionSpec("save_tile", "Save as PNG…", "Ctrl+S", Menu.SAMPLE, tile=True,
               enabled="canvas.has_tile"),
    ActionSpec("favourite_tile", "Favourite", "F", Menu.SAMPLE, tile=True,
               enabled="canvas.has_tile"),
    ActionSpec("repair_tile", "Repair…", "Ctrl+R", Menu.SAMPLE, tile=True,
               tip="Mask a part of the tile and let the model fill it in",
               enabled="canvas.has_tile"),
    *_CORNERS,
    ActionSpec("breed_add", "Add as a parent", "Ctrl+B", Menu.SAMPLE, tile=True,
               tip="The tile joins the parents in the Breeding panel",
               enabled="breeding.can_add"),
    ActionSpec("breed", "Breed", "Ctrl+Shift+B", Menu.SAMPLE,
               tip="Fill the canvas with children of the parents (crossover and mutation)",
               enabled="breeding.can_breed"),
    ActionSpec("morph_start", "Set as morph start (A)", "A", Menu.SAMPLE, tile=True,
               enabled="canvas.has_tile"),
    ActionSpec("morph_end", "Set as morph end (B)", "B", Menu.SAMPLE, tile=True,
               enabled="canvas.has_tile"),
    ActionSpec("fonts_as_corners", "Fonts as pad corners", "", Menu.SAMPLE,
               tip="Four typefaces of the model's fonts dataset, far apart in its style "
               "latent, become the pad's corners", enabled="typeface.can_fonts_as_corners"),
    ActionSpec("morph_start_from_pad", "Morph start from the pad", "Shift+A", Menu.SAMPLE,
               short="A ← pad", enabled="pad.has_point"),
    ActionSpec("morph_end_from_pad", "Morph end from the pad", "Shift+B", Menu.SAMPLE,
               short="B ← pad", enabled="pad.has_point"),
    ActionSpec("play_morph", "Play the morph", "P", Menu.VIEW, checkable=True, icon="play",
               short="Play", field="morph.playing", enabled="morph.can_play"),
    ActionSpec("record_path", "Record a pad path", "R", Menu.VIEW, checkable=True,
               icon="record", short="Record", field="pad.recording", enabled="pad.can_record",
               tip="On: drag on the pad to draw a path; off: it becomes an animation"),
    ActionSpec("replay_path", "Replay the recorded path", "Shift+R", Menu.VIEW, icon="play",
               short="Replay", tip="Walk the pad along the recorded path",
               enabled="pad.can_replay"),
    ActionSpec("smooth", "Smooth pixels", "S", Menu.VIEW, checkable=True, field="view.smooth",
               tip="Smooth (bilinear) or crisp (nearest-neighbour) digits"),
    ActionSpec("show_atlas", "Pad: atlas layer", "G", Menu.VIEW, checkable=True,
               short="Atlas", tip="Show a faint atlas of decoded digits under the pad",
               field="pad.show_atlas"),
    ActionSpec("show_points", "Pad: encoded digits layer", "D", Menu.VIEW, checkable=True,
               short="Digits", tip="Show where the test digits encode, coloured by class",
               field="pad.show_points"),
    ActionSpec("reset_layout", "Reset the layout", "", Menu.VIEW,
               tip="Put every panel back where it starts, sized for this window"),
    ActionSpec("train", "Train a new model", "Ctrl+T", Menu.TRAIN, enabled="training.can_train"),
    ActionSpec("pause_training", "Pause / resume training", "Ctrl+P", Menu.TRAIN,
               enabled="training.can_pause"),
    ActionSpec("cancel_training", "Cancel training", "Ctrl+.", Menu.TRAIN,
               enabled="training.can_cancel"),
    ActionSpec("live_view", "Show training live on the canvas and pad", "", Menu.TRAIN,
               checkable=True, field="training.live",
               tip="While a model trains, the canvas and the pad draw with its newest weights "
               "(twice a second at most); tiles can be taken again once it has finished"),
    ActionSpec("guide", "Guide", "F1", Menu.HELP,
               tip="An illustrated guide: your first image, morphing, export, your own images, "
               "training, what the scores mean, and a glossary (works offline)"),
    ActionSpec("shortcuts", "Keyboard shortcuts", "Ctrl+/", Menu.HELP),
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
    """Runs one action's handler as a guarded slot: a checkable action's handler is given the
    new checked state, any other's nothing (``triggered(bool)`` passes a flag it has no use
    for, which a lambda default would silently take)."""

    def __init__(self, action: QAction, handler: Callable[..., object]) -> None:
        super().__init__(action)
        self.handler, self.checkable = handler, action.isCheckable()
        self.setObjectName(f"trigger_{action.objectName()}")

    @gui_slot(bool, title="That command failed")
    def run(self, checked: bool = False) -> None:
        if self.checkable:
            self.handler(checked)
        else:
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


def check_table(specs: tuple[ActionSpec, ...], handlers: Mapping[str, Callable[..., object]]
                ) -> None:
    """The table's own rules, checked whenever actions are built: every row has a unique name;
    a key is used once per scope (the library's keys act only while it has the focus, so they
    may repeat a window key); every handler names a row; every row has a handler, except a
    checkable row bound to a state field; a checkable row's handler takes the checked state."""
    import inspect

    names = [spec.name for spec in specs]
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(f"action names used twice: {twice}")
    seen: dict[tuple[Scope, str], str] = {}
    for spec in specs:
        if not spec.keys:
            continue
        key = (spec.scope, QKeySequence(spec.keys).toString())
        if key in seen:
            raise ValueError(f"{spec.keys!r} is bound to both {seen[key]} and {spec.name}")
        seen[key] = spec.name
    unknown = set(handlers) - set(names)
    if unknown:
        raise KeyError(f"handlers for no action: {sorted(unknown)}")
    for spec in specs:
        handler = handlers.get(spec.name)
        if handler is None:
            if not (spec.checkable and spec.field):
                raise KeyError(f"no handler for action {spec.name!r}")
            continue
        if spec.checkable:
            try:
                inspect.signature(handler).bind(True)
            except TypeError:
                raise TypeError(f"the handler of checkable action {spec.name!r} must take the "
                                "checked state") from None


def build_actions(owner: QWidget, handlers: Mapping[str, Callable[..., object]]
                  ) -> dict[str, QAction]:
    """One QAction per table row, parented to ``owner``, after :func:`check_table`."""
    check_table(ACTIONS, handlers)
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
        if spec.scope is Scope.WINDOW:
            owner.addAction(action)
        actions[spec.name] = action
    tint_icons(actions)
    return actions


def bind_actions(actions: Mapping[str, QAction], state: StudioState) -> None:
    """Each row's check mark to its state field (both ways) and its enabled state to its flag
    (one way), so every button and menu item that shows the action agrees."""
    from genai_studio.ui.common.bind import bind, enable

    for spec in ACTIONS:
        if spec.field:
            bind(actions[spec.name], *state.resolve(spec.field))
        if spec.enabled:
            enable(actions[spec.name], *state.resolve(spec.enabled))


def tint_icons(actions: Mapping[str, QAction]) -> None:
    """(Re)draw the actions' icons in the current scheme's colours."""
    from genai_studio.ui.common import icons, theme

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
