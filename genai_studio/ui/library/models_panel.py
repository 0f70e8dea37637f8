"""The model library: shipped models (read-only), the artist's own, unfinished runs, tools.

Draws ``state.library.snapshot`` (a snapshot the jobs thread made) and writes the artist's
selection to ``state.library.selection``; its buttons are the window's actions (load, import,
export, rename, delete, score, resume), enabled by the selection's ``can_*`` flags, so they do
exactly what the menus and shortcuts do.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from genai_studio.core.store.library import Entry, UnfinishedRun
from genai_studio.ui.common import theme
from genai_studio.ui.common.guard import gui_slot
from genai_studio.ui.common.plain import tooltip
from genai_studio.ui.library.scores import SCORE_NOTE, score_rows
from genai_studio.ui.library.state import LibrarySnapshot, path_of
from genai_studio.ui.studio.state import StudioState

PATH_ROLE = Qt.ItemDataRole.UserRole
BUTTONS = ("load_model", "import_model", "export_model", "rename_model", "score_model",
           "resume_run", "delete_model")


def _table(rows: list[tuple[str, Any]]) -> str:
    body = "".join(f"<tr><td style='color:{theme.MUTED}; padding-right:8px'>{k}</td>"
                   f"<td>{html.escape(str(v))}</td></tr>" for k, v in rows if v not in ("", None))
    return f"<table>{body}</table>"


def describe(entry: Entry | UnfinishedRun | None) -> str:
    """Rich text for the info box: what the model is, how it scores, how it was trained."""
    if entry is None:
        return (f"<span style='color:{theme.MUTED}'>Select a model to see what it is and how "
                "it was trained.</span>")
    if isinstance(entry, UnfinishedRun):
        return (f"<b>{html.escape(entry.name)}</b><br>An unfinished {entry.kind.upper()} run: "
                f"{100 * entry.fraction:.0f}% of {entry.epochs} epochs done "
                f"(step {entry.step} of {entry.total_steps}). Resume continues it exactly "
                "where it stopped.")
    if entry.metadata is None:
        return f"<b>{html.escape(entry.name)}</b><br><span style='color:{theme.DANGER}'>" \
               f"{html.escape(entry.problem)}</span>"
    if not entry.is_generator:
        return describe_tool(entry)
    m = entry.metadata
    t = m.get("training") or {}
    rows = [
        ("kind", f"{'conditional ' if m.get('conditional') else ''}{str(m.get('kind')).upper()}"),
        ("latent size", m.get("latent_dim")),
        ("trained on", _dataset(m)),
        ("epochs", t.get("epochs_done", t.get("epochs"))),
        ("training time", f"{_minutes(t.get('wall_time_s'))} on {t.get('device', '?')}"),
        ("speed", f"{t.get('images_per_s', '?')} images a second"),
        ("finished", t.get("finished_at", "")),
        ("where", "shipped (read-only)" if entry.shipped else "my models"),
    ]
    rows_scores = score_rows(m.get("metrics"))
    note = "" if rows_scores[0][0] == "quality" else \
        f"<p style='color:{theme.MUTED}; font-size:8pt; margin-top:2px'>{SCORE_NOTE}</p>"
    scores = f"<p style='color:{theme.MUTED}; margin:8px 0 2px'>SCORES</p>" \
        f"{_table(rows_scores)}{note}"
    return f"<b>{html.escape(entry.name)}</b>{scores}" \
           f"<p style='color:{theme.MUTED}; margin:8px 0 2px'>MODEL</p>{_table(rows)}"


def describe_tool(entry: Entry) -> str:
    """A file that is not a generator (the quality judge): what it is for, not loadable."""
    m = entry.metadata or {}
    accuracy = (m.get("metrics") or {}).get("test_accuracy")
    rows = [
        ("kind", f"{str(m.get('kind')).upper()} (a classifier)"),
        ("test accuracy", f"{100 * accuracy:.2f}%" if isinstance(accuracy, float) else ""),
        ("where", "shipped (read-only)" if entry.shipped else "my models"),
    ]
    return f"<b>{html.escape(entry.name)}</b><br>Scores the generators (and the quality " \
           f"meter while training); it does not draw digits.{_table(rows)}"


def _detail(entry: Entry | UnfinishedRun) -> str:
    """The list's second line: kind, size and the headline score (or that there is none)."""
    if isinstance(entry, UnfinishedRun):
        return f"{entry.kind.upper()} · {100 * entry.fraction:.0f}% done"
    if entry.metadata is None:
        return "unreadable"
    meta = entry.metadata
    if not entry.is_generator:
        return f"{entry.kind.upper()} · scores models"
    metrics = meta.get("metrics") or {}
    confidence, ndb = metrics.get("mean_confidence"), metrics.get("ndb")
    score = f"sharp {confidence:.2f}" if isinstance(confidence, float) else "not scored"
    if not isinstance(confidence, float) and isinstance(ndb, int):  # the artist's own images
        score = f"variety {ndb}/{metrics.get('ndb_bins')} bins off"
    return f"{entry.kind.upper()} · {meta.get('latent_dim', '?')}-D · {_dataset(meta)} · {score}"


def _dataset(metadata: dict[str, Any]) -> str:
    """What a model learned from, in words: "MNIST digits" or the dataset's name."""
    name = str((metadata.get("dataset") or {}).get("name", "?"))[:40]
    return {"mnist": "MNIST digits", "none": "nothing (untrained)"}.get(name, name)


