"""Before/after the studio state (issue 8): the pad drag and the time to first paint.

    QT_QPA_PLATFORM=offscreen python benchmarks/ui_ab.py --before DIR [--rounds 3]
        [--model models/vae-2d.safetensors] [--json FILE]

Each round runs, in fresh processes and interleaved (before, after), so that background load
hits both alike:
  drag    the window on the model, 600 pad moves through ``ui_latency.drag`` (mouse event ->
          decode -> preview repainted): wall p50/p99 and the GUI thread's CPU time per move;
  phases  time from launch to: the CLI parser built, QApplication and theme ready, main_window
          imported, the window created, shown, first painted (ms).
``--before`` is a checkout of the older code (``git worktree add DIR 15112b6``); its own
``benchmarks/ui_latency.py`` is not needed, this tree's ``drag`` is used for both.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

DRAG = r"""
import json, os, shutil, sys, tempfile
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from PySide6.QtCore import QSettings
from genai_studio.app import create_main_window, wait_until
import ui_latency
import genai_studio
print(genai_studio.__file__, file=sys.stderr)
tmp = Path(tempfile.mkdtemp()); (tmp / "m").mkdir()
shutil.copy(sys.argv[1], tmp / "m")
ini = QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat)
w = create_main_window(tmp / "m", tmp / "u", ini)
w.show()
wait_until(lambda: w.generations > 0, 120)
wait_until(lambda: False, 2.0)
wall, cpu = ui_latency.drag(w, 600)
def q(v, p):
    v = sorted(v); return round(v[min(len(v) - 1, int(p * len(v)))], 3)
print(json.dumps({"wall_p50": q(wall, .5), "wall_p99": q(wall, .99), "cpu_p50": q(cpu, .5),
                  "cpu_p99": q(cpu, .99)}))
w.close()
"""

PHASES = r"""
import json, os, shutil, sys, tempfile, time
T0 = time.time()
from pathlib import Path
tmp = Path(tempfile.mkdtemp()); (tmp / "m").mkdir(); shutil.copy(sys.argv[1], tmp / "m")
from genai_studio.cli import build_parser
build_parser().parse_args([])
from PySide6.QtCore import QEvent, QObject, QSettings, QTimer
from genai_studio import app
m = {"imports": time.time() - T0}
class FirstPaint(QObject):
    def eventFilter(self, o, e):
        if e.type() == QEvent.Type.Paint and "paint" not in m:
            m["paint"] = time.time() - T0; QTimer.singleShot(0, qt.quit)
        return False
qt = app._ensure_app(); m["app"] = time.time() - T0
import genai_studio.ui.window.main_window
m["mw_import"] = time.time() - T0
ini = QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat)
w = app.create_main_window(tmp / "m", tmp / "u", ini)
m["create"] = time.time() - T0
f = FirstPaint(); w.installEventFilter(f); w.show(); m["show"] = time.time() - T0
qt.exec()
print(json.dumps({k: round(v * 1000) for k, v in m.items()}))
"""


def child(code: str, tree: Path, model: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree), QT_QPA_PLATFORM="offscreen")
    # cwd=tree: `python -c` puts the working folder first on sys.path, before PYTHONPATH.
    out = subprocess.run([sys.executable, "-c", code, str(model), str(ROOT / "benchmarks")],
                         env=env, cwd=tree, capture_output=True, text=True, timeout=300,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "vae-2d.safetensors")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows = []
    for r in range(1, args.rounds + 1):
        for label, tree in (("before", args.before.resolve()), ("after", ROOT)):
            for what, code in (("drag", DRAG), ("phases", PHASES)):
                row = {"what": what, "tree": label, "round": r, **child(code, tree, args.model),
                       "load": os.getloadavg()[0]}
                print(json.dumps(row), flush=True)
                rows.append(row)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
