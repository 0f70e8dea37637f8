"""``genai-studio encode MODEL IMAGE...``: where images land in a model's latent space."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from genai_studio.cli import SEED_HELP, int_in, seed_int
from genai_studio.core.defaults import DEVICE_CHOICES, GENERATOR_KINDS

MAX_FIT_STEPS = 10_000


def add_model_options(p: argparse.ArgumentParser) -> None:
    """--seed, --label and --device, shared by encode and repair."""
    from genai_studio.cli.sample import label_text

    p.add_argument("--seed", type=seed_int, default=0, metavar="S",
                   help=f"seed of the optimisation's starts (GANs, repair; default 0): {SEED_HELP}")
    p.add_argument("--label", type=label_text, default=None, metavar="L",
                   help="conditional models: the digit (or a typeface model's character) to "
                   "condition on (default: the most likely one)")
    # Bounded before work: a projection's cost grows with its steps, and far past the default
    # the fit no longer improves (a billion steps ran for days with progress).
    p.add_argument("--steps", type=int_in(1, MAX_FIT_STEPS), default=None, metavar="N",
                   help="optimisation steps of a GAN's projection or a repair (default 200 / "
                   f"150, at most {MAX_FIT_STEPS:,})")
    p.add_argument("--device", choices=DEVICE_CHOICES, default="cpu",
                   help="compute device (default cpu)")


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "encode", help="find the latent points of your images (VAE: encoder; GAN: projection)",
        description="Prepare each image the way the model's training data was (for MNIST "
        "models: grey, light ink on dark, cropped to the ink, fitted in 20x20, centred by mass "
        "in 28x28) and find its latent: a VAE's encoder mean, or for a GAN the latent whose "
        "image is closest (seeded optimisation). Prints each latent, the reconstruction error "
        "and a note when an image is unlike the model's data.",
    )
    p.add_argument("model", type=Path, metavar="MODEL", help="a VAE or GAN .safetensors file")
    p.add_argument("images", type=Path, nargs="+", metavar="IMAGE",
                   help="PNG, JPEG, WebP, BMP or GIF (first frame) files")
    add_model_options(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=run)


def load_generator(path: Path, device_name: str):
    from genai_studio.core.data.prepare import spec_for_model
    from genai_studio.core.runtime.devices import resolve_device
    from genai_studio.core.store.checkpoints import load_model

    loaded = load_model(path, resolve_device(device_name), expect_kind=GENERATOR_KINDS)
    spec = spec_for_model(loaded.model.image_shape, loaded.metadata.get("dataset"))
    return loaded, spec


def run(args: argparse.Namespace) -> int:
    from genai_studio.cli.progress import StatusLine
    from genai_studio.cli.sample import resolve_label
    from genai_studio.core.data.image_input import WORK_SIDE, ImageRefused, open_image
    from genai_studio.core.data.prepare import BlankImage, prepare
    from genai_studio.core.latent.encoding import Encoded, encode
    from genai_studio.core.latent.fit import FitProgress
    from genai_studio.core.validate import printable

    loaded, spec = load_generator(args.model, args.device)
    label = resolve_label(args.label, loaded.model, loaded.metadata, args.model.name)
    results, refused = [], 0
    status = StatusLine(sys.stderr)
    for path in args.images:
        try:
            prepared = prepare(open_image(path, reduce_to=WORK_SIDE).image, spec)
        except (ImageRefused, BlankImage) as exc:
            refused += 1
            results.append({"image": str(path), "refused": str(exc)})
            print(f"genai-studio: refused: {printable(exc)}", file=sys.stderr)
            continue
        steps = {} if args.steps is None else {"steps": args.steps}
        for event in encode(loaded.model, prepared, seed=args.seed, label=label, **steps):
            if isinstance(event, FitProgress):
                status.show(f"projecting {path.name}: step {event.step}/{event.steps}, "
                            f"error {event.error:.3f}", final=event.step == event.steps)
            elif isinstance(event, Encoded):
                results.append({"image": str(path), **event.to_dict()})
    if args.json:
        print(json.dumps({"model": str(args.model), "kind": loaded.kind,
                          "latent_dim": loaded.model.latent_dim, "images": results},
                         sort_keys=True))
    else:
        for r in results:
            if "refused" in r:
                continue
            z = ", ".join(f"{v:.3f}" for v in r["latent"])
            digit = f", {_class_name(r['label'], loaded.model, loaded.metadata)}" \
                if r["label"] is not None else ""
            print(f"{printable(r['image'])}: z = [{z}] ({r['method']}{digit}, error "
                  f"{r['error']:.3f})")
            if r["note"]:
                print(f"  note: {printable(r['note'])}")
    return 2 if refused else 0


def _class_name(label: int, model: Any, metadata: dict) -> str:
    """"digit 7", or for a model of characters "character 'g'"."""
    from genai_studio.core.defaults import names_characters
    from genai_studio.core.models.base import class_names
    from genai_studio.core.validate import printable

    classes = class_names(model, metadata)
    if names_characters(classes) and 0 <= label < len(classes):
        return f"character {printable(classes[label])!r}"
    return f"digit {label}"
