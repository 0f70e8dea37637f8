"""What holding the digit costs (``core.genes.holding``): time, interleaved in one process.

For each model (one torch thread, the judge as the studio uses it):

* finding its genes with and without holding (``find_genes(hold=...)``), ``--rounds`` times
  each, interleaved, and the ratio of the medians;
* a grid of 64 of its samples with slant at +2: along the step alone (``Steering.__call__``,
  what the pad's preview does) and held (``Steering.move``, what the settled grid, a new grid
  and ``sample --set`` do), then decoded; ``--rounds`` times each, interleaved.

    python benchmarks/genes_hold_time.py models/vae-32d.safetensors models/vaegan.safetensors \\
        models/gan.safetensors --json benchmarks/genes_hold_time_DATE.json
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import ROOT, load, machine, print_report  # noqa: E402
from benchmarks.genes import judge_of  # noqa: E402

GRID = 64


def _seconds(fn) -> float:  # noqa: ANN001
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def run_model(path: Path, classify, rounds: int) -> dict:  # noqa: ANN001
    from genai_studio.core.genes.finding import find_genes
    from genai_studio.core.genes.genes import Steering
    from genai_studio.core.latent.sampling import decode, sample
    from genai_studio.core.store.checkpoints import load_model

    model = load_model(path, "cpu").model.eval()
    judge = classify if tuple(model.image_shape[1:]) == (28, 28) else None
    find = {True: [], False: []}
    genes = None
    for _ in range(rounds):
        for hold in (False, True):
            started = time.perf_counter()
            found = find_genes(model, classify=judge, hold=hold)
            find[hold].append(time.perf_counter() - started)
            genes = found if hold else genes
    slant = genes.get("slant")
    grid = sample(model, GRID, 20260)
    labels = grid.labels
    out = {"find_seconds_plain": [round(s, 2) for s in find[False]],
           "find_seconds_held": [round(s, 2) for s in find[True]],
           "find_ratio_of_medians": round(statistics.median(find[True])
                                          / statistics.median(find[False]), 2)}
    if slant is None or not slant.holds():
        return {**out, "grid": "slant is not held on this model"}
    steering = Steering(genes, (("slant", 2.0),))
    step, held = [], []
    for _ in range(rounds):
        step.append(_seconds(lambda: decode(model, steering(grid.latents), labels)))
        held.append(_seconds(lambda: decode(model, steering.move(model, grid.latents, labels),
                                            labels)))
    return {**out, "grid_of_64_step_ms": [round(1000 * s, 1) for s in step],
            "grid_of_64_held_ms": [round(1000 * s, 1) for s in held]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", type=Path, nargs="+")
    parser.add_argument("--judge", type=Path, default=ROOT / "models" / "judge.safetensors")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load_at_start = load()
    classify = judge_of(args.judge)
    results = {str(p): run_model(p, classify, args.rounds) for p in args.models}
    print_report({"benchmark": "genes_hold_time", "date": started, "machine": machine(),
                  "load_at_start": load_at_start, "load_at_end": load(), "threads": 1,
                  "models": results}, args.json)


if __name__ == "__main__":
    main()
