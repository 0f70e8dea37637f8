"""The look: a calm dark theme and a light one, one accent colour, no default grey Qt.

The module's colour names (``theme.BG``, ``theme.ACCENT``, ...) always hold the current
scheme's colours: paint code reads them when it paints, so :func:`apply_theme` switching the
scheme takes effect on the next repaint; widgets that cache pixmaps or icons listen to the
state's ``theme_changed``. By default the studio follows the system's colour scheme (Qt 6.5+
``styleHints().colorScheme()``), dark where the system does not say.
"""

from __future__ import annotations

import enum

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from genai_studio.ui.common.fields import Field, SubState, one_of


class Theme(enum.Enum):
    SYSTEM = "system"
    DARK = "dark"
    LIGHT = "light"


class ViewState(SubState):
    """How things are drawn (the studio state's ``view``; here, beside the look, so that the
    window's first frame can read the artist's theme before the state's modules load)."""

    smooth = Field(False, bool, persist="smooth")
    theme = Field(Theme.SYSTEM, one_of(Theme), persist="theme")


DARK = {
    "ACCENT": "#7aa2f7", "ACCENT_DIM": "#3d5a99", "ON_ACCENT": "#10131a",
    "BG": "#1b1c20", "PANEL": "#232429", "RAISED": "#2c2e35", "BORDER": "#383a43",
    "TEXT": "#d9dbe3", "MUTED": "#8a8f9c", "DISABLED": "#5a5e69", "DANGER": "#e46876",
    "TILE": "#0f1013", "GRID_LINE": "#ffffff16", "ACCENT_HOVER": "#93b4fa",
}
LIGHT = {
    "ACCENT": "#3d63c9", "ACCENT_DIM": "#c5d3f5", "ON_ACCENT": "#ffffff",
    "BG": "#f4f4f6", "PANEL": "#e9e9ee", "RAISED": "#ffffff", "BORDER": "#c9cad3",
    "TEXT": "#1f2128", "MUTED": "#5f6370", "DISABLED": "#a3a6b0", "DANGER": "#c2334a",
    "TILE": "#0f1013", "GRID_LINE": "#ffffff20", "ACCENT_HOVER": "#5278dd",
}
# The tiles stay dark in both schemes: MNIST digits are light ink on black, and a model's
# output is shown as it is (an inverted tile would show something the model did not draw).

ACCENT = ACCENT_DIM = ON_ACCENT = BG = PANEL = RAISED = BORDER = TEXT = MUTED = ""
DISABLED = DANGER = TILE = GRID_LINE = ACCENT_HOVER = ""
SCHEME = "dark"

# Ten digit colours that stay distinct on a dark tile (class legend, encoded digits).
CLASS_COLOURS = [
    "#ff6b6b", "#ffa94d", "#ffd43b", "#a9e34b", "#51cf66",
    "#3bc9db", "#4dabf7", "#9775fa", "#f783ac", "#ced4da",
]
GOOD, FAIR = "#3fbf9a", "#e0a43a"  # the quality meter's verdicts

