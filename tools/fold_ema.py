"""Ship a finished GAN or VAE-GAN with only the weights that draw its images.

    python tools/fold_ema.py MODEL --out FILE

A model trained with ``--ema`` keeps two copies of its generator (or decoder): the trained
weights, which only resuming needs, and their moving average, which draws every sample and
reconstruction. The shipped file keeps the moving average, as the generator itself, and leaves
the trained copy out (the VAE-GAN: 8.4 -> 5.7 MB), so models/ stays within its budget. The
tool checks that the folded model draws exactly the images the original draws, and records
the fold in the file's metadata.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# model attribute of the moving average -> of the weights it replaces
COPIES = {"generator_ema": "generator", "decoder_ema": "decoder"}


def folded(loaded):  # noqa: ANN001, ANN201
    from genai_studio.core.models.registry import build_model

    ema = next((name for name in COPIES if getattr(loaded.model, name, None) is not None), None)
    if ema is None:
        raise SystemExit(f"{loaded.path.name} has no moving average to fold")
    trained = COPIES[ema]
    config = dataclasses.replace(loaded.config, ema_decay=0.0)
    model = build_model(config)
    state = {}
    for key, value in loaded.model.state_dict().items():
        if key.startswith(trained + "."):
            continue
        if key.startswith(ema + "."):
            key = trained + key[len(ema):]
        state[key] = value
    kept = model.state_dict()  # what the model saves now (a clustered GAN's mixture: weights)
    model.load_state_dict({k: v for k, v in state.items() if k in kept}, strict=True)
    return model.eval()


def main(argv: list[str] | None = None) -> int:
    from genai_studio.core.latent.sampling import sample
    from genai_studio.core.store.checkpoints import load_model, remade_metadata, save_model

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.out.resolve() == args.model.resolve():
        raise SystemExit("--out must not be the model itself")
    loaded = load_model(args.model, "cpu")
    model = folded(loaded)
    for seed in (0, 1):
        a = sample(loaded.model, 64, seed).images
        b = sample(model, 64, seed).images
        if not np.array_equal(a, b):
            raise SystemExit(f"the folded model draws other images (seed {seed}): not written")
    weights = ("the moving average of the trained weights (EMA, decay "
               f"{loaded.config.ema_decay}); the trained copy, needed only to resume, left out")
    save_model(args.out, model, remade_metadata(model, loaded.metadata, weights=weights))
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB, was "
          f"{args.model.stat().st_size / 1e6:.2f} MB); it draws the same images")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
