"""``genai-studio fit-prior MODEL --out FILE``: give a VAE or VAE-GAN a fitted prior
(``core.latent.prior_fit``), so its samples come from where its encoder put the data."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from genai_studio.cli import add_threads_option, int_in, seed_int
from genai_studio.core.defaults import DEFAULT_PRIOR_COMPONENTS, MAX_PRIOR_COMPONENTS


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "fit-prior", help="fit a mixture prior to a VAE's or VAE-GAN's encoded training set",
        description="Encode the model's training images, fit a Gaussian mixture to the "
        "encoder's means by EM (Ghosh et al. 2020) and write the model with it to --out. "
        "The weights do not change; samples, the studio's grid and the pad's corners then "
        "come from the fitted prior (sample --prior standard draws from N(0, I) again).")
    p.add_argument("model", type=Path, metavar="MODEL", help="a VAE or VAE-GAN .safetensors")
    p.add_argument("--out", type=Path, required=True, metavar="FILE.safetensors",
                   help="the model with its fitted prior (never MODEL itself)")
    p.add_argument("--components", type=int_in(1, MAX_PRIOR_COMPONENTS),
                   default=DEFAULT_PRIOR_COMPONENTS,
                   help=f"mixture components, 1 to {MAX_PRIOR_COMPONENTS} (default "
                   f"{DEFAULT_PRIOR_COMPONENTS})")
    p.add_argument("--data", default=None, metavar="NAME",
                   help="the images to fit to (default: the model's own training data)")
    p.add_argument("--seed", type=seed_int, default=0, metavar="S",
                   help="seed of the fit (default 0)")
    add_threads_option(p)
    p.set_defaults(handler=run, outputs={"out": (".safetensors",)})


def run(args: argparse.Namespace) -> int:
    import time

    from genai_studio.core.data.datasets import load_training_data, training_data_files
    from genai_studio.core.defaults import is_checkpoint
    from genai_studio.core.errors import UsageError
    from genai_studio.core.latent.prior_fit import fit_prior_file
    from genai_studio.core.store.checkpoints import read_metadata
    from genai_studio.core.store.outputs import claim_outputs

    if is_checkpoint(args.out):  # named as X's checkpoint: hidden, then deleted with X
        raise UsageError(f"--out {args.out.name} names a checkpoint; give a model's file name")
    data = args.data
    if data is None:
        dataset = read_metadata(args.model).get("dataset") or {}
        name = dataset.get("name") if isinstance(dataset, dict) else None
        data = None if name in (None, "mnist") else name
    # The images fitted to are an input too: --out may never be the dataset's file.
    with claim_outputs({"--out": args.out}, [args.model, *training_data_files(data)]):
        t0 = time.perf_counter()
        record = fit_prior_file(args.model, args.out, load_training_data(data),
                                args.components, args.seed)
    print(f"fitted a {record['components']}-part prior to {record['points']} encoded images "
          f"in {time.perf_counter() - t0:.0f} s (mean log-likelihood "
          f"{record['mean_log_likelihood']}); wrote {args.out}", file=sys.stderr)
    return 0
