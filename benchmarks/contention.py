"""Training and the pad's decode beside competing CPU load, before and after the thread policy.

    python benchmarks/contention.py [--repeats 3] [--before DIR]

Training: the whole `genai-studio train vae` process (784-400-20 VAE, 1 epoch of 10,000 images),
alone and beside one busy process (a Python spin loop: one core's worth of other work), from
this tree and, with --before, from an older checkout. Every run starts from the environment a
user has (no OMP_* variables): the older code gets torch's defaults (a thread per core, OpenMP
spinning between regions), this tree its own policy.

Pad: one process loads a model and decodes one latent every 5 ms, 400 times, while (a) nothing
else runs, (b) a busy process runs, (c) a training run (the same VAE) runs on a thread of the
same process, as in the window; p50/p99 of the decode in milliseconds. With this tree the
training thread runs under `threads.training_run` and the decodes under
`threads.use_inference_threads`, as the workers do; the older tree has neither.
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

from _common import ROOT, Busy, clean_env, cli, load, machine, timed

TRAIN = ("train", "vae", "--latent-dim", "20", "--hidden", "400", "--binarize", "none",
         "--epochs", "1", "--limit", "10000")

PAD = textwrap.dedent('''
    import json, sys, threading, time
    from pathlib import Path
    try:
        from genai_studio.core.runtime import threads
        threads.configure()
    except ImportError:
        threads = None
    import numpy as np, torch
    from genai_studio.core.store.checkpoints import load_model
    model = load_model(sys.argv[1]).model.eval()
    mode, out = sys.argv[2], sys.argv[3]
    stop = threading.Event()
    def trainer():
        from genai_studio.core.data.mnist import load_mnist
        from genai_studio.core.models.registry import VAEConfig
        from genai_studio.core.train.run import TrainConfig
        from genai_studio.core.train.loop import train
        data = load_mnist("train", limit=20000)
        config = TrainConfig(epochs=50, log_every=10, preview_every=10**9)
        ctx = threads.training_run("cpu") if threads else None
        if ctx: ctx.__enter__()
        for event in train(VAEConfig(latent_dim=20, hidden=(400,)), config, data,
                           torch.device("cpu"), Path(out), cancel=stop):
            pass
        if ctx: ctx.__exit__(None, None, None)
    worker = threading.Thread(target=trainer) if mode == "training" else None
    if worker:
        worker.start(); time.sleep(3)
    z = np.zeros((1, model.latent_dim), np.float32)
    labels = torch.zeros(1, dtype=torch.long) if model.conditional else None
    times = []
    for i in range(400):
        if threads:
            threads.use_inference_threads()
        z[0, 0] = (i % 50) / 25 - 1
        t0 = time.perf_counter()
        with torch.inference_mode():
            model.decode(torch.from_numpy(z), labels).numpy()
        times.append(1000 * (time.perf_counter() - t0))
        time.sleep(0.005)
    stop.set()
    if worker:
        worker.join()
    times.sort()
    print(json.dumps({"p50_ms": round(times[200], 3), "p99_ms": round(times[395], 3)}))
''')


def pad_run(tree: Path, model: Path, mode: str, work: Path) -> dict:
    cmd = [sys.executable, "-c", PAD, str(model), mode, str(work / "pad.safetensors")]
    proc = subprocess.run(cmd, env=clean_env(tree), cwd=work, capture_output=True, text=True,
                          timeout=1800)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--before", type=Path, default=None)
    parser.add_argument("--skip-pad", action="store_true")
    args = parser.parse_args()
    trees = {"after": ROOT, **({"before": args.before} if args.before else {})}
    report: dict = {"machine": machine(), "load_start": load(), "train_s": {}, "pad": {}}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for _ in range(args.repeats):
            for name, tree in trees.items():
                for beside in ("alone", "busy"):
                    cmd = cli(*TRAIN, "--out", work / f"{name}.safetensors")
                    if beside == "busy":
                        with Busy():
                            seconds, _ = timed(cmd, clean_env(tree), work)
                    else:
                        seconds, _ = timed(cmd, clean_env(tree), work)
                    key = f"{name}/{beside}"
                    report["train_s"].setdefault(key, []).append(round(seconds, 2))
                    print(f"train {key}: {seconds:.2f} s (load {load()})", file=sys.stderr)
        med = {k: statistics.median(v) for k, v in report["train_s"].items()}
        report["train_busy_over_alone"] = {
            name: round(med[f"{name}/busy"] / med[f"{name}/alone"], 2) for name in trees}
        if not args.skip_pad:
            for model in ("vae-2d", "gan"):
                path = ROOT / "models" / f"{model}.safetensors"
                for name, tree in trees.items():
                    for mode in ("alone", "busy", "training"):
                        if mode == "busy":
                            with Busy():
                                result = pad_run(tree, path, mode, work)
                        else:
                            result = pad_run(tree, path, mode, work)
                        report["pad"][f"{model}/{name}/{mode}"] = result
                        print(f"pad {model}/{name}/{mode}: {result} (load {load()})",
                              file=sys.stderr)
    report["load_end"] = load()
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
