"""The model library: shipped models (read-only) and the artist's own, with their metadata."""

from __future__ import annotations

import html
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from genai_studio.core.defaults import GENERATOR_KINDS
from genai_studio.ui import icons, theme
from genai_studio.ui.guard import gui_slot
from genai_studio.ui.scores import SCORE_NOTE, score_rows

GENERATORS = GENERATOR_KINDS  # kinds that draw digits; others (the judge) are tools

SUFFIX = ".safetensors"


@dataclass(frozen=True)
class Entry:
    path: Path
    shipped: bool
    metadata: dict[str, Any] | None  # None: unreadable (the error is in ``problem``)
    problem: str = ""

    @property
    def name(self) -> str:
        return self.path.name.removesuffix(SUFFIX)

    @property
    def is_generator(self) -> bool:
        """Only these can be loaded to draw; a classifier file would break the canvas."""
        return self.metadata is not None and self.metadata.get("kind") in GENERATORS


def scan(folder: Path, shipped: bool) -> list[Entry]:
    """Model files in ``folder`` (checkpoints excluded), each with its header's metadata."""
    from genai_studio.core.checkpoints import read_metadata
    from genai_studio.core.errors import GenAIError

    if not folder.is_dir():
        return []
    entries = []
    for path in sorted(folder.glob(f"*{SUFFIX}")):
        if path.name.endswith(f".ckpt{SUFFIX}"):
            continue
        try:
            entries.append(Entry(path, shipped, read_metadata(path)))
        except GenAIError as exc:
            entries.append(Entry(path, shipped, None, str(exc)))
    return entries


def _table(rows: list[tuple[str, Any]]) -> str:
    body = "".join(f"<tr><td style='color:{theme.MUTED}; padding-right:8px'>{k}</td>"
                   f"<td>{html.escape(str(v))}</td></tr>" for k, v in rows if v not in ("", None))
    return f"<table>{body}</table>"


