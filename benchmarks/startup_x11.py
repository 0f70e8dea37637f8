"""Start-up on a real X server (Xvfb): the studio's first window and first grid, against a bare
PySide6 window started the same way, in the same run (issue 21).

    python benchmarks/startup_x11.py [--rounds 7] [--poll-ms 5] [--before DIR] [--json out.json]

Each round starts, in turn (interleaved), a bare PySide6 window (``QApplication``, one
``QWidget``, ``show()``: the floor any PySide6 app pays) and the studio as an artist starts it
(``python -m genai_studio``, a fresh HOME, the shipped models). An X client in this process
polls the server every ``--poll-ms`` (default 5 ms; at most 20) for a top-level window with the
expected title that is mapped and viewable; "first window" is the time from ``exec`` to that.
Qt paints on the expose that follows the map, within a frame. The studio process also reports,
on the same monotonic clock, when its first grid is on screen (``MainWindow.interactive``); it
is then closed by SIGTERM, as a logout would. A first round only warms the page cache.
``--before DIR`` adds the studio from an older checkout to each round.

Goals: first window within 1.6x the bare window (the ratio of the medians); first grid within
1.5 s after the first window on a quiet machine. The load average is recorded per round: on a
loaded machine both figures grow.

Needs ``Xvfb`` (``apt-get install xvfb``) and libX11; without Xvfb it says so in one line and
exits with status 2.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, load, machine, print_report

STUDIO_TITLE = b"GenAI Studio"
BARE_TITLE = b"bare PySide6"

BARE = r"""
import sys
from PySide6.QtWidgets import QApplication, QWidget
app = QApplication(sys.argv[:1])
w = QWidget()
w.setWindowTitle("bare PySide6")
w.resize(1200, 800)
w.show()
sys.exit(app.exec())
"""

# The studio as `python -m genai_studio` starts it, plus one line on stdout when the first grid
# is on screen (time.monotonic() is the system-wide CLOCK_MONOTONIC, the benchmark's clock).
STUDIO = r"""
import sys, time
from genai_studio import app

_create = app.create_main_window

def create_main_window(*args, **kwargs):
    window = _create(*args, **kwargs)
    window.interactive.connect(lambda: print(f"interactive {time.monotonic()!r}", flush=True))
    return window

