"""Start-up time of the frozen app (dist/GenAI-Studio), warm disk cache.

    python benchmarks/frozen_startup.py [--runs 7]

Each command runs once to warm the page cache, then ``--runs`` times; the table gives the
median and the range of the wall time of the whole process (bootloader, Python, imports, work,
exit). ``--help`` already imports torch and numpy (the CLI builds every sub-command's parser).
With the window module present, ``--screenshot`` (offscreen: start, first paint, save, exit)
bounds time to first paint from above. Run it with networking disabled (``unshare -n``) to also
show that nothing waits on the network.
"""

from __future__ import annotations

import argparse
import os
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
        if (ROOT / "genai_studio" / "app.py").exists():
            cases["--screenshot (offscreen, to exit)"] = ["--screenshot", str(work / "s.png")]
        print(f"frozen start-up, {args.runs} runs after one warm-up, {os.cpu_count()} CPUs")
        print("| command | median s | min s | max s |")
        print("| --- | --- | --- | --- |")
        for label, extra in cases.items():
            times = wall_times([str(args.exe), *extra], args.runs, work, env)
            print(f"| `{label}` | {statistics.median(times):.2f} | {min(times):.2f} | "
                  f"{max(times):.2f} |")


if __name__ == "__main__":
    main()
