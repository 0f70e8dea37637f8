"""Screenshots of issue 9's parts: the export dialog, a recorded pad path, the history arrows.

    QT_QPA_PLATFORM=offscreen python tools/screenshots_export.py OUT_DIR [MODELS_DIR]

Writes ``export-dialog.png`` (the dialog on the morph, animated GIF, ink style),
``export-dialog-grid.png``, ``gallery.png`` and ``recorder-WxH.png`` (a path recorded on the
2-D VAE's pad, at 1024x640, 1366x768 and 1920x1080) into OUT_DIR. Settings go to a temporary
folder.
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from screenshots import _settle, _shoot, _window  # noqa: E402


def main(out: Path, models: Path) -> None:
    from genai_studio.app import wait_until
    from genai_studio.core.export.options import ExportSource, ExportStyle

    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="genai-shots-"))
    w = _window(models, tmp, "export")
    _settle(1.0)
    s = w.state
    w.resize(1366, 768)
    w.reset_layout()
    w.actions["record_path"].trigger()
    for k in range(120):  # a loop around the plane: a digit morphing through its neighbours
        t = 2 * math.pi * k / 119
        w.pad_panel.pad.set_point(0.5 + 0.3 * math.cos(t), 0.5 + 0.25 * math.sin(2 * t))
    w.actions["record_path"].trigger()
    s.pad.point = (0.8, 0.5)
    _settle(0.5)
    for size in ((1024, 640), (1366, 768), (1920, 1080)):
        _shoot(w, out / f"recorder-{size[0]}x{size[1]}.png", size)
    s.canvas.selected = 5
    w.actions["morph_start"].trigger()
    s.canvas.selected = 17
    w.actions["morph_end"].trigger()
    wait_until(lambda: s.morph.frames is not None, 10)
    s.takeout.settings = replace(s.takeout.settings,
                                style=ExportStyle(scale=16, resampling="ink", ink="#1a237e",
                                                  paper="#fff8e1"))
    dialog = w.take_out.show_export("morph")
    _settle(0.5)
    dialog.grab().save(str(out / "export-dialog.png"))
    dialog.show_for("grid")
    dialog.captions.setChecked(True)
    _settle(0.3)
    dialog.grab().save(str(out / "export-dialog-grid.png"))
    print("wrote", out / "export-dialog.png", out / "export-dialog-grid.png")
    dialog.close()
    for index in (2, 9, 21, 30):  # favourites, then two exports: a sheet and the morph
        s.canvas.selected = index
        w.actions["favourite_tile"].trigger()
    w.take_out.exports.start(ExportSource.GRID, tmp / "grid.png")
    wait_until(lambda: not w.take_out.exports.busy, 30)
    w.take_out.exports.start(ExportSource.MORPH, tmp / "morph.gif")
    wait_until(lambda: not w.take_out.exports.busy, 30)
    wait_until(lambda: len(s.takeout.gallery) >= 6, 30)
    w.docks["gallery"].raise_()
    w.gallery.list.item(1).setSelected(True)
    _settle(0.5)
    _shoot(w, out / "gallery.png")
    w.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else Path("models"))
