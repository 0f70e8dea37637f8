"""Eval's parts, timed: the likelihood (IWAE, k=500) and the judge, before and after.

    python benchmarks/eval_speed.py [--digits 500] [--repeats 3] [--before DIR] [--full]

Interleaved in one run, each variant in a fresh process (this tree's thread policy; the older
tree with torch's defaults, see _common.py):
  iwae       vae_likelihood of models/vae-2d.safetensors on the first --digits test digits,
             k = 500 (the per-digit cost of the full protocol);
  reference  the judge's statistics of the 10,000 real test digits (computed before; from the
             cache after, the cache filled by an earlier run);
  samples    drawing and judging --n samples.
--full also times this tree's plain protocol once: `genai-studio eval models/vae-2d.safetensors
--json` (10,000 digits, k = 500, n = 10,000), the whole process.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from _common import ROOT, clean_env, cli, load, machine, timed

PARTS = textwrap.dedent('''
    import json, sys, time
    try:
        from genai_studio.core.runtime import threads
        threads.configure()
    except ImportError:
        pass
    import torch
    from genai_studio.core.store.checkpoints import load_model
    from genai_studio.core.data.mnist import ImageSet, load_mnist
    from genai_studio.core.scoring import metrics
    digits, n, root = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    vae = load_model(root + "/models/vae-2d.safetensors").model
    judge = load_model(root + "/models/judge.safetensors").model.eval()
    test = load_mnist("test")
    head = ImageSet(test.images[:digits], test.labels[:digits], split="test")
    out = {}
    metrics.reference_stats(judge, test)  # fills the cache (after); warms the judge (before)
    t0 = time.perf_counter(); metrics.reference_stats(judge, test)
    out["reference"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    images, _ = metrics.draw_samples(vae, n, 0); metrics.judge_outputs(judge, images)
    out["samples"] = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    r = metrics.vae_likelihood(vae, head, k=500)
    out["iwae"] = time.perf_counter() - t0
    out["iwae_cpu"] = time.process_time() - c0
    out["nll"] = r["nll_nats"]
    print(json.dumps(out))
''')


def parts(tree: Path, digits: int, n: int) -> dict:
    # cwd is the tree itself: `python -c` puts it first on sys.path, before PYTHONPATH.
    proc = subprocess.run([sys.executable, "-c", PARTS, str(digits), str(n), str(ROOT)],
                          env=clean_env(tree), cwd=tree, capture_output=True, text=True,
                          timeout=3600)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--digits", type=int, default=500)
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--before", type=Path, default=None)
    parser.add_argument("--full", action="store_true")
    args = parser.parse_args()
    trees = {"after": ROOT, **({"before": args.before} if args.before else {})}
    runs: dict[str, list[dict]] = {name: [] for name in trees}
    loads = [load()]
    for _ in range(args.repeats):
        for name, tree in trees.items():
            runs[name].append(parts(tree, args.digits, args.n))
            print(f"{name}: {runs[name][-1]} (load {load()})", file=sys.stderr)
        loads.append(load())
    med = {name: {part: round(statistics.median(r[part] for r in rs), 3)
                  for part in ("reference", "samples", "iwae")} for name, rs in runs.items()}
    report = {"machine": machine(), "digits": args.digits, "n": args.n, "load_averages": loads,
              "runs": runs, "median_s": med,
              "iwae_s_per_10000_digits": {k: round(v["iwae"] * 10000 / args.digits, 1)
                                          for k, v in med.items()}}
    if "before" in med:
        report["iwae_before_over_after"] = round(med["before"]["iwae"] / med["after"]["iwae"], 2)
    if args.full:
        with tempfile.TemporaryDirectory() as tmp:
            seconds, proc = timed(cli("eval", ROOT / "models" / "vae-2d.safetensors", "--json"),
                                  clean_env(), Path(tmp))
        scores = json.loads(proc.stdout)
        report["full_eval"] = {"process_s": round(seconds, 1), "process_cpu_s": proc.cpu_s,
                               "parts_s": scores["seconds"],
                               "nll_nats": scores["nll_nats"], "device": scores["device"]}
        report["full_eval_load_end"] = load()
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
