"""The studio window. It composes: the state, the controllers and the widgets that bind to
them, the docks, the menus built from the action table, the status bar. It holds no state and
runs no work of its own (docs/architecture.md).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QMainWindow,
    QStackedWidget,
    QTabWidget,
)

from genai_studio.core.defaults import ModelKind
from genai_studio.core.store.library import UnfinishedRun
from genai_studio.ui.canvas.empty_state import EmptyPage, EmptyState
from genai_studio.ui.canvas.sample_canvas import SampleCanvas
from genai_studio.ui.canvas.tile_actions import TileActions, TileOp
from genai_studio.ui.canvas.toolbar import StudioToolbar
from genai_studio.ui.common import theme
from genai_studio.ui.common.guard import GUARD, gui_slot
from genai_studio.ui.common.imaging import (
    EXPORT_SUFFIXES,
    dropped_images,
    has_local_files,
    why_not,
)
from genai_studio.ui.common.input_policy import apply_input_policy
from genai_studio.ui.common.settings import GRID_SIZES, Preferences
from genai_studio.ui.inside.lens import InsideLens
from genai_studio.ui.library.dataset_actions import DatasetActions
from genai_studio.ui.library.model_actions import LibraryActions, first_usable
from genai_studio.ui.library.models_panel import ModelLibrary
from genai_studio.ui.material.controller import MaterialController
from genai_studio.ui.morph.strip import MorphStrip
from genai_studio.ui.pad.panel import PadPanel
from genai_studio.ui.pad.recorder import PathPlayer
from genai_studio.ui.studio.controller import Studio, StudioPaths
from genai_studio.ui.studio.kinds import Corner, MorphEnd
from genai_studio.ui.studio.state import StudioState, Theme
from genai_studio.ui.takeout.controller import TakeOut
from genai_studio.ui.training.run import TrainingRun
from genai_studio.ui.training.state import TrainingSettings
from genai_studio.ui.typeface.controller import Typefaces
from genai_studio.ui.window import actions as table
from genai_studio.ui.window import deferred, docks, window_state
from genai_studio.ui.window.dialogs import AboutDialog, ShortcutsDialog, show_error
from genai_studio.ui.window.guide import open_guide
from genai_studio.ui.window.status_bar import StudioStatusBar
from genai_studio.ui.window.steering import Steering
from genai_studio.workers.messages import LoadReason

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    interactive = Signal()  # the first grid is on screen (or the empty state is final)
    # Panels that start hidden, built when first shown or first read (window/deferred.py).
    training = deferred.Panel("training")
    gallery = deferred.Panel("gallery")
    material_panel = deferred.Panel("material")
    inside_view = deferred.Panel("inside")
    datasets = deferred.Panel("datasets")

    def __init__(self, paths: StudioPaths, prefs: Preferences) -> None:
        super().__init__()
        self.installEventFilter(self)  # until the first paint (eventFilter)
        self.setObjectName("mainWindow")
        self.setWindowTitle("GenAI Studio")
        self.paths, self.prefs = paths, prefs
        self.persist_settings = True  # --screenshot looks, it does not rewrite the user's layout
        self.last_error = ""
        self._shut_down = False
        self.state = StudioState(self)
        self.settings_notes = window_state.restore_state(self.state, prefs)
        self.studio = Studio(self.state, paths, self)
        self.run = TrainingRun(self.state, paths.user_models, paths.judge, self._trained, self)
        self.take_out = TakeOut(self.state, self.studio, paths.favourites, self)
        self.path_player = PathPlayer(self.state, self)
        self.tiles = TileActions(self.state, self.take_out.gallery.keep_favourite, self)
        self.setAcceptDrops(True)  # an exported image dropped on the window reopens
        self.library_actions = LibraryActions(self.state, paths.shipped_models,
                                              paths.user_models, self.studio.jobs,
                                              self.studio.load, self, self)
        self.material = MaterialController(self.state, self.studio, self, self)
        self.dataset_actions = DatasetActions(self.state, self.studio.jobs, self,
                                              self.show_training, parent=self)
        self.lens = InsideLens(self.state, self.studio.inference, self.studio.jobs, self)
        self.typefaces = Typefaces(self.state, self.studio.jobs, self,
                                   self.dataset_actions.datasets_dir,
                                   self.dataset_actions.refresh, self)
        self.steering = Steering(self)  # genes, breeding and the history list
        self.actions = table.build_actions(self, self._handlers())
        self._build()
        self._menus()
        self._connect()
        apply_input_policy(self)  # no input changes under the wheel unless it has the focus
        window_state.restore_layout(self, prefs)
        self.space_filter = table.SpaceForFocus(self)
        QApplication.instance().focusChanged.connect(self.space_filter.focus_changed)
        # If the application quits without closing the window, still join the workers.
        QApplication.instance().aboutToQuit.connect(self.shutdown_workers)

    # ---------------------------------------------------------------- commands

    def _handlers(self) -> dict[str, Callable[[], object]]:
        s, t, lib, run = self.state, self.tiles, self.library_actions, self.run
        handlers: dict[str, Callable[[], object]] = {
            "load_model": lib.load_selected, "import_model": lib.ask_import,
            "export_model": lib.ask_export, "rename_model": lib.ask_rename,
            "delete_model": lib.ask_delete, "score_model": lib.score_selected,
            "resume_run": lambda: lib.resume_selected(self.resume),
            "replay_path": self.path_player.replay,
            "quit": self.close,
            **self.take_out.handlers(),
            **self.typefaces.handlers(),
            **self.steering.handlers(),
            "generate": lambda: s.request_generate(fresh=True),
            "grid_bigger": lambda: self._grid_step(1),
            "grid_smaller": lambda: self._grid_step(-1),
            "copy_tile": lambda: t.run(TileOp.COPY), "save_tile": lambda: t.run(TileOp.SAVE),
            "favourite_tile": lambda: t.run(TileOp.FAVOURITE),
            "morph_start": lambda: t.run(TileOp.MORPH_START),
            "morph_end": lambda: t.run(TileOp.MORPH_END),
            "morph_start_from_pad": lambda: t.morph_from_pad(MorphEnd.START),
            "morph_end_from_pad": lambda: t.morph_from_pad(MorphEnd.END),
            "train": self.train, "pause_training": run.toggle_pause,
            "cancel_training": run.cancel,
            "shortcuts": self.show_shortcuts, "about": self.show_about,
            "guide": lambda: open_guide(self, self.studio.jobs),
            "reset_layout": self.reset_layout,
            "encode_image": self.material.open_image,
            "new_dataset": self.dataset_actions.ask_new,
            "repair_tile": self.material.repair_tile,
        }
        for corner in Corner:
            handlers[f"corner_{corner.value}"] = lambda c=corner: t.send_to_corner(c)
        return handlers

    def _grid_step(self, step: int) -> None:
        canvas = self.state.canvas
        canvas.grid_size = min(max(canvas.grid_size + step, GRID_SIZES[0]), GRID_SIZES[-1])

    def train(self) -> None:
        self.docks["training"].raise_()
        self.run.start()

    def show_training(self) -> None:
        self.docks["training"].show()
        self.docks["training"].raise_()

    def show_datasets(self) -> None:
        self.docks["library"].show()
        self.docks["library"].raise_()
        self.library_tabs.setCurrentIndex(1)

    def quick_train(self) -> None:
        """The empty state's offer: a 2-D VAE for 1 epoch, on the studio's device."""
        self.state.training.settings = TrainingSettings(kind=ModelKind.VAE, latent_dim=2,
                                                        epochs=1)
        self.train()

    def resume(self, run: UnfinishedRun) -> None:
        self.docks["training"].raise_()
        self.run.start(resume_from=run.checkpoint)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if has_local_files(event.mimeData()):
            event.acceptProposedAction()  # an unusable file is refused in words on drop

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        images = dropped_images(event.mimeData())
        event.acceptProposedAction()
        if images:
            self.state.open_image_requested.emit(images[0])
        else:
            self.state.post(why_not(event.mimeData(), EXPORT_SUFFIXES)
                            + " (dropped on the window, an exported image brings back how it "
                            "was made; drop other images on the pad or the canvas)", 10_000)

    def show_shortcuts(self) -> None:
        ShortcutsDialog(table.help_rows(self.actions), self).open()

    def show_about(self) -> None:
        AboutDialog(self).open()

    # ---------------------------------------------------------------- layout

    def _build(self) -> None:
        s, a = self.state, self.actions
        self.toolbar = StudioToolbar(s, a, self)
        self.addToolBar(self.toolbar)
        self.canvas = SampleCanvas(s, table.tile_actions(a))
        self.empty = EmptyState(a)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.canvas)
        self.setCentralWidget(self.stack)
        self.library = ModelLibrary(s, a)
        self.pad_panel = PadPanel(s, a)
        self.morph = MorphStrip(s, a)
        self.deferred = deferred.hidden_panels(self)
        # The library: the models, and the artist's datasets as its second section.
        self.library_tabs = QTabWidget()
        self.library_tabs.setObjectName("libraryTabs")
        self.library_tabs.setDocumentMode(True)
        self.library_tabs.addTab(self.library, "Models")
        self.library_tabs.addTab(self.deferred["datasets"], "Datasets")
        area = Qt.DockWidgetArea
        # Side docks run the full height: the pad and its preview get room to be large, and
        # the morph strip sits right under the canvas it morphs.
        self.setCorner(Qt.Corner.BottomRightCorner, area.RightDockWidgetArea)
        self.setCorner(Qt.Corner.BottomLeftCorner, area.LeftDockWidgetArea)
        self.docks = {
            "library": docks.make_dock(self, "library", "Library", self.library_tabs),
            "training": docks.make_dock(self, "training", "Training",
                                        self.deferred["training"]),
            "pad": docks.make_dock(self, "pad", "Latent pad", self.pad_panel),
            "morph": docks.make_dock(self, "morph", "Morph", self.morph),
            "gallery": docks.make_dock(self, "gallery", "Gallery", self.deferred["gallery"]),
            "material": docks.make_dock(self, "material", "Sketch", self.deferred["material"]),
            "inside": docks.make_dock(self, "inside", "Inside view", self.deferred["inside"]),
            **self.steering.make_docks(),
        }
        docks.place_inside_view(self, self.docks)
        # Training, the gallery and the sketch wait in tabs behind the library: no room taken.
        for name in docks.TABBED:
            self.tabifyDockWidget(self.docks["library"], self.docks[name])
        self.docks["library"].raise_()
        self.setStatusBar(StudioStatusBar(s, self))
        self.status = self.statusBar().labels

    def reset_layout(self) -> None:
        """Every panel back in its place, sized for the window as it is now."""
        docks.reset_layout(self, self.docks)

    def _menus(self) -> None:
        menus = {menu: self.menuBar().addMenu(menu.value) for menu in table.Menu}
        for spec in table.ACTIONS:
            if spec.menu is not None:
                menus[spec.menu].addAction(self.actions[spec.name])
        view = menus[table.Menu.VIEW]
        view.addSeparator()
        for dock in self.docks.values():
            view.addAction(dock.toggleViewAction())
        themes = view.addMenu("Theme")
        group = QActionGroup(self)
        self.theme_actions: dict[Theme, QAction] = {}
        for choice in Theme:
            action = themes.addAction(choice.value.capitalize())
            action.setCheckable(True)
            action.setObjectName(f"theme_{choice.value}")
            group.addAction(action)
            action.triggered.connect(self._theme_chosen)
            self.theme_actions[choice] = action
        self.theme_actions[self.state.view.theme].setChecked(True)

    # ---------------------------------------------------------------- wiring

    def _connect(self) -> None:
        s = self.state
        table.bind_actions(self.actions, s)
        GUARD.report = s.report_error
        s.error_reported.connect(self.on_error)
        s.session.model_changed.connect(self.on_model)
        s.session.model_info_changed.connect(self.on_model)
        s.training.status_changed.connect(self.on_training)
        s.view.theme_changed.connect(self.on_theme)
        self.studio.started_up.connect(self.on_started_up)
        self.studio.interactive.connect(self.on_interactive)
        self.studio.interactive.connect(self.take_out.gallery.refresh)
        self.canvas.activated.connect(self.on_tile_activated)
        self.pad_panel.pad.tile_dropped.connect(self.on_tile_dropped)
        self.pad_panel.pad.image_dropped.connect(self.material.on_dropped_on_pad)
        self.canvas.image_dropped.connect(self.material.on_dropped_on_canvas)
        self.morph.frame_shown.connect(self.pad_panel.show_frame)
        self.docks["inside"].visibilityChanged.connect(self.on_inside_visible)
        # toggled(bool), not triggered(bool = false): PySide picked the argument-less
        # overload of triggered for a one-argument slot, which then failed on every toggle.
        self.docks["inside"].toggleViewAction().toggled.connect(self.on_inside_toggled)
        self.empty.train_button.clicked.connect(self.quick_train)
        self.steering.connect()
        QApplication.styleHints().colorSchemeChanged.connect(self.on_system_scheme)
        self.on_theme(self.state.view.theme)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self and event.type() == QEvent.Type.Paint:
            # Only after the first paint does the worker import torch: an import running in
            # parallel would hold the GIL while the window tries to paint. The filter then
            # goes: an `event` override would run Python for every event of the window,
            # each repaint behind the pad's preview included.
            self.removeEventFilter(self)
            QTimer.singleShot(0, self.studio.start)
        return False

    def _empty_page(self) -> EmptyPage:
        return EmptyPage.TRAINING if self.state.training.active else EmptyPage.EMPTY

    @gui_slot()
    def on_interactive(self) -> None:
        if self.state.session.model is None:  # start-up found nothing to open: say what next
            self.empty.set_page(self._empty_page())
            self.empty.train_button.setFocus()
        for note in self.settings_notes:
            self.state.post(note, 8000)
        self.interactive.emit()

    @gui_slot(object)
    def on_started_up(self, _report: object) -> None:
        last = self.state.session.last_model
        self.dataset_actions.refresh()
        self.library_actions.refresh(
            then=lambda snapshot: self.studio.open_first(
                first_usable(snapshot, Path(last) if last else None)))

    def _trained(self, path: Path | None, reason: LoadReason) -> None:
        self.library_actions.refresh()
        if path is not None:
            self.studio.load(path, reason)

    @gui_slot(object)
    def on_model(self, _handle: object) -> None:
        if self.state.session.model is not None:
            self.stack.setCurrentWidget(self.canvas)
            focus = self.focusWidget()
            if focus is None or isinstance(focus, QComboBox) or not self.studio.is_interactive:
                self.canvas.setFocus()  # so Space, arrows and tile keys act on the canvas
            self.state.session.last_model = str(self.state.session.model.path)

    @gui_slot(object)
    def on_training(self, _status: object) -> None:
        if self.state.session.model is None:
            self.empty.set_page(self._empty_page())

    @gui_slot(bool)
    def on_inside_toggled(self, shown: bool) -> None:
        """View > Inside view: it comes to the front of the morph strip it shares a tab
        with (once shown: the action toggles before the dock is)."""
        if shown:
            QTimer.singleShot(0, self.docks["inside"].raise_)

    @gui_slot(bool)
    def on_inside_visible(self, visible: bool) -> None:
        """The inside view works only while on screen, and gets room for its diagram."""
        self.state.inside.open = visible
        dock = self.docks["inside"]
        if visible and not dock.isFloating() and dock.height() < 170:
            QTimer.singleShot(0, self._make_room_for_inside)  # once the dock is laid out

    @gui_slot()
    def _make_room_for_inside(self) -> None:
        """Room for the diagram: the strip under the canvas grows to about 190 px."""
        dock = self.docks["inside"]
        if dock.isVisible() and not dock.isFloating():
            self.resizeDocks([dock], [min(190, self.height() // 3)], Qt.Orientation.Vertical)

    @gui_slot(int)
    def on_tile_activated(self, index: int) -> None:
        self.tiles.run(TileOp.MORPH_NEXT, index)

    @gui_slot(int, int)
    def on_tile_dropped(self, index: int, corner: int) -> None:
        self.tiles.send_to_corner(Corner(corner), index)

    @gui_slot(str, str)
    def on_error(self, title: str, message: str) -> None:
        self.last_error = message
        log.warning("%s: %s", title, message)
        show_error(self, title, message)

    @gui_slot()
    def _theme_chosen(self) -> None:
        for choice, action in self.theme_actions.items():
            if action.isChecked():
                self.state.view.theme = choice

    @gui_slot(object)
    def on_theme(self, choice: Theme) -> None:
        theme.apply_theme(QApplication.instance(), choice.value)
        table.tint_icons(self.actions)
        self.theme_actions[choice].setChecked(True)

    @gui_slot(object)
    def on_system_scheme(self, _scheme: object) -> None:
        if self.state.view.theme is Theme.SYSTEM:
            self.on_theme(Theme.SYSTEM)
            self.state.view.theme_changed.emit(Theme.SYSTEM)  # widgets re-tint their icons

    # ---------------------------------------------------------------- closing

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        """Cancel training (its checkpoint is written), then join every worker thread."""
        if self.persist_settings:
            window_state.save_state(self.state, self.prefs)
            window_state.save_layout(self, self.prefs)
            self.prefs.sync()
        self.shutdown_workers()
        super().closeEvent(event)

    @gui_slot()
    def shutdown_workers(self) -> None:
        """Close and the application's quit both come here; the second call does nothing."""
        if self._shut_down:
            return
        self._shut_down = True
        QApplication.instance().focusChanged.disconnect(self.space_filter.focus_changed)
        self.state.morph.playing = False
        self.run.shutdown()
        self.studio.shutdown()

    # ---------------------------------------------------------------- for tests and tools

    @property
    def handle(self):  # noqa: ANN201 - ModelHandle | None
        return self.state.session.model

    @property
    def generations(self) -> int:
        return self.state.canvas.generations

    @property
    def is_interactive(self) -> bool:
        return self.studio.is_interactive
