"""The part every "bring a folder in" dialog shares: read a source on the jobs thread with a
progress bar and a Stop button, show the report (what was kept, what was skipped and why), and
write nothing before Keep. A stopped read keeps nothing. The new-dataset and the font-dataset
dialogs add their own choices above it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from genai_studio.ui.common.guard import gui_slot
from genai_studio.ui.common.input_policy import apply_input_policy
from genai_studio.ui.common.plain import plain

# (on_progress, on_report, on_failed) -> the job's id
StartJob = Callable[[Callable[[float, str], None], Callable[[Any], None],
                     Callable[[str], None]], int]


class ScanDialog(QDialog):
    """``actions`` cancels a job (``cancel(job)``) and keeps a report (``keep(report, name,
    done, failed)``); a subclass builds its choices (a ``name`` line edit among them), calls
    :meth:`build_run_rows`, says when a read may start (:meth:`can_run`) and starts one with
    :meth:`start`."""

    RUNNING = "Scanning…"
    FAILED = "Could not scan"
    NOTHING_SKIPPED = "Every file was kept."

    def __init__(self, actions: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.actions = actions
        self.report: Any = None
        self.job: int | None = None

    def build_run_rows(self, layout: QVBoxLayout, run_text: str, prefix: str) -> None:
        """The run row, the summary, the report and the Keep / Close buttons; widgets named
        ``<prefix>Stop``, ``<prefix>Progress``, ``<prefix>Summary``, ``<prefix>Report`` and
        ``<prefix>Keep`` (the run button is the subclass's to name)."""
        row = QHBoxLayout()
        self.run_button = QPushButton(run_text)
        self.run_button.setProperty("accent", True)
        self.stop_button = QPushButton("Stop", objectName=f"{prefix}Stop")
        self.stop_button.clicked.connect(self.stop)
        self.progress = QProgressBar(objectName=f"{prefix}Progress")
        self.progress.setRange(0, 1000)
        row.addWidget(self.run_button)
        row.addWidget(self.stop_button)
        row.addWidget(self.progress, 1)
        layout.addLayout(row)
        # Plain text: the summary names files, and a file name is not markup.
        self.summary = plain(QLabel("Nothing is kept until you press Keep."))
        self.summary.setObjectName(f"{prefix}Summary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.details = QPlainTextEdit(objectName=f"{prefix}Report")
        self.details.setReadOnly(True)
        self.details.setMinimumHeight(120)
        layout.addWidget(self.details, 1)
        self.buttons = QDialogButtonBox()
        self.keep_button = self.buttons.addButton("Keep", QDialogButtonBox.ButtonRole.AcceptRole)
        self.keep_button.setObjectName(f"{prefix}Keep")
        self.keep_button.clicked.connect(self.keep)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Close).clicked.connect(self.close)
        layout.addWidget(self.buttons)
        apply_input_policy(self)  # the choices above are built by now

    def can_run(self) -> bool:
        raise NotImplementedError

    def _update(self) -> None:
        running = self.job is not None
        self.run_button.setEnabled(not running and self.can_run())
        self.stop_button.setEnabled(running)
        usable = self.report is not None and self.report.kept > 0 and not self.report.cancelled
        self.keep_button.setEnabled(not running and usable)

    def start(self, start_job: StartJob) -> None:
        """A new read: the last report is dropped, then ``start_job`` is handed the callbacks."""
        self.report = None
        self.details.clear()
        self.progress.setValue(0)
        self.summary.setText(self.RUNNING)
        self.job = start_job(self.on_progress, self.on_report, self.on_failed)
        self._update()

    @gui_slot()
    def stop(self) -> None:
        if self.job is not None:
            self.actions.cancel(self.job)

    def on_progress(self, fraction: float, text: str) -> None:
        self.progress.setValue(int(1000 * fraction))
        self.progress.setFormat(text)

    def on_report(self, report: Any) -> None:
        self.job, self.report = None, report
        lines = report.lines()
        self.summary.setText(("Stopped: nothing will be kept. " if report.cancelled else "")
                             + lines[0])
        self.details.setPlainText("\n".join(lines[1:]) or self.NOTHING_SKIPPED)
        self.progress.setValue(1000)
        self._update()

    def on_failed(self, message: str) -> None:
        self.job = None
        self.summary.setText(f"{self.FAILED}: {message}")
        self._update()

    @gui_slot()
    def keep(self) -> None:
        if self.report is None:
            return
        self.keep_button.setEnabled(False)
        self.actions.keep(self.report, self.name.text().strip(), lambda _p: self.accept(),
                          self.on_keep_failed)

    def on_keep_failed(self, message: str) -> None:
        self.summary.setText(f"Not kept: {message}")
        self._update()

    def closeEvent(self, event: Any) -> None:  # noqa: N802
        self.stop()
        super().closeEvent(event)
