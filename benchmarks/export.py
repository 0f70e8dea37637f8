"""Export speed on this machine: a 64-frame morph as 512x512 GIF and APNG, a 10x10 sheet at x16.

Goals (issue 9): each animation <= 2 s, the contact sheet <= 1 s, from decoded frames to the
file renamed into place (render, encode, provenance, atomic write). The frames come from a
shipped model (a real morph, not noise, which would compress very differently); decoding them
is timed separately. The three exports run interleaved, ``--repeats`` times, so background
load hits each alike; the median wall and CPU times are reported with the load average.

    python benchmarks/export.py [--repeats 5] [--model models/vae-32d.safetensors] [--json F]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

import torch
from _common import print_report

from genai_studio.core.export import stills
from genai_studio.core.export import writers as export
from genai_studio.core.export.options import ExportStyle, Timing
from genai_studio.core.export.provenance import Provenance, model_identity
from genai_studio.core.latent.motion import morph_latents
from genai_studio.core.latent.sampling import decode, sample
from genai_studio.core.store.checkpoints import load_model

ROOT = Path(__file__).resolve().parent.parent


def _timed(fn) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "vae-32d.safetensors")
    parser.add_argument("--resampling", default="lanczos", choices=("nearest", "lanczos", "ink"))
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    torch.set_num_threads(min(2, os.cpu_count() or 1))

    model = load_model(args.model).model
    name, sha = model_identity(args.model)
    anchors = sample(model, 4, seed=1).latents
    latents = morph_latents(anchors, 64, "loop", "ease-in-out")
    decode_s, _ = _timed(lambda: decode(model, latents))
    frames = decode(model, latents)
    grid = sample(model, 100, seed=2)
    morph_prov = Provenance(name, sha, latents, kind="morph", seed=1, sample_count=4,
                            anchors=anchors)
    grid_prov = Provenance(name, sha, grid.latents, kind="grid", seed=2, sample_count=100)
    style = ExportStyle(size=512, resampling=args.resampling)
    timing = Timing(fps=24, playback="loop", easing="ease-in-out")

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        jobs = {
            "gif_64x512": lambda: export.run(export.export_animation(
                folder / "m.gif", frames, morph_prov, style, timing)),
            "apng_64x512": lambda: export.run(export.export_animation(
                folder / "m.png", frames, morph_prov, style, timing)),
            "sheet_10x10_x16": lambda: stills.write_sheet(
                folder / "s.png", grid.images, ExportStyle(scale=16), grid_prov, gutter=8),
        }
        times: dict[str, list[tuple[float, float]]] = {k: [] for k in jobs}
        for _ in range(args.repeats):
            for key, job in jobs.items():
                times[key].append(_timed(job))
        sizes = {"gif_64x512": (folder / "m.gif").stat().st_size,
                 "apng_64x512": (folder / "m.png").stat().st_size,
                 "sheet_10x10_x16": (folder / "s.png").stat().st_size}

    goals = {"gif_64x512": 2.0, "apng_64x512": 2.0, "sheet_10x10_x16": 1.0}
    result = {
        "date": datetime.now().isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, {platform.python_version()}",
        "load_average": os.getloadavg(),
        "resampling": args.resampling,
        "decode_64_frames_s": round(decode_s, 3),
        "exports": {
            key: {"wall_median_s": round(statistics.median(w for w, _ in runs), 3),
                  "cpu_median_s": round(statistics.median(c for _, c in runs), 3),
                  "wall_all_s": [round(w, 3) for w, _ in runs],
                  "bytes": sizes[key], "goal_s": goals[key],
                  "met": statistics.median(w for w, _ in runs) <= goals[key]}
            for key, runs in times.items()},
    }
    print_report(result, args.json)


if __name__ == "__main__":
    main()
