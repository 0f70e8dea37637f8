"""Screenshots of the artist's own material in the studio (issue 10).

    QT_QPA_PLATFORM=offscreen python tools/screenshots_byo.py OUT_DIR [--glyphs MODEL]
        [--colour MODEL] [--folder IMAGES] [--size 1366x768]

Writes into OUT_DIR: ``byo-image-on-pad.png`` (a drawing opened on the 2-D VAE: prepared,
encoded, its point on the pad), ``byo-sketch.png`` (a sketch encoded live), ``byo-repair.png``
(the repair dialog after a repair), ``byo-dataset-dialog.png`` (a folder scanned, its report),
``byo-datasets.png`` (the Datasets section), ``byo-train-on-dataset.png`` (training on it),
and with ``--glyphs`` / ``--colour`` models trained on glyph folders, ``byo-glyphs.png`` and
``byo-colour.png`` (generating and morphing). Settings and data go to a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]


def _wait(condition, seconds: float = 60.0) -> None:  # noqa: ANN001
    from genai_studio.app import wait_until

    if not wait_until(condition, seconds):
        raise SystemExit(f"timed out after {seconds} s")


def _settle(seconds: float = 0.5) -> None:
    from genai_studio.app import wait_until

    wait_until(lambda: False, seconds)


def _window(models: Path, tmp: Path, size: tuple[int, int]):  # noqa: ANN202
    from PySide6.QtCore import QSettings

    from genai_studio.app import create_main_window

    settings = QSettings(str(tmp / "shots.ini"), QSettings.Format.IniFormat)
    w = create_main_window(models, tmp / "user", settings)
    w.persist_settings = False
    w.show()
    w.resize(*size)
    w.reset_layout()
    _wait(lambda: w.is_interactive)
    return w


def _load(w, path: Path) -> None:  # noqa: ANN001
    before = w.generations
    w.studio.load(path)
    _wait(lambda: w.state.session.model is not None and w.state.session.model.path == path
          and w.generations > before)
    _settle(1.0)


def _drawing(path: Path) -> Path:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (600, 480), (244, 240, 228))  # a photo of paper, not pure white
    draw = ImageDraw.Draw(image)
    draw.line([(210, 90), (400, 80), (260, 400)], fill=(30, 30, 60), width=26)
    draw.line([(250, 240), (360, 236)], fill=(30, 30, 60), width=20)
    image.save(path)
    return path


def _sketch_three(surface) -> None:  # noqa: ANN001
    from PySide6.QtCore import QPointF

    sq = surface.square()

    def at(u: float, v: float) -> QPointF:
        return QPointF(sq.left() + u * sq.width(), sq.top() + v * sq.height())

    points = [(0.3, 0.22), (0.5, 0.15), (0.66, 0.25), (0.6, 0.42), (0.45, 0.5), (0.62, 0.58),
              (0.68, 0.74), (0.5, 0.85), (0.3, 0.78)]
    surface.begin(at(*points[0]), 0.9)
    for u, v in points[1:]:
        surface.extend(at(u, v), 1.0)
    surface.end()


def shoot_material(w, out: Path, tmp: Path) -> None:  # noqa: ANN001
    from genai_studio.ui.material.state import Target, TargetKind

    w.docks["material"].raise_()
    w.material.import_image(_drawing(tmp / "seven.png"), Target(TargetKind.PAD))
    _wait(lambda: w.state.material.current is not None
          and w.state.material.current.source == "seven.png")
    _settle(1.0)
    w.grab().save(str(out / "byo-image-on-pad.png"))
    w.material_panel.sketch.clear()
    _sketch_three(w.material_panel.sketch)
    _wait(lambda: w.state.material.current is not None
          and w.state.material.current.source == "sketch")
    _settle(1.0)
    w.grab().save(str(out / "byo-sketch.png"))


def shoot_repair(w, out: Path) -> None:  # noqa: ANN001
    from PySide6.QtWidgets import QApplication

    from genai_studio.ui.material.repair_dialog import RepairDialog

    w.state.canvas.selected = 2
    w.material.repair_tile()
    _settle(0.3)
    dialog = next(d for d in QApplication.topLevelWidgets()
                  if isinstance(d, RepairDialog) and d.isVisible())
    dialog.canvas.hole[14:, :] = True
    dialog.canvas.update()
    dialog.run()
    _wait(lambda: dialog.result is not None)
    _settle(0.5)
    dialog.grab().save(str(out / "byo-repair.png"))
    dialog.close()


def shoot_datasets(w, out: Path, folder: Path) -> None:  # noqa: ANN001
    from dataclasses import replace

    w.dataset_actions.ask_new()
    dialog = w.dataset_actions.dialog
    dialog.folder.setText(str(folder))
    dialog.name.setText("my-glyphs")
    dialog.scan()
    _wait(lambda: dialog.report is not None, 300)
    _settle(0.3)
    dialog.grab().save(str(out / "byo-dataset-dialog.png"))
    dialog.keep()
    _wait(lambda: any(d.name == "my-glyphs" for d in w.state.library.datasets), 120)
    w.show_datasets()
    _settle(1.5)
    w.grab().save(str(out / "byo-datasets.png"))
    info = next(d for d in w.state.library.datasets if d.name == "my-glyphs")
    w.dataset_actions.train_on(info)
    w.state.training.settings = replace(w.state.training.settings, epochs=100, batch_size=32)
    w.training.train_button.click()
    _wait(lambda: w.run.progress_count >= 2, 300)
    _settle(3.0)
    w.grab().save(str(out / "byo-train-on-dataset.png"))
    w.run.cancel()
    _wait(lambda: not w.run.is_running(), 120)


def shoot_model(w, out: Path, path: Path, name: str) -> None:  # noqa: ANN001
    from genai_studio.ui.studio.kinds import MorphEnd

    _load(w, path)
    grid = w.state.canvas.grid
    from genai_studio.ui.studio.kinds import Anchor

    w.state.morph.set_anchor(MorphEnd.START, Anchor(grid.latents[0], None, "tile 1"))
    w.state.morph.set_anchor(MorphEnd.END, Anchor(grid.latents[5], None, "tile 6"))
    w.state.pad.point = (0.35, 0.6)
    _settle(2.0)
    w.grab().save(str(out / name))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--glyphs", type=Path, default=None)
    parser.add_argument("--colour", type=Path, default=None)
    parser.add_argument("--folder", type=Path, default=None,
                        help="a folder of images for the dataset shots (default: render 300 "
                        "glyphs)")
    parser.add_argument("--size", default="1366x768")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    args.out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="genai-byo-shots-"))
    os.environ["XDG_DATA_HOME"] = str(tmp / "data")
    models = tmp / "models"
    models.mkdir()
    for name in ("vae-2d", "judge"):
        shutil.copy(ROOT / "models" / f"{name}.safetensors", models)
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv)  # noqa: F841
    w = _window(models, tmp, size)
    _load(w, models / "vae-2d.safetensors")
    shoot_material(w, args.out, tmp)
    shoot_repair(w, args.out)
    folder = args.folder
    if folder is None:
        import subprocess

        folder = tmp / "glyphs"
        subprocess.run([sys.executable, str(ROOT / "tools/render_glyphs.py"), str(folder),
                        "--count", "300", "--size", "48"], check=True)
    shoot_datasets(w, args.out, folder)
    for model, name in ((args.glyphs, "byo-glyphs.png"), (args.colour, "byo-colour.png")):
        if model is not None:
            shutil.copy(model, models)
            shoot_model(w, args.out, models / model.name, name)
    w.close()
    print("screenshots in", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
