"""Training throughput of the GAN recipes and the VAE-GAN, and 10x10-grid sampling time.

Interleaved, so that background load hits every run alike; medians of ``--repeats``:

  train-dcgan    the first shipped GAN's recipe (DCGAN, 32 channels, BatchNorm D, bce)
  train-gan      the shipped GAN's recipe (models/gan.safetensors' config and rates)
  train-vaegan   the shipped VAE-GAN's recipe (models/vaegan.safetensors' config and rates)
  grid-MODEL     one 10x10 grid through ``core.sampling.sample`` (a seeded draw of 100
                 latents and one decode), for each shipped generator given

    python benchmarks/generators.py [--threads 2] [--repeats 3] [--images 7680]

Training figures are the whole ``train()`` call on ``--images`` MNIST digits (start-up,
checkpoint and the final save included), like ``train_throughput.py``'s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

MODELS = Path(__file__).resolve().parent.parent / "models"


def train_rate(config, train_options: dict, images: int) -> float:
    import torch

    from genai_studio.core.data.mnist import load_mnist
    from genai_studio.core.train.events import Finished
    from genai_studio.core.train.loop import train
    from genai_studio.core.train.run import TrainConfig

    data = load_mnist("train", limit=images)
    settings = TrainConfig(epochs=1, batch_size=128, log_every=50, preview_every=10**9,
                           **train_options)
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        for event in train(config, settings, data, torch.device("cpu"),
                           Path(folder) / "m.safetensors"):
            if isinstance(event, Finished):
                done = event.summary["steps"] * event.summary["batch_size"]
        return done / (time.perf_counter() - start)


def grid_ms(model, repeats: int = 30) -> float:
    from genai_studio.core.latent.sampling import sample

    sample(model, 100, seed=0)  # warm-up
    times = []
    for seed in range(repeats):
        t0 = time.perf_counter()
        sample(model, 100, seed=seed)
        times.append(1000 * (time.perf_counter() - t0))
    return statistics.median(times)


def shipped_recipe(name: str):
    """(config, training options) the shipped file was trained with, from its metadata."""
    from genai_studio.core.models.registry import config_from_dict
    from genai_studio.core.store.checkpoints import read_metadata

    meta = read_metadata(MODELS / f"{name}.safetensors")
    training = meta.get("training", {})
    options = {"lr": training.get("lr"), "d_lr": training.get("d_lr")}
    return config_from_dict(meta["kind"], meta["config"]), options


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--images", type=int, default=7680)
    parser.add_argument("--grid", nargs="*", default=["gan", "vaegan"])
    args = parser.parse_args()
    import torch

    from genai_studio.core.models.registry import GANConfig
    from genai_studio.core.store.checkpoints import load_model

    torch.set_num_threads(args.threads)
    runs = {"train-dcgan": lambda: train_rate(GANConfig(channels=32), {}, args.images)}
    for name in ("gan", "vaegan"):
        if (MODELS / f"{name}.safetensors").exists():
            config, options = shipped_recipe(name)
            runs[f"train-{name}"] = (lambda c=config, o=options:
                                     train_rate(c, o, args.images))
    for name in args.grid:
        path = MODELS / f"{name}.safetensors"
        if path.exists():
            model = load_model(path).model
            runs[f"grid-{name}-ms"] = lambda m=model: grid_ms(m)
    results: dict[str, list[float]] = {name: [] for name in runs}
    loads = []
    for _ in range(args.repeats):
        loads.append(open("/proc/loadavg").read().split()[0])
        for name, fn in runs.items():
            results[name].append(fn())
            print(f"{name}: {results[name][-1]:,.1f}", file=sys.stderr)
    report = {
        "date": datetime.now().isoformat(timespec="seconds"), "threads": args.threads,
        "torch": torch.__version__, "load_average_at_each_repeat": loads,
        "median": {k: round(statistics.median(v), 1) for k, v in results.items()},
        "all": {k: [round(x, 1) for x in v] for k, v in results.items()},
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
