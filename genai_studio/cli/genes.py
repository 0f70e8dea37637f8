"""``genai-studio attributes MODEL`` (a model's genes) and ``genai-studio breed MODEL PARENTS``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from genai_studio.cli import add_threads_option, float_in, int_in, seed_int
from genai_studio.core.defaults import DEVICE_CHOICES, GENERATOR_KINDS
from genai_studio.core.errors import UsageError


def register(commands: argparse._SubParsersAction) -> None:
    a = commands.add_parser(
        "attributes", help="a model's genes: named directions such as slant and thickness",
        description="List the model's genes (slant, stroke thickness, width, height, ink, "
        "roundness; hue, brightness and saturation for colour models; and any the artist "
        "named in the studio): each one's unit, how it was found and what it was measured to "
        "do. Genes are found from the model's own samples the first time (a minute "
        "or so) and kept beside the model as NAME.genes.json.")
    a.add_argument("model", type=Path, metavar="MODEL", help="a .safetensors model file")
    a.add_argument("--json", action="store_true", help="print one JSON object")
    a.add_argument("--recompute", action="store_true",
                   help="find the measured genes again (the artist's own are kept)")
    a.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    add_threads_option(a)
    a.set_defaults(handler=run_attributes)

    b = commands.add_parser(
        "breed", help="children of two or more exported images, by crossover and mutation",
        description="Breed children from parents exported by GenAI Studio (their provenance "
        "holds their latents): each child crosses two parents coordinate by coordinate and is "
        "mutated by --spread. The PNG grid's provenance holds every child's latent and the "
        "lineage (each parent's latent, seed and model sha256), so any child can be re-made "
        "and reopened. A parent that is a whole grid needs its tile: FILE.png#N (1-based).")
    b.add_argument("model", type=Path, metavar="MODEL")
    b.add_argument("parents", nargs="+", metavar="PARENT.png")
    b.add_argument("--n", type=int_in(1, 1024), default=16, help="children (default 16)")
    b.add_argument("--spread", type=float_in(0.0, 1.0), default=0.3, metavar="S",
                   help="how far children go from their parents: 0 mixes them only, 1 owes "
                   "them nothing (default 0.3)")
    b.add_argument("--seed", type=seed_int, default=None, metavar="S",
                   help="the brood's seed; the same seed gives the same children")
    b.add_argument("--out", type=Path, required=True, metavar="FILE.png")
    b.add_argument("--scale", type=int_in(1, 64), default=2)
    b.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    add_threads_option(b)
    b.set_defaults(handler=run_breed, outputs={"out": (".png",)})


def _judge_path() -> Path:
    from genai_studio.core.defaults import JUDGE_FILE
    from genai_studio.core.store.resources import shipped_models_dir

    return shipped_models_dir() / JUDGE_FILE


def load_genes(model_path: Path, model, recompute: bool = False):  # noqa: ANN001, ANN201
    """The model's genes (found and kept now if need be), saying so on stderr."""
    import time

    from genai_studio.core.export.provenance import file_sha256
    from genai_studio.core.genes.finding import genes_for

    started = time.perf_counter()
    genes, found = genes_for(model, model_path, file_sha256(model_path), _judge_path(),
                             recompute=recompute)
    if found:
        print(f"found {len(genes.genes)} genes in {time.perf_counter() - started:.1f} s "
              f"(kept beside the model for next time)", file=sys.stderr)
    return genes


def run_attributes(args: argparse.Namespace) -> int:
    from genai_studio.core.runtime.devices import resolve_device
    from genai_studio.core.store.checkpoints import load_model
    from genai_studio.core.store.sidecar import beside

    loaded = load_model(args.model, resolve_device(args.device), expect_kind=GENERATOR_KINDS)
    genes = load_genes(args.model, loaded.model, args.recompute)
    if args.json:
        print(json.dumps(attributes_report(genes, beside(args.model)), indent=2))
        return 0
    print(f"{args.model.name}: {len(genes.genes)} genes, found from {genes.how}")
    for g in genes.genes:
        measured = "" if len(g.effect) < 2 or g.source != "measure" else \
            f"; measured +1 -> {g.effect[0]:+.2f}, +2 -> {g.effect[1]:+.2f}"
        if len(g.held) == 4:
            measured += f"; held to the digit +1 -> {g.held[0]:+.2f}, +2 -> {g.held[1]:+.2f}"
        print(f"  {g.name:<12} unit: {g.unit}{measured}")
    for note in genes.notes:
        print(f"  (left out: {note})")
    return 0