def describe(entry: Entry) -> str:
    """Rich text for the info box: what the model is, how it scores, how it was trained."""
    if entry.metadata is None:
        return f"<b>{html.escape(entry.name)}</b><br><span style='color:{theme.DANGER}'>" \
               f"{html.escape(entry.problem)}</span>"
    if not entry.is_generator:
        return describe_tool(entry)
    m = entry.metadata
    t = m.get("training") or {}
    rows = [
        ("kind", f"{'conditional ' if m.get('conditional') else ''}{str(m.get('kind')).upper()}"),
        ("latent", m.get("latent_dim")),
        ("data", (m.get("dataset") or {}).get("name", "?")),
        ("epochs", t.get("epochs_done", t.get("epochs"))),
        ("trained", f"{t.get('wall_time_s', '?')} s on {t.get('device', '?')}"),
        ("speed", f"{t.get('images_per_s', '?')} img/s"),
        ("losses", ", ".join(f"{k} {v:.3g}" for k, v in (t.get("final_losses") or {}).items())),
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


def _detail(meta: dict[str, Any]) -> str:
    """The list's second line: kind, size and the headline score (or that there is none)."""
    kind = str(meta.get("kind", "?")).upper()
    if kind.lower() not in GENERATORS:
        return f"{kind} · scores models"
    confidence = (meta.get("metrics") or {}).get("mean_confidence")
    score = f"conf {confidence:.2f}" if isinstance(confidence, float) else "not scored"
    return f"{kind} · {meta.get('latent_dim', '?')}-D · {score}"


# Opened on a first launch when present (models/vae-2d.safetensors ships).
FIRST_LAUNCH_MODEL = "vae-2d"


class ModelLibrary(QWidget):
    """Lists models; emits ``load_requested(path)`` / ``import_requested(path)``."""

    load_requested = Signal(object)
    import_requested = Signal(object)
    removed = Signal(object)  # a file the active model may have been
    renamed = Signal(object, object)  # old path, new path

    def __init__(self, shipped_dir: Path, user_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("modelLibrary")
        self.shipped_dir, self.user_dir = Path(shipped_dir), Path(user_dir)
        self.entries: list[Entry] = []
        self.active: Path | None = None
        self._build()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.setSpacing(8)
        self.list = QListWidget()
        self.list.setToolTip("Double-click (or Enter) loads a model")
        self.list.currentItemChanged.connect(self._selection_changed)
        self.list.itemActivated.connect(self._activated)
        layout.addWidget(self.list, 3)
        row = QHBoxLayout()
        row.setSpacing(4)
        self.buttons: dict[str, QToolButton] = {}
        for name, icon_name, tip, slot in (
            ("load", "open", "Load the selected model (Enter)", self._load_clicked),
            ("import", "import", "Import a .safetensors model file (Ctrl+O)", self.ask_import),
            ("export", "export", "Export the selected model (Ctrl+E)", self.ask_export),
            ("rename", "rename", "Rename the selected model (F2)", self.ask_rename),
            ("delete", "trash", "Delete the selected model (Del)", self.ask_delete),
        ):
            button = QToolButton()
            button.setIcon(icons.icon(icon_name, theme.DANGER if name == "delete" else theme.TEXT))
            button.setToolTip(tip)
            button.clicked.connect(slot)
            self.buttons[name] = button
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        self.info = QTextBrowser()
        self.info.setMinimumHeight(150)
        layout.addWidget(self.info, 2)
        self.empty_label = QLabel("No models yet.\nTrain one (Ctrl+T) or import a file.")
        self.empty_label.setProperty("role", "hint")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.empty_label)

    # ---------------------------------------------------------------- content

    def refresh(self, select: Path | None = None) -> None:
        self.entries = scan(self.shipped_dir, True) + scan(self.user_dir, False)
        self.list.blockSignals(True)
        self.list.clear()
        groups = (("SHIPPED", lambda e: e.shipped and (e.is_generator or e.metadata is None)),
                  ("MY MODELS", lambda e: not e.shipped and (e.is_generator or e.metadata is None)),
                  ("TOOLS", lambda e: e.metadata is not None and not e.is_generator))
        for title, belongs in groups:
            group = [e for e in self.entries if belongs(e)]
            if not group:
                continue
            header = QListWidgetItem(title)
            header.setFlags(Qt.ItemFlag.NoItemFlags)
            self.list.addItem(header)
            for entry in group:
                self.list.addItem(self._item(entry))
        self.list.blockSignals(False)
        self.empty_label.setVisible(not self.entries)
        self.list.setVisible(bool(self.entries))
        self.info.setVisible(bool(self.entries))
        self.select_path(select or self.active)

    def _item(self, entry: Entry) -> QListWidgetItem:
        badge = "●  " if entry.path == self.active else "    "
        meta = entry.metadata or {}
        detail = _detail(meta) if entry.metadata else "unreadable"
        item = QListWidgetItem(f"{badge}{entry.name}\n      {detail}")
        item.setData(Qt.ItemDataRole.UserRole, str(entry.path))
        item.setToolTip(str(entry.path))
        if not entry.is_generator:
            item.setForeground(Qt.GlobalColor.gray)
        return item

    def select_path(self, path: Path | None) -> None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            if path is not None and item.data(Qt.ItemDataRole.UserRole) == str(path):
                self.list.setCurrentRow(row)
                return
        self._selection_changed(self.list.currentItem(), None)

    def set_active(self, path: Path | None) -> None:
        self.active = Path(path) if path else None
        self.refresh(self.active)

    def selected(self) -> Entry | None:
        item = self.list.currentItem()
        path = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return next((e for e in self.entries if str(e.path) == path), None)

    def first_usable(self) -> Path | None:
        """The model a first launch opens: the pad's native 2-D VAE if it ships, which shows
        off the latent pad best, else the first generator listed."""
        generators = [e.path for e in self.entries if e.is_generator]
        preferred = [p for p in generators if p.stem == FIRST_LAUNCH_MODEL]
        return (preferred or generators or [None])[0]

    @gui_slot(object, object)
    def _selection_changed(self, current: Any, _previous: Any) -> None:
        entry = self.selected()
        self.info.setHtml(describe(entry) if entry else
                          f"<span style='color:{theme.MUTED}'>Select a model to see what it "
                          "is and how it was trained.</span>")
        own = entry is not None and not entry.shipped
        self.buttons["load"].setEnabled(entry is not None and entry.is_generator)
        self.buttons["export"].setEnabled(entry is not None)
        self.buttons["rename"].setEnabled(own)
        self.buttons["delete"].setEnabled(own)

    @gui_slot(object)
    def _activated(self, _item: Any) -> None:
        self._load_clicked()

    @gui_slot()
    def _load_clicked(self) -> None:
        entry = self.selected()
        if entry is not None and entry.is_generator:
            self.load_requested.emit(entry.path)

    # ---------------------------------------------------------------- file actions

    @gui_slot()
    def ask_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import a model", str(Path.home()),
                                              "Model files (*.safetensors);;All files (*)")
        if path:
            self.import_requested.emit(Path(path))

    def adopt(self, source: Path) -> Path:
        """Copy an imported (already validated) file into the user's folder; the new path."""
        self.user_dir.mkdir(parents=True, exist_ok=True)
        target = self.user_dir / source.name
        if not target.name.endswith(SUFFIX):
            target = target.with_name(target.name + SUFFIX)
        stem, k = target.name.removesuffix(SUFFIX), 2
        while target.exists():
            target = self.user_dir / f"{stem}-{k}{SUFFIX}"
            k += 1
        shutil.copyfile(source, target)
        return target

    @gui_slot()
    def ask_export(self) -> None:
        entry = self.selected()
        if entry is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export model", str(Path.home() /
                                              entry.path.name), "Model files (*.safetensors)")
        if path:
            shutil.copyfile(entry.path, path)

    @gui_slot()
    def ask_rename(self) -> None:
        entry = self.selected()
        if entry is None or entry.shipped:
            return
        name, ok = QInputDialog.getText(self, "Rename model", "New name:", text=entry.name)
        if ok and name.strip():
            self.rename(entry, name.strip())

    def rename(self, entry: Entry, name: str) -> Path:
        safe = "".join(c for c in name if c.isalnum() or c in "-_ .").strip() or entry.name
        target = entry.path.with_name(safe + SUFFIX)
        if target.exists():
            QMessageBox.warning(self, "Rename model", f"A model called {safe} already exists.")
            return entry.path
        entry.path.rename(target)
        checkpoint = entry.path.with_name(entry.name + ".ckpt" + SUFFIX)
        if checkpoint.exists():  # the resume file follows its model
            checkpoint.rename(target.with_name(safe + ".ckpt" + SUFFIX))
        if self.active == entry.path:
            self.active = target
        self.renamed.emit(entry.path, target)
        self.refresh(target)
        return target

    @gui_slot()
    def ask_delete(self) -> None:
        entry = self.selected()
        if entry is None or entry.shipped:
            return
        answer = QMessageBox.question(self, "Delete model", f"Delete {entry.name} for good?")
        if answer == QMessageBox.StandardButton.Yes:
            self.delete(entry)

    def delete(self, entry: Entry) -> None:
        entry.path.unlink(missing_ok=True)
        checkpoint = entry.path.with_name(entry.name + ".ckpt" + SUFFIX)
        checkpoint.unlink(missing_ok=True)
        self.removed.emit(entry.path)
        self.refresh()
