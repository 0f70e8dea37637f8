"""``genai-studio font MODEL --out FILE.otf``: an OpenType font from one point of a conditional
model's style latent (``core.export.typeface``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from genai_studio.cli import add_threads_option, seed_int
from genai_studio.core.defaults import DEVICE_CHOICES, GENERATOR_KINDS


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "font", help="write an OpenType font from a conditional model (one glyph per class)",
        description="Decode every character a conditional model draws (a model trained on a "
        "fonts dataset: genai-studio dataset fonts; or MNIST digits) at one point of its style "
        "latent, trace each into outlines and write an OpenType font. Metrics come from each "
        "glyph's ink box; the name table records the model and the latent (see "
        "genai-studio info FILE.otf).")
    p.add_argument("model", type=Path, metavar="MODEL", help="a conditional .safetensors model")
    p.add_argument("--out", type=Path, required=True, metavar="FILE.otf")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--seed", type=seed_int, default=None, metavar="S",
                       help="the style latent drawn from the prior with this seed (default: "
                       "random, printed)")
    where.add_argument("--from", dest="source", type=Path, default=None, metavar="IMAGE",
                       help="the style of this image: the latent an exported tile records, "
                       "else where the model encodes the image")
    p.add_argument("--name", default=None, metavar="FAMILY",
                   help="the font's family name (default: the model's name and a tag of the "
                   "latent)")
    p.add_argument("--device", choices=DEVICE_CHOICES, default="cpu",
                   help="compute device (default cpu)")
    add_threads_option(p)
    p.set_defaults(handler=run, outputs={"out": (".otf",)})


def style_from_image(path: Path, model, metadata: dict) -> tuple:
    """(latent, how it was found): an exported tile's recorded latent, or the image encoded."""
    import numpy as np

    from genai_studio.core.data.image_input import open_image
    from genai_studio.core.data.prepare import prepare, spec_for_model
    from genai_studio.core.errors import ImageFileError
    from genai_studio.core.export.imagemeta import read_anchor
    from genai_studio.core.latent.encoding import Encoded, encode

    try:
        prov = read_anchor(path, model.latent_dim)
        return np.asarray(prov.latent[0], np.float32), "its recorded latent"
    except ImageFileError as exc:
        if "carries no GenAI Studio provenance" not in str(exc):
            raise
    spec = spec_for_model(model.image_shape, metadata.get("dataset"))
    image = prepare(open_image(path).image, spec)
    for event in encode(model, image):
        if isinstance(event, Encoded):
            return np.asarray(event.latent, np.float32), "encoded"
    raise AssertionError("encode ended without a result")  # pragma: no cover


def run(args: argparse.Namespace) -> int:
    import secrets

    from genai_studio.core.errors import UsageError
    from genai_studio.core.export.typeface import glyph_set, write_typeface
    from genai_studio.core.latent.sampling import draw_latents
    from genai_studio.core.runtime.devices import resolve_device
    from genai_studio.core.store.checkpoints import load_model
    from genai_studio.core.store.files import check_writable

    check_writable(args.out, inputs=[args.model, args.source])
    if args.name is not None and not 0 < len(args.name.strip()) <= 60:
        raise UsageError("--name: give a family name of 1 to 60 characters")
    loaded = load_model(args.model, resolve_device(args.device), expect_kind=GENERATOR_KINDS)
    glyphs = glyph_set(loaded.model, loaded.metadata)
    seed, how = None, None
    if args.source is not None:
        latent, how = style_from_image(args.source, loaded.model, loaded.metadata)
    else:
        seed = args.seed if args.seed is not None else secrets.randbelow(2**31)
        if args.seed is None:
            print(f"seed: {seed}", file=sys.stderr)
        latent = draw_latents(loaded.model, 1, seed).numpy()[0]
    font, family = write_typeface(loaded.model, loaded.metadata, args.model, latent, args.out,
                                  args.name, seed,
                                  None if args.source is None else args.source.name)
    if font.empty:
        print(f"note: the model drew no ink for {''.join(font.empty)!r}; those glyphs are "
              "blank", file=sys.stderr)
    source = f" (style from {args.source.name}: {how})" if how else ""
    print(f"wrote {family!r}: {len(glyphs.chars)} glyphs, {args.out}{source}", file=sys.stderr)
    return 0
