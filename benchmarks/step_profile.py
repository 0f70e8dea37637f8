"""Where a training step of the reference configuration goes, and the fused step against the
autograd one (issue 21).

    python benchmarks/step_profile.py [--threads 1] [--steps 300] [--rounds 3] [--json out]

The 784-400-20 MLP VAE, batch 128, Adam 1e-3, MNIST batches as the loop takes them. Each round
runs the autograd step (``VAETask`` with its fused step switched off) and the hand-written one
(``core/train/fused_vae.py``) for ``--steps`` steps each, interleaved, on ``--threads`` torch
threads, and reports wall and CPU milliseconds per step; then one torch.profiler pass of each
gives the operators' share of the step. CPU time moves far less than wall time when other
programs share the machine, so both are reported, with the load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from _common import ROOT, load, machine, print_report

sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    from genai_studio.core.runtime import threads

    threads.configure(args.threads)
    import torch
    from torch.profiler import ProfilerActivity, profile

    from genai_studio.core.data.mnist import load_mnist
    from genai_studio.core.models.vae import VAE, VAEConfig
    from genai_studio.core.train.distributed import SINGLE
    from genai_studio.core.train.tasks import make_task

    threads.prepare_compute()
    data = load_mnist("train")
    tasks = {}
    for name in ("autograd", "fused"):
        torch.manual_seed(0)
        task = make_task(VAE(VAEConfig(latent_dim=20, hidden=(400,))), 1e-3,
                         torch.device("cpu"), 1.0)
        task.configure(SINGLE, 128)
        if name == "autograd":
            task.fused = None
        tasks[name] = task
    order = torch.randperm(len(data), generator=torch.Generator().manual_seed(1))
    gens = {name: torch.Generator().manual_seed(2) for name in tasks}
    batches = len(data) // 128

    def run(name: str, steps: int, start: int) -> torch.Tensor:
        total = torch.zeros(3)
        for i in range(start, start + steps):
            x, labels = data.batch(order[(i % batches) * 128:(i % batches + 1) * 128])
            total += tasks[name].step(x, labels, gens[name], 1.0)
        return total / steps

    for name in tasks:
        run(name, 20, 0)  # warm-up
    wall: dict[str, list[float]] = {name: [] for name in tasks}
    cpu: dict[str, list[float]] = {name: [] for name in tasks}
    losses: dict[str, float] = {}
    loads = [load()]
    for k in range(args.rounds):
        for name in tasks:
            t, c = time.perf_counter(), time.process_time()
            losses[name] = float(run(name, args.steps, 20 + k * args.steps)[0])
            wall[name].append(round((time.perf_counter() - t) / args.steps * 1000, 3))
            cpu[name].append(round((time.process_time() - c) / args.steps * 1000, 3))
        loads.append(load())
    ops: dict[str, list] = {}
    for name in tasks:
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            run(name, 50, 0)
        rows = sorted(prof.key_averages(), key=lambda e: -e.self_cpu_time_total)
        spent = sum(e.self_cpu_time_total for e in rows) or 1
        ops[name] = [(e.key, e.count // 50, round(100 * e.self_cpu_time_total / spent, 1))
                     for e in rows[:10]]
    report = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "machine": machine(),
        "torch": torch.__version__, "threads": torch.get_num_threads(),
        "gomp_spincount": os.environ.get("GOMP_SPINCOUNT"), "load_averages": loads,
        "wall_ms_per_step": wall, "cpu_ms_per_step": cpu,
        "median_wall_ms": {n: statistics.median(v) for n, v in wall.items()},
        "median_cpu_ms": {n: statistics.median(v) for n, v in cpu.items()},
        "mean_loss_last_round": losses,
        "top_ops (name, calls per step, % of self CPU)": ops,
    }
    print_report(report, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
