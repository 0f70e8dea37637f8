"""Help (keyboard shortcuts) and About, with the MNIST credit its licence asks for."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from genai_studio import __version__
from genai_studio.ui.common import theme
from genai_studio.ui.common.plain import plain


def about_html() -> str:
    return f"""
<h2 style="color:{theme.ACCENT}">GenAI Studio {__version__}</h2>
<p>Make digit images with VAE and GAN models you can see, steer and train — offline.</p>
<p><b>Data.</b> The MNIST database of handwritten digits, by Yann LeCun, Corinna Cortes
and Christopher J.C. Burges, is used under the Creative Commons Attribution-Share Alike 3.0
licence (CC BY-SA 3.0).</p>
<p>Built with PySide6 (Qt), PyTorch and pyqtgraph.</p>
"""


class ShortcutsDialog(QDialog):
    def __init__(self, shortcuts: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("helpDialog")
        self.setWindowTitle("Keyboard shortcuts")
        layout = QVBoxLayout(self)
        rows = "".join(
            f"<tr><td style='padding:3px 16px 3px 0; color:{theme.ACCENT}'>"
            f"<b>{html.escape(key)}</b></td><td>{html.escape(text)}</td></tr>"
            for key, text in shortcuts
        )
        label = QLabel(f"<table>{rows}</table>")
        label.setContentsMargins(8, 8, 8, 8)
        # Scrolls: the list is longer than a 768 px laptop screen is tall.
        scroll = QScrollArea()
        scroll.setWidget(label)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(label.sizeHint().width() + 24)
        layout.addWidget(scroll)
        available = parent.screen().availableGeometry().height() if parent is not None else 800
        self.resize(label.sizeHint().width() + 48, min(label.sizeHint().height() + 80,
                                                       int(0.85 * available), 720))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle("About GenAI Studio")
        layout = QVBoxLayout(self)
        label = QLabel(about_html())
        label.setWordWrap(True)
        label.setMinimumWidth(420)
        layout.addWidget(label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


def show_error(parent: QWidget, title: str, message: str) -> QMessageBox:
    """A window-modal, non-blocking message box (``open``, not ``exec``)."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok,
                      parent)
    box.setObjectName("errorDialog")
    plain(box)  # messages name files and quote provenance: never rendered as HTML
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
