"""Whole-process wall time of a short training run: ours against pytorch/examples' VAE script.

    python benchmarks/short_run.py [--repeats 3] [--before DIR]

Interleaved, each repeat runs:
  examples   pytorch/examples vae/main.py, unchanged (benchmarks/reference/vae_main.py, BSD-3,
             commit 77f55b9), --epochs 2 --no-accel, with the torchvision stand-in of
             benchmarks/reference/torchvision (per-sample PIL images, ToTensor, save_image) and
             the raw MNIST files decompressed once into a temporary folder, as torchvision
             keeps them after its first download;
  ours       genai-studio train vae --latent-dim 20 --hidden 400 --epochs 2 --binarize none
             --seed 1 (the same 784-400-20 model, batch 128, Adam 1e-3);
  before     the same command from an older checkout (--before DIR), if given;
  fixed      ours (and before) with --limit 128 --epochs 1: one step, i.e. the fixed cost.
Every process gets the same environment with the thread variables removed (see _common.py),
so the script runs with torch's defaults and ours with its own thread policy; --same-threads N
instead gives every process OMP_NUM_THREADS=N and OMP_WAIT_POLICY=PASSIVE, which isolates
what is not thread policy.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import tempfile
from pathlib import Path

from _common import ROOT, clean_env, cli, load, machine, timed

REFERENCE = ROOT / "benchmarks" / "reference"
OURS_ARGS = ("train", "vae", "--latent-dim", "20", "--hidden", "400", "--binarize", "none",
             "--seed", "1")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--before", type=Path, default=None, help="an older checkout to compare")
    parser.add_argument("--same-threads", type=int, default=None, metavar="N")
    args = parser.parse_args()
    pinned = ({} if args.same_threads is None else
              {"OMP_NUM_THREADS": str(args.same_threads), "OMP_WAIT_POLICY": "PASSIVE"})
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        raw = work / "mnist-raw"
        raw.mkdir()
        for gz in (ROOT / "resources" / "mnist").glob("*.gz"):
            (raw / gz.name[:-3]).write_bytes(gzip.decompress(gz.read_bytes()))
        (work / "results").mkdir()
        runs = {
            "examples": ([sys.executable, str(REFERENCE / "vae_main.py"), "--epochs", "2",
                          "--no-accel"],
                         clean_env(REFERENCE, GENAI_BENCH_MNIST=str(raw), **pinned)),
            "ours": (cli(*OURS_ARGS, "--epochs", "2", "--out", work / "a.safetensors"),
                     clean_env(**pinned)),
            "ours-fixed": (cli(*OURS_ARGS, "--epochs", "1", "--limit", "128", "--out",
                               work / "b.safetensors"), clean_env(**pinned)),
        }
        if args.before is not None:
            runs["before"] = (cli(*OURS_ARGS, "--epochs", "2", "--out", work / "c.safetensors"),
                              clean_env(args.before, **pinned))
            runs["before-fixed"] = (cli(*OURS_ARGS, "--epochs", "1", "--limit", "128", "--out",
                                        work / "d.safetensors"),
                                    clean_env(args.before, **pinned))
        times: dict[str, list[float]] = {name: [] for name in runs}
        cpu: dict[str, list[float]] = {name: [] for name in runs}
        loads = [load()]
        for _ in range(args.repeats):
            for name, (cmd, env) in runs.items():
                seconds, proc = timed(cmd, env, work)
                times[name].append(round(seconds, 2))
                cpu[name].append(proc.cpu_s)
                print(f"{name}: {seconds:.2f} s, {proc.cpu_s:.2f} CPU s (load {load()})",
                      file=sys.stderr)
            loads.append(load())
    med = {name: statistics.median(v) for name, v in times.items()}
    report = {"machine": machine(), "same_threads": args.same_threads,
              "load_averages": loads, "seconds": times, "cpu_seconds": cpu,
              "median_s": med, "examples_over_ours": round(med["examples"] / med["ours"], 2)}
    if "before" in med:
        report["examples_over_before"] = round(med["examples"] / med["before"], 2)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
