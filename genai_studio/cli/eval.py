"""``genai-studio eval MODEL``: how good a generator is, scored by the quality judge."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from genai_studio.cli import add_threads_option, int_in, say, seed_int
from genai_studio.core.defaults import (
    CURATED_KEEP,
    DEVICE_CHOICES,
    ENCODER_KINDS,
    GENERATOR_KINDS,
    JUDGE_FILE,
)
from genai_studio.core.errors import GenAIError, ModelFileError, UsageError


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "eval", help="score a VAE, GAN or VAE-GAN with the quality judge (and VAE likelihoods)",
        description="Draw n samples (fixed seed) and let the judge score them: class shares, the "
        "largest deviation from an even share, mean confidence, Frechet distance of the judge's "
        "features to the MNIST test set and, for conditional models, the share judged as the "
        "digit asked for. Models with an encoder (VAE, VAE-GAN) get their reconstructions of the "
        "test digits judged. VAEs also get the test-set negative ELBO and negative "
        "log-likelihood in nats, on the test digits binarised once with a fixed seed: an "
        "estimate that converges (2-D latents: integration over the latent plane; larger: "
        "importance sampling from the encoder's q mixed with a per-digit refined q) beside the "
        "plain IWAE bound with the encoder as proposal. A VAE-GAN's bound is not a likelihood "
        "(its reconstruction term lives in the discriminator's feature space): none is given.",
    )
    p.add_argument("model", type=Path, metavar="MODEL",
                   help="a VAE, GAN or VAE-GAN .safetensors file")
    p.add_argument("--n", type=int_in(1, 100_000), default=10000,
                   help="samples to judge (default 10000)")
    p.add_argument("--k", type=int_in(1, 100_000), default=500,
                   help="VAEs: importance samples per test digit for the NLL (default 500, as "
                   "in published figures; fewer is faster and a looser bound)")
    p.add_argument("--seed", type=seed_int, default=0, metavar="S",
                   help="seed of the samples and of the test-set binarisation (default 0)")
    p.add_argument("--judge", type=Path, default=None, metavar="FILE",
                   help="judge model file (default: the shipped models/judge.safetensors)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--write", action="store_true",
                   help="also store the scores in MODEL's metadata ('metrics')")
    p.add_argument("--nll-n", type=int_in(1, 10_000_000), default=None, metavar="N",
                   help="VAEs: estimate the likelihoods on the first N test digits only "
                   "(default: all 10,000, the published protocol)")
    p.add_argument("--check", action="store_true",
                   help="VAEs: also run the converging NLL estimate twice as fine (a grid with "
                   "every spacing halved for 2-D latents, 4k samples otherwise) and report the "
                   "difference, which shows whether it has converged (slow)")
    p.add_argument("--prior", choices=PRIORS, default="own",
                   help="where samples are drawn from: own (the model's fitted prior where it "
                   "has one, else the standard normal; default), fitted or standard")
    p.add_argument("--data", default=None, metavar="NAME",
                   help="score against this dataset without labels or the judge: NDB over "
                   "k-means bins of its images and a Frechet distance in its own principal "
                   "components (default for a model trained on a dataset of your own)")
    p.add_argument("--device", choices=DEVICE_CHOICES, default="auto",
                   help="compute device (default auto: CUDA, then MPS, then the CPU)")
    add_threads_option(p)
    p.set_defaults(handler=run)


PRIORS = ("own", "fitted", "standard")


def _fitted(args: argparse.Namespace) -> bool | None:
    return {"own": None, "fitted": True, "standard": False}[args.prior]


def default_judge_path() -> Path:
    from genai_studio.core.store.resources import shipped_models_dir

    return shipped_models_dir() / JUDGE_FILE


def evaluate(args: argparse.Namespace) -> dict[str, Any]:
    """The scores of ``args.model`` as one JSON-ready dict."""
    from genai_studio.core.data.mnist import load_mnist
    from genai_studio.core.latent.curation import can_curate
    from genai_studio.core.runtime.devices import resolve_device
    from genai_studio.core.scoring.label_free import label_free_scores
    from genai_studio.core.scoring.metrics import (
        draw_samples,
        judge_drawn,
        judge_generator,
        judge_reconstructions,
    )
    from genai_studio.core.store.checkpoints import load_model
    from genai_studio.core.train.accel import full_precision

    if args.write:  # the model is rewritten in place: refused now if it cannot be
        from genai_studio.core.store.files import check_writable

        check_writable(args.model)  # (a live run holds it, a device, a read-only folder)
    device = resolve_device(args.device)
    # The model first: a judge or a damaged file is refused before any work is done.
    loaded = load_model(args.model, device, expect_kind=GENERATOR_KINDS)
    trained_on = (loaded.metadata.get("dataset") or {}).get("name", "mnist")
    if args.data is not None and args.write and args.data != trained_on:
        # The file's scores are those of its own training data; others are printed only.
        raise UsageError(f"--write stores the scores against {args.model.name}'s own training "
                         f"data ({trained_on}); leave it out to score it against {args.data}")
    if args.data is not None or trained_on != "mnist":
        return evaluate_without_labels(loaded, args,
                                       args.data if args.data is not None else trained_on)
    judge_path = args.judge or default_judge_path()
    if not judge_path.exists():
        raise ModelFileError(f"judge file not found: {judge_path} (make one with "
                             "'genai-studio train judge --out FILE', or pass --judge FILE)")
    judge = load_model(judge_path, device, expect_kind="judge")
    test_set = load_mnist("test", device)
    started = time.perf_counter()
    with full_precision(device):  # scores in plain fp32 products, never TF32
        t0 = time.perf_counter()
        images, requested = draw_samples(loaded.model, args.n, args.seed, _fitted(args))
        scores = judge_drawn(judge.model, test_set, images, requested, args.seed, t0)
        timings = {f"judge_{part}": sec for part, sec in scores.pop("judge_seconds").items()}
        t0 = time.perf_counter()
        scores.update(label_free_scores(load_mnist("train").images, images.numpy(),
                                        args.seed))
        timings["ndb_and_pixel_fd"] = round(time.perf_counter() - t0, 2)
        # Curation filters N(0, I) draws (and a clustered GAN's own mixture): a fitted prior
        # already keeps to where the data is, and its scores are not the curated ones.
        if can_curate(loaded.model) and _prior_used(loaded.model, args) != "fitted":
            curated = judge_generator(loaded.model, judge.model, test_set, n=args.n,
                                      seed=args.seed, fitted=False, keep=CURATED_KEEP)
            curated.pop("judge_seconds")
            scores["curated"] = {**curated, "keep": CURATED_KEEP}
        if loaded.kind in ENCODER_KINDS:
            t0 = time.perf_counter()
            # Each encoder sees the test digits as it saw its training digits.
            binarized = (loaded.metadata.get("dataset") or {}).get("binarize") == "dynamic"
            scores.update(judge_reconstructions(loaded.model, judge.model, test_set,
                                                args.seed if binarized else None))
            timings["reconstructions"] = round(time.perf_counter() - t0, 2)
        for name, estimate in likelihood_estimators(loaded.model, test_set, args):
            t0 = time.perf_counter()
            scores.update(estimate())
            timings[name] = round(time.perf_counter() - t0, 2)  # each estimator's own time
    judge_accuracy = judge.metadata.get("metrics", {}).get("test_accuracy")
    scores.update({
        "kind": loaded.kind, "conditional": bool(loaded.model.conditional),
        "prior": _prior_used(loaded.model, args),
        "judge": {"file": judge_path.name, "test_accuracy": judge_accuracy},
        "eval_seconds": round(time.perf_counter() - started, 1),
        "seconds": timings, "device": str(device),
    })
    return scores


def _prior_used(model: Any, args: argparse.Namespace) -> str:
    if getattr(model, "mixture", None) is not None:  # a clustered GAN draws from it always
        return "cluster mixture"
    fitted = _fitted(args)
    if fitted is None:
        fitted = getattr(model, "fitted_prior", None) is not None
    return "fitted" if fitted else "standard"


def evaluate_without_labels(loaded: Any, args: argparse.Namespace, data: str
                            ) -> dict[str, Any]:
    """A model of the artist's own images: NDB and the pixel FD against its dataset."""
    from genai_studio.core.scoring.label_free import scores_against_data

    started = time.perf_counter()
    scores = scores_against_data(loaded, data, args.n, args.seed, _fitted(args))
    return {**scores, "kind": loaded.kind, "conditional": bool(loaded.model.conditional),
            "prior": _prior_used(loaded.model, args),
            "eval_seconds": round(time.perf_counter() - started, 1)}


