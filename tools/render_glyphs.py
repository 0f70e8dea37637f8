"""Render the letters and digits of this machine's fonts into a folder of PNG files.

    python tools/render_glyphs.py OUT [--count 10000] [--size 64] [--colour] [--chars 0123456789]

A realistic test set that needs no download: every TrueType/OpenType font found under the usual
font folders, each character drawn at a random size, shift and rotation (seeded), dark ink on
light paper, as a user's own scans or drawings would be. Sub-folders per character, so the
folder looks like a real collection (``OUT/A/DejaVuSans-0001.png``).
"""

from __future__ import annotations

import argparse
import random
import string
import sys
from pathlib import Path

FONT_FOLDERS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.fonts",
                "~/.local/share/fonts", "/Library/Fonts", "/System/Library/Fonts",
                "C:/Windows/Fonts")
DEFAULT_CHARS = string.digits + string.ascii_uppercase + string.ascii_lowercase
INKS = ((200, 30, 30), (30, 110, 200), (30, 140, 60), (210, 120, 20), (130, 40, 170),
        (25, 25, 25))  # --colour: pens of six colours on light paper


def find_fonts() -> list[Path]:
    fonts: set[Path] = set()
    for folder in FONT_FOLDERS:
        root = Path(folder).expanduser()
        if root.is_dir():
            for pattern in ("*.ttf", "*.otf", "*.TTF", "*.OTF"):
                fonts.update(root.rglob(pattern))
    # Maths and symbol fonts draw letters as other glyphs or not at all.
    return sorted(p for p in fonts if "math" not in p.name.lower()
                  and "symbol" not in p.name.lower())


def render(font_path: Path, char: str, side: int, rng: random.Random, colour: bool = False):
    """One glyph at a random size, rotation (+-15 degrees) and shift: dark on light, or with
    ``colour`` one of six coloured inks on a slightly tinted light paper."""
    from PIL import Image, ImageDraw, ImageFont

    scale = 4  # draw large, then downsample: smooth edges like a scan
    big = side * scale
    font = ImageFont.truetype(str(font_path), int(big * rng.uniform(0.45, 0.8)))
    if colour:
        paper = tuple(rng.randint(225, 255) for _ in range(3))
        ink = INKS[rng.randrange(len(INKS))]
        mode = "RGB"
    else:
        paper, ink, mode = 255, rng.randint(0, 60), "L"
    canvas = Image.new(mode, (big, big), paper)
    draw = ImageDraw.Draw(canvas)
    left, top, right, bottom = draw.textbbox((0, 0), char, font=font)
    x = (big - (right - left)) / 2 - left + rng.uniform(-0.1, 0.1) * big
    y = (big - (bottom - top)) / 2 - top + rng.uniform(-0.1, 0.1) * big
    draw.text((x, y), char, font=font, fill=ink)
    canvas = canvas.rotate(rng.uniform(-15, 15), Image.Resampling.BICUBIC, fillcolor=paper)
    return canvas.resize((side, side), Image.Resampling.LANCZOS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to write (created)")
    parser.add_argument("--count", type=int, default=10000, help="images to write")
    parser.add_argument("--size", type=int, default=64, help="side of each PNG in px")
    parser.add_argument("--chars", default=DEFAULT_CHARS, help="characters to draw")
    parser.add_argument("--colour", action="store_true",
                        help="coloured inks on tinted light paper (RGB files)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    fonts = find_fonts()
    if not fonts:
        print("render_glyphs: no fonts found", file=sys.stderr)
        return 2
    rng = random.Random(args.seed)
    for i in range(args.count):
        char = args.chars[i % len(args.chars)]
        font = fonts[rng.randrange(len(fonts))]
        folder = args.out / (char if char.isdigit() or char.isupper() else f"{char}_lower")
        folder.mkdir(parents=True, exist_ok=True)
        render(font, char, args.size, rng, args.colour).save(folder / f"{font.stem}-{i:05d}.png")
    print(f"wrote {args.count} glyphs from {len(fonts)} fonts to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
