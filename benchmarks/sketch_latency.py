"""Pad drag latency while the sketch is encoded live (issue 10; budget p99 <= 8.3 ms).

    QT_QPA_PLATFORM=offscreen python benchmarks/sketch_latency.py [--model FILE] [--blocks 6]

The window on a 2-D VAE (models/vae-2d by default). Blocks of pad drags (mouse move -> new
preview pixels, as benchmarks/ui_latency.py measures them) alternate between two conditions, so
that background load hits both alike:
  idle     nothing else happens;
  sketch   a stroke is being drawn on the sketch surface at the same time (a segment every
           10 ms of the GUI's time), so the sketch is sent to the inference worker every 40 ms,
           encoded there (prepared, then the VAE's encoder mean) and its result drawn in the
           material panel. (Its latent is not sent to the pad here, so that only the artist's
           drag moves the pad's point.)
Also reported: how many live encodes came back during the sketch blocks.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import print_report  # noqa: E402
from ui_latency import drag, summary  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models/vae-2d.safetensors")
    parser.add_argument("--blocks", type=int, default=6)
    parser.add_argument("--moves", type=int, default=200)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    from PySide6.QtCore import QPointF, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from genai_studio.app import create_main_window, wait_until
    from genai_studio.ui.material.state import Target, TargetKind

    app = QApplication.instance() or QApplication(sys.argv)  # noqa: F841
    tmp = Path(tempfile.mkdtemp(prefix="genai-sketch-bench-"))
    models = tmp / "models"
    models.mkdir()
    (models / args.model.name).write_bytes(args.model.read_bytes())
    w = create_main_window(models, tmp / "user",
                           QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat))
    w.persist_settings = False
    w.resize(1366, 768)
    w.show()
    wait_until(lambda: w.generations > 0, 120)
    w.docks["material"].raise_()
    w.material.sketch_target = Target(TargetKind.SHOW)
    surface = w.material_panel.sketch
    encodes = [0]
    w.state.material.current_changed.connect(lambda _m: encodes.__setitem__(0, encodes[0] + 1))
    step = [0]

    def stroke() -> None:  # a GUI-thread timer: one more segment of a wavy stroke
        sq = surface.square()
        k = step[0] = step[0] + 1
        u = 0.1 + 0.8 * ((k % 160) / 159)
        v = 0.5 + 0.3 * (((k // 160) % 2) - 0.5) + 0.1 * ((k % 20) / 19 - 0.5)
        pos = QPointF(sq.left() + u * sq.width(), sq.top() + v * sq.height())
        if k % 160 == 1:
            surface.end()
            surface.begin(pos, 0.8)
        else:
            surface.extend(pos, 0.8)

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(stroke)
    drag(w, 50)  # warm up
    results: dict[str, list[float]] = {"idle": [], "sketch": []}
    cpu: dict[str, list[float]] = {"idle": [], "sketch": []}
    sketch_encodes = 0
    for block in range(2 * args.blocks):
        condition = "sketch" if block % 2 else "idle"
        if condition == "sketch":
            timer.start()
            wait_until(lambda: False, 0.2)
            before = encodes[0]
        ms, c = drag(w, args.moves)
        if condition == "sketch":
            timer.stop()
            surface.end()
            wait_until(lambda: not w.material.live_in_flight, 10)
            sketch_encodes += encodes[0] - before
        results[condition] += ms
        cpu[condition] += c
    report = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S"), "loadavg": os.getloadavg(),
        "model": args.model.name, "moves_per_condition": args.blocks * args.moves,
        "idle": summary("pad drag, idle", results["idle"]),
        "sketch": summary("pad drag, sketch encoded live", results["sketch"]),
        "idle_gui_cpu": summary("GUI CPU per move, idle", cpu["idle"]),
        "sketch_gui_cpu": summary("GUI CPU per move, sketch live", cpu["sketch"]),
        "live_encodes_during_sketch_blocks": sketch_encodes,
    }
    w.close()
    print_report(report, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
