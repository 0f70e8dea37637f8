"""Screenshots of genes, breeding and undo (issue 19), at 1366x768.

    QT_QPA_PLATFORM=offscreen python tools/screenshots_genes.py OUT_DIR [MODEL]

MODEL (default models/vae-32d.safetensors) is copied with the judge into a temporary folder
that stands for the shipped models, so its genes are found there (a few seconds) and the
checkout's models/ is left as it is. Writes ``genes.png`` (the Genes panel with two sliders
moved: the pad's preview, the selected tile and the grid steered), ``breeding.png`` (four
parents and a grid of their children) and ``undo.png`` (the history dock after generate,
genes, breeding and a pad point, one step undone).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
SIZE = (1366, 768)


def _settle(seconds: float = 0.6) -> None:
    from genai_studio.app import wait_until

    wait_until(lambda: False, seconds)


def _window(models: Path, tmp: Path):  # noqa: ANN202
    from PySide6.QtCore import QSettings

    from genai_studio.app import create_main_window, wait_until

    settings = QSettings(str(tmp / "shots.ini"), QSettings.Format.IniFormat)
    w = create_main_window(models, tmp / "user", settings)
    w.persist_settings = False
    w.show()
    wait_until(lambda: w.is_interactive and w.state.canvas.grid is not None, 90)
    w.resize(*SIZE)
    w.reset_layout()
    _settle(0.5)
    return w


def _shoot(w, path: Path) -> None:  # noqa: ANN001
    _settle(0.5)
    w.grab().save(str(path))
    print("wrote", path)


def _generations(w, action) -> None:  # noqa: ANN001
    from genai_studio.app import wait_until

    count = w.generations
    action()
    wait_until(lambda: w.generations > count, 30)


def main(out: Path, model: Path) -> None:
    from genai_studio.app import wait_until

    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="genai-genes-"))
    shipped = tmp / "models"
    shipped.mkdir()
    shutil.copy(model, shipped / model.name)
    shutil.copy(ROOT / "models" / "judge.safetensors", shipped / "judge.safetensors")
    w = _window(shipped, tmp)
    s = w.state
    s.canvas.seed_locked = False
    _generations(w, lambda: w.actions["generate"].trigger())
    w.docks["genes"].show()
    w.docks["genes"].raise_()
    wait_until(lambda: s.genes.active is not None, 120)
    s.canvas.selected = 9
    s.pad.point = (0.35, 0.4)
    s.genes.set_value("slant", 1.5)
    s.genes.set_value("thickness", 1.0)
    # the grid, held to its digits, has caught up with both sliders (not only the first)
    wait_until(lambda: s.canvas.grid is not None and s.canvas.grid.genes == s.genes.values, 60)
    _settle()
    _shoot(w, out / "genes.png")

    s.genes.values = ()
    wait_until(lambda: s.canvas.grid is not None and not s.canvas.grid.genes, 30)
    w.docks["breeding"].show()
    w.docks["breeding"].raise_()
    wait_until(lambda: bool(s.breeding.model_sha256), 30)
    for index in (2, 5, 11, 20):
        s.canvas.selected = index
        w.actions["breed_add"].trigger()
    s.breeding.spread = 0.35
    _generations(w, lambda: w.actions["breed"].trigger())
    s.canvas.selected = 0
    _shoot(w, out / "breeding.png")

    s.pad.point = (0.7, 0.3)
    _settle(0.8)
    w.docks["history"].show()
    w.docks["history"].raise_()
    w.actions["history_back"].trigger()
    _shoot(w, out / "undo.png")
    w.close()


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    model = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "models" / "vae-32d.safetensors"
    sys.path.insert(0, str(ROOT))
    main(out, model)
