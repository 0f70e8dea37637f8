"""The pictures of Help > Guide (``resources/guide``), made from the app's own screenshots.

    QT_QPA_PLATFORM=offscreen python tools/guide_screenshots.py [--from SHOTS_DIR] [MODELS_DIR]

Without ``--from`` it runs tools/screenshots.py, screenshots_export.py and screenshots_byo.py
into a temporary folder first (a few minutes); with it, it takes their pictures from SHOTS_DIR
(for example docs/screenshots). Each picture is scaled to the guide's width and written as an
8-bit palette PNG, so the guide stays small in the installer.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "resources" / "guide"
# guide picture <- (screenshot, width in the guide's page)
PICTURES = {
    "studio.png": ("studio-1366x768.png", 560),
    "morphing.png": ("morphing.png", 560),
    "export.png": ("export-dialog.png", 420),
    "own.png": ("byo-image-on-pad.png", 560),
    "training.png": ("training.png", 560),
}
TOOLS = ("screenshots.py", "screenshots_export.py", "screenshots_byo.py")


def take_screenshots(out: Path, models: Path | None) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    for tool in TOOLS:
        args = [sys.executable, str(ROOT / "tools" / tool), str(out)]
        if models is not None and tool != "screenshots_byo.py":
            args.append(str(models))
        subprocess.run(args, check=True, env=env, cwd=ROOT)


def write_picture(source: Path, target: Path, width: int) -> None:
    with Image.open(source) as image:
        image = image.convert("RGB")
        height = round(image.height * width / image.width)
        small = image.resize((width, height), Image.Resampling.LANCZOS)
    small.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(target, optimize=True)
    print(f"wrote {target.relative_to(ROOT)} ({target.stat().st_size // 1024} KB)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="?", type=Path, default=None)
    parser.add_argument("--from", dest="shots", type=Path, default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="genai-guide-") as tmp:
        shots = args.shots
        if shots is None:
            shots = Path(tmp)
            take_screenshots(shots, args.models)
        missing = [name for name, _ in PICTURES.values() if not (shots / name).exists()]
        if missing:
            print(f"not in {shots}: {', '.join(missing)}", file=sys.stderr)
            return 2
        GUIDE.mkdir(parents=True, exist_ok=True)
        for name, (source, width) in PICTURES.items():
            write_picture(shots / source, GUIDE / name, width)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
