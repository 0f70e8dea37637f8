"""Screenshots of the window's main states (empty, generating, training, morphing).

    QT_QPA_PLATFORM=offscreen python tools/screenshots.py OUT_DIR [MODELS_DIR]

MODELS_DIR holds .safetensors models to show as "shipped"; without it only the empty state
and training are shot. Settings and the user library go to a temporary folder.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main(out: Path, models: Path | None) -> None:
    from PySide6.QtCore import QPoint, QSettings, Qt
    from PySide6.QtTest import QTest

    from genai_studio.app import create_main_window, wait_until

    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="genai-shots-"))
    settings = QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat)
    w = create_main_window(models or tmp / "none", tmp / "user", settings)
    w.show()
    wait_until(lambda: w.is_interactive, 60)
    wait_until(lambda: False, 0.5)
    name = "generating" if w.handle is not None else "empty"
    w.grab().save(str(out / f"{name}.png"))
    if w.handle is not None:
        sq = w.pad_panel.pad.square()
        QTest.mousePress(w.pad_panel.pad, Qt.MouseButton.LeftButton,
                         pos=QPoint(int(sq.left() + sq.width() * 0.3), int(sq.top() + 40)))
        w.canvas.select(3)
        w.on_tile_action("morph_start", 3)
        w.on_tile_action("morph_end", 12)
        wait_until(lambda: len(w.morph.images) > 0, 10)
        w.morph.set_playing(True)
        wait_until(lambda: False, 0.6)
        w.grab().save(str(out / "morphing.png"))
        w.morph.set_playing(False)
    from PySide6.QtWidgets import QDialog

    w.show_shortcuts()
    w.show_about()
    wait_until(lambda: False, 0.2)
    for name in ("helpDialog", "aboutDialog"):
        dialog = w.findChild(QDialog, name)
        if dialog is not None:
            dialog.grab().save(str(out / f"{name}.png"))
            dialog.close()
    w.training.limit = 6000
    w.training.epochs.setValue(3)
    w.training.start()
    wait_until(lambda: w.training.progress_count > 12, 120)
    w.grab().save(str(out / "training.png"))
    w.close()
    print("screenshots in", out)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else None)
