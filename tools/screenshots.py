"""Screenshots of the window's main states at several window sizes.

    QT_QPA_PLATFORM=offscreen python tools/screenshots.py OUT_DIR [MODELS_DIR]

MODELS_DIR holds .safetensors models to show as "shipped" (default: models/). With
QT_SCALE_FACTOR=2 set, writes only ``studio-1366x768@2x.png``. Otherwise writes
``OUT_DIR/studio-WxH.png`` for each size (a first launch at that size: the layout reset for
it), ``morphing.png``, ``training.png``, ``corners.png`` (a model with more than two latent
dimensions, if one is there), ``light.png``, ``empty.png``, ``help.png``, ``about.png`` and
``inside-<model>.png`` (the inside view on a 2-D VAE, the GAN and the VAE-GAN, where there).
Settings and the user library go to a temporary folder.
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SIZES = [(1024, 640), (1280, 800), (1366, 768), (1920, 1080), (2560, 1440)]


def _window(models: Path, tmp: Path, name: str):  # noqa: ANN202
    from PySide6.QtCore import QSettings

    from genai_studio.app import create_main_window, wait_until

    settings = QSettings(str(tmp / f"{name}.ini"), QSettings.Format.IniFormat)
    w = create_main_window(models, tmp / f"user-{name}", settings)
    w.persist_settings = False
    w.show()
    wait_until(lambda: w.is_interactive, 60)
    return w


def _settle(seconds: float = 0.6) -> None:
    from genai_studio.app import wait_until

    wait_until(lambda: False, seconds)


def _shoot(w, path: Path, size: tuple[int, int] | None = None) -> None:  # noqa: ANN001
    if size is not None:
        w.resize(*size)
        w.reset_layout()
        _settle(0.4)
    w.grab().save(str(path))
    print("wrote", path)


def main(out: Path, models: Path) -> None:
    from PySide6.QtWidgets import QDialog

    from genai_studio.app import wait_until

    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="genai-shots-"))
    w = _window(models, tmp, "main")
    _settle(1.0)
    scale = os.environ.get("QT_SCALE_FACTOR")
    if scale:  # a high-DPI run: the studio at a laptop size, drawn at that scale, then done
        _shoot(w, out / f"studio-1366x768@{scale}x.png", (1366, 768))
        w.close()
        return
    for size in SIZES:
        _shoot(w, out / f"studio-{size[0]}x{size[1]}.png", size)
    s = w.state
    s.canvas.selected = 3
    w.actions["morph_start"].trigger()
    s.canvas.selected = 12
    w.actions["morph_end"].trigger()
    wait_until(lambda: s.morph.frames is not None, 10)
    s.pad.point = (0.3, 0.2)
    w.actions["play_morph"].trigger()
    _settle()
    _shoot(w, out / "morphing.png", (1366, 768))
    w.actions["play_morph"].trigger()
    w.actions["shortcuts"].trigger()
    w.actions["about"].trigger()
    _settle(0.3)
    for name, file in (("helpDialog", "help.png"), ("aboutDialog", "about.png")):
        dialog = w.findChild(QDialog, name)
        if dialog is not None:
            dialog.grab().save(str(out / file))
            dialog.close()
    s.training.settings = replace(s.training.settings, epochs=3)
    w.run.limit = 6000
    w.resize(1366, 768)
    w.reset_layout()
    w.actions["train"].trigger()  # raises the Training tab
    wait_until(lambda: w.run.progress_count > 12, 120)
    _shoot(w, out / "training.png")
    w.run.cancel()
    wait_until(lambda: not w.run.is_running(), 30)
    _gan_training(w, out)
    _guide(w, out)
    from genai_studio.ui.common.theme import Theme

    s.view.theme = Theme.LIGHT
    _settle(0.4)
    _shoot(w, out / "light.png", (1366, 768))
    s.view.theme = Theme.DARK
    corners = next((e.path for e in s.library.snapshot.entries
                    if e.is_generator and e.metadata.get("latent_dim") != 2), None)
    if corners is not None:
        w.studio.load(corners)
        wait_until(lambda: s.session.model is not None and s.session.model.path == corners
                   and s.canvas.grid is not None and s.canvas.grid.handle is s.session.model, 30)
        wait_until(lambda: s.pad.background is not None, 10)
        s.pad.point = (0.35, 0.6)
        _settle()
        _shoot(w, out / "corners.png", (1366, 768))
    _inside_views(w, out)
    w.close()
    empty = _window(tmp / "no-models", tmp, "empty")
    _settle(0.3)
    _shoot(empty, out / "empty.png", (1024, 640))
    empty.close()


def _gan_training(w, out: Path) -> None:  # noqa: ANN001
    """``training-gan-WxH.png``: a GAN training at 1366x768 and 1920x1080, its loss curves
    (the GAN has the most) in view."""
    from genai_studio.app import wait_until
    from genai_studio.core.defaults import ModelKind

    s = w.state
    s.training.settings = replace(s.training.settings, kind=ModelKind.GAN, epochs=3)
    w.run.limit = 6000
    for size in ((1366, 768), (1920, 1080)):
        w.resize(*size)
        w.reset_layout()
        seen = w.run.progress_count
        w.actions["train"].trigger()
        wait_until(lambda n=seen: w.run.progress_count > n + 12, 120)
        _shoot(w, out / f"training-gan-{size[0]}x{size[1]}.png")
        w.run.cancel()
        wait_until(lambda: not w.run.is_running(), 30)


def _guide(w, out: Path) -> None:  # noqa: ANN001
    """``guide.png``: Help > Guide open over the window."""
    from PySide6.QtWidgets import QDialog

    w.actions["guide"].trigger()
    _settle(1.0)
    dialog = w.findChild(QDialog, "guideDialog")
    if dialog is not None:
        dialog.grab().save(str(out / "guide.png"))
        dialog.close()


def _inside_views(w, out: Path) -> None:  # noqa: ANN001
    """``inside-<model>.png``: the inside view open on the pad's point, for each shipped
    generator kind (a 2-D VAE, a GAN, a VAE-GAN) that is there."""
    from genai_studio.app import wait_until

    s = w.state
    w.resize(1366, 768)
    w.reset_layout()
    w.docks["inside"].show()
    w.docks["inside"].raise_()
    wait_until(lambda: s.inside.open, 5)
    for name in ("vae-2d", "gan", "vaegan"):
        entry = next((e for e in s.library.snapshot.entries if e.path.stem == name), None)
        if entry is None:
            continue
        path = entry.path
        w.studio.load(path)
        wait_until(lambda p=path: s.session.model is not None and s.session.model.path == p
                   and s.canvas.grid is not None and s.canvas.grid.handle is s.session.model, 30)
        s.pad.point = (0.42, 0.58)
        wait_until(lambda: s.inside.result is not None
                   and s.inside.result.request.handle is s.session.model, 20)
        _settle()
        _shoot(w, out / f"inside-{name}.png")
    w.docks["inside"].hide()


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else Path("models"))
