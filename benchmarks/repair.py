"""Image repair on MNIST: how often the repaired digit is judged as the true one.

On the first N (1,000) MNIST test digits, two kinds of damage:
  (a) square  a 12x12 square erased at a seeded random place inside the central 20x20;
  (b) half    the bottom half (rows 14-27) erased.
Each damaged digit is repaired three ways, and the judge (models/judge.safetensors) classifies
the result:
  damaged   the damaged image as it is (the hole black, MNIST's background);
  nearest   the hole filled from the training image nearest on the visible pixels (L2, all
            60,000 training digits);
  model     genai_studio.core.latent.repair (MAP latent on the visible pixels under the prior,
            started from iterated conditional imputation; the best of --starts starts).
Reported: the share judged as the true digit, and the root-mean-square error in the hole
against the undamaged digit (grey levels in [0, 1]). Goals (issue 10): (a) >= 90%, (b) >= 75%,
both above both baselines. Also the time of one repair (one digit, 4 alternatives, as the
studio and the CLI run it), median of --single repeats, in wall and in CPU seconds (on a
shared machine the wall time includes waiting for a core).

    python benchmarks/repair.py [--model models/vae-32d.safetensors] [--n 1000] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import torch
from _common import print_report

from genai_studio.core.data.mnist import load_mnist_arrays
from genai_studio.core.latent.repair import best_repairs, repair
from genai_studio.core.scoring.quality import load_judge
from genai_studio.core.store.checkpoints import load_model

ROOT = Path(__file__).resolve().parents[1]


def square_masks(n: int, seed: int = 0) -> np.ndarray:
    """A 12x12 hole per digit, its top-left corner uniform so it lies inside rows/cols 4-23."""
    rng = np.random.default_rng(seed)
    masks = np.zeros((n, 28, 28), bool)
    corners = rng.integers(4, 4 + 20 - 12 + 1, size=(n, 2))
    for mask, (top, left) in zip(masks, corners, strict=True):
        mask[top:top + 12, left:left + 12] = True
    return masks


def half_masks(n: int) -> np.ndarray:
    masks = np.zeros((n, 28, 28), bool)
    masks[:, 14:, :] = True
    return masks


def nearest_fill(damaged: np.ndarray, masks: np.ndarray, train: np.ndarray) -> np.ndarray:
    """Fill each hole from the training digit nearest on the visible pixels."""
    flat = torch.from_numpy(train.reshape(len(train), -1))
    squares = (flat * flat)
    out = damaged.copy()
    for start in range(0, len(damaged), 250):
        vis = torch.from_numpy(~masks[start:start + 250]).reshape(-1, 784).float()
        q = torch.from_numpy(damaged[start:start + 250]).reshape(-1, 784) * vis
        # |(q - t) * vis|^2 = |q|^2 - 2 q.t + vis.t^2  (q is already masked)
        d = (q * q).sum(1, keepdim=True) - 2 * q @ flat.T + vis @ squares.T
        nearest = train[d.argmin(1).numpy()]
        out[start:start + 250] = np.where(masks[start:start + 250], nearest,
                                          damaged[start:start + 250])
    return out


def score(judge, images: np.ndarray, truth: np.ndarray, clean: np.ndarray,
          masks: np.ndarray) -> dict:
    with torch.no_grad():
        predicted = judge(torch.from_numpy(images)).argmax(1).numpy()
    hole = (images - clean)[masks]
    return {"judged_true": round(float((predicted == truth).mean()), 4),
            "hole_rmse": round(float(np.sqrt(np.mean(hole * hole))), 4)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models/vae-32d.safetensors")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--starts", type=int, default=8)
    parser.add_argument("--single", type=int, default=10, help="repeats of the one-digit timing")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model = load_model(args.model).model
    judge = load_judge(ROOT / "models/judge.safetensors")
    test, truth = load_mnist_arrays("test")
    clean = test[:args.n].astype(np.float32) / 255.0
    truth = truth[:args.n].astype(np.int64)
    train = load_mnist_arrays("train")[0].astype(np.float32) / 255.0
    results = {}
    for name, masks in (("square", square_masks(args.n)), ("half", half_masks(args.n))):
        damaged = np.where(masks, 0.0, clean).astype(np.float32)
        t = time.perf_counter()
        repaired = best_repairs(model, damaged, masks, starts=args.starts, seed=0)
        seconds = time.perf_counter() - t
        results[name] = {
            "damaged": score(judge, damaged, truth, clean, masks),
            "nearest": score(judge, nearest_fill(damaged, masks, train), truth, clean, masks),
            "model": score(judge, repaired, truth, clean, masks),
            "model_seconds_per_digit_batched": round(seconds / args.n, 4),
        }
        print(name, json.dumps(results[name]), file=sys.stderr)
    damaged = np.where(half_masks(1), 0.0, clean[:1]).astype(np.float32)
    times, cpu = [], []
    for _ in range(args.single):
        t, c = time.perf_counter(), time.process_time()
        for _event in repair(model, damaged[0], half_masks(1)[0], alternatives=4, seed=0):
            pass
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    report = {
        "date": datetime.now().isoformat(timespec="seconds"), "machine": platform.machine(),
        "cpus": os.cpu_count(), "threads": args.threads, "loadavg": os.getloadavg(),
        "model": args.model.name, "n": args.n, "starts": args.starts, "results": results,
        "one_repair_seconds_median": round(statistics.median(times), 3),
        "one_repair_seconds_max": round(max(times), 3),
        # CPU seconds: the work itself, apart from waiting for a core on a shared machine.
        "one_repair_cpu_seconds_median": round(statistics.median(cpu), 3),
    }
    print_report(report, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
