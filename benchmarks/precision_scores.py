"""Do bf16 autocast (and, on CUDA, TF32) keep a model's scores? Train the same seeded VAE in
each precision, then score every result the same way (CPU, fp32).

    python benchmarks/precision_scores.py [--epochs 3] [--limit 20000] [--device auto]

Rows: cpu/fp32 (the reference), cpu/fp32 with seed 2 (how far another seed moves the scores:
the yardstick), <device>/bf16 and, when the device is CUDA, cuda/fp32 (TF32 products).
Model: the pad's 2-D VAE architecture (784-512-256-2), seed 1. Scores: test NLL
(IWAE, k = 500) and negative ELBO on the first --nll-n test digits, and the judge's confidence
and FD on --n samples.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from _common import clean_env, cli, load, machine, timed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--limit", type=int, default=20000)
    parser.add_argument("--nll-n", type=int, default=1000)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()
    import torch

    device = ("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" \
        else args.device
    rows = [("cpu", "fp32", 1), ("cpu", "fp32", 2), (device, "bf16", 1)]
    rows += [("cuda", "fp32", 1)] if device == "cuda" else []
    report: dict = {"machine": machine(), "load_start": load(), "rows": {}}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for dev, precision, seed in rows:
            name = f"{dev}/{precision}" + ("" if seed == 1 else f"/seed{seed}")
            out = work / f"{name.replace('/', '-')}.safetensors"
            seconds, _ = timed(cli("train", "vae", "--latent-dim", "2", "--hidden", "512,256",
                                   "--epochs", args.epochs, "--limit", args.limit, "--seed", seed,
                                   "--batch-size", 128, "--precision", precision,
                                   "--device", dev, "--out", out), clean_env(), work)
            _, proc = timed(cli("eval", out, "--nll-n", args.nll_n, "--n", args.n, "--device",
                                "cpu", "--json"), clean_env(), work)
            scores = json.loads(proc.stdout)
            row = {k: scores[k] for k in ("nll_nats", "neg_elbo_nats", "mean_confidence",
                                          "judge_fd")}
            report["rows"][name] = {**row, "train_s": round(seconds, 1)}
            print(f"{name}: {report['rows'][name]} (load {load()})", file=sys.stderr)
    ref = report["rows"]["cpu/fp32"]
    report["nll_minus_cpu_fp32"] = {k: round(v["nll_nats"] - ref["nll_nats"], 3)
                                    for k, v in report["rows"].items()}
    report["load_end"] = load()
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
