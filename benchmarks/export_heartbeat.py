"""The studio stays responsive while an export runs (issue 9).

    QT_QPA_PLATFORM=offscreen python benchmarks/export_heartbeat.py [--model FILE] [--rounds 2]

Offscreen window on the model (default: models/vae-2d.safetensors). Rounds of: GUI heartbeat
lag (a 5 ms precise timer) and pad drag -> preview pixels, first idle, then while the jobs
thread exports a 64-frame 512x512 morph as APNG (Lanczos) again and again. Idle and export
runs alternate so that background load hits both alike; the figures are pooled per condition.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ui_latency import drag, heartbeat, make_model, summary  # noqa: E402


class Repeater:
    """Starts the export again each time it ends, until stopped."""

    def __init__(self, window, target: Path) -> None:  # noqa: ANN001 - MainWindow
        self.window, self.target, self.on, self.count = window, target, False, 0
        window.take_out.exports.finished.connect(self.again)

    def start(self) -> None:
        self.on = True
        self.again(())

    def again(self, paths: tuple) -> None:
        self.count += bool(paths)
        exports = self.window.take_out.exports
        if self.on and not exports.busy:
            self.target.unlink(missing_ok=True)
            exports.start("morph", self.target)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "vae-2d.safetensors")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--moves", type=int, default=300)
    args = parser.parse_args()
    from PySide6.QtCore import QSettings

    from genai_studio.app import create_main_window, wait_until
    from genai_studio.core.export.options import ExportStyle, Timing
    from genai_studio.ui.studio.kinds import Anchor, MorphEnd

    tmp = Path(tempfile.mkdtemp(prefix="genai-bench-"))
    make_model(tmp / "models", args.model)
    w = create_main_window(tmp / "models", tmp / "user",
                           QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat))
    w.show()
    wait_until(lambda: w.generations > 0 and w.studio.warm, 120)
    s = w.state
    s.morph.set_anchor(MorphEnd.START, Anchor(s.canvas.grid.latents[0]))
    s.morph.set_anchor(MorphEnd.END, Anchor(s.canvas.grid.latents[1]))
    s.takeout.settings = replace(s.takeout.settings, animation_format="apng", frames=64,
                                style=ExportStyle(size=512, resampling="lanczos"),
                                timing=Timing(fps=24, playback="loop"))
    repeat = Repeater(w, tmp / "m.png")
    pooled: dict[str, list[float]] = {}
    for _ in range(args.rounds):
        for condition in ("idle", "exporting"):
            if condition == "exporting":
                repeat.start()
                wait_until(lambda: w.take_out.exports.busy, 10)
            pooled.setdefault(f"heartbeat lag, {condition}", []).extend(heartbeat(args.seconds))
            wall, _cpu = drag(w, args.moves)
            pooled.setdefault(f"pad drag -> preview pixels, {condition}", []).extend(wall)
            repeat.on = False
            wait_until(lambda: not w.take_out.exports.busy, 60)
    result = {"load_average": os.getloadavg(), "exports_finished": repeat.count,
              "figures": [summary(name, values) for name, values in pooled.items()]}
    print(json.dumps(result, indent=2))
    w.close()


if __name__ == "__main__":
    main()
