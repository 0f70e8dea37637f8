"""``genai-studio eval MODEL``: how good a generator is, scored by the quality judge."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from genai_studio.cli import positive_int
from genai_studio.core.defaults import DEVICE_CHOICES, ENCODER_KINDS, GENERATOR_KINDS, JUDGE_FILE
from genai_studio.core.errors import ModelFileError


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "eval", help="score a VAE or GAN with the quality judge (and VAE likelihoods)",
        description="Draw n samples (fixed seed) and let the judge score them: class shares, the "
        "largest deviation from an even share, mean confidence, Frechet distance of the judge's "
        "features to the MNIST test set and, for conditional models, the share judged as the "
        "digit asked for. Models with an encoder (VAE, VAE-GAN) get their reconstructions of the "
        "test digits judged. VAEs also get the test-set negative ELBO and negative "
        "log-likelihood in nats, on the test digits binarised once with a fixed seed: an "
        "estimate that converges (2-D latents: integration over the latent plane; larger: "
        "importance sampling from the encoder's q mixed with a per-digit refined q) beside the "
        "plain IWAE bound with the encoder as proposal.",
    )
    p.add_argument("model", type=Path, metavar="MODEL",
                   help="a VAE, GAN or VAE-GAN .safetensors file")
    p.add_argument("--n", type=positive_int, default=10000,
                   help="samples to judge (default 10000)")
    p.add_argument("--k", type=positive_int, default=500,
                   help="VAEs: importance samples per test digit for the NLL (default 500, as "
                   "in published figures; fewer is faster and a looser bound)")
    p.add_argument("--nll-n", type=positive_int, default=None, metavar="N",
                   help="VAEs: estimate the likelihoods on the first N test digits only "
                   "(default: all 10000)")
    p.add_argument("--check", action="store_true",
                   help="VAEs: also run the NLL estimate twice as fine (a grid with every "
                   "spacing halved for 2-D latents, 4k samples otherwise) and report the "
                   "difference, which shows whether it has converged (slow)")
    p.add_argument("--seed", type=int, default=0, metavar="S",
                   help="seed of the samples and of the test-set binarisation (default 0)")
    p.add_argument("--judge", type=Path, default=None, metavar="FILE",
                   help="judge model file (default: the shipped models/judge.safetensors)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--write", action="store_true",
                   help="also store the scores in MODEL's metadata ('metrics')")
    p.add_argument("--device", choices=DEVICE_CHOICES, default="cpu",
                   help="compute device (default cpu)")
    p.set_defaults(handler=run)


def default_judge_path() -> Path:
    from genai_studio.core.resources import shipped_models_dir

    return shipped_models_dir() / JUDGE_FILE


def evaluate(args: argparse.Namespace) -> dict[str, Any]:
    """The scores of ``args.model`` as one JSON-ready dict."""
    from genai_studio.core.checkpoints import load_model
    from genai_studio.core.data import load_mnist
    from genai_studio.core.devices import resolve_device
    from genai_studio.core.metrics import judge_generator, judge_reconstructions

    device = resolve_device(args.device)
    # The model first: a judge or a damaged file is refused before any work is done.
    loaded = load_model(args.model, device, expect_kind=GENERATOR_KINDS)
    judge_path = args.judge or default_judge_path()
    if not judge_path.exists():
        raise ModelFileError(f"judge file not found: {judge_path} (make one with "
                             "'genai-studio train judge --out FILE', or pass --judge FILE)")
    judge = load_model(judge_path, device, expect_kind="judge")
    test_set = load_mnist("test", device)
    started = time.perf_counter()
    scores = judge_generator(loaded.model, judge.model, test_set, n=args.n, seed=args.seed)
    if loaded.kind in ENCODER_KINDS:
        # Each encoder sees the test digits as it saw its training digits.
        binarized = loaded.metadata.get("dataset", {}).get("binarize") == "dynamic"
        scores.update(judge_reconstructions(loaded.model, judge.model, test_set,
                                            args.seed if binarized else None))
    if loaded.kind == "vae":
        scores.update(likelihoods(loaded.model, test_set, args))
    judge_accuracy = judge.metadata.get("metrics", {}).get("test_accuracy")
    scores.update({
        "kind": loaded.kind, "conditional": bool(loaded.model.conditional),
        "judge": {"file": judge_path.name, "test_accuracy": judge_accuracy},
        "eval_seconds": round(time.perf_counter() - started, 1),
    })
    return scores


def likelihoods(vae: Any, test_set: Any, args: argparse.Namespace) -> dict[str, Any]:
    """The converging NLL estimate (``nll_nats``) beside the plain IWAE bound (``nll_iwae_nats``)
    and the negative ELBO."""
    from genai_studio.core.likelihood import converging_likelihood
    from genai_studio.core.metrics import vae_likelihood

    print(f"plain IWAE: k={args.k} importance samples per test digit from the encoder...",
          file=sys.stderr)
    subset = test_set if args.nll_n is None else test_set.head(args.nll_n)
    iwae = vae_likelihood(vae, subset, k=args.k, seed=args.seed)
    how = "grid integration" if vae.latent_dim == 2 else "refined-proposal importance sampling"
    print(f"converging estimate: {how}{' (and the check)' if args.check else ''}...",
          file=sys.stderr)
    estimate = converging_likelihood(vae, subset, args.seed, args.k, check=args.check)
    return {**iwae, "nll_iwae_nats": iwae["nll_nats"], "nll_nats": estimate["nll_nats"],
            "nll_estimate": estimate}


def _likelihood_lines(scores: dict[str, Any]) -> list[str]:
    est = scores["nll_estimate"]
    if est["method"] == "grid":
        g = est["grid"]
        how = (f"integration over the latent plane [-{g['radius']:g}, {g['radius']:g}]^2, "
               f"grid {g['h0']:g} refined to {g['finest_spacing']:.2g} where the mass is")
    else:
        how = f"importance sampling, k={est['k']}, proposal {est['proposal']}"
    lines = [f"  test NLL              {scores['nll_nats']:.2f} nats ({how}), "
             f"{scores['likelihood']}"]
    if "check" in est:
        lines.append(f"  ... check             {est['check']['nll_nats']:.2f} nats with "
                     f"{est['check']['what']} (difference {est['check']['difference_nats']:+.3f})")
    lines += [
        f"  plain IWAE NLL        {scores['nll_iwae_nats']:.2f} nats (k={scores['k']}, the "
        "encoder's q as proposal: an upper bound in expectation)",
        f"  test neg. ELBO        {scores['neg_elbo_nats']:.2f} nats",
        f"  binarisation          {scores['binarization']}",
    ]
    return lines


def format_text(name: str, scores: dict[str, Any]) -> str:
    shares = " ".join(f"{d}:{100 * s:.1f}%" for d, s in enumerate(scores["class_shares"]))
    lines = [
        f"{name}: {scores['kind'].upper()}{' (conditional)' if scores['conditional'] else ''}, "
        f"{scores['n']} samples (seed {scores['sample_seed']})",
        f"  judged class shares   {shares}",
        f"  max class deviation   {100 * scores['max_class_deviation']:.2f} points from 10%",
        f"  mean confidence       {scores['mean_confidence']:.4f}",
        f"  judge FD              {scores['judge_fd']:.3f} (vs the MNIST test set)",
    ]
    if "label_accuracy" in scores:
        lines.append(f"  label accuracy        {100 * scores['label_accuracy']:.2f}% judged as "
                     "the digit asked for")
    if "reconstruction_accuracy" in scores:
        lines.append(f"  reconstructions       {100 * scores['reconstruction_accuracy']:.2f}% of "
                     f"the {scores['reconstruction_n']} test digits judged as the input digit "
                     f"(confidence {scores['reconstruction_confidence']:.3f})")
    if "nll_estimate" in scores:
        lines += _likelihood_lines(scores)
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from genai_studio.core.checkpoints import write_metrics

    scores = evaluate(args)
    if args.write:
        write_metrics(args.model, scores)
        print(f"scores written into {args.model}", file=sys.stderr)
    if args.json:
        print(json.dumps(scores, sort_keys=True))
    else:
        print(format_text(args.model.name, scores))
    return 0
