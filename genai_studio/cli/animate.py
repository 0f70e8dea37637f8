"""``genai-studio animate MODEL``: a morph through seeded or recorded anchors, as an animation."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from genai_studio.cli import SEED_HELP, add_threads_option, int_in, positive_float, seed_int
from genai_studio.cli.outputs import FOLDER
from genai_studio.cli.sample import label_text, resolve_label
from genai_studio.core.defaults import (
    DEVICE_CHOICES,
    GENERATOR_KINDS,
    MAX_ANIMATION_FRAMES,
    MAX_EXPORT_SIDE,
)


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "animate", help="write a morph as GIF, APNG, WebP, PNG frames, SVG or PDF",
        description="Morph through anchors drawn from a seed (the first tiles of that seed's "
        "grid) or through the latents recorded in exported tiles, and write it as .gif, "
        ".png (APNG), .webp, a folder of PNG frames (an --out ending in /), .svg (a sprite "
        "sheet of traced frames, with its JSON map) or .pdf (a traced page per frame). Every file "
        "carries its provenance (see `genai-studio info`).")
    p.add_argument("model", type=Path, metavar="MODEL", help="a .safetensors generator")
    p.add_argument("--out", required=True, metavar="FILE",
                   help="FILE.gif, FILE.png (APNG), FILE.webp, FOLDER/ for PNG frames, "
                   "FILE.svg (sprite sheet) or FILE.pdf (a page per frame)")
    p.add_argument("--seed", type=seed_int, default=None, metavar="S",
                   help=f"seed of the anchors (default: random, printed); {SEED_HELP}")
    p.add_argument("--anchors", type=Path, nargs="+", default=None, metavar="IMAGE",
                   help="morph through the latents of these exported tiles instead (>= 2)")
    p.add_argument("--count", type=int_in(2, 100), default=4, metavar="K",
                   help="anchors drawn from the seed, 2 to 100 (default 4)")
    p.add_argument("--frames", type=int_in(2, MAX_ANIMATION_FRAMES), default=48, metavar="N",
                   help=f"frames in the file, 2 to {MAX_ANIMATION_FRAMES} (default 48)")
    p.add_argument("--size", type=int_in(1, MAX_EXPORT_SIDE), default=256, metavar="PX",
                   help=f"frame width in pixels, up to {MAX_EXPORT_SIDE} (default 256)")
    p.add_argument("--fps", type=positive_float, default=12.0, help="frames per second (12)")
    playback = p.add_mutually_exclusive_group()
    playback.add_argument("--loop", action="store_const", const="loop", dest="playback",
                          help="close the morph back to the first anchor and repeat forever")
    playback.add_argument("--ping-pong", action="store_const", const="ping-pong",
                          dest="playback", help="play forward, then back, forever")
    p.set_defaults(playback="once")
    p.add_argument("--easing", choices=("linear", "ease-in-out"), default="ease-in-out",
                   help="motion between anchors (default ease-in-out: rests on each anchor)")
    p.add_argument("--resampling", choices=("nearest", "lanczos", "ink"), default="lanczos",
                   help="crisp pixels, smooth, or smooth with clean ink edges (lanczos)")
    p.add_argument("--ink", default="#ffffff", metavar="#RRGGBB", help="stroke colour")
    p.add_argument("--paper", default="#000000", metavar="#RRGGBB", help="background colour")
    p.add_argument("--invert", action="store_true", help="swap ink and paper")
    p.add_argument("--transparent", action="store_true",
                   help="transparent paper: the grey level becomes alpha")
    p.add_argument("--label", type=label_text, default=None, metavar="L",
                   help="conditional models: the digit (or a typeface model's character) to "
                   "morph (default: the first anchor's)")
    p.add_argument("--device", choices=DEVICE_CHOICES, default="cpu",
                   help="compute device (default cpu)")
    add_threads_option(p)
    p.set_defaults(handler=run, outputs={"out": (".gif", ".png", ".webp", ".svg", ".pdf",
                                                 FOLDER)})


def _anchors(args: argparse.Namespace, model, seed: int | None):
    """(anchors (k, D), digit of the first anchor or None)."""
    import numpy as np

    from genai_studio.core.export.imagemeta import read_anchor
    from genai_studio.core.latent.sampling import draw_latents, labels_for

    if args.anchors is None:
        labels = labels_for(model, args.count)
        anchors = draw_latents(model, args.count, seed).numpy()
        return anchors, None if labels is None else int(labels[0])
    records = [read_anchor(path, model.latent_dim) for path in args.anchors]
    first = records[0].labels
    return np.concatenate([r.latent for r in records]), None if first is None else first[0]


def run(args: argparse.Namespace) -> int:
    import secrets

    from genai_studio.cli.progress import StatusLine
    from genai_studio.core.errors import UsageError
    from genai_studio.core.export import writers as export
    from genai_studio.core.export.options import ExportStyle, Timing
    from genai_studio.core.export.provenance import Provenance, model_identity
    from genai_studio.core.latent.motion import morph_latents
    from genai_studio.core.latent.sampling import decode
    from genai_studio.core.runtime.devices import resolve_device
    from genai_studio.core.store.checkpoints import load_model
    from genai_studio.core.store.outputs import refuse_inputs

    inputs = [args.model, *(args.anchors or [])]
    refuse_inputs("--out", Path(args.out), inputs)  # before anything else is said about it
    fmt = export.format_for(args.out)
    style = ExportStyle(size=args.size, resampling=args.resampling, ink=args.ink,
                        paper=args.paper, invert=args.invert, transparent=args.transparent)
    timing = Timing(fps=args.fps, playback=args.playback, easing=args.easing)
    if args.anchors is not None and len(args.anchors) < 2:
        raise UsageError("--anchors: a morph needs at least two images")
    export.check_target(Path(args.out), fmt, inputs)
    export.check_animation_size(args.frames, args.size, args.size, fmt, args.transparent)
    loaded = load_model(args.model, resolve_device(args.device), expect_kind=GENERATOR_KINDS)
    model = loaded.model
    chosen = resolve_label(args.label, model, loaded.metadata, args.model.name)
    seed = None
    if args.anchors is None:
        seed = args.seed if args.seed is not None else secrets.randbelow(2**31)
        if args.seed is None:
            print(f"seed: {seed}", file=sys.stderr)
    anchors, first_label = _anchors(args, model, seed)
    label = chosen if chosen is not None else first_label
    latents = morph_latents(anchors, args.frames, args.playback, args.easing)
    images = decode(model, latents, label if model.conditional else None)
    name, sha = model_identity(args.model)
    prov = Provenance(
        model_name=name, model_sha256=sha, latent=latents, kind="morph", seed=seed,
        sample_count=len(anchors) if seed is not None else None, digit=label,
        labels=(label,) * len(latents) if model.conditional else None, anchors=anchors)
    status = StatusLine(sys.stderr)  # on a terminal only: a log gets the one result line
    done = None
    for event in export.export_animation(args.out, images, prov, style, timing, fmt, inputs):
        if isinstance(event, export.ExportProgress) and status.tty:
            status.show(f"{event.stage}: {event.done}/{event.total}",
                        final=event.done == event.total)
        elif isinstance(event, export.ExportDone):
            done = event
    assert done is not None
    print(f"wrote {args.frames} frames ({fmt}): {done.paths[0] if fmt != 'frames' else args.out}",
          file=sys.stderr)
    return 0
