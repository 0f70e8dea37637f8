"""Gene slider drag latency (issue 19): a slider move -> the pad's preview and the selected
tile's steered preview both repainted, against the pad's budget (p99 <= 8.3 ms).

    QT_QPA_PLATFORM=offscreen python benchmarks/genes_drag.py --model models/vae-32d.safetensors

The window opens on a copy of the model (its genes found or read beside it first, outside the
timing), the Genes dock is raised, a tile selected and a morph set; then slider moves and plain
pad drags are interleaved, one of each in turn, so both see the same machine: per move, the wall
time from the slider's new value (or the mouse event) until every preview that follows it has
painted, and the GUI thread's own CPU time for it (our code's cost, apart from waiting for
a core: on a loaded machine the wall time is mostly that wait). The grid and the morph follow
the sliders once they are still (``ui/genes/controller.SETTLE_MS``): every ``--pause-every``
moves the drag stops until the grid shows the slider's value (timed: "grid after the slider
stops"), so the moves that follow meet the grid's and the morph's results landing on the GUI
thread, as in use.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._common import load, machine, print_report  # noqa: E402
from benchmarks.ui_latency import summary  # noqa: E402


def _wait(condition, seconds: float) -> None:  # noqa: ANN001
    from genai_studio.app import wait_until

    if not wait_until(condition, seconds):
        raise RuntimeError("timed out")


def _slider_move(window, slider, value: int) -> tuple[float, float]:  # noqa: ANN001
    """Wall ms until both previews painted, and the GUI thread's CPU ms for it."""
    from PySide6.QtWidgets import QApplication

    pad, after = window.pad_panel.preview, window.steering.genes_panel.after
    frames = (pad.frames_painted, after.frames_painted)
    t0, c0 = time.perf_counter(), time.thread_time()
    slider.setValue(value)
    while pad.frames_painted == frames[0] or after.frames_painted == frames[1]:
        QApplication.processEvents()
    return (time.perf_counter() - t0) * 1000, (time.thread_time() - c0) * 1000


def _pad_move(window, k: int) -> tuple[float, float]:  # noqa: ANN001
    from PySide6.QtCore import QPoint
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    pad, preview = window.pad_panel.pad, window.pad_panel.preview
    sq = pad.square()
    t = (k % 100) / 99
    pos = QPoint(int(sq.left() + 2 + t * (sq.width() - 4)), int(sq.center().y()))
    frames = preview.frames_painted
    t0, c0 = time.perf_counter(), time.thread_time()
    QTest.mouseMove(pad, pos)
    while preview.frames_painted == frames:
        QApplication.processEvents()
    return (time.perf_counter() - t0) * 1000, (time.thread_time() - c0) * 1000


def _grid_follows(state) -> float:  # noqa: ANN001
    """Ms from the slider's last move until the grid shows the genes' values."""
    from genai_studio.app import wait_until

    t0 = time.perf_counter()
    if not wait_until(lambda: state.canvas.grid is not None
                      and state.canvas.grid.genes == tuple(state.genes.values), 30):
        raise RuntimeError("the grid never followed the genes")
    return (time.perf_counter() - t0) * 1000


def run(model: Path, moves: int, pause_every: int) -> dict:
    from PySide6.QtCore import QPoint, QSettings, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from genai_studio.app import create_main_window
    from genai_studio.core.export.provenance import file_sha256
    from genai_studio.core.genes.finding import genes_for
    from genai_studio.core.store.checkpoints import load_model

    tmp = Path(tempfile.mkdtemp(prefix="genes-drag-"))
    shipped = tmp / "models"
    shipped.mkdir()
    copy = Path(shutil.copy(model, shipped / model.name))
    genes, _ = genes_for(load_model(copy).model, copy, file_sha256(copy),
                         ROOT / "models" / "judge.safetensors")  # kept beside the copy
    app = QApplication.instance() or QApplication(sys.argv)
    w = create_main_window(shipped, tmp / "user",
                           QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat))
    w.persist_settings = False
    w.resize(1366, 768)
    w.show()
    _wait(lambda: w.is_interactive and w.state.canvas.grid is not None, 120)
    w.docks["genes"].show()
    w.docks["genes"].raise_()
    s = w.state
    _wait(lambda: s.genes.active is not None, 60)
    s.canvas.selected = 3
    w.actions["morph_start"].trigger()
    s.canvas.selected = 9
    w.actions["morph_end"].trigger()
    _wait(lambda: s.morph.frames is not None, 30)
    slider = w.steering.genes_panel.rows[genes.genes[0].name].slider
    pad = w.pad_panel.pad
    QTest.mousePress(pad, Qt.MouseButton.LeftButton, pos=QPoint(pad.square().center().x(),
                                                                pad.square().center().y()))
    slider_ms, pad_ms, slider_cpu, pad_cpu, follow_ms = [], [], [], [], []
    for k in range(moves):  # interleaved: a slider move, then a pad move
        value = int(200 * ((k % 80) / 79 * 2 - 1))
        wall, cpu = _slider_move(w, slider, value if value else 1)
        slider_ms.append(wall)
        slider_cpu.append(cpu)
        wall, cpu = _pad_move(w, k)
        pad_ms.append(wall)
        pad_cpu.append(cpu)
        QApplication.processEvents()
        if pause_every and (k + 1) % pause_every == 0:
            # The artist stops: the grid and the morph follow, and the moves that come next
            # meet their results landing on the GUI thread.
            follow_ms.append(_grid_follows(s))
    QTest.mouseRelease(pad, Qt.MouseButton.LeftButton)
    follow_ms.append(_grid_follows(s))
    steered = s.canvas.grid is not None and bool(s.canvas.grid.genes)
    w.close()
    app.processEvents()
    return {"model": model.name, "gene": genes.genes[0].name,
            "slider": summary("gene slider -> pad preview and steered tile painted", slider_ms),
            "pad": summary("pad drag -> preview painted (same run, interleaved)", pad_ms),
            "slider_gui_cpu": summary("gene slider: the GUI thread's CPU time", slider_cpu),
            "pad_gui_cpu": summary("pad drag: the GUI thread's CPU time", pad_cpu),
            "ratio_p50": round(sorted(slider_ms)[len(slider_ms) // 2]
                               / sorted(pad_ms)[len(pad_ms) // 2], 2),
            "grid_followed": steered,
            "grid_after_the_slider_stops": summary(
                "the slider still -> the grid steered to its value", follow_ms)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, action="append", default=None)
    parser.add_argument("--moves", type=int, default=400)
    parser.add_argument("--pause-every", type=int, default=40,
                        help="stop for the grid to follow after this many moves (0: never)")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    from genai_studio.core.runtime.threads import configure

    configure(None)
    models = args.model or [ROOT / "models" / "vae-32d.safetensors"]
    started, at_start = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), load()
    results = [run(m, args.moves, args.pause_every) for m in models]
    print_report({"benchmark": "genes_drag", "date": started, "machine": machine(),
                  "load_at_start": at_start, "load_at_end": load(), "budget_p99_ms": 8.3,
                  "results": results}, args.json)


if __name__ == "__main__":
    main()
