"""How far a gene can go before the judge changes the digit (issue 19): the ceiling.

1. **The judge.** MNIST's first 3,000 test digits, each transformed as the paired genes
   transform (``core.genes.paired``: a shear for slant, dilation for thickness, stretches):
   the share the judge keeps in the class it gave the untransformed digit, per strength.
2. **The model** (``--model FILE``, repeatable). 300 of its samples (seed 20260) sheared by
   ``--shear`` and thickened by ``--thicken``: the share kept by the transformed images; by
   the decoded latents those images map to (encoder means, or for a GAN ``--invert-steps`` of
   inversion from each sample's own latent: a step per sample); and by each sample's latent
   plus the mean of those steps (one constant step for all: what a gene is).

    python benchmarks/genes_ceiling.py --model models/vae-32d.safetensors \\
        --model models/vaegan.safetensors --model models/gan.safetensors
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from benchmarks._common import ROOT, load, machine, print_report  # noqa: E402
from benchmarks.genes import judge_of  # noqa: E402

STRENGTHS = {"slant": (-0.6, -0.45, 0.3, 0.45, 0.6), "thickness": (0.5, 1.0, 2.0),
             "width": (-0.4, 0.4), "height": (-0.3, 0.3)}


def judge_ceiling(classify, n: int) -> dict:  # noqa: ANN001
    import torch

    from genai_studio.core.data.mnist import load_mnist_arrays
    from genai_studio.core.genes.measures import measure
    from genai_studio.core.genes.paired import TRANSFORMS

    x = load_mnist_arrays("test")[0][:n].astype(np.float32) / 255.0
    base, before = measure(x), classify(x).argmax(axis=1)
    out = {}
    for name, strengths in STRENGTHS.items():
        transform = TRANSFORMS[name][0]
        for t in strengths:
            moved = transform(torch.from_numpy(x)[:, None], torch.full((n,), t))[:, 0].numpy()
            out[f"{name} {t:+g}"] = {
                "change": round(float(np.mean(measure(moved)[name] - base[name])), 3),
                "kept": round(float((classify(moved).argmax(axis=1) == before).mean()), 4)}
    return out


def model_ceiling(path: Path, classify, strengths: dict[str, float], steps: int) -> dict:  # noqa: ANN001
    import torch

    from genai_studio.core.genes import paired
    from genai_studio.core.genes.finding import free_coordinates
    from genai_studio.core.genes.measures import measure
    from genai_studio.core.latent.sampling import decode, sample
    from genai_studio.core.store.checkpoints import load_model

    model = load_model(path, "cpu").model.eval()
    drawn = sample(model, 300, 20260)
    before, m0 = classify(drawn.images).argmax(axis=1), measure(drawn.images)
    x = torch.from_numpy(drawn.images)[:, None]

    def row(images: np.ndarray, name: str) -> dict:
        return {"change": round(float(np.mean(measure(images)[name] - m0[name])), 3),
                "kept": round(float((classify(images).argmax(axis=1) == before).mean()), 4)}

    out = {}
    for name, t in strengths.items():
        moved = paired.TRANSFORMS[name][0](x, torch.full((len(x),), t))
        if hasattr(model, "encode"):
            z, z0 = (paired.encode_means(model, moved, None).numpy(),
                     paired.encode_means(model, x, None).numpy())
        else:
            z0 = drawn.latents
            z = paired.invert(model, moved, torch.from_numpy(z0), None,
                              torch.from_numpy(free_coordinates(model)), steps=steps).numpy()
        step = z - z0
        out[name] = {"images": row(moved[:, 0].numpy(), name),
                     "a step per sample": row(decode(model, z), name),
                     "one mean step": row(decode(model, drawn.latents + step.mean(axis=0)),
                                          name)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, action="append", default=[])
    parser.add_argument("--judge", type=Path, default=ROOT / "models" / "judge.safetensors")
    parser.add_argument("--n", type=int, default=3000)
    parser.add_argument("--shear", type=float, default=0.5)
    parser.add_argument("--thicken", type=float, default=0.7)
    parser.add_argument("--invert-steps", type=int, default=30)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    classify = judge_of(args.judge)
    report = {"machine": machine(), "load_before": load(),
              "judge": judge_ceiling(classify, args.n),
              "models": {str(p): model_ceiling(p, classify, {"slant": args.shear,
                                                              "thickness": args.thicken},
                                               args.invert_steps) for p in args.model},
              "load_after": load()}
    print_report(report, args.json)


if __name__ == "__main__":
    main()
