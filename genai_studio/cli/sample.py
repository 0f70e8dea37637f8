"""``genai-studio sample MODEL``: a grid PNG and/or a NumPy array of generated digits."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from genai_studio.cli import positive_int
from genai_studio.core.defaults import DEVICE_CHOICES, GENERATOR_KINDS
from genai_studio.core.errors import UsageError


def digit(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a digit 0-9, got {text!r}") from None
    if not 0 <= value <= 9:
        raise argparse.ArgumentTypeError(f"expected a digit 0-9, got {value}")
    return value


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "sample", help="generate digits from a model file",
        description="Generate digits from a VAE or GAN file: a PNG grid and/or a .npy array.",
    )
    p.add_argument("model", type=Path, metavar="MODEL", help="a .safetensors model file")
    p.add_argument("--n", type=positive_int, default=64, help="how many samples (default 64)")
    p.add_argument("--seed", type=int, default=None, metavar="S",
                   help="random seed; the same seed gives byte-identical output (default: random, "
                   "printed)")
    p.add_argument("--label", type=digit, default=None, metavar="L",
                   help="conditional models: the digit to draw (default: 0-9 in turn)")
    p.add_argument("--out", type=Path, default=None, metavar="FILE",
                   help="PNG grid to write (default grid.png unless --npy is given)")
    p.add_argument("--npy", type=Path, default=None, metavar="FILE",
                   help="also write a float32 array (n, H, W), or (n, H, W, 3) for colour "
                   "models, in [0, 1]")
    p.add_argument("--scale", type=positive_int, default=2,
                   help="PNG pixels per MNIST pixel, nearest-neighbour (default 2)")
    p.add_argument("--device", choices=DEVICE_CHOICES, default="cpu",
                   help="compute device (default cpu)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import secrets

    from genai_studio.core.checkpoints import load_model
    from genai_studio.core.devices import resolve_device
    from genai_studio.core.files import check_writable
    from genai_studio.core.images import save_npy, save_png, tile_grid
    from genai_studio.core.sampling import sample

    device = resolve_device(args.device)
    out = args.out if args.out is not None or args.npy is not None else Path("grid.png")
    for path in (out, args.npy):
        if path is not None:
            check_writable(path)
    loaded = load_model(args.model, device, expect_kind=GENERATOR_KINDS)
    if args.label is not None and not loaded.model.conditional:
        raise UsageError(f"{args.model.name} is not conditional: it takes no --label")
    seed = args.seed if args.seed is not None else secrets.randbelow(2**31)
    if args.seed is None:
        print(f"seed: {seed}", file=sys.stderr)
    images = sample(loaded.model, args.n, seed, args.label).images
    if args.npy is not None:
        save_npy(args.npy, images)
    if out is not None:
        save_png(out, tile_grid(images, scale=args.scale))
    written = ", ".join(str(p) for p in (out, args.npy) if p is not None)
    print(f"wrote {args.n} samples: {written}", file=sys.stderr)
    return 0