def likelihood_estimators(model: Any, test_set: Any, args: argparse.Namespace
                          ) -> list[tuple[str, Callable[[], dict[str, Any]]]]:
    """The likelihood estimates to run for ``model``, each named for its timing: (name, run)."""
    from genai_studio.core.models.registry import VAE
    from genai_studio.core.scoring.likelihood import converging_likelihood
    from genai_studio.core.scoring.metrics import vae_likelihood

    if not isinstance(model, VAE):
        return []
    digits = min(args.nll_n or len(test_set), len(test_set))

    def iwae() -> dict[str, Any]:
        print(f"plain IWAE: k={args.k} importance samples from the encoder's q on {digits} test "
              "digits...", file=sys.stderr)
        scores = vae_likelihood(model, test_set, k=args.k, seed=args.seed, limit=args.nll_n)
        return {**scores, "nll_iwae_nats": scores["nll_nats"]}

    def converging() -> dict[str, Any]:
        how = ("grid integration over the latent plane" if model.latent_dim == 2 else
               "importance sampling from the encoder's q mixed with a refined q")
        print(f"converging estimate: {how} on {digits} test digits"
              f"{' (and the check)' if args.check else ''}...", file=sys.stderr)
        estimate = converging_likelihood(model, test_set, args.seed, args.k, n=args.nll_n,
                                         check=args.check)
        return {"nll_nats": estimate["nll_nats"], "nll_estimate": estimate}

    return [("iwae", iwae), ("converging", converging)]


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
        "encoder's q as proposal)",
        f"  test neg. ELBO        {scores['neg_elbo_nats']:.2f} nats",
        f"  binarisation          {scores['binarization']}",
    ]
    return lines


