"""The artist's preferences and the window's layout: the state's persisted fields restored at
start and saved on close (each field names its key and checks what it reads back), and the
window's geometry and docks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QRect, QTimer

from genai_studio.ui.window.docks import hide_stale_tab_bars

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMainWindow

    from genai_studio.ui.common.settings import Preferences
    from genai_studio.ui.studio.state import StudioState
    from genai_studio.ui.window.main_window import MainWindow

# The first window takes this share of the screen's free area, whatever the screen.
SCREEN_SHARE = 0.9


def restore_state(state: StudioState, prefs: Preferences) -> list[str]:
    """Every persisted field; returns a note for each stored value that was dropped (by the
    field's own check, or by the settings' bounds before it)."""
    notes = state.restore(prefs.raw)
    return [*prefs.notes, *(note for note in notes if note not in prefs.notes)]


def save_state(state: StudioState, prefs: Preferences) -> None:
    state.save(prefs.set)


def fit_to_screen(window: QMainWindow) -> None:
    """Size a first window to the screen's free area (a 1366x768 laptop included), centred."""
    available = window.screen().availableGeometry()
    smallest = window.minimumSizeHint()
    # Never below what the panels need (Qt would grow the window down and right, off a small
    # screen), never above the free area; centred as it will really be.
    width = min(available.width(), max(int(available.width() * SCREEN_SHARE), smallest.width()))
    height = min(available.height(),
                 max(int(available.height() * SCREEN_SHARE), smallest.height()))
    rect = QRect(0, 0, width, height)
    rect.moveCenter(available.center())
    window.setGeometry(rect)


def keep_on_screen(window: QMainWindow) -> None:
    """Move (and if need be shrink) a shown window so that its frame, the window manager's
    title bar and borders included, lies inside the screen's free area."""
    available = window.screen().availableGeometry()
    frame = window.frameGeometry()
    if available.contains(frame):
        return
    border_w, border_h = frame.width() - window.width(), frame.height() - window.height()
    width = min(window.width(), available.width() - border_w)
    height = min(window.height(), available.height() - border_h)
    if (width, height) != (window.width(), window.height()):
        window.resize(width, height)
    x = min(max(frame.x(), available.left()), available.x() + available.width()
            - (window.width() + border_w))
    y = min(max(frame.y(), available.top()), available.y() + available.height()
            - (window.height() + border_h))
    window.move(max(x, available.left()), max(y, available.top()))  # move() places the frame


class _OnScreenWhenShown(QObject):
    """Checks the window's frame once the window manager has decorated it, and again when Qt
    grows the window in its first seconds (a panel filled in by the first model needs more
    room than the empty one did): the title bar and borders are known only after the first
    show. Afterwards the artist's own moves and sizes are left alone."""

    SETTLING_MS = 10_000

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self._window = window
        self._check = QTimer(self, singleShot=True, interval=200)
        self._check.timeout.connect(lambda: keep_on_screen(window))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Show and not self._check.isActive():
            QTimer.singleShot(self.SETTLING_MS, self, lambda: watched.removeEventFilter(self))
            self._check.start()
        elif event.type() == QEvent.Type.Resize and watched.isVisible():
            self._check.start()  # coalesced: one check 200 ms after the last change
        return False


def apply_saved_theme(prefs: Preferences) -> None:
    """The artist's theme, for the window's first frame (the state applies it again once
    composed; an unusable value is noted then)."""
    from PySide6.QtWidgets import QApplication

    from genai_studio.ui.common.theme import ViewState, apply_theme

    field = ViewState.theme
    try:
        choice = field.decode(prefs.raw(field.persist))
    except ValueError:
        return
    apply_theme(QApplication.instance(), choice.value)


def restore_geometry(window: QMainWindow, prefs: Preferences) -> bool:
    """The window's saved size and place, or a first size for this screen; whether a saved
    one was used (the docks follow in :func:`restore_docks`, once they exist)."""
    from PySide6.QtGui import QGuiApplication

    # Drawn off screen (tests, screenshots, --self-test) there is no screen edge to keep to,
    # and windows are sized past the virtual screen on purpose.
    if QGuiApplication.platformName() != "offscreen":
        window.installEventFilter(_OnScreenWhenShown(window))
    geometry = prefs.get_sealed("geometry")
    if geometry is None or not window.restoreGeometry(geometry):
        fit_to_screen(window)
        return False
    # Saved on a larger screen: never reopen larger than this one's free area.
    available = window.screen().availableGeometry()
    if window.width() > available.width() or window.height() > available.height():
        fit_to_screen(window)
    return True


def restore_docks(window: MainWindow, prefs: Preferences, fresh: bool) -> None:
    """The docks as the artist left them; on a first start, every panel in its place, in a
    window grown to what the panels need if the first frame was smaller."""
    layout = prefs.get_sealed("window_state")
    # Read after the state's notes were gathered: a layout dropped now is noted too.
    window.settings_notes += [n for n in prefs.notes if n not in window.settings_notes]
    if fresh:
        hint = window.minimumSizeHint()
        if hint.width() > window.width() or hint.height() > window.height():
            fit_to_screen(window)

    def place() -> None:
        if fresh:
            window.reset_layout()
        if layout is not None:
            window.restoreState(layout)
        hide_stale_tab_bars(window)
        window.setUpdatesEnabled(True)

    if window.isVisible():
        # Composed into a window on screen: docks just added are laid out by posted events,
        # which would override sizes given now. Placed once they are, unseen till then.
        window.setUpdatesEnabled(False)
        QTimer.singleShot(0, window, place)
    else:
        place()


def save_layout(window: QMainWindow, prefs: Preferences) -> None:
    prefs.set_sealed("geometry", window.saveGeometry())
    prefs.set_sealed("window_state", window.saveState())
