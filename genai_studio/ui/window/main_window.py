"""The studio window. It maps first as a frame (its title, size and colours), then composes
the studio into itself on that frame's first paint (``ui/window/composition.py``: the state,
the controllers, the widgets, the docks, the menus). It holds no state and runs no work of its
own (docs/architecture.md). The slots here are the window's own: its layout, its theme, its
drops and what the first model changes; the few modules they need beyond Qt are imported
where used, so that this module stays as light as the frame it builds.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QComboBox, QMainWindow

from genai_studio.ui.common import theme
from genai_studio.ui.common.guard import gui_slot
from genai_studio.ui.common.settings import GRID_SIZES, Preferences
from genai_studio.ui.common.theme import Theme
from genai_studio.ui.studio.paths import StudioPaths
from genai_studio.ui.window import deferred, window_state

if TYPE_CHECKING:
    from genai_studio.core.store.library import UnfinishedRun
    from genai_studio.ui.canvas.empty_state import EmptyPage
    from genai_studio.workers.messages import LoadReason

log = logging.getLogger(__name__)
EXIT_INTERNAL_ERROR = 70  # EX_SOFTWARE, as the frozen entry's last resort


class MainWindow(QMainWindow):
    interactive = Signal()  # the first grid is on screen (or the empty state is final)
    # Panels that start hidden, built when first shown or first read (window/deferred.py).
    training = deferred.Panel("training")
    gallery = deferred.Panel("gallery")
    material_panel = deferred.Panel("material")
    inside_view = deferred.Panel("inside")
    datasets = deferred.Panel("datasets")

    def __init__(self, paths: StudioPaths, prefs: Preferences, *,
                 compose_now: bool = True) -> None:
        """``compose_now=False``: only the frame now, the studio on its first paint (an
        artist's launch); otherwise everything at once (tests, tools)."""
        super().__init__()
        self.installEventFilter(self)  # until the first paint (eventFilter)
        self.setObjectName("mainWindow")
        self.setWindowTitle("GenAI Studio")
        self.setAcceptDrops(True)  # an exported image dropped on the window reopens
        self.paths, self.prefs = paths, prefs
        self.persist_settings = True  # --screenshot looks, it does not rewrite the user's layout
        self.last_error = ""
        self._shut_down = False
        self._closed = False
        self.composed = False
        window_state.apply_saved_theme(prefs)  # the frame in the artist's colours
        self._fresh_layout = not window_state.restore_geometry(self, prefs)
        if compose_now:
            self.compose()

    def compose(self) -> None:
        """Build the studio into the window (once)."""
        if self.composed:
            return
        from genai_studio.ui.window.composition import compose

        compose(self)
        window_state.restore_docks(self, self.prefs, fresh=self._fresh_layout)
        self.composed = True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self and event.type() == QEvent.Type.Paint:
            # The frame painted: compose the studio. The composed window painted: only now
            # does the worker import torch, as an import running in parallel would hold the
            # GIL while the window tries to paint. The filter then goes: an `event` override
            # would run Python for every event of the window, each repaint included.
            self.removeEventFilter(self)
            QTimer.singleShot(0, self._after_paint)
        return False

    @gui_slot()
    def _after_paint(self) -> None:
        if self._closed:
            return  # closed in its first split second: nothing to compose or start
        if self.composed:
            self.studio.start()
            return
        try:
            self.compose()
        except Exception:  # noqa: BLE001 - as if it had failed before the frame: one line
            self._compose_failed()
            return
        self.installEventFilter(self)  # torch after the composed window's first paint
        self.update()

    def _compose_failed(self) -> None:
        """An internal error while composing: one line and a crash log (as any other), the
        workers already made joined, and the application ends."""
        import sys

        from genai_studio.crash import report

        report(*sys.exc_info())
        self._closed = True
        for part in ("run", "studio"):
            if hasattr(self, part):
                getattr(self, part).shutdown()
        QApplication.exit(EXIT_INTERNAL_ERROR)

    # ---------------------------------------------------------------- commands

    def grid_step(self, step: int) -> None:
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
        from genai_studio.core.defaults import ModelKind
        from genai_studio.ui.training.state import TrainingSettings

        self.state.training.settings = TrainingSettings(kind=ModelKind.VAE, latent_dim=2,
                                                        epochs=1)
        self.train()

    def resume(self, run: UnfinishedRun) -> None:
        self.docks["training"].raise_()
        self.run.start(resume_from=run.checkpoint)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        from genai_studio.ui.common.imaging import has_local_files

        if self.composed and has_local_files(event.mimeData()):
            event.acceptProposedAction()  # an unusable file is refused in words on drop

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        from genai_studio.ui.common.imaging import EXPORT_SUFFIXES, dropped_images, why_not

        images = dropped_images(event.mimeData())
        event.acceptProposedAction()
        if images:
            self.state.open_image_requested.emit(images[0])
        else:
            self.state.post(why_not(event.mimeData(), EXPORT_SUFFIXES)
                            + " (dropped on the window, an exported image brings back how it "
                            "was made; drop other images on the pad or the canvas)", 10_000)

    def show_shortcuts(self) -> None:
        from genai_studio.ui.window import actions as table
        from genai_studio.ui.window.dialogs import ShortcutsDialog

        ShortcutsDialog(table.help_rows(self.actions), self).open()

    def show_about(self) -> None:
        from genai_studio.ui.window.dialogs import AboutDialog

        AboutDialog(self).open()

    def reset_layout(self) -> None:
        """Every panel back in its place, sized for the window as it is now."""
        from genai_studio.ui.window import docks

        docks.reset_layout(self, self.docks)

    # ---------------------------------------------------------------- slots

    def _empty_page(self) -> EmptyPage:
        from genai_studio.ui.canvas.empty_state import EmptyPage

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
        from genai_studio.ui.library.model_actions import first_usable

        last = self.state.session.last_model
        self.dataset_actions.refresh()
        self.library_actions.refresh(
            then=lambda snapshot: self.studio.open_first(
                first_usable(snapshot, Path(last) if last else None)))

    def trained(self, path: Path | None, reason: LoadReason) -> None:
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
        from genai_studio.ui.canvas.tile_actions import TileOp

        self.tiles.run(TileOp.MORPH_NEXT, index)

    @gui_slot(int, int)
    def on_tile_dropped(self, index: int, corner: int) -> None:
        from genai_studio.ui.studio.kinds import Corner

        self.tiles.send_to_corner(Corner(corner), index)

    @gui_slot(str, str)
    def on_error(self, title: str, message: str) -> None:
        self.last_error = message
        log.warning("%s: %s", title, message)
        from genai_studio.ui.window.dialogs import show_error

        show_error(self, title, message)

    @gui_slot()
    def theme_chosen(self) -> None:
        for choice, action in self.theme_actions.items():
            if action.isChecked():
                self.state.view.theme = choice

    @gui_slot(object)
    def on_theme(self, choice: Theme) -> None:
        from genai_studio.ui.window import actions as table

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
        self._closed = True
        if not self.composed:  # closed in its first split second: nothing ran, nothing to keep
            super().closeEvent(event)
            return
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
        return self.composed and self.studio.is_interactive