def _label_free_lines(scores: dict[str, Any]) -> list[str]:
    return [f"  variety (NDB)         {scores['ndb']} of {scores['ndb_bins']} k-means bins "
            f"statistically different from the data ({100 * scores['ndb_share']:.0f}%)",
            f"  likeness (pixel FD)   {scores['pixel_fd']:.3f} in {scores['pixel_fd_space']}"]


def format_text(name: str, scores: dict[str, Any]) -> str:
    if "class_shares" not in scores:  # a model of the artist's own images
        return "\n".join([f"{name}: {scores['kind'].upper()}, {scores['n']} samples (seed "
                          f"{scores['sample_seed']}, {scores['prior']} prior) against "
                          f"{scores['data']}", *_label_free_lines(scores)])
    shares = " ".join(f"{d}:{100 * s:.1f}%" for d, s in enumerate(scores["class_shares"]))
    lines = [
        f"{name}: {scores['kind'].upper()}{' (conditional)' if scores['conditional'] else ''}, "
        f"{scores['n']} samples (seed {scores['sample_seed']}, {scores['prior']} prior)",
        f"  judged class shares   {shares}",
        f"  max class deviation   {100 * scores['max_class_deviation']:.2f} points from 10%",
        f"  mean confidence       {scores['mean_confidence']:.4f}",
        f"  judge FD              {scores['judge_fd']:.3f} (vs the MNIST test set)",
        f"  doubtful              {100 * scores['doubtful_share']:.2f}% (no class above 0.5)",
        *_label_free_lines(scores),
    ]
    if "curated" in scores:
        c = scores["curated"]
        lines.append(f"  curated (keep {100 * c['keep']:.0f}%)    FD {c['judge_fd']:.3f}, "
                     f"confidence {c['mean_confidence']:.4f}, max class deviation "
                     f"{100 * c['max_class_deviation']:.2f} points, doubtful "
                     f"{100 * c['doubtful_share']:.2f}%")
    if "label_accuracy" in scores:
        lines.append(f"  label accuracy        {100 * scores['label_accuracy']:.2f}% judged as "
                     "the digit asked for")
    if "reconstruction_accuracy" in scores:
        lines.append(f"  reconstructions       {100 * scores['reconstruction_accuracy']:.2f}% of "
                     f"the {scores['reconstruction_n']} test digits judged as the input digit "
                     f"(confidence {scores['reconstruction_confidence']:.3f})")
    if "nll_estimate" in scores:
        lines += _likelihood_lines(scores)
    if "seconds" in scores:
        parts = ", ".join(f"{name} {sec:.1f}" for name, sec in scores["seconds"].items())
        lines.append(f"  seconds               {parts} (on {scores['device']})")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from genai_studio.core.store.checkpoints import write_metrics

    scores = evaluate(args)
    if args.write:
        write_metrics(args.model, scores)
        print(f"scores written into {args.model}", file=sys.stderr)
    if args.json:
        print(json.dumps(scores, sort_keys=True))
    else:
        from genai_studio.core.validate import printable

        print(format_text(printable(args.model.name), scores))
    return 0


# ---- scores at the end of a training run (train's closing lines)

def score_timed_run(path: Path, device, data: Path | None) -> None:  # noqa: ANN001
    """A timed run ends with a scored model (2,000 samples), kept in its file: the judge's
    quick scores for a model of MNIST's digits, the label-free ones for the artist's own."""
    from genai_studio.core.scoring.label_free import in_words
    from genai_studio.core.store.library import score_model
    from genai_studio.core.store.resources import shipped_models_dir

    try:
        scores = score_model(path, shipped_models_dir() / JUDGE_FILE, n=2000,
                             device=str(device), write=True, data=data)
    except GenAIError as exc:
        return say(f"not scored: {exc}")
    if "judge_fd" not in scores:  # the artist's own images: scored against their data
        return say(in_words(scores))
    say(f"scores: confidence {scores['mean_confidence']:.2f}, likeness to real digits "
        f"(judge FD, lower is better) {scores['judge_fd']:.1f}")


def record_judge_accuracy(path: Path, device) -> float:  # noqa: ANN001
    """Score a freshly trained judge on the MNIST test set and keep the figure in its file."""
    from genai_studio.core.data.mnist import load_mnist
    from genai_studio.core.scoring.metrics import judge_accuracy
    from genai_studio.core.store.checkpoints import load_model, write_metrics

    test_set = load_mnist("test", device)
    accuracy = judge_accuracy(load_model(path, device, expect_kind="judge").model, test_set)
    write_metrics(path, {"test_accuracy": round(accuracy, 6), "test_images": len(test_set)})
    print(f"judge test accuracy: {100 * accuracy:.2f}% on {len(test_set)} MNIST test digits",
          file=sys.stderr)
    return accuracy
