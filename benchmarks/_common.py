"""Helpers the benchmarks share: the machine, load averages, running a tree's CLI."""

from __future__ import annotations

import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Variables that decide torch's threading: stripped so that every variant starts from the
# environment a user has, and each tree's own policy (or torch's defaults) decides.
THREAD_VARS = ("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "MKL_NUM_THREADS", "GENAI_STUDIO_THREADS",
               "GOMP_SPINCOUNT")


def clean_env(tree: Path | None = None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARS}
    env["PYTHONPATH"] = str(tree or ROOT)
    env.update(extra)
    return env


def print_report(result: dict, json_path: Path | None) -> None:
    """Print a benchmark's result as JSON, and write it to ``json_path`` when one was given."""
    import json

    text = json.dumps(result, indent=2)
    print(text)
    if json_path:
        json_path.write_text(text + "\n")


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def machine() -> dict:
    cpu = platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform()}


def timed(cmd: list[str], env: dict[str, str], cwd: Path
          ) -> tuple[float, subprocess.CompletedProcess]:
    """Wall seconds of a whole process (start-up and exit included), and the process."""
    t0, cpu0 = time.perf_counter(), children_cpu()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=3600)
    seconds = time.perf_counter() - t0
    proc.cpu_s = round(children_cpu() - cpu0, 2)  # type: ignore[attr-defined]
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed:\n{proc.stderr[-2000:]}")
    return seconds, proc


def children_cpu() -> float:
    """CPU seconds (user + system) of this process's finished children so far: on a machine
    other work keeps busy, a run's CPU time moves far less than its wall time."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cli(*args: object) -> list[str]:
    return [sys.executable, "-m", "genai_studio", *map(str, args)]


class Busy:
    """One CPU-bound competitor process (a Python spin loop) for the duration of a block."""

    def __enter__(self) -> Busy:
        self.proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        time.sleep(0.5)
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.kill()
        self.proc.wait()