app.create_main_window = create_main_window
sys.argv = ["genai-studio"]
from genai_studio.cli import console_main
console_main()
"""


class XWatcher:
    """A minimal Xlib client (ctypes): is a top-level window with this title viewable?"""

    IS_VIEWABLE = 2

    class _Attributes(ctypes.Structure):  # XWindowAttributes, up to map_state
        _fields_ = [("x", ctypes.c_int), ("y", ctypes.c_int), ("width", ctypes.c_int),
                    ("height", ctypes.c_int), ("border_width", ctypes.c_int),
                    ("depth", ctypes.c_int), ("visual", ctypes.c_void_p),
                    ("root", ctypes.c_ulong), ("class_", ctypes.c_int),
                    ("bit_gravity", ctypes.c_int), ("win_gravity", ctypes.c_int),
                    ("backing_store", ctypes.c_int), ("backing_planes", ctypes.c_ulong),
                    ("backing_pixel", ctypes.c_ulong), ("save_under", ctypes.c_int),
                    ("colormap", ctypes.c_ulong), ("map_installed", ctypes.c_int),
                    ("map_state", ctypes.c_int), ("_rest", ctypes.c_byte * 64)]

    def __init__(self, display: str) -> None:
        name = ctypes.util.find_library("X11")
        if name is None:
            raise RuntimeError("libX11 not found (apt-get install libx11-6)")
        x = ctypes.CDLL(name)
        x.XOpenDisplay.restype = ctypes.c_void_p
        x.XOpenDisplay.argtypes = [ctypes.c_char_p]
        x.XDefaultRootWindow.restype = ctypes.c_ulong
        x.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        x.XQueryTree.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(ctypes.c_ulong),
                                 ctypes.POINTER(ctypes.c_ulong),
                                 ctypes.POINTER(ctypes.POINTER(ctypes.c_ulong)),
                                 ctypes.POINTER(ctypes.c_uint)]
        x.XFetchName.argtypes = [ctypes.c_void_p, ctypes.c_ulong,
                                 ctypes.POINTER(ctypes.c_char_p)]
        x.XGetWindowAttributes.argtypes = [ctypes.c_void_p, ctypes.c_ulong,
                                           ctypes.POINTER(self._Attributes)]
        x.XFree.argtypes = [ctypes.c_void_p]
        x.XCloseDisplay.argtypes = [ctypes.c_void_p]
        # A window can vanish between listing and asking: ignore X errors instead of exiting.
        handler_type = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
        self._on_error = handler_type(lambda _display, _event: 0)
        x.XSetErrorHandler(self._on_error)
        self.x = x
        self.display = x.XOpenDisplay(display.encode())
        if not self.display:
            raise RuntimeError(f"cannot open X display {display}")
        self.root = x.XDefaultRootWindow(self.display)

    def viewable(self, title: bytes) -> bool:
        x, d = self.x, self.display
        root, parent = ctypes.c_ulong(), ctypes.c_ulong()
        children, count = ctypes.POINTER(ctypes.c_ulong)(), ctypes.c_uint()
        if not x.XQueryTree(d, self.root, ctypes.byref(root), ctypes.byref(parent),
                            ctypes.byref(children), ctypes.byref(count)):
            return False
        try:
            for i in range(count.value):
                name = ctypes.c_char_p()
                if not x.XFetchName(d, children[i], ctypes.byref(name)) or not name.value:
                    continue
                matches = name.value == title
                x.XFree(name)
                attributes = self._Attributes()
                if matches and x.XGetWindowAttributes(d, children[i], ctypes.byref(attributes)) \
                        and attributes.map_state == self.IS_VIEWABLE:
                    return True
            return False
        finally:
            if children:
                x.XFree(children)

    def close(self) -> None:
        self.x.XCloseDisplay(self.display)


def start_xvfb() -> tuple[subprocess.Popen, str]:
    for number in range(91, 120):
        if Path(f"/tmp/.X11-unix/X{number}").exists() or Path(f"/tmp/.X{number}-lock").exists():
            continue
        server = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", "1920x1080x24",
                                   "-nolisten", "tcp"], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        end = time.monotonic() + 10
        while time.monotonic() < end and server.poll() is None:
            if Path(f"/tmp/.X11-unix/X{number}").exists():
                time.sleep(0.2)
                return server, f":{number}"
            time.sleep(0.05)
        server.kill()
        server.wait()
    raise RuntimeError("could not start Xvfb on displays :91 to :119")


def launch(code: str, title: bytes, watcher: XWatcher, env: dict[str, str], poll_s: float,
           wait_interactive: bool) -> dict[str, float | None]:
    """Start one process; seconds to its window being viewable (and to its first grid)."""
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, cwd=env["HOME"])
    mapped = None
    try:
        while time.monotonic() - t0 < 60 and proc.poll() is None:
            if watcher.viewable(title):
                mapped = time.monotonic() - t0
                break
            time.sleep(poll_s)
        interactive = None
        if wait_interactive and mapped is not None:
            # One line on stdout when the first grid is on screen (blocking read, with a cap).
            line = _read_line(proc, 120)
            if line.startswith("interactive "):
                interactive = float(line.split()[1]) - t0
        return {"first_window_s": mapped, "first_grid_s": interactive}
    finally:
        proc.send_signal(signal.SIGTERM)  # the studio closes as on a logout
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _read_line(proc: subprocess.Popen, timeout_s: float) -> str:
    import selectors

    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if selector.select(timeout=max(0.0, end - time.monotonic())):
            line = proc.stdout.readline()
            if not line or line.startswith("interactive "):
                return line
    return ""


def median(values: list[float]) -> float | None:
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 3) if values else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--poll-ms", type=float, default=5.0)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--before", type=Path, default=None, help="an older checkout to compare")
    args = parser.parse_args()
    if shutil.which("Xvfb") is None:
        print("startup_x11.py: no Xvfb on this machine, so no real X server to measure on "
              "(apt-get install xvfb); nothing was measured", file=sys.stderr)
        return 2
    if not 0 < args.poll_ms <= 20:
        parser.error("--poll-ms must be above 0 and at most 20")
    server, display = start_xvfb()
    rows: list[dict] = []
    try:
        watcher = XWatcher(display)
        with tempfile.TemporaryDirectory(prefix="genai-x11-") as tmp:
            # As an installed app runs: bytecode cached, no Qt, thread or studio variables of
            # this shell.
            base = {k: v for k, v in os.environ.items()
                    if not k.startswith(("QT_", "OMP_", "MKL_", "GENAI_"))
                    and k != "PYTHONDONTWRITEBYTECODE"}
            # Bytecode goes to a cache of this run (round 0 fills it), not into the trees.
            base.update(DISPLAY=display, QT_QPA_PLATFORM="xcb", PYTHONPATH=str(ROOT),
                        PYTHONPYCACHEPREFIX=str(Path(tmp) / "pycache"))
            variants = [("bare", BARE, BARE_TITLE, ROOT), ("studio", STUDIO, STUDIO_TITLE, ROOT)]
            if args.before is not None:
                variants.append(("studio-before", STUDIO, STUDIO_TITLE, args.before.resolve()))
            for k in range(args.rounds + 1):  # round 0 warms the page cache only
                for name, code, title, tree in variants:
                    home = Path(tmp) / f"home-{name}-{k}"
                    home.mkdir()
                    env = dict(base, HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
                               PYTHONPATH=str(tree),
                               XDG_DATA_HOME=str(home / ".local/share"),
                               XDG_CACHE_HOME=str(home / ".cache"))
                    before = load()
                    result = launch(code, title, watcher, env, args.poll_ms / 1000,
                                    wait_interactive=name != "bare")
                    row = {"round": k, "what": name, "load_before": before, **result}
                    print(json.dumps(row), file=sys.stderr)
                    if k:
                        rows.append(row)
        watcher.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    bare = [r["first_window_s"] for r in rows if r["what"] == "bare"]
    studio = [r["first_window_s"] for r in rows if r["what"] == "studio"]
    def after_window(what: str) -> list[float]:
        return [r["first_grid_s"] - r["first_window_s"] for r in rows
                if r["what"] == what and r["first_grid_s"] and r["first_window_s"]]

    grid = after_window("studio")
    report = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "machine": machine(),
        "poll_ms": args.poll_ms, "rounds": args.rounds, "load_at_end": load(),
        "bare_first_window_s": median(bare), "studio_first_window_s": median(studio),
        "first_window_ratio": (round(median(studio) / median(bare), 2)
                               if median(bare) and median(studio) else None),
        "first_grid_after_window_s": median(grid),
        "all": rows,
    }
    if args.before is not None:
        before = [r["first_window_s"] for r in rows if r["what"] == "studio-before"]
        report["before_first_window_s"] = median(before)
        report["before_first_window_ratio"] = (round(median(before) / median(bare), 2)
                                               if median(bare) and median(before) else None)
        report["before_first_grid_after_window_s"] = median(after_window("studio-before"))
    print_report(report, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
