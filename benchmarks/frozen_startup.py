"""Start-up time of the frozen app (dist/GenAI-Studio), warm disk cache.

    python benchmarks/frozen_startup.py [--runs 7]

Each command runs once to warm the page cache, then ``--runs`` times; the table gives the
median and the range of the wall time of the whole process (bootloader, Python, imports, work,
exit). ``--help`` already imports torch and numpy (the CLI builds every sub-command's parser).
With the window module present:

- "window mapped": the window started with no arguments on an X server (Xvfb), timed until
  ``xdotool`` sees it mapped and visible; Qt paints on the expose that follows, so this is first
  paint to within a frame. Needs ``Xvfb`` and ``xdotool`` (apt-get install xvfb xdotool).
- ``--screenshot`` (offscreen): waits until the window is interactive (first grid shown), then
  0.3 s more, saves a PNG and exits, so its wall time bounds "interactive" from above.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXE = ROOT / "dist" / "GenAI-Studio" / "genai-studio"


def wall_times(cmd: list[str], runs: int, cwd: Path, env: dict[str, str]) -> list[float]:
    subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, check=True)  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return times


def time_to_mapped(exe: Path, runs: int, cwd: Path, env: dict[str, str]) -> list[float]:
    """Seconds from exec to the studio window being mapped on a fresh Xvfb."""
    display = ":71"
    server = subprocess.Popen(["Xvfb", display, "-screen", "0", "1600x1000x24", "-nolisten",
                               "tcp"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    x_env = dict(env, DISPLAY=display, QT_QPA_PLATFORM="xcb")
    times = []
    try:
        time.sleep(1.5)
        for k in range(runs + 1):  # the first run only warms the page cache
            start = time.perf_counter()
            app = subprocess.Popen([str(exe)], cwd=cwd, env=x_env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
            while True:
                found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name",
                                        "GenAI Studio"], env=x_env, capture_output=True)
                if found.returncode == 0 or app.poll() is not None or \
                        time.perf_counter() - start > 60:
                    break
                time.sleep(0.005)
            if k:
                times.append(time.perf_counter() - start)
            app.terminate()
            app.wait(timeout=30)
    finally:
        server.terminate()
        server.wait(timeout=10)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exe", type=Path, default=EXE)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {"PATH": "/usr/bin:/bin", "HOME": str(work), "LANG": "C.UTF-8",
               "QT_QPA_PLATFORM": "offscreen"}
        cases = {"--version": ["--version"], "--help": ["--help"]}
        has_app = (ROOT / "genai_studio" / "app.py").exists()
        if has_app:
            cases["--screenshot (offscreen: interactive + 0.3 s + save + exit)"] = [
                "--screenshot", str(work / "s.png")]
        print(f"frozen start-up, {args.runs} runs after one warm-up, {os.cpu_count()} CPUs")
        print("| command | median s | min s | max s |")
        print("| --- | --- | --- | --- |")
        for label, extra in cases.items():
            times = wall_times([str(args.exe), *extra], args.runs, work, env)
            print(f"| `{label}` | {statistics.median(times):.2f} | {min(times):.2f} | "
                  f"{max(times):.2f} |")
        if has_app and shutil.which("Xvfb") and shutil.which("xdotool"):
            times = time_to_mapped(args.exe, args.runs, work, env)
            print(f"| window mapped on Xvfb (~first paint) | {statistics.median(times):.2f} | "
                  f"{min(times):.2f} | {max(times):.2f} |")


if __name__ == "__main__":
    main()
