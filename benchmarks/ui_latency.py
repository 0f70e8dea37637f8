"""UI latency benchmark (issue 3 budgets; docs/architecture.md, Budgets).

    QT_QPA_PLATFORM=offscreen python benchmarks/ui_latency.py [--model FILE] [--quick]

Measures, offscreen:
  1. pad drag -> new preview pixels (mouse move event -> coalesced decode -> preview repainted),
     idle and while a training run is going;
  2. the GUI heartbeat: a 5 ms QTimer's lateness while training on the CPU in the background;
  3. cold start in a fresh process: first paint of the window and "interactive" (first grid on
     screen) from launch, with a bundled 2-D VAE model.
Without --model an untrained 2-D VAE of the shipped shape (784-400-2) is used: the same compute.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def summary(name: str, ms: list[float]) -> dict:
    return {"what": name, "n": len(ms), "p50_ms": round(pct(ms, 50), 3),
            "p99_ms": round(pct(ms, 99), 3), "max_ms": round(max(ms), 3)}


def make_model(folder: Path, model: Path | None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if model is not None:
        target = folder / model.name
        target.write_bytes(model.read_bytes())
        return target
    from genai_studio.core.models.registry import VAEConfig, build_model
    from genai_studio.core.store.checkpoints import model_metadata, save_model

    m = build_model(VAEConfig(latent_dim=2))
    return save_model(folder / "vae-2d.safetensors", m,
                      model_metadata(m, dataset={"name": "none"}, training={}))


def drag(window, moves: int) -> tuple[list[float], list[float]]:
    """Per move: wall latency from the mouse event to the preview's repaint, and the GUI
    thread's own CPU time for it (our code's cost, apart from waiting for a core or the GIL),
    both in ms."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    pad, preview = window.pad_panel.pad, window.pad_panel.preview
    sq = pad.square()
    QTest.mousePress(pad, Qt.MouseButton.LeftButton, pos=QPoint(int(sq.left() + 2),
                                                                int(sq.top() + 2)))
    out, cpu = [], []
    for k in range(moves):
        t = (k % 200) / 199
        pos = QPoint(int(sq.left() + 2 + t * (sq.width() - 4)),
                     int(sq.top() + sq.height() * (0.5 + 0.45 * ((k // 200) % 2 - 0.5))))
        frames = preview.frames_painted
        t0, c0 = time.perf_counter(), time.thread_time()
        QTest.mouseMove(pad, pos)
        while preview.frames_painted == frames:
            QApplication.processEvents()
        out.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.thread_time() - c0) * 1000)
        QApplication.processEvents()
    QTest.mouseRelease(pad, Qt.MouseButton.LeftButton)
    return out, cpu


def heartbeat(seconds: float) -> list[float]:
    """Lateness (ms) of each tick of a 5 ms precise timer over ``seconds``."""
    from PySide6.QtCore import QElapsedTimer, QEventLoop, Qt, QTimer

    lags: list[float] = []
    clock = QElapsedTimer()
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(5)
    last = [0]

    def tick() -> None:  # a GUI-thread timer, not a worker signal
        now = clock.nsecsElapsed()
        lags.append(max(0.0, (now - last[0]) / 1e6 - 5.0))
        last[0] = now

    timer.timeout.connect(tick)
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    clock.start()
    timer.start()
    loop.exec()
    timer.stop()
    return lags[1:]


def start_run(w, limit: int | None) -> None:  # noqa: ANN001 - MainWindow
    from dataclasses import replace

    from genai_studio.app import wait_until

    w.state.training.settings = replace(w.state.training.settings, kind="vae", latent_dim=2,
                                        epochs=50, minutes=None)
    w.run.limit = limit
    w.run.start()
    wait_until(lambda: w.run.progress_count > 3, 120)  # past data loading and the first steps


def cancel_latency(w, runs: int, limit: int | None) -> list[float]:  # noqa: ANN001
    """Seconds from Cancel to the run's thread joined (its checkpoint written)."""
    from genai_studio.app import wait_until

    out = []
    for _ in range(runs):
        start_run(w, limit)
        t0 = time.perf_counter()
        w.run.cancel()
        wait_until(lambda: not w.run.is_running(), 60)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def in_process(args: argparse.Namespace, tmp: Path) -> list[dict]:
    from PySide6.QtCore import QSettings

    from genai_studio.app import create_main_window, wait_until
    from genai_studio.ui.common.guard import GUARD

    GUARD.checking = True  # records slots over 8 ms
    models = tmp / "models"
    make_model(models, args.model)
    w = create_main_window(models, tmp / "user", QSettings(str(tmp / "s.ini"),
                                                           QSettings.Format.IniFormat))
    w.show()
    wait_until(lambda: w.generations > 0 and w.studio.warm, 120)  # start-up work all done
    wait_until(lambda: False, 1.0)
    moves = 200 if args.quick else 600
    wall, cpu = drag(w, moves)
    results = [summary("pad drag -> preview pixels, idle", wall),
               summary("pad drag, GUI-thread CPU time per move, idle", cpu)]
    results.append(summary("GUI heartbeat lag, idle", heartbeat(2.0 if args.quick else 5.0)))
    limit = None if not args.quick else 20000
    start_run(w, limit)
    seconds = 4.0 if args.quick else 15.0
    results.append(summary("GUI heartbeat lag, training on CPU", heartbeat(seconds)))
    latest = w.state.training.progress
    ips = latest.images_per_s if latest else 0.0
    results[-1]["training_images_per_s"] = round(ips)
    wall, cpu = drag(w, moves)
    results.append(summary("pad drag -> preview pixels, while training", wall))
    results.append(summary("pad drag, GUI-thread CPU time per move, training", cpu))
    w.run.cancel()
    wait_until(lambda: not w.run.is_running(), 60)
    results.append(summary("cancel -> run stopped and checkpointed (budget 1 s)",
                           cancel_latency(w, 3 if args.quick else 5, limit)))
    slow = sorted(GUARD.slow, key=lambda item: -item[1])
    results.append({"what": "GUI-thread slots over 8 ms during the run (incl. GIL waits)",
                    "count": len(slow), "worst": [(n, round(ms, 1)) for n, ms in slow[:4]]})
    w.close()
    return results


CHILD = r"""
import json, os, sys, time
T0 = float(os.environ["GENAI_BENCH_T0"])
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from genai_studio.cli import build_parser
build_parser().parse_args([])  # the path `genai-studio` takes to the window
from PySide6.QtCore import QObject, QEvent, QSettings, QTimer
from genai_studio import app
marks = {}
class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and "first_paint_s" not in marks:
            marks["first_paint_s"] = time.time() - T0
            marks["torch_imported_at_first_paint"] = "torch" in sys.modules
        return False
qt = app._ensure_app()
settings = QSettings(sys.argv[3], QSettings.Format.IniFormat)
w = app.create_main_window(sys.argv[1], sys.argv[2], settings)
f = FirstPaint(); w.installEventFilter(f)
def done():
    marks["interactive_s"] = time.time() - T0
    report = w.studio.startup_report
    marks["torch_import_s"] = report.seconds if report else None
    QTimer.singleShot(0, w.close)
w.interactive.connect(done)
w.show()
qt.exec()
print(json.dumps(marks))
"""


def cold_start(tmp: Path, runs: int, model: Path | None) -> list[dict]:
    models = tmp / "cold-models"
    make_model(models, model)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    samples = []
    for k in range(runs):
        env["GENAI_BENCH_T0"] = repr(time.time())
        out = subprocess.run([sys.executable, "-c", CHILD, str(models), str(tmp / f"u{k}"),
                              str(tmp / f"cold{k}.ini")], env=env, capture_output=True,
                             text=True, timeout=180)
        samples.append(json.loads(out.stdout.strip().splitlines()[-1]))
    paint = [s["first_paint_s"] * 1000 for s in samples]
    ready = [s["interactive_s"] * 1000 for s in samples]
    torch_s = [s["torch_import_s"] * 1000 for s in samples if s.get("torch_import_s")]
    return [summary("cold start: first paint (from launch)", paint),
            summary("cold start: interactive, first grid on screen", ready),
            summary("cold start: of which importing torch (worker thread)", torch_s),
            {"what": "torch imported before first paint",
             "any": any(s["torch_imported_at_first_paint"] for s in samples)}]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="a 2-D VAE model file to use")
    parser.add_argument("--quick", action="store_true", help="fewer samples (a smoke run)")
    parser.add_argument("--cold-runs", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="genai-ui-bench-") as tmp:
        results = cold_start(Path(tmp), 2 if args.quick else args.cold_runs, args.model)
        results += in_process(args, Path(tmp))
    import torch

    meta = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(),
            "torch": torch.__version__, "python": sys.version.split()[0]}
    for row in results:
        print(json.dumps(row))
    print(json.dumps(meta))
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "results": results}, indent=2))



if __name__ == "__main__":
    main()
