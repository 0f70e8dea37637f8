"""``genai-studio info FILE``: a model file's metadata, or an image's provenance, as JSON."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"%PDF-")


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "info", help="print a model file's metadata or an image's provenance as JSON",
        description="Print the metadata block of a model file, or the provenance of an image "
        "GenAI Studio wrote (PNG, APNG, WebP, GIF, SVG, PDF: model name and sha256, seed, "
        "latents, ...), "
        "as JSON.")
    p.add_argument("file", type=Path, metavar="FILE",
                   help="a .safetensors model, an image or a font made by genai-studio font")
    p.set_defaults(handler=run, computes=False)  # headers and image metadata: no torch


def is_image(path: Path) -> bool:
    """Decided by the first bytes, like model files: the extension proves nothing."""
    from genai_studio.core.errors import GenAIError
    from genai_studio.core.store.files import open_regular

    try:  # regular files only: a FIFO must never block us
        with open_regular(Path(path)) as fh:
            head = fh.read(12)
    except (GenAIError, OSError):
        return False  # the model reader reports the missing, odd or unreadable file
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"<?xml", b"<svg")):
        return True  # an SVG (GenAI Studio writes its provenance in its metadata)
    return head.startswith(_IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


def is_font(path: Path) -> bool:
    from genai_studio.core.errors import GenAIError
    from genai_studio.core.store.files import open_regular

    try:
        with open_regular(Path(path)) as fh:
            return fh.read(4) in (b"OTTO", b"\x00\x01\x00\x00", b"true")
    except (GenAIError, OSError):
        return False


def run(args: argparse.Namespace) -> int:
    if is_font(args.file):  # a typeface made by `genai-studio font`: its name table's record
        from genai_studio.core.export.typeface import read_font_provenance

        print(json.dumps(read_font_provenance(args.file), indent=2, sort_keys=True))
        return 0
    if is_image(args.file):
        from genai_studio.core.export.imagemeta import read_provenance

        print(json.dumps(read_provenance(args.file).to_dict(), indent=2, sort_keys=True))
        return 0
    from genai_studio.core.store.checkpoints import read_metadata

    print(json.dumps(read_metadata(args.file), indent=2, sort_keys=True))
    return 0
