"""Help (keyboard shortcuts) and About, with the MNIST credit its licence asks for."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from genai_studio import __version__
from genai_studio.ui import theme

ABOUT_HTML = f"""
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
        layout.addWidget(label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle("About GenAI Studio")
        layout = QVBoxLayout(self)
        label = QLabel(ABOUT_HTML)
        label.setWordWrap(True)
        label.setMinimumWidth(420)
        layout.addWidget(label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
