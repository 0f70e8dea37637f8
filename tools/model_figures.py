"""Figures of the shipped generators for docs/screenshots/ (PNG, nearest-neighbour, 2x).

    python tools/model_figures.py [MODELS_DIR] [OUT_DIR]

Writes, for each model that exists:
  gan-samples.png            10x10 samples of models/gan.safetensors (seed 0)
  gan-samples-curated.png    the same, less the samples its critic doubts (the studio's default)
  vaegan-samples.png         10x10 samples of models/vaegan.safetensors (seed 0, its fitted prior)
  vae-32d-samples.png        10x10 samples of the 32-d VAE from its fitted prior (seed 0)
  vae-32d-samples-standard.png  the same seed from N(0, I), for comparison
  vaegan-reconstructions.png MNIST test digits (odd columns) and their reconstructions Dec(mu(x))
  vaegan-morphs.png          morphs between encoded test digits: each row from one real digit to
                             another (first and last columns are the real digits, the frames
                             between are decoded along the slerp of their encoder means)
  vae-32d-morphs.png         the same morphs through the 32-d VAE, for comparison
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
PAIRS = [(0, 1), (2, 3), (4, 5), (7, 8), (9, 11), (12, 13), (15, 18), (22, 61)]  # test digits
FRAMES = 10


def _save(path: Path, images: np.ndarray, columns: int) -> None:
    from genai_studio.core.export.render import save_png, tile_grid

    save_png(path, tile_grid(images, columns=columns, scale=2))
    print(f"wrote {path}", file=sys.stderr)


def morphs(model, test) -> np.ndarray:  # noqa: ANN001 - a Generator with an encoder
    import torch

    from genai_studio.core.latent.pad import morph_path
    from genai_studio.core.latent.sampling import decode

    rows = []
    for a, b in PAIRS:
        x = test.images[[a, b]].float().unsqueeze(1) / 255.0
        labels = test.labels[[a, b]] if model.conditional else None
        with torch.inference_mode():
            mu, _ = model.encode(x, labels)
        path = morph_path(mu[0].numpy(), mu[1].numpy(), FRAMES)
        frames = decode(model, path, None if labels is None else int(labels[0]))
        rows.append(np.concatenate([x[:1, 0].numpy(), frames, x[1:, 0].numpy()]))
    return np.concatenate(rows)


def main() -> int:
    from genai_studio.core.data.mnist import load_mnist
    from genai_studio.core.defaults import CURATED_KEEP
    from genai_studio.core.latent.sampling import sample
    from genai_studio.core.scoring.metrics import reconstruct
    from genai_studio.core.store.checkpoints import load_model

    models = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "models"
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    test = load_mnist("test", limit=100)
    for name in ("gan", "vaegan", "vae-32d"):
        if (models / f"{name}.safetensors").exists():
            model = load_model(models / f"{name}.safetensors").model
            _save(out / f"{name}-samples.png", sample(model, 100, seed=0).images, 10)
            if name == "gan":
                _save(out / "gan-samples-curated.png",
                      sample(model, 100, seed=0, keep=CURATED_KEEP).images, 10)
            if name == "vae-32d" and model.fitted_prior is not None:
                _save(out / "vae-32d-samples-standard.png",
                      sample(model, 100, seed=0, fitted=False).images, 10)
    for name in ("vaegan", "vae-32d"):
        if not (models / f"{name}.safetensors").exists():
            continue
        model = load_model(models / f"{name}.safetensors").model
        _save(out / f"{name}-morphs.png", morphs(model, test), FRAMES + 2)
        if name == "vaegan":
            x = test.images[:50].float().unsqueeze(1) / 255.0
            recon = reconstruct(model, x, test.labels[:50] if model.conditional else None)
            pairs = np.stack([x[:, 0].numpy(), recon.numpy()], axis=1).reshape(-1, 28, 28)
            _save(out / "vaegan-reconstructions.png", pairs, 10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
