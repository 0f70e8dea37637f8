"""The studio composed into its window: the state, the controllers, the widgets that bind to
them, the docks, the menus built from the action table, the status bar (docs/architecture.md).

The window maps before any of this is imported (``MainWindow(compose_now=False)``, as an
artist's launch does): a frame with its title, size and colours costs what a bare PySide6
window does, and this module, with the ~100 modules it pulls in, loads on that frame's first
paint. Tests and tools compose at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QApplication, QStackedWidget, QTabWidget

from genai_studio.ui.canvas.empty_state import EmptyState
from genai_studio.ui.canvas.sample_canvas import SampleCanvas
from genai_studio.ui.canvas.tile_actions import TileActions, TileOp
from genai_studio.ui.canvas.toolbar import StudioToolbar
from genai_studio.ui.common.guard import GUARD
from genai_studio.ui.common.input_policy import apply_input_policy
from genai_studio.ui.common.theme import Theme
from genai_studio.ui.inside.lens import InsideLens
from genai_studio.ui.library.dataset_actions import DatasetActions
from genai_studio.ui.library.model_actions import LibraryActions
from genai_studio.ui.library.models_panel import ModelLibrary
from genai_studio.ui.material.controller import MaterialController
from genai_studio.ui.morph.strip import MorphStrip
from genai_studio.ui.pad.panel import PadPanel
from genai_studio.ui.pad.recorder import PathPlayer
from genai_studio.ui.studio.controller import Studio
from genai_studio.ui.studio.kinds import Corner, MorphEnd
from genai_studio.ui.studio.state import StudioState
from genai_studio.ui.takeout.controller import TakeOut
from genai_studio.ui.training.run import TrainingRun
from genai_studio.ui.typeface.controller import Typefaces
from genai_studio.ui.window import actions as table
from genai_studio.ui.window import deferred, docks, window_state
from genai_studio.ui.window.guide import open_guide
from genai_studio.ui.window.status_bar import StudioStatusBar
from genai_studio.ui.window.steering import Steering

if TYPE_CHECKING:
    from genai_studio.ui.window.main_window import MainWindow


def compose(w: MainWindow) -> None:
    """Everything the window shows and does, built into ``w`` and wired to its slots."""
    w.state = StudioState(w)
    w.settings_notes = window_state.restore_state(w.state, w.prefs)
    paths = w.paths
    w.studio = Studio(w.state, paths, w)
    w.run = TrainingRun(w.state, paths.user_models, paths.judge, w.trained, w)
    w.take_out = TakeOut(w.state, w.studio, paths.favourites, w)
    w.path_player = PathPlayer(w.state, w)
    w.tiles = TileActions(w.state, w.take_out.gallery.keep_favourite, w)
    w.library_actions = LibraryActions(w.state, paths.shipped_models, paths.user_models,
                                       w.studio.jobs, w.studio.load, w, w)
    w.material = MaterialController(w.state, w.studio, w, w)
    w.dataset_actions = DatasetActions(w.state, w.studio.jobs, w, w.show_training, parent=w)
    w.lens = InsideLens(w.state, w.studio.inference, w.studio.jobs, w)
    w.typefaces = Typefaces(w.state, w.studio.jobs, w, w.dataset_actions.datasets_dir,
                            w.dataset_actions.refresh, w)
    w.steering = Steering(w)  # genes, breeding and the history list
    w.actions = table.build_actions(w, handlers(w))
    _build(w)
    _menus(w)
    _connect(w)
    apply_input_policy(w)  # no input changes under the wheel unless it has the focus
    w.space_filter = table.SpaceForFocus(w)
    QApplication.instance().focusChanged.connect(w.space_filter.focus_changed)
    # If the application quits without closing the window, still join the workers.
    QApplication.instance().aboutToQuit.connect(w.shutdown_workers)


def handlers(w: MainWindow) -> dict[str, Callable[[], object]]:
    """What each row of the action table does."""
    s, t, lib, run = w.state, w.tiles, w.library_actions, w.run
    out: dict[str, Callable[[], object]] = {
        "load_model": lib.load_selected, "import_model": lib.ask_import,
        "export_model": lib.ask_export, "rename_model": lib.ask_rename,
        "delete_model": lib.ask_delete, "score_model": lib.score_selected,
        "resume_run": lambda: lib.resume_selected(w.resume),
        "replay_path": w.path_player.replay,
        "quit": w.close,
        **w.take_out.handlers(),
        **w.typefaces.handlers(),
        **w.steering.handlers(),
        "generate": lambda: s.request_generate(fresh=True),
        "grid_bigger": lambda: w.grid_step(1),
        "grid_smaller": lambda: w.grid_step(-1),
        "copy_tile": lambda: t.run(TileOp.COPY), "save_tile": lambda: t.run(TileOp.SAVE),
        "favourite_tile": lambda: t.run(TileOp.FAVOURITE),
        "morph_start": lambda: t.run(TileOp.MORPH_START),
        "morph_end": lambda: t.run(TileOp.MORPH_END),
        "morph_start_from_pad": lambda: t.morph_from_pad(MorphEnd.START),
        "morph_end_from_pad": lambda: t.morph_from_pad(MorphEnd.END),
        "train": w.train, "pause_training": run.toggle_pause,
        "cancel_training": run.cancel,
        "shortcuts": w.show_shortcuts, "about": w.show_about,
        "guide": lambda: open_guide(w, w.studio.jobs),
        "reset_layout": w.reset_layout,
        "encode_image": w.material.open_image,
        "new_dataset": w.dataset_actions.ask_new,
        "repair_tile": w.material.repair_tile,
    }
    for corner in Corner:
        out[f"corner_{corner.value}"] = lambda c=corner: t.send_to_corner(c)
    return out


def _build(w: MainWindow) -> None:
    s, a = w.state, w.actions
    w.toolbar = StudioToolbar(s, a, w)
    w.addToolBar(w.toolbar)
    w.canvas = SampleCanvas(s, table.tile_actions(a))
    w.empty = EmptyState(a)
    w.stack = QStackedWidget()
    w.stack.addWidget(w.empty)
    w.stack.addWidget(w.canvas)
    w.setCentralWidget(w.stack)
    w.library = ModelLibrary(s, a)
    w.pad_panel = PadPanel(s, a)
    w.morph = MorphStrip(s, a)
    w.deferred = deferred.hidden_panels(w)
    # The library: the models, and the artist's datasets as its second section.
    w.library_tabs = QTabWidget()
    w.library_tabs.setObjectName("libraryTabs")
    w.library_tabs.setDocumentMode(True)
    w.library_tabs.addTab(w.library, "Models")
    w.library_tabs.addTab(w.deferred["datasets"], "Datasets")
    area = Qt.DockWidgetArea
    # Side docks run the full height: the pad and its preview get room to be large, and
    # the morph strip sits right under the canvas it morphs.
    w.setCorner(Qt.Corner.BottomRightCorner, area.RightDockWidgetArea)
    w.setCorner(Qt.Corner.BottomLeftCorner, area.LeftDockWidgetArea)
    # The left side holds five panels as tabs: along its edge each title reads in full (under
    # the dock, at 1366 px, they were cut to two letters).
    w.setTabPosition(area.LeftDockWidgetArea, QTabWidget.TabPosition.West)
    w.docks = {
        "library": docks.make_dock(w, "library", "Library", w.library_tabs),
        "training": docks.make_dock(w, "training", "Training", w.deferred["training"]),
        "pad": docks.make_dock(w, "pad", "Latent pad", w.pad_panel),
        "morph": docks.make_dock(w, "morph", "Morph", w.morph),
        "gallery": docks.make_dock(w, "gallery", "Gallery", w.deferred["gallery"]),
        "material": docks.make_dock(w, "material", "Sketch", w.deferred["material"]),
        "inside": docks.make_dock(w, "inside", "Inside view", w.deferred["inside"]),
        **w.steering.make_docks(),
    }
    docks.place_inside_view(w, w.docks)
    # Training, the gallery and the sketch wait in tabs behind the library: no room taken.
    for name in docks.TABBED:
        w.tabifyDockWidget(w.docks["library"], w.docks[name])
    w.docks["library"].raise_()
    w.setStatusBar(StudioStatusBar(s, w))
    w.status = w.statusBar().labels


def _menus(w: MainWindow) -> None:
    menus = {menu: w.menuBar().addMenu(menu.value) for menu in table.Menu}
    for spec in table.ACTIONS:
        if spec.menu is not None:
            menus[spec.menu].addAction(w.actions[spec.name])
    view = menus[table.Menu.VIEW]
    view.addSeparator()
    for dock in w.docks.values():
        view.addAction(dock.toggleViewAction())
    themes = view.addMenu("Theme")
    group = QActionGroup(w)
    w.theme_actions: dict[Theme, QAction] = {}
    for choice in Theme:
        action = themes.addAction(choice.value.capitalize())
        action.setCheckable(True)
        action.setObjectName(f"theme_{choice.value}")
        group.addAction(action)
        action.triggered.connect(w.theme_chosen)
        w.theme_actions[choice] = action
    w.theme_actions[w.state.view.theme].setChecked(True)


def _connect(w: MainWindow) -> None:
    s = w.state
    table.bind_actions(w.actions, s)
    GUARD.report = s.report_error
    s.error_reported.connect(w.on_error)
    s.session.model_changed.connect(w.on_model)
    s.session.model_info_changed.connect(w.on_model)
    s.training.status_changed.connect(w.on_training)
    s.view.theme_changed.connect(w.on_theme)
    w.studio.started_up.connect(w.on_started_up)
    w.studio.interactive.connect(w.on_interactive)
    w.studio.interactive.connect(w.take_out.gallery.refresh)
    w.studio.warmed_up.connect(_preload_plotting)
    w.canvas.activated.connect(w.on_tile_activated)
    w.pad_panel.pad.tile_dropped.connect(w.on_tile_dropped)
    w.pad_panel.pad.image_dropped.connect(w.material.on_dropped_on_pad)
    w.canvas.image_dropped.connect(w.material.on_dropped_on_canvas)
    w.morph.frame_shown.connect(w.pad_panel.show_frame)
    w.docks["inside"].visibilityChanged.connect(w.on_inside_visible)
    # toggled(bool), not triggered(bool = false): PySide picked the argument-less
    # overload of triggered for a one-argument slot, which then failed on every toggle.
    w.docks["inside"].toggleViewAction().toggled.connect(w.on_inside_toggled)
    w.empty.train_button.clicked.connect(w.quick_train)
    w.steering.connect()
    QApplication.styleHints().colorSchemeChanged.connect(w.on_system_scheme)
    w.on_theme(w.state.view.theme)


def _preload_plotting() -> None:
    # Imported here, not at the top: the training feature's modules load after the first paint.
    from genai_studio.ui.training.loss_plot import preload_plotting

    preload_plotting()
