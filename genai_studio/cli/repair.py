"""``genai-studio repair MODEL IMAGE --mask MASK --out FILE``: fill in damaged pixels."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from genai_studio.cli import int_in

MAX_ALTERNATIVES = 64  # core.latent.repair.MAX_ALTERNATIVES (torch-free here)

if TYPE_CHECKING:  # the window builds this parser before its first paint: no NumPy yet
    import numpy as np


def register(commands: argparse._SubParsersAction) -> None:
    from genai_studio.cli.encode import add_model_options

    p = commands.add_parser(
        "repair", help="fill in the damaged or missing part of an image from a model",
        description="Repair IMAGE where MASK is light (white = missing; MASK has IMAGE's size): "
        "the image and its mask are prepared the way the model's data was, the latent that "
        "best explains the visible pixels under the model's prior is found (MAP; for VAEs "
        "started from iterated imputation through encoder and decoder), and the hole is "
        "filled from its image. Several starts give alternatives, best first.",
    )
    p.add_argument("model", type=Path, metavar="MODEL", help="a VAE or GAN .safetensors file")
    p.add_argument("image", type=Path, metavar="IMAGE", help="the damaged image")
    p.add_argument("--mask", type=Path, required=True, metavar="MASK",
                   help="an image of IMAGE's size whose light pixels mark what to repair")
    p.add_argument("--out", type=Path, required=True, metavar="FILE",
                   help="PNG of the best repair, at the model's size times --scale")
    p.add_argument("--alternatives", type=int_in(1, MAX_ALTERNATIVES), default=4, metavar="K",
                   help=f"how many different repairs to look for, 1 to {MAX_ALTERNATIVES} "
                   "(default 4)")
    p.add_argument("--strip", type=Path, default=None, metavar="FILE",
                   help="also a PNG strip: the damaged image (hole in grey), then each repair")
    p.add_argument("--scale", type=int_in(1, 64), default=1,
                   help="PNG pixels per model pixel, nearest-neighbour, 1 to 64 (default 1)")
    add_model_options(p)
    p.add_argument("--json", action="store_true", help="print the result as one JSON object")
    p.set_defaults(handler=run, outputs={"out": (".png",), "strip": (".png",)})


def read_mask(path: Path) -> np.ndarray:
    """(H, W) bool: True where the mask image is light (or opaque, for a mask drawn on a
    transparent layer)."""
    import numpy as np

    from genai_studio.core.data.image_input import open_image

    image = open_image(path).image
    if image.mode in ("LA", "RGBA"):
        alpha = np.asarray(image.getchannel("A"))
        if alpha.min() < 255:
            return alpha > 127
    return np.asarray(image.convert("L")) > 127


def run(args: argparse.Namespace) -> int:
    from genai_studio.core.store.outputs import claim_outputs

    with claim_outputs({"--out": args.out, "--strip": args.strip},
                       [args.model, args.image, args.mask]):
        return _repair(args)


def _repair(args: argparse.Namespace) -> int:
    import numpy as np

    from genai_studio.cli.encode import load_generator
    from genai_studio.cli.progress import StatusLine
    from genai_studio.cli.sample import resolve_label
    from genai_studio.core.data.image_input import open_image
    from genai_studio.core.data.prepare import prepare_with_hole
    from genai_studio.core.export.render import save_png, tile_grid, to_uint8
    from genai_studio.core.latent.fit import FitProgress
    from genai_studio.core.latent.repair import Repair, repair

    loaded, spec = load_generator(args.model, args.device)
    label = resolve_label(args.label, loaded.model, loaded.metadata, args.model.name)
    image, hole = prepare_with_hole(open_image(args.image).image, read_mask(args.mask), spec)
    status = StatusLine(sys.stderr)
    result: Repair | None = None
    steps = {} if args.steps is None else {"steps": args.steps}
    for event in repair(loaded.model, image, hole, alternatives=args.alternatives,
                        seed=args.seed, label=label, **steps):
        if isinstance(event, FitProgress):
            status.show(f"repairing: step {event.step}/{event.steps}",
                        final=event.step == event.steps)
        else:
            result = event
    assert result is not None
    best = result.images[0]
    save_png(args.out, _scaled(to_uint8(best), args.scale))
    if args.strip is not None:
        shown = np.where(hole if image.ndim == 2 else hole[..., None], 0.5, image)
        save_png(args.strip, tile_grid(np.concatenate([shown[None], result.images]),
                                       columns=len(result.images) + 1, scale=args.scale))
    if args.json:
        print(json.dumps({"out": str(args.out), "strip": args.strip and str(args.strip),
                          "alternatives": len(result.images),
                          "energy": [round(float(e), 3) for e in result.energy],
                          "visible_error": [round(float(e), 4) for e in result.visible_error],
                          "masked_pixels": int(hole.sum())}, sort_keys=True))
    print(f"repaired {int(hole.sum())} pixels; {len(result.images)} alternative(s); best "
          f"written to {args.out}", file=sys.stderr)
    return 0


def _scaled(image: np.ndarray, scale: int) -> np.ndarray:
    return image.repeat(scale, axis=0).repeat(scale, axis=1) if scale > 1 else image