STYLE = """
* {{ font-size: 10pt; }}
QMainWindow, QDialog {{ background: {BG}; }}
QWidget {{ color: {TEXT}; }}
QDockWidget {{ titlebar-close-icon: none; }}
QDockWidget::title {{ background: {PANEL}; padding: 5px 10px; color: {MUTED};
    text-transform: uppercase; border-bottom: 1px solid {BORDER}; }}
QTabBar::tab {{ background: {PANEL}; color: {MUTED}; padding: 5px 12px;
    border: 1px solid {BORDER}; border-bottom: none; }}
QTabBar::tab:selected {{ background: {RAISED}; color: {TEXT}; }}
QToolBar {{ background: {PANEL}; border: none; border-bottom: 1px solid {BORDER};
    padding: 4px; spacing: 6px; }}
QStatusBar {{ background: {PANEL}; color: {MUTED}; border-top: 1px solid {BORDER}; }}
QStatusBar QLabel {{ color: {MUTED}; padding: 0 8px; }}
QPushButton, QToolButton {{ background: {RAISED}; border: 1px solid {BORDER};
    border-radius: 6px; padding: 5px 10px; }}
QPushButton:hover, QToolButton:hover {{ border-color: {ACCENT}; }}
QPushButton:focus, QToolButton:focus {{ border-color: {ACCENT}; }}
QPushButton:pressed, QToolButton:pressed {{ background: {BORDER}; }}
QPushButton:disabled, QToolButton:disabled {{ color: {DISABLED}; background: {PANEL}; }}
QToolButton[compact="true"] {{ padding: 3px 5px; }}
QPushButton[accent="true"] {{ background: {ACCENT}; color: {ON_ACCENT}; border: none;
    font-weight: 600; }}
QPushButton[accent="true"]:hover {{ background: {ACCENT_HOVER}; }}
QPushButton[accent="true"]:disabled {{ background: {ACCENT_DIM}; color: {MUTED}; }}
QToolButton:checked, QPushButton:checked {{ background: {ACCENT_DIM}; border-color: {ACCENT}; }}
QLineEdit, QSpinBox, QDoubleSpinBox, QComboBox {{ background: {BG}; border: 1px solid {BORDER};
    border-radius: 6px; padding: 3px 8px; selection-background-color: {ACCENT_DIM}; }}
QAbstractSpinBox::up-button, QAbstractSpinBox::down-button {{ width: 0; border: none; }}
QLineEdit:focus, QSpinBox:focus, QDoubleSpinBox:focus, QComboBox:focus {{
    border-color: {ACCENT}; }}
QComboBox QAbstractItemView {{ background: {PANEL}; border: 1px solid {BORDER};
    selection-background-color: {ACCENT_DIM}; }}
QListWidget, QTextBrowser, QScrollArea {{ background: {PANEL}; border: none;
    border-radius: 6px; padding: 2px; }}
QListWidget::item {{ padding: 5px 8px; border-radius: 4px; }}
QListWidget::item:selected {{ background: {ACCENT_DIM}; color: {TEXT}; }}
QListWidget::item:hover {{ background: {RAISED}; }}
QProgressBar {{ background: {BG}; border: 1px solid {BORDER}; border-radius: 6px;
    text-align: center; height: 16px; color: {TEXT}; }}
QProgressBar::chunk {{ background: {ACCENT}; border-radius: 5px; }}
QSlider::groove:horizontal {{ height: 4px; background: {BORDER}; border-radius: 2px; }}
QSlider::handle:horizontal {{ background: {ACCENT}; width: 14px; margin: -5px 0;
    border-radius: 7px; }}
QMenu {{ background: {PANEL}; border: 1px solid {BORDER}; padding: 4px; }}
QMenu::item {{ padding: 5px 22px; border-radius: 4px; }}
QMenu::item:selected {{ background: {ACCENT_DIM}; }}
QMenu::item:disabled {{ color: {DISABLED}; }}
QMenuBar {{ background: {PANEL}; }}
QMenuBar::item:selected {{ background: {RAISED}; }}
QLabel[role="hint"] {{ color: {MUTED}; }}
QLabel[role="strong"] {{ font-weight: 600; padding: 0 6px; }}
QLabel[role="title"] {{ font-size: 13pt; font-weight: 600; }}
QLabel[role="section"] {{ color: {MUTED}; font-size: 9pt; text-transform: uppercase;
    letter-spacing: 1px; }}
QScrollBar:vertical {{ background: transparent; width: 10px; }}
QScrollBar::handle:vertical {{ background: {BORDER}; border-radius: 5px; min-height: 24px; }}
QScrollBar:horizontal {{ background: transparent; height: 10px; }}
QScrollBar::handle:horizontal {{ background: {BORDER}; border-radius: 5px; min-width: 24px; }}
QScrollBar::add-line, QScrollBar::sub-line {{ height: 0; width: 0; }}
QToolTip {{ background: {RAISED}; color: {TEXT}; border: 1px solid {BORDER}; padding: 4px; }}
"""


def _use(colours: dict[str, str], scheme: str) -> None:
    globals().update(colours)
    globals()["SCHEME"] = scheme


_use(DARK, "dark")


def system_scheme() -> str:
    """'dark' or 'light' as the system says; 'dark' where it says nothing."""
    app = QGuiApplication.instance()
    if app is None:
        return "dark"
    scheme = QGuiApplication.styleHints().colorScheme()
    return "light" if scheme == Qt.ColorScheme.Light else "dark"


def apply_theme(app: QApplication, choice: str = "system") -> str:
    """Fusion + a palette (so native bits match) + the style sheet; returns the scheme used.

    ``choice`` is 'system', 'dark' or 'light'.
    """
    scheme = system_scheme() if choice == "system" else choice
    colours = LIGHT if scheme == "light" else DARK
    _use(colours, scheme)
    sheet = STYLE.format(**colours)
    if app.property("studio_scheme") == scheme and app.styleSheet() == sheet:
        # Already in place: setting them again re-polishes every widget of the window
        # (150-230 ms on the GUI thread before the first paint, measured).
        return scheme
    app.setStyle("Fusion")
    pal = QPalette()
    roles = {
        QPalette.ColorRole.Window: BG, QPalette.ColorRole.WindowText: TEXT,
        QPalette.ColorRole.Base: BG, QPalette.ColorRole.AlternateBase: PANEL,
        QPalette.ColorRole.Text: TEXT, QPalette.ColorRole.Button: RAISED,
        QPalette.ColorRole.ButtonText: TEXT, QPalette.ColorRole.Highlight: ACCENT_DIM,
        QPalette.ColorRole.HighlightedText: TEXT, QPalette.ColorRole.ToolTipBase: RAISED,
        QPalette.ColorRole.ToolTipText: TEXT, QPalette.ColorRole.PlaceholderText: MUTED,
        QPalette.ColorRole.Link: ACCENT,
    }
    for role, colour in roles.items():
        pal.setColor(role, QColor(colour))
    app.setPalette(pal)
    app.setStyleSheet(sheet)
    app.setProperty("studio_scheme", scheme)
    return scheme


def qcolour(name: str, alpha: int | None = None) -> QColor:
    """A colour of the current scheme by name ('#rrggbbaa' strings included)."""
    text = globals()[name] if name.isupper() else name
    colour = QColor(text[:7])
    if len(text) == 9:
        colour.setAlpha(int(text[7:], 16))
    if alpha is not None:
        colour.setAlpha(alpha)
    return colour
