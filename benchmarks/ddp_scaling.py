"""2-process CPU data parallelism (torchrun, gloo) against one process, per model.

    python benchmarks/ddp_scaling.py [--repeats 2] [--data NAME --limit N]

Each model trains one epoch of a slice of MNIST (global batch 128) as
  1x2   one process, two torch threads;
  1x1   one process, one thread;
  2x1   `torchrun --nproc-per-node 2`, one thread each (gloo all-reduce of the gradients);
images/s is the training loop's own figure (the model file's `training.images_per_s`: start-up
and the process group's set-up excluded), interleaved, median of the repeats. With --data NAME
(a dataset made by `genai-studio dataset create`, e.g. 64 px), the conv VAE and the DCGAN train
on it instead of MNIST, on its first --limit images.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import sys
import tempfile
from pathlib import Path

from _common import clean_env, cli, load, machine, timed

from genai_studio.core.store.checkpoints import read_metadata

MODELS = {
    "mlp-vae": ("vae", "--latent-dim", "20", "--hidden", "400", "--limit", "20000"),
    "conv-vae": ("vae", "--arch", "conv", "--latent-dim", "20", "--limit", "5000"),
    "dcgan": ("gan", "--limit", "2000"),
}


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(model: str, layout: str, work: Path, data: str | None = None,
        limit: int = 1000) -> tuple[float, float]:
    out = work / f"{model}-{layout}.safetensors"
    spec = MODELS[model] if data is None else (
        *MODELS[model][:-2], "--data", data, "--limit", str(limit))
    args = ("train", *spec, "--epochs", "1", "--batch-size", "128", "--device", "cpu",
            "--out", out)
    if layout == "2x1":
        cmd = [sys.executable, "-m", "torch.distributed.run", "--nnodes", "1",
               "--nproc-per-node", "2", "--master-addr", "127.0.0.1", "--master-port",
               str(_port()), "-m", "genai_studio", *map(str, args)]
        env = clean_env(OMP_NUM_THREADS="1")
    else:
        cmd = cli(*args, "--threads", layout[-1])
        env = clean_env()
    seconds, _ = timed(cmd, env, work)
    return read_metadata(out)["training"]["images_per_s"], seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--data", default=None, metavar="NAME")
    parser.add_argument("--limit", type=int, default=1000)
    args = parser.parse_args()
    models = list(MODELS) if args.data is None else ["conv-vae", "dcgan"]
    results: dict[str, dict[str, list]] = {}
    loads = [load()]
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeats):
            for model in models:
                for layout in ("1x2", "1x1", "2x1"):
                    ips, seconds = run(model, layout, Path(tmp), args.data, args.limit)
                    results.setdefault(model, {}).setdefault(layout, []).append(round(ips))
                    print(f"{model} {layout}: {ips:,.0f} images/s, process {seconds:.1f} s "
                          f"(load {load()})", file=sys.stderr)
            loads.append(load())
    medians = {m: {k: statistics.median(v) for k, v in r.items()} for m, r in results.items()}
    report = {"machine": machine(), "data": args.data or "mnist", "load_averages": loads,
              "images_per_s": results,
              "median": medians,
              "2x1_over_1x2": {m: round(v["2x1"] / v["1x2"], 2) for m, v in medians.items()},
              "2x1_over_1x1": {m: round(v["2x1"] / v["1x1"], 2) for m, v in medians.items()}}
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