def attributes_report(genes, sidecar: Path) -> dict:  # noqa: ANN001
    rows = []
    for g in genes.genes:
        row = {"name": g.name, "unit": g.unit, "how": g.how, "source": g.source}
        if g.source == "measure":
            row.update({"measured_effect": {"+1": g.effect[0], "+2": g.effect[1]},
                        "cross_talk_at_+1": g.cross, "fit_r2": g.fit,
                        "measure_sd": g.sigma, "measure_unit": g.measure_unit,
                        "held_to_the_digit": None if len(g.held) != 4 else {
                            "measured_effect": {"+1": g.held[0], "+2": g.held[1],
                                                "-1": g.held[2], "-2": g.held[3]},
                            "strengths": list(g.strengths)}})
        else:
            row["groups_apart"] = g.effect[0] if g.effect else None
        rows.append(row)
    return {"model_sha256": genes.model_sha256, "latent_dim": genes.latent_dim,
            "found_from": genes.how, "left_out": list(genes.notes), "sidecar": str(sidecar),
            "genes": rows}


def parent_of(text: str, latent_dim: int, sha256: str):  # noqa: ANN201 - Parent
    """A parent from ``FILE.png`` or ``FILE.png#N`` (N 1-based)."""
    from genai_studio.core.genes.breeding import parent_from_image

    name, _, tile = text.rpartition("#") if "#" in text else (text, "", "")
    if tile and not tile.isdigit():
        raise UsageError(f"{text}: #N must be a tile number")
    return parent_from_image(Path(name), latent_dim, sha256, int(tile) - 1 if tile else None)


def run_breed(args: argparse.Namespace) -> int:
    import secrets

    import numpy as np

    from genai_studio.cli.sample import check_grid
    from genai_studio.core.export.imagemeta import png_info
    from genai_studio.core.export.provenance import Provenance, file_sha256
    from genai_studio.core.export.render import save_png, tile_grid
    from genai_studio.core.genes.breeding import Lineage
    from genai_studio.core.genes.finding import free_coordinates
    from genai_studio.core.latent.sampling import decode
    from genai_studio.core.runtime.devices import resolve_device
    from genai_studio.core.store.checkpoints import load_model
    from genai_studio.core.store.files import check_writable

    if len(args.parents) < 2:
        raise UsageError("breeding needs at least two parents")
    check_writable(args.out, inputs=[args.model, *(Path(p.split("#")[0]) for p in args.parents)])
    loaded = load_model(args.model, resolve_device(args.device), expect_kind=GENERATOR_KINDS)
    model = loaded.model
    sha = file_sha256(args.model)
    parents = tuple(parent_of(text, model.latent_dim, sha) for text in args.parents)
    seed = args.seed if args.seed is not None else secrets.randbelow(2**31)
    if args.seed is None:
        print(f"seed: {seed}", file=sys.stderr)
    lineage = Lineage(parents, seed, args.spread, args.n)
    latents, labels = lineage.children(free_coordinates(model))
    if model.conditional and labels is None:
        raise UsageError("a conditional model's parents must say their digit")
    images = decode(model, latents, labels if model.conditional else None)
    check_grid(images.shape, args.n, args.scale)
    from genai_studio.core.defaults import model_stem

    prov = Provenance(model_name=model_stem(args.model), model_sha256=sha, latent=latents,
                      kind="grid", sample_count=args.n,
                      labels=None if labels is None else tuple(int(v) for v in labels),
                      lineage=lineage)
    save_png(args.out, tile_grid(images, scale=args.scale), inputs=[args.model],
             pnginfo=png_info(prov))
    kept = np.asarray(latents).shape[0]
    print(f"wrote {kept} children of {len(parents)} parents: {args.out}", file=sys.stderr)
    return 0
