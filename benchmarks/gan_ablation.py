"""What each change since DCGAN does for the unconditional GAN: short runs, judged every epoch.

The ladder adds one change at a time to the first shipped GAN's recipe (DCGAN, 32 channels,
Goodfellow's cross-entropy, BatchNorm discriminator, Adam 2e-4 for both players):

    dcgan    the first shipped recipe
    sn       + spectral normalisation of the discriminator instead of BatchNorm
    hinge    + the hinge loss
    ttur     + two time-scale rates: the discriminator at 4e-4
    wide     + a discriminator twice as wide (64 channels)
    bn-hinge the hinge loss and two time-scale rates on the BatchNorm discriminator
    wide-g   ... and both networks twice as wide (64 channels)

Every run also keeps an exponential moving average of its generator (decay 0.999); the files
hold both generators, so each epoch is judged twice on identical training: the raw generator
(``VARIANT``) and the average (``VARIANT+ema``).

    python benchmarks/gan_ablation.py run --variant sn --epochs 4 --out runs/
    python benchmarks/gan_ablation.py plot runs/ --png docs/screenshots/gan-ablation.png

``run`` writes ``VARIANT.jsonl`` (one line per epoch: judge FD, confidence, largest class
deviation on ``--n`` samples, images/s, load average) and the per-epoch model files; ``plot``
draws FD and class deviation against epochs for every variant found (Pillow, no plotting
library). Runs use one torch thread (the shipped runs' setting on the shared 2-core machine).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

VARIANTS = {
    "dcgan": ({"loss": "bce", "norm": "batch"}, {}),
    "sn": ({"loss": "bce", "norm": "spectral"}, {}),
    "hinge": ({"loss": "hinge", "norm": "spectral"}, {}),
    "ttur": ({"loss": "hinge", "norm": "spectral"}, {"d_lr": 4e-4}),
    "wide": ({"loss": "hinge", "norm": "spectral", "d_channels": 64}, {"d_lr": 4e-4}),
    "bn-hinge": ({"loss": "hinge", "norm": "batch"}, {"d_lr": 4e-4}),
    "wide-g": ({"loss": "hinge", "norm": "batch", "channels": 64}, {"d_lr": 4e-4}),
}
COLOURS = {"dcgan": (150, 150, 150), "sn": (86, 180, 233), "hinge": (0, 158, 115),
           "ttur": (230, 159, 0), "wide": (204, 121, 167), "bn-hinge": (240, 228, 66),
           "wide-g": (0, 114, 178)}


def run(args: argparse.Namespace) -> None:
    import torch

    from genai_studio.core.data.mnist import load_mnist
    from genai_studio.core.models.registry import GANConfig
    from genai_studio.core.store.checkpoints import load_model
    from genai_studio.core.train.events import Checkpoint, Progress
    from genai_studio.core.train.loop import train
    from genai_studio.core.train.run import TrainConfig

    torch.set_num_threads(1)
    model_options, train_options = VARIANTS[args.variant]
    config = GANConfig(**{"latent_dim": 64, "channels": 32, "ema_decay": 0.999,
                          **model_options})
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    judge = load_model(args.judge).model
    test, data = load_mnist("test"), load_mnist("train")
    log = (out / f"{args.variant}.jsonl").open("w")
    ema_log = (out / f"{args.variant}+ema.jsonl").open("w")
    train_config = TrainConfig(epochs=args.epochs, batch_size=128, lr=2e-4, seed=5,
                               log_every=50, preview_every=10**9, **train_options)
    last = None
    for event in train(config, train_config, data, torch.device("cpu"),
                       out / f"{args.variant}.safetensors"):
        if isinstance(event, Progress):
            last = event
        if not isinstance(event, Checkpoint):
            continue
        kept = out / f"{args.variant}.e{event.epoch:03d}.safetensors"
        shutil.copy(event.path, kept)
        model = load_model(kept).model
        record = {"epoch": event.epoch, "images_per_s": round(last.images_per_s),
                  "load": open("/proc/loadavg").read().split()[:3]}
        # The same run's averaged generator, then its raw one.
        print(json.dumps({**record, **_scores(model, judge, test, args.n)}), file=ema_log,
              flush=True)
        model.generator_ema = None
        print(json.dumps({**record, **_scores(model, judge, test, args.n)}), file=log,
              flush=True)
    log.close()
    ema_log.close()


def _scores(model, judge, test, n: int) -> dict:
    from genai_studio.core.scoring.metrics import judge_generator

    t0 = time.perf_counter()
    s = judge_generator(model, judge, test, n=n, seed=0)
    return {"fd": s["judge_fd"], "confidence": s["mean_confidence"],
            "max_class_deviation": s["max_class_deviation"], "shares": s["class_shares"],
            "judge_s": round(time.perf_counter() - t0, 1)}


def plot(args: argparse.Namespace) -> None:
    from PIL import Image, ImageDraw

    curves = {}
    names = args.only or [n for v in VARIANTS for n in (v, f"{v}+ema")]
    for name in names:
        path = Path(args.folder) / f"{name}.jsonl"
        if path.exists():
            rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
            curves[name] = rows
    panels = [("judge FD (log scale)", "fd", True), ("largest class deviation, points",
                                                     "max_class_deviation", False)]
    width, height, margin = 1200, 480, 60
    image = Image.new("RGB", (width, height), (24, 26, 32))
    draw = ImageDraw.Draw(image)
    panel_w = (width - 3 * margin) // 2
    epochs = max((r["epoch"] for rows in curves.values() for r in rows), default=1)
    for k, (title, key, log_scale) in enumerate(panels):
        left, top = margin + k * (panel_w + margin), 50
        bottom = height - 70
        values = [r[key] * (100 if key == "max_class_deviation" else 1)
                  for rows in curves.values() for r in rows]
        lo, hi = (min(values), max(values)) if values else (0, 1)
        if log_scale:
            import math
            lo, hi = math.log10(max(lo, 1e-3)), math.log10(max(hi, 1e-3))
        hi = hi if hi > lo else lo + 1

        def xy(epoch, value, log_scale=log_scale, lo=lo, hi=hi, left=left, top=top,
               bottom=bottom):
            import math
            v = math.log10(max(value, 1e-3)) if log_scale else value
            x = left + (epoch - 1) / max(epochs - 1, 1) * panel_w
            return x, bottom - (v - lo) / (hi - lo) * (bottom - top)

        draw.rectangle([left, top, left + panel_w, bottom], outline=(90, 90, 100))
        draw.text((left, top - 30), title, fill=(230, 230, 230))
        for tick in range(4):
            v = lo + tick * (hi - lo) / 3
            label = f"{10 ** v:.0f}" if log_scale else f"{v:.1f}"
            y = bottom - tick * (bottom - top) / 3
            draw.text((left - 45, y - 6), label, fill=(170, 170, 170))
        draw.text((left + panel_w // 2 - 20, bottom + 8), "epoch", fill=(170, 170, 170))
        for name, rows in curves.items():
            points = [xy(r["epoch"], r[key] * (100 if key == "max_class_deviation" else 1))
                      for r in rows]
            colour, width = _style(name)
            if len(points) > 1:
                draw.line(points, fill=colour, width=width)
            for x, y in points:
                draw.ellipse([x - 3, y - 3, x + 3, y + 3], fill=colour)
    for i, name in enumerate(curves):
        x = margin + (i % 7) * 160
        y = height - 34 + 16 * (i // 7) - (16 if len(curves) > 7 else 0)
        colour, width = _style(name)
        draw.rectangle([x, y + 6 - width // 2, x + 18, y + 6 + width // 2], fill=colour)
        draw.text((x + 24, y), name, fill=(230, 230, 230))
    image.save(args.png)
    print(f"wrote {args.png}", file=sys.stderr)


def _style(name: str) -> tuple[tuple[int, int, int], int]:
    """A variant's colour; its moving average is the thick line, the raw generator thin."""
    base = name.removesuffix("+ema")
    return COLOURS.get(base, (200, 200, 200)), 4 if name.endswith("+ema") else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("--variant", choices=list(VARIANTS), required=True)
    r.add_argument("--epochs", type=int, default=4)
    r.add_argument("--n", type=int, default=2000, help="samples judged per epoch")
    r.add_argument("--judge", default="models/judge.safetensors")
    r.add_argument("--out", required=True)
    p = sub.add_parser("plot")
    p.add_argument("folder")
    p.add_argument("--png", required=True)
    p.add_argument("--only", nargs="*", help="the curves to draw (default: all found)")
    args = parser.parse_args()
    run(args) if args.command == "run" else plot(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
