"""Help > Guide: the offline, illustrated guide (``resources/guide``), built from the app's own
screenshots (``tools/guide_screenshots.py``): the first image, morphing, export, your own
images, training, what the scores mean, and a glossary.

The page and its pictures are read on the jobs thread; the dialog only shows them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QImage, QTextDocument
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from genai_studio.ui.common.guard import gui_slot
from genai_studio.workers.jobs import Job, JobRunner

GUIDE_PAGE = "guide.html"
MAX_GUIDE_BYTES = 8 * 1024 * 1024  # the page and its pictures, together


def guide_dir() -> Path:
    from genai_studio.core.store.resources import resources_dir

    return resources_dir() / "guide"


def read_guide(folder: Path | None = None) -> tuple[str, dict[str, bytes]]:
    """The guide's HTML and the bytes of every picture it names (jobs thread)."""
    import re

    folder = folder or guide_dir()
    budget = [MAX_GUIDE_BYTES]
    page = _read(folder / GUIDE_PAGE, budget).decode("utf-8", "replace")
    names = dict.fromkeys(re.findall(r'<img src="([A-Za-z0-9_.-]+\.png)"', page))
    # A picture that is missing leaves its place empty; the words still help.
    return page, {name: _read(folder / name, budget) for name in names
                  if (folder / name).is_file()}


def _read(path: Path, budget: list[int]) -> bytes:
    """A file of the guide, within what is left of the guide's budget."""
    from genai_studio.core.errors import InputError
    from genai_studio.core.store.files import open_regular

    with open_regular(path, InputError, "guide file") as fh:
        data = fh.read(budget[0] + 1)
    budget[0] -= len(data)
    if budget[0] < 0:
        raise InputError("the guide is larger than expected: reinstall the studio")
    return data


class GuideDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("guideDialog")
        self.setWindowTitle("GenAI Studio guide")
        layout = QVBoxLayout(self)
        self.browser = QTextBrowser()
        self.browser.setObjectName("guideBrowser")
        self.browser.setOpenExternalLinks(False)
        self.browser.setText("Opening the guide…")
        layout.addWidget(self.browser)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        if parent is not None:
            available = parent.screen().availableGeometry()
            self.resize(min(760, int(0.9 * available.width())),
                        min(900, int(0.85 * available.height())))

    @gui_slot(object)
    def show_guide(self, guide: tuple[str, dict[str, bytes]]) -> None:
        page, pictures = guide
        document = self.browser.document()
        for name, data in pictures.items():
            image = QImage.fromData(data)
            if not image.isNull():
                document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), image)
        self.browser.setHtml(page)

    @gui_slot(str)
    def show_failure(self, message: str) -> None:
        self.browser.setPlainText(f"The guide could not be opened: {message}")


def open_guide(parent: QWidget, jobs: JobRunner) -> GuideDialog:
    """Open the guide's dialog at once and fill it when the jobs thread has read the files
    (unless the artist has closed it by then)."""
    from shiboken6 import isValid

    dialog = GuideDialog(parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def when_open(show: Callable[[Any], None]) -> Callable[[Any], None]:
        return lambda result: show(result) if isValid(dialog) else None

    jobs.submit(Job("Could not open the guide", lambda _ctx: read_guide(),
                    done=when_open(dialog.show_guide), failed=when_open(dialog.show_failure)))
    dialog.open()
    return dialog
