"""The calm dark look (DESIGN §9): one accent colour, generous spacing, no default grey Qt."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

ACCENT = "#7aa2f7"
ACCENT_DIM = "#3d5a99"
BG = "#1b1c20"
PANEL = "#232429"
RAISED = "#2c2e35"
BORDER = "#383a43"
TEXT = "#d9dbe3"
MUTED = "#8a8f9c"
DANGER = "#e46876"
TILE = "#0f1013"

# Ten digit colours that stay distinct on a dark background (class legend, encoded digits).
CLASS_COLOURS = [
    "#ff6b6b", "#ffa94d", "#ffd43b", "#a9e34b", "#51cf66",
    "#3bc9db", "#4dabf7", "#9775fa", "#f783ac", "#ced4da",
]

STYLE = f"""
* {{ font-size: 10pt; }}
QMainWindow, QDialog {{ background: {BG}; }}
QWidget {{ color: {TEXT}; }}
QDockWidget {{ titlebar-close-icon: none; }}
QDockWidget::title {{ background: {PANEL}; padding: 6px 10px; color: {MUTED};
    text-transform: uppercase; border-bottom: 1px solid {BORDER}; }}
QToolBar {{ background: {PANEL}; border: none; border-bottom: 1px solid {BORDER};
    padding: 6px; spacing: 8px; }}
QToolBar QLabel {{ color: {MUTED}; padding-left: 6px; }}
QStatusBar {{ background: {PANEL}; color: {MUTED}; border-top: 1px solid {BORDER}; }}
QStatusBar QLabel {{ color: {MUTED}; padding: 0 10px; }}
QPushButton, QToolButton {{ background: {RAISED}; border: 1px solid {BORDER};
    border-radius: 6px; padding: 6px 12px; }}
QPushButton:hover, QToolButton:hover {{ border-color: {ACCENT_DIM}; }}
QPushButton:pressed, QToolButton:pressed {{ background: {BORDER}; }}
QPushButton:disabled, QToolButton:disabled {{ color: #5a5e69; background: {PANEL}; }}
QPushButton[accent="true"] {{ background: {ACCENT}; color: #10131a; border: none;
    font-weight: 600; }}
QPushButton[accent="true"]:hover {{ background: #93b4fa; }}
QPushButton[accent="true"]:disabled {{ background: {ACCENT_DIM}; color: #9aa5bf; }}
QToolButton:checked {{ background: {ACCENT_DIM}; border-color: {ACCENT}; }}
QLineEdit, QSpinBox, QDoubleSpinBox, QComboBox {{ background: {BG}; border: 1px solid {BORDER};
    border-radius: 6px; padding: 4px 8px; selection-background-color: {ACCENT_DIM}; }}
QAbstractSpinBox::up-button, QAbstractSpinBox::down-button {{ width: 0; border: none; }}
QLineEdit:focus, QSpinBox:focus, QDoubleSpinBox:focus, QComboBox:focus {{
    border-color: {ACCENT}; }}
QComboBox QAbstractItemView {{ background: {PANEL}; border: 1px solid {BORDER};
    selection-background-color: {ACCENT_DIM}; }}
QListWidget, QTextBrowser {{ background: {PANEL}; border: none; border-radius: 6px;
    padding: 4px; }}
QListWidget::item {{ padding: 6px 8px; border-radius: 4px; }}
QListWidget::item:selected {{ background: {ACCENT_DIM}; color: white; }}
QListWidget::item:hover {{ background: {RAISED}; }}
QProgressBar {{ background: {BG}; border: 1px solid {BORDER}; border-radius: 6px;
    text-align: center; height: 16px; color: {TEXT}; }}
QProgressBar::chunk {{ background: {ACCENT}; border-radius: 5px; }}
QSlider::groove:horizontal {{ height: 4px; background: {BORDER}; border-radius: 2px; }}
QSlider::handle:horizontal {{ background: {ACCENT}; width: 14px; margin: -5px 0;
    border-radius: 7px; }}
QMenu {{ background: {PANEL}; border: 1px solid {BORDER}; padding: 4px; }}
QMenu::item {{ padding: 6px 22px; border-radius: 4px; }}
QMenu::item:selected {{ background: {ACCENT_DIM}; }}
QMenuBar {{ background: {PANEL}; }}
QMenuBar::item:selected {{ background: {RAISED}; }}
QLabel[role="hint"] {{ color: {MUTED}; }}
QLabel[role="title"] {{ font-size: 13pt; font-weight: 600; }}
QLabel[role="section"] {{ color: {MUTED}; font-size: 9pt; text-transform: uppercase;
    letter-spacing: 1px; }}
QScrollBar:vertical {{ background: transparent; width: 10px; }}
QScrollBar::handle:vertical {{ background: {BORDER}; border-radius: 5px; min-height: 24px; }}
QScrollBar::add-line, QScrollBar::sub-line {{ height: 0; width: 0; }}
QToolTip {{ background: {RAISED}; color: {TEXT}; border: 1px solid {BORDER}; padding: 4px; }}
"""


def apply_theme(app: QApplication) -> None:
    """Fusion + a dark palette (so native bits match) + the style sheet above."""
    app.setStyle("Fusion")
    pal = QPalette()
    roles = {
        QPalette.ColorRole.Window: BG, QPalette.ColorRole.WindowText: TEXT,
        QPalette.ColorRole.Base: BG, QPalette.ColorRole.AlternateBase: PANEL,
        QPalette.ColorRole.Text: TEXT, QPalette.ColorRole.Button: RAISED,
        QPalette.ColorRole.ButtonText: TEXT, QPalette.ColorRole.Highlight: ACCENT_DIM,
        QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.ToolTipBase: RAISED,
        QPalette.ColorRole.ToolTipText: TEXT, QPalette.ColorRole.PlaceholderText: MUTED,
        QPalette.ColorRole.Link: ACCENT,
    }
    for role, colour in roles.items():
        pal.setColor(role, QColor(colour))
    app.setPalette(pal)
    app.setStyleSheet(STYLE)
