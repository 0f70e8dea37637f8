"""Speed of the user's-own-material paths (issue 10), on this machine.

  import    `dataset create`'s scan: N small images (the glyph folder of tools/render_glyphs.py,
            64 px PNGs) prepared with the digit fit at 28 px and with the RGB crop at 64 px,
            progress events included. Goal: 10,000 images <= 15 s.
  encode    a dropped image to its latent: read, decode, prepare (digit fit) and the VAE's
            encoder mean (models/vae-2d), for a 512x512 PNG drawing and a 3000x2000 JPEG
            photo, interleaved; median and p95 of --repeats. Goal: <= 50 ms.
  train     images/s of the 64x64 RGB conv VAE (latent 32, channels 32) and DCGAN (latent
            64, channels 64), batch 64, through core.training on random RGB images, after a
            warm-up epoch.

    python benchmarks/byo_speed.py [--folder GLYPHS] [--count 10000] [--json FILE]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import torch
from _common import print_report
from PIL import Image, ImageDraw

from genai_studio.core.data.folder_import import ImportReport, scan_folder
from genai_studio.core.data.image_input import WORK_SIDE, open_image
from genai_studio.core.data.mnist import ImageSet
from genai_studio.core.data.prepare import MNIST_SPEC, PrepareSpec, prepare
from genai_studio.core.latent.encoding import encode_vae
from genai_studio.core.models.registry import GANConfig, VAEConfig
from genai_studio.core.store.checkpoints import load_model
from genai_studio.core.train.events import Finished
from genai_studio.core.train.loop import train
from genai_studio.core.train.run import TrainConfig

ROOT = Path(__file__).resolve().parents[1]


def load() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


def bench_import(folder: Path) -> dict:
    out = {}
    for label, spec in (("digit-28-grey", PrepareSpec(28, "grey", "digit")),
                        ("crop-64-rgb", PrepareSpec(64, "rgb", "crop"))):
        before = load()
        t, c = time.perf_counter(), time.process_time()
        events = 0
        for event in scan_folder(folder, spec):
            events += 1
            if isinstance(event, ImportReport):
                report = event
        seconds = time.perf_counter() - t
        out[label] = {"images": report.kept, "skipped": len(report.skipped),
                      "seconds": round(seconds, 2), "progress_events": events - 1,
                      "cpu_seconds": round(time.process_time() - c, 2),
                      "images_per_s": round(report.kept / seconds, 1), "loadavg_before": before}
        print(label, out[label], file=sys.stderr)
    return out


def sample_files(folder: Path) -> dict[str, Path]:
    drawing = Image.new("L", (512, 512), 255)
    ImageDraw.Draw(drawing).line([(150, 100), (380, 100), (220, 420)], fill=0, width=18)
    drawing.save(folder / "drawing.png")
    rng = np.random.default_rng(0)
    photo = Image.fromarray(rng.integers(150, 255, (2000, 3000, 3), dtype=np.uint8))
    ImageDraw.Draw(photo).ellipse((1100, 500, 1900, 1500), outline=(20, 20, 20), width=60)
    photo.save(folder / "photo.jpg", quality=90)
    return {"png-512": folder / "drawing.png", "jpeg-3000x2000": folder / "photo.jpg"}


def bench_encode(files: dict[str, Path], repeats: int) -> dict:
    model = load_model(ROOT / "models/vae-2d.safetensors").model
    times: dict[str, list[float]] = {name: [] for name in files}
    cpu: dict[str, list[float]] = {name: [] for name in files}
    for _ in range(repeats):
        for name, path in files.items():  # interleaved: background load hits both alike
            t, c = time.perf_counter(), time.thread_time()
            prepared = prepare(open_image(path, reduce_to=WORK_SIDE).image, MNIST_SPEC)
            encode_vae(model, prepared[None])
            times[name].append(time.perf_counter() - t)
            cpu[name].append(time.thread_time() - c)
    return {name: {"median_ms": round(1000 * statistics.median(v), 2),
                   "p95_ms": round(1000 * float(np.percentile(v, 95)), 2),
                   "cpu_median_ms": round(1000 * statistics.median(cpu[name]), 2), "n": len(v)}
            for name, v in times.items()}


def bench_train(images: int) -> dict:
    rng = np.random.default_rng(0)
    data = ImageSet(torch.from_numpy(rng.integers(0, 255, (images, 64, 64, 3), dtype=np.uint8)),
                    torch.zeros(images, dtype=torch.long), "random", "all", has_labels=False)
    configs = {
        "conv-vae-64-rgb": VAEConfig(arch="conv", latent_dim=32, channels=32, hidden=(256,),
                                     image_shape=(3, 64, 64)),
        "dcgan-64-rgb": GANConfig(latent_dim=64, channels=64, image_shape=(3, 64, 64)),
    }
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, config in configs.items():
            before = load()
            finished = None
            for event in train(config, TrainConfig(epochs=2, batch_size=64, log_every=8),
                               data, torch.device("cpu"), Path(tmp) / f"{name}.safetensors"):
                if isinstance(event, Finished):
                    finished = event
            out[name] = {"images_per_s": finished.summary["images_per_s"],
                         "parameters": sum(p.numel() for p in _model(config).parameters()),
                         "loadavg_before": before}
            print(name, out[name], file=sys.stderr)
    return out


def _model(config):
    from genai_studio.core.models.registry import build_model

    return build_model(config)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=None,
                        help="a folder of images to import (default: render --count glyphs)")
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--train-images", type=int, default=1024)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    report = {"date": datetime.now().isoformat(timespec="seconds"),
              "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
              "torch_threads": args.threads, "loadavg_start": load()}
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.folder
        if folder is None:
            folder = Path(tmp) / "glyphs"
            subprocess.run([sys.executable, str(ROOT / "tools/render_glyphs.py"), str(folder),
                            "--count", str(args.count), "--size", "64"], check=True)
        report["import"] = bench_import(folder)
        report["encode"] = bench_encode(sample_files(Path(tmp)), args.repeats)
    report["train"] = bench_train(args.train_images)
    report["loadavg_end"] = load()
    print_report(report, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
