"""``genai-studio sample MODEL``: a grid (PNG, or traced outlines as SVG or PDF) and/or a NumPy
array of generated digits."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

from genai_studio.cli import SEED_HELP, add_threads_option, float_in, int_in, seed_int
from genai_studio.core.defaults import CURATED_KEEP, DEVICE_CHOICES, GENERATOR_KINDS
from genai_studio.core.errors import UsageError

MAX_SAMPLES = 100_000  # 300 MB of float32 28x28 images
MAX_GRID_SIDE = 32_768  # pixels; PNG viewers and Pillow's bomb check balk beyond this


def label_text(text: str) -> str:
    """--label as typed: a digit, or for a model of characters one of its characters (checked
    against the model once it is read, by :func:`resolve_label`)."""
    if not 0 < len(text) <= 8 or not text.isprintable():
        raise argparse.ArgumentTypeError(f"expected a digit 0-9 or one of the model's "
                                         f"characters, got {text!r}")
    return text


def resolve_label(text: str | None, model: Any, metadata: dict[str, Any], name: str
                  ) -> int | None:
    """The class index --label names: one of the model's characters when its data named them
    (a typeface's glyphs), else a class number (a digit for MNIST's models)."""
    from genai_studio.core.defaults import names_characters
    from genai_studio.core.models.base import class_names

    if text is None:
        return None
    if not model.conditional:
        raise UsageError(f"{name} is not conditional: it takes no --label")
    classes = class_names(model, metadata)
    if text in classes:
        return classes.index(text)
    if not names_characters(classes):
        raise UsageError(f"--label {text!r}: {name} draws classes 0 to {len(classes) - 1}")
    shown = "".join(classes) if all(len(c) == 1 for c in classes) else ", ".join(classes)
    raise UsageError(f"--label {text!r}: {name} draws these characters: {shown}")


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "sample", help="generate digits from a model file",
        description="Generate digits from a VAE or GAN file: a PNG grid and/or a .npy array.",
    )
    p.add_argument("model", type=Path, metavar="MODEL", help="a .safetensors model file")
    p.add_argument("--n", type=int_in(1, MAX_SAMPLES), default=64,
                   help=f"how many samples, at most {MAX_SAMPLES:,} (default 64)")
    p.add_argument("--seed", type=seed_int, default=None, metavar="S",
                   help="random seed; the same seed gives byte-identical output (default: random, "
                   f"printed); {SEED_HELP}")
    p.add_argument("--label", type=label_text, default=None, metavar="L",
                   help="conditional models: the digit (or a typeface model's character) to "
                   "draw (default: every class in turn)")
    p.add_argument("--out", type=Path, default=None, metavar="FILE",
                   help="the grid to write: FILE.png, or FILE.svg / FILE.pdf for outlines "
                   "that stay sharp at any size (default grid.png unless --npy is given)")
    p.add_argument("--npy", type=Path, default=None, metavar="FILE",
                   help="also write a float32 array (n, H, W), or (n, H, W, 3) for colour "
                   "models, in [0, 1]")
    p.add_argument("--scale", type=int_in(1, 64), default=2,
                   help="PNG pixels per model pixel, nearest-neighbour, 1 to 64 (default 2)")
    p.add_argument("--device", choices=DEVICE_CHOICES, default="auto",
                   help="compute device (default auto: CUDA, then MPS, then the CPU)")
    p.add_argument("--prior", choices=("own", "fitted", "standard"), default="own",
                   help="where the latents come from: own (the model's fitted prior where it "
                   "has one, else the standard normal; default), fitted or standard")
    p.add_argument("--keep", type=float_in(0.5, 1.0), default=1.0, metavar="SHARE",
                   help="GANs and VAE-GANs: drop the samples the critic doubts, keeping about "
                   f"this share of the draws, 0.5 to 1 (the studio keeps {CURATED_KEEP}; "
                   "default 1: keep every draw). Discriminator rejection sampling")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", dest="genes",
                   help="move every sample along a gene (see 'genai-studio attributes "
                   "MODEL'), VALUE in its units from -3 to 3; may be repeated. Slant, "
                   "thickness, width, height, hue and brightness hold each digit: it becomes "
                   "the model's nearest drawing of that digit so changed")
    add_threads_option(p)
    p.set_defaults(handler=run, outputs={"out": (".png", ".svg", ".pdf"), "npy": (".npy",)})


def check_grid(image_shape: tuple[int, ...], n: int, scale: int) -> None:
    from genai_studio.core.export.render import grid_shape

    side = math.ceil(math.sqrt(n)) * (max(image_shape[1:3]) * scale + 2)
    if side > MAX_GRID_SIDE:
        raise UsageError(f"a grid of {n} samples at --scale {scale} would be {side:,} pixels "
                         f"wide (the limit is {MAX_GRID_SIDE:,}); use a smaller --scale or --n, "
                         "or --npy alone")
    grid_shape((n, *image_shape[1:]), scale=scale)


def gene_values(settings: list[str]) -> dict[str, float]:
    """``--set NAME=VALUE`` options as {name: value}; a name given twice is refused."""
    from genai_studio.core.genes.genes import parse_setting

    values: dict[str, float] = {}
    for text in settings:
        name, value = parse_setting(text)
        if name in values:
            raise UsageError(f"--set {name} is given twice")
        values[name] = value
    return values


def run(args: argparse.Namespace) -> int:
    import secrets

    from genai_studio.core.export.imagemeta import png_info
    from genai_studio.core.export.provenance import check_fits, grid_provenance
    from genai_studio.core.export.render import save_npy, save_png, tile_grid
    from genai_studio.core.latent.sampling import sample
    from genai_studio.core.runtime.devices import resolve_device
    from genai_studio.core.store.checkpoints import load_model
    from genai_studio.core.store.outputs import claim_outputs

    device = resolve_device(args.device)
    out = args.out if args.out is not None or args.npy is not None else Path("grid.png")
    outputs = [path for path in (out, args.npy) if path is not None]
    with claim_outputs({"--out": out, "--npy": args.npy}, [args.model]):
        loaded = load_model(args.model, device, expect_kind=GENERATOR_KINDS)
        label = resolve_label(args.label, loaded.model, loaded.metadata, args.model.name)
        fitted = {"own": None, "fitted": True, "standard": False}[args.prior]
        if fitted and getattr(loaded.model, "fitted_prior", None) is None:
            if not hasattr(loaded.model, "encode"):
                raise UsageError(f"{args.model.name} is a {loaded.kind.upper()}: with no "
                                 "encoder it has no fitted prior (only its own)")
            raise UsageError(f"{args.model.name} has no fitted prior (genai-studio fit-prior "
                             f"MODEL --out FILE adds one)")
        if args.keep < 1.0:  # before a seed is printed or anything drawn
            from genai_studio.core.latent.curation import check_curatable

            check_curatable(loaded.model, fitted)
        values = gene_values(args.genes)
        steering = None
        if values:
            from genai_studio.cli.genes import load_genes
            from genai_studio.core.genes.genes import Steering

            genes = load_genes(args.model, loaded.model)
            genes.shift(values)  # an unknown name is refused before anything is drawn
            steering = Steering(genes, tuple(values.items()))
        seed = args.seed if args.seed is not None else secrets.randbelow(2**31)
        if args.seed is None:
            print(f"seed: {seed}", file=sys.stderr)
        if out is not None:  # the grid's size from one decoded image, before n are drawn
            check_grid(sample(loaded.model, 1, seed, label, fitted).images.shape, args.n,
                       args.scale)
            check_fits(args.n, loaded.model.latent_dim, "--out's provenance")
        drawn = sample(loaded.model, args.n, seed, label, fitted, keep=args.keep,
                       steer=steering)
        vector = out is not None and out.suffix.lower() in (".svg", ".pdf")
        grid = None if out is None or vector else tile_grid(drawn.images, scale=args.scale)
        if args.npy is not None:
            save_npy(args.npy, drawn.images, inputs=[args.model])
        if out is not None:
            prov = grid_provenance(args.model, drawn, label, genes=values or None)
            if vector:
                write_vector_grid(out, drawn.images, args.scale, prov, args.model)
            else:
                save_png(out, grid, inputs=[args.model], pnginfo=png_info(prov))
    print(f"wrote {args.n} samples: {', '.join(map(str, outputs))}", file=sys.stderr)
    return 0


def write_vector_grid(out: Path, images, scale: int, prov, model: Path) -> None:
    """The grid traced into outlines, laid out as the PNG grid is (2 px between tiles)."""
    from genai_studio.core.export.options import ExportStyle
    from genai_studio.core.export.stills import sheet_bytes
    from genai_studio.core.store.files import write_atomic

    columns = math.ceil(math.sqrt(len(images)))
    data = sheet_bytes(images, ExportStyle(scale=scale, resampling="ink"), prov, columns,
                       gutter=2, fmt=out.suffix.lower()[1:])
    write_atomic(out, data, inputs=[model])
