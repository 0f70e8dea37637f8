"""``genai-studio info MODEL``: a model file's metadata as JSON."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser("info", help="print a model file's metadata as JSON",
                            description="Print the metadata block of a model file as JSON.")
    p.add_argument("model", type=Path, metavar="MODEL", help="a .safetensors model file")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from genai_studio.core.checkpoints import read_metadata

    print(json.dumps(read_metadata(args.model), indent=2, sort_keys=True))
    return 0