def _minutes(seconds: object) -> str:
    if not isinstance(seconds, int | float):
        return "?"
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


GROUPS = (
    ("SHIPPED", lambda e: isinstance(e, Entry) and e.shipped
     and (e.is_generator or e.metadata is None)),
    ("MY MODELS", lambda e: isinstance(e, Entry) and not e.shipped
     and (e.is_generator or e.metadata is None)),
    ("UNFINISHED RUNS", lambda e: isinstance(e, UnfinishedRun)),
    ("TOOLS", lambda e: isinstance(e, Entry) and e.metadata is not None
     and not e.is_generator),
)


class ModelLibrary(QWidget):
    def __init__(self, state: StudioState, actions: Mapping[str, QAction],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("modelLibrary")
        self.state = state
        self._build(actions)
        state.library.snapshot_changed.connect(self.on_library)
        state.session.model_changed.connect(self.on_active)
        state.session.model_info_changed.connect(self.on_active)
        state.library.selection_changed.connect(self.on_selection)
        self.on_library(state.library.snapshot)

    def _build(self, actions: Mapping[str, QAction]) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        self.list = QListWidget()
        self.list.setObjectName("libraryList")
        self.list.setToolTip("Double-click (or Enter) loads a model")
        # A narrow library cuts a long line short with "…" (the whole of it is in the item's
        # tooltip and the details below), rather than scrolling every line sideways.
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.currentItemChanged.connect(self._current_changed)
        self.list.itemActivated.connect(self._activated)
        self.activate_action = actions["load_model"]
        layout.addWidget(self.list, 3)
        row = QHBoxLayout()
        row.setSpacing(3)
        self.buttons: dict[str, QToolButton] = {}
        for name in BUTTONS:
            button = QToolButton()
            button.setDefaultAction(actions[name])
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
            button.setObjectName(f"library_{name}")
            button.setProperty("compact", True)
            self.buttons[name] = button
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        for name in ("load_model", "rename_model", "delete_model"):
            self.addAction(actions[name])  # Enter, F2 and Del work while the list has focus
        self.info = QTextBrowser()
        self.info.setObjectName("libraryInfo")
        self.info.setMinimumHeight(90)
        layout.addWidget(self.info, 2)
        self.empty_label = QLabel("Looking for models…")
        self.empty_label.setProperty("role", "hint")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        layout.addWidget(self.empty_label)

    # ---------------------------------------------------------------- drawing the state

    def items(self) -> list[Entry | UnfinishedRun]:
        snapshot: LibrarySnapshot | None = self.state.library.snapshot
        return [] if snapshot is None else [*snapshot.entries, *snapshot.unfinished]

    @gui_slot(object)
    def on_library(self, _snapshot: object) -> None:
        items = self.items()
        self._listing = True  # the list's own change signals are not the artist's choices
        self.list.clear()
        model = self.state.session.model
        active = model.path if model is not None else None
        for title, belongs in GROUPS:
            group = [e for e in items if belongs(e)]
            if not group:
                continue
            header = QListWidgetItem(title)
            header.setFlags(Qt.ItemFlag.NoItemFlags)
            self.list.addItem(header)
            for entry in group:
                self.list.addItem(self._item(entry, path_of(entry) == active))
        self._listing = False
        scanned = self.state.library.snapshot is not None
        self.empty_label.setText("No models yet.\nTrain one (Ctrl+T) or import a file (Ctrl+O)."
                                 if scanned else "Looking for models…")
        self.empty_label.setVisible(not items)
        self.list.setVisible(bool(items))
        self.info.setVisible(bool(items))
        self.on_selection(self.state.library.selection)

    def _item(self, entry: Entry | UnfinishedRun, active: bool) -> QListWidgetItem:
        badge = "●  " if active else "    "
        item = QListWidgetItem(f"{badge}{entry.name}\n      {_detail(entry)}")
        item.setData(PATH_ROLE, str(path_of(entry)))
        item.setToolTip(tooltip(path_of(entry)))
        if isinstance(entry, Entry) and not entry.is_generator:
            item.setForeground(Qt.GlobalColor.gray)
        return item

    @gui_slot(object)
    def on_active(self, _handle: object) -> None:
        self.on_library(self.state.library.snapshot)
        # The model now open is selected, however it was opened (the library, a file, an
        # exported image, Undo): its scores, not another's, sit under the title it gives.
        if self.state.session.model is not None:
            self.state.library.selection = self.state.session.model.path

    @gui_slot(object)
    def on_selection(self, path: Path | None) -> None:
        """Show the selection; which buttons work follows from it (``state.library.can_*``,
        bound to the actions they show)."""
        self._listing = True
        try:
            self.list.setCurrentRow(-1)
            for row in range(self.list.count()):
                item = self.list.item(row)
                if path is not None and item.data(PATH_ROLE) == str(path):
                    self.list.setCurrentRow(row)
                    break
        finally:
            self._listing = False
        self.info.setHtml(describe(self.state.library.selected))

    # ---------------------------------------------------------------- the artist's choice

    @gui_slot(object, object)
    def _current_changed(self, current: QListWidgetItem | None, _previous: object) -> None:
        if getattr(self, "_listing", False):
            return
        path = current.data(PATH_ROLE) if current is not None else None
        self.state.library.selection = Path(path) if path else None

    @gui_slot(object)
    def _activated(self, _item: object) -> None:
        self.activate_action.trigger()
