"""``genai-studio dataset {create,list,info,preview,delete}``: the user's own image sets."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from genai_studio.cli import int_in
from genai_studio.cli.outputs import NAME
from genai_studio.core.defaults import MODEL_SUFFIX


def register(commands: argparse._SubParsersAction) -> None:
    from genai_studio.cli import OneLineParser

    p = commands.add_parser(
        "dataset", help="make, list, preview and delete datasets of your own images",
        description="Datasets are folders of your images, prepared once (size, colour, fit) and "
        "kept as one file in your GenAI Studio data folder; train on one with "
        "'genai-studio train vae --data NAME'.",
    )
    sub = p.add_subparsers(dest="dataset_command", metavar="ACTION", required=True,
                           parser_class=OneLineParser)
    c = sub.add_parser("create", help="scan a folder (recursively) into a dataset",
                       description="Scan FOLDER and its sub-folders, prepare every image, print a "
                       "report (counts; every skipped file and why), then keep the dataset as "
                       "NAME. Nothing is written when no image is usable or with --dry-run.")
    c.add_argument("folder", type=Path, metavar="FOLDER")
    c.add_argument("--out", required=True, metavar="NAME",
                   help="dataset name (kept in your data folder), or a path ending in "
                   ".safetensors")
    c.add_argument("--size", type=int, choices=(28, 32, 64), default=28,
                   help="side of the square images in px (default 28)")
    c.add_argument("--colour", "--color", choices=("grey", "rgb"), default="grey",
                   help="grey or RGB (default grey)")
    # prepare.FITS, spelled out: the parser is built before the window, without NumPy.
    c.add_argument("--fit", choices=("crop", "pad", "digit", "glyph"), default=None,
                   help="crop: the centred square; pad: the whole image, padded with its border "
                   "colour; digit: MNIST's preparation (ink cropped, fitted in 20/28 of the "
                   "field, centred by mass; grey only); glyph: letters, ink made light on dark, "
                   "the whole image kept (grey only). Default: digit for grey, crop for RGB")
    c.add_argument("--dry-run", action="store_true", help="report only; keep nothing")
    c.add_argument("--force", action="store_true", help="replace a dataset of the same name")
    c.add_argument("--json", action="store_true", help="print the report as one JSON object")
    c.set_defaults(handler=run_create, outputs={"out": (NAME, MODEL_SUFFIX)})
    register_fonts(sub)
    ls = sub.add_parser("list", help="the datasets in your data folder")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(handler=run_list)
    info = sub.add_parser("info", help="a dataset's metadata as JSON")
    info.add_argument("name", metavar="NAME_OR_PATH")
    info.set_defaults(handler=run_info)
    pv = sub.add_parser("preview", help="a PNG grid of a dataset's first images")
    pv.add_argument("name", metavar="NAME_OR_PATH")
    pv.add_argument("--out", type=Path, required=True, metavar="FILE")
    pv.add_argument("--n", type=int_in(1, 10_000), default=64,
                    help="how many of the first images, 1 to 10,000 (default 64)")
    pv.add_argument("--scale", type=int_in(1, 64), default=2,
                    help="PNG pixels per image pixel, 1 to 64 (default 2)")
    pv.set_defaults(handler=run_preview, outputs={"out": (".png",)})
    rm = sub.add_parser("delete", help="delete a dataset file")
    rm.add_argument("name", metavar="NAME_OR_PATH")
    rm.set_defaults(handler=run_delete)


def register_fonts(sub: argparse._SubParsersAction) -> None:
    # core.data.fonts imports NumPy: the window builds this parser before its first paint
    import string

    DEFAULT_CHARS = string.ascii_uppercase + string.ascii_lowercase + string.digits  # noqa: N806
    SIZES = (28, 32, 64)  # noqa: N806 - core.data.fonts.SIZES, checked there too

    f = sub.add_parser(
        "fonts", help="draw the characters of font files into a labelled glyph dataset",
        description="Draw each character of every font file named (or found in the folders "
        "named, recursively) on one baseline at one size, into a dataset whose label is the "
        "character and whose style is the font: train a conditional model on it "
        "(genai-studio train vae --conditional --data NAME) and make typefaces from it "
        "(genai-studio font). Files that are not fonts, damaged fonts and fonts with no glyphs "
        "are refused; fonts lacking a character are skipped; the report lists each.")
    f.add_argument("fonts", type=Path, nargs="+", metavar="FONT_FILE_OR_FOLDER")
    f.add_argument("--out", required=True, metavar="NAME",
                   help="dataset name (kept in your data folder), or a path ending in "
                   ".safetensors")
    f.add_argument("--chars", default=DEFAULT_CHARS, metavar="TEXT",
                   help="the characters to draw (default A-Z a-z 0-9)")
    f.add_argument("--size", type=int, choices=SIZES, default=28,
                   help="side of the square glyph images in px (default 28)")
    f.add_argument("--force", action="store_true", help="replace a dataset of the same name")
    f.add_argument("--json", action="store_true", help="print the report as one JSON object")
    f.set_defaults(handler=run_fonts, outputs={"out": (NAME, MODEL_SUFFIX)})


def run_fonts(args: argparse.Namespace) -> int:
    from genai_studio.core.data.datasets import DATASET, dataset_path
    from genai_studio.core.data.fonts import check_chars
    from genai_studio.core.errors import OutputError
    from genai_studio.core.store.outputs import claim_outputs

    chars = check_chars(args.chars)
    out = dataset_path(args.out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot make {out.parent}: {exc.strerror or exc}") from None
    if os.path.lexists(out) and not args.force:
        raise OutputError(f"a dataset {out.name} exists already; choose another name or "
                          "pass --force")
    # The fonts (and the folders scanned for them) are inputs; --force replaces only a dataset.
    with claim_outputs({"--out": out}, args.fonts, same_kind=DATASET):
        return _fonts(args, chars, out)


def _fonts(args: argparse.Namespace, chars: str, out: Path) -> int:
    from genai_studio.cli.progress import StatusLine
    from genai_studio.core.data.font_dataset import FontProgress, keep_fonts, scan_fonts
    from genai_studio.core.errors import UsageError

    status = StatusLine(sys.stderr)
    started = time.perf_counter()
    for event in scan_fonts(args.fonts, chars, args.size):
        if isinstance(event, FontProgress):
            status.show(f"reading fonts: {event.done}/{event.total} files, {event.kept} kept",
                        final=event.done == event.total)
        else:
            report = event
    if args.json:
        print(json.dumps({"summary": report.summary(), **report.metadata(out.stem)},
                         sort_keys=True))
    else:
        print("\n".join(report.lines()), file=sys.stderr)
    if report.kept == 0:
        raise UsageError("no usable font: nothing was kept")
    name = out.name.removesuffix(MODEL_SUFFIX)
    keep_fonts(report, out, name)
    print(f"dataset: {out} ({report.kept} fonts x {len(chars)} characters, "
          f"{time.perf_counter() - started:.1f} s)", file=sys.stderr)
    return 0


def run_create(args: argparse.Namespace) -> int:
    from genai_studio.core.data.datasets import DATASET, dataset_path
    from genai_studio.core.data.prepare import PrepareSpec
    from genai_studio.core.errors import OutputError
    from genai_studio.core.store.outputs import claim_outputs

    fit = args.fit or ("digit" if args.colour == "grey" else "crop")
    spec = PrepareSpec(args.size, args.colour, fit)
    out = dataset_path(args.out)
    if args.dry_run:
        return _create(args, spec, out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot make {out.parent}: {exc.strerror or exc}") from None
    if os.path.lexists(out) and not args.force:
        raise OutputError(f"a dataset {out.name} exists already; choose another name or "
                          "pass --force")
    # The scanned folder is the input: no file in it is ever replaced, and --force replaces
    # only a dataset.
    with claim_outputs({"--out": out}, [args.folder], same_kind=DATASET):
        return _create(args, spec, out)


def _create(args: argparse.Namespace, spec, out: Path) -> int:
    import signal
    import threading

    from genai_studio.cli.progress import StatusLine
    from genai_studio.core.data.datasets import save_dataset
    from genai_studio.core.data.folder_import import ScanProgress, import_metadata, scan_folder
    from genai_studio.core.errors import UsageError
    from genai_studio.core.validate import printable

    cancel = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: cancel.set())
    status = StatusLine(sys.stderr)
    started = time.perf_counter()
    try:
        for event in scan_folder(args.folder, spec, cancel=cancel):
            if isinstance(event, ScanProgress):
                status.show(f"scanning: {event.done}/{event.total} files, {event.kept} images "
                            "kept", final=event.done == event.total)
            else:
                report = event
    finally:
        signal.signal(signal.SIGINT, previous)
    seconds = time.perf_counter() - started
    if args.json:
        print(json.dumps({**report.to_dict(), "seconds": round(seconds, 2)}, sort_keys=True))
    else:
        print("\n".join(printable(line) for line in report.lines()), file=sys.stderr)
    if report.cancelled:
        print("interrupted: nothing was kept", file=sys.stderr)
        return 130
    if report.kept == 0:
        raise UsageError(f"no usable image in {args.folder}: nothing was kept")
    if args.dry_run:
        print(f"dry run: nothing kept ({seconds:.1f} s)", file=sys.stderr)
        return 0
    name = out.name.removesuffix(".safetensors")
    save_dataset(out, report.images, import_metadata(report, name))
    print(f"dataset: {out} ({report.kept} images, {seconds:.1f} s)", file=sys.stderr)
    return 0


def run_list(args: argparse.Namespace) -> int:
    from genai_studio.core.data.datasets import list_datasets, user_datasets_dir
    from genai_studio.core.validate import printable

    found, problems = list_datasets()
    if args.json:
        print(json.dumps([{"name": d.name, "path": str(d.path), "num_images": d.num_images,
                           "image_shape": list(d.image_shape)} for d in found]))
    else:
        if not found:
            print(f"no datasets in {printable(user_datasets_dir())}", file=sys.stderr)
        for d in found:  # names and paths come from files: escaped, never raw escapes
            c, h, w = d.image_shape
            print(f"{printable(d.name)}\t{d.num_images} images\t{h}x{w} "
                  f"{'grey' if c == 1 else 'RGB'}\t{printable(d.path)}")
    for line in problems:
        print(f"warning: {printable(line)}", file=sys.stderr)
    return 0


def run_info(args: argparse.Namespace) -> int:
    from genai_studio.core.data.datasets import dataset_path, read_dataset_info

    info, _ = read_dataset_info(dataset_path(args.name))
    print(json.dumps(info.metadata, indent=2, sort_keys=True))
    return 0


def run_preview(args: argparse.Namespace) -> int:
    from genai_studio.core.data.datasets import dataset_path, load_dataset_arrays
    from genai_studio.core.export.render import grid_shape, save_png, tile_grid
    from genai_studio.core.store.outputs import claim_outputs

    source = dataset_path(args.name)
    with claim_outputs({"--out": args.out}, [source]):
        info, images = load_dataset_arrays(source)
        first = images[:args.n]
        grid_shape(first.shape, scale=args.scale)  # before the floats are made
        save_png(args.out, tile_grid(first.astype("float32") / 255.0, scale=args.scale),
                 inputs=[source])
    print(f"wrote {len(first)} of {info.num_images} images: {args.out}", file=sys.stderr)
    return 0


def run_delete(args: argparse.Namespace) -> int:
    from genai_studio.core.data.datasets import dataset_path, delete_dataset

    path = dataset_path(args.name)
    delete_dataset(path)
    print(f"deleted {path}", file=sys.stderr)
    return 0
