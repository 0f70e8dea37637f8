"""Screenshots of issue 20: typefaces typed in Pillow, the studio on a glyph model, SVG vs PNG.

    QT_QPA_PLATFORM=offscreen python tools/screenshots_typeface.py GLYPH_MODEL DATASETS OUT_DIR

GLYPH_MODEL is a conditional model trained on a fonts dataset (``dataset fonts``), DATASETS the
folder holding that dataset. Writes into OUT_DIR: ``typeface-pillow.png`` (fonts written by
``core.export.typeface`` at four fonts' style points and two prior draws, loaded by Pillow and
typing text), ``typeface-studio.png`` (the window with fonts as the pad's corners and the
Export typeface dialog) and ``vector-grid.png`` (a grid of the shipped VAE as PNG and as SVG
rendered by resvg, at x8). Settings go to a temporary folder.
"""

from __future__ import annotations

import io
import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))
ROOT = Path(__file__).resolve().parents[1]

TEXT = ("Hamburgefonstiv 0123", "The quick brown fox jumps over the lazy dog")


def typed_fonts(model_path: Path, datasets: Path, out: Path, tmp: Path) -> None:
    """Six fonts from the model: four fonts' style points, two prior draws, typing text."""
    from PIL import Image, ImageDraw, ImageFont

    from genai_studio.core.export.typeface import write_typeface
    from genai_studio.core.latent.sampling import draw_latents
    from genai_studio.core.latent.styles import font_corners
    from genai_studio.core.store.checkpoints import load_model

    loaded = load_model(model_path, "cpu")
    points = [(f"the style point of {f.name}", f.latent)
              for f in font_corners(loaded.model, loaded.metadata, datasets)]
    points += [(f"prior draw, seed {s}", draw_latents(loaded.model, 1, s).numpy()[0])
               for s in (7, 11)]
    label_font = ImageFont.load_default(size=16)
    sheet = Image.new("RGB", (1500, 150 * len(points) + 20), "white")
    draw = ImageDraw.Draw(sheet)
    for k, (label, latent) in enumerate(points):
        path = tmp / f"typeface-{k}.otf"
        _, family = write_typeface(loaded.model, loaded.metadata, model_path, latent, path)
        y = 10 + 150 * k
        draw.text((20, y), f"{family}  ({label}; loaded by Pillow's ImageFont.truetype)",
                  font=label_font, fill="#777777")
        draw.text((20, y + 24), TEXT[0], font=ImageFont.truetype(str(path), 64), fill="black")
        draw.text((20, y + 104), TEXT[1], font=ImageFont.truetype(str(path), 30),
                  fill="#202020")
    sheet.save(out / "typeface-pillow.png")
    print("wrote", out / "typeface-pillow.png")


def studio(model_path: Path, datasets: Path, out: Path, tmp: Path) -> None:
    from PySide6.QtWidgets import QApplication
    from screenshots import _settle, _window

    from genai_studio.app import wait_until

    shipped = tmp / "shipped"
    shipped.mkdir()
    shutil.copy(model_path, shipped / model_path.name)
    QApplication.instance() or QApplication([])
    w = _window(shipped, tmp, "typeface")
    w.dataset_actions.folder = datasets
    w.resize(1366, 800)
    w.reset_layout()
    wait_until(lambda: w.generations > 0, 60)
    w.actions["fonts_as_corners"].trigger()
    wait_until(lambda: w.state.pad.corners is not None
               and w.state.pad.corners[0].source not in ("", "random"), 60)
    w.state.canvas.digit = None
    w.state.pad.point = (0.42, 0.55)
    w.actions["export_typeface"].trigger()
    dialog = w.typefaces.typeface_dialog
    wait_until(lambda: dialog.previews > 0, 30)
    _settle(1.0)
    window_shot = w.grab()
    dialog_shot = dialog.grab()
    from PySide6.QtGui import QPainter, QPixmap

    combined = QPixmap(window_shot.width(), window_shot.height() + dialog_shot.height() + 8)
    combined.fill()
    painter = QPainter(combined)
    painter.drawPixmap(0, 0, window_shot)
    painter.drawPixmap(0, window_shot.height() + 8, dialog_shot)
    painter.end()
    combined.save(str(out / "typeface-studio.png"))
    print("wrote", out / "typeface-studio.png")
    dialog.close()
    w.close()


def vector_grid(out: Path) -> None:
    import numpy as np
    import resvg_py
    from PIL import Image

    from genai_studio.core.export.options import ExportStyle
    from genai_studio.core.export.provenance import grid_provenance
    from genai_studio.core.export.stills import sheet_bytes
    from genai_studio.core.latent.sampling import sample
    from genai_studio.core.store.checkpoints import load_model

    model = ROOT / "models" / "vae-32d.safetensors"
    drawn = sample(load_model(model, "cpu").model, 6, 3)
    prov = grid_provenance(model, drawn, None)
    style = ExportStyle(scale=8, resampling="nearest")
    png = sheet_bytes(drawn.images, style, prov, columns=6, gutter=8)
    svg = sheet_bytes(drawn.images, ExportStyle(scale=8, resampling="ink"), prov, columns=6,
                      gutter=8, fmt="svg")
    left = Image.open(io.BytesIO(png)).convert("RGB")
    right = Image.open(io.BytesIO(bytes(resvg_py.svg_to_bytes(svg_string=svg.decode()))))
    both = Image.new("RGB", (left.width, 2 * left.height + 8), (60, 60, 60))
    both.paste(left, (0, 0))
    both.paste(right.convert("RGB"), (0, left.height + 8))
    both.save(out / "vector-grid.png")
    print("wrote", out / "vector-grid.png", np.asarray(both).shape)


def main(model: Path, datasets: Path, out: Path) -> None:
    import torch

    torch.set_num_threads(1)
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="genai-typeface-"))
    typed_fonts(model, datasets, out, tmp)
    vector_grid(out)
    studio(model, datasets, out, tmp)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
