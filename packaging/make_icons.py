"""Draw the GenAI Studio icon set into ``resources/icons/`` (SVG, 256 px PNG, ICO, ICNS).

The icon is a pixel-grid "5" (an MNIST-like digit with soft, generated-looking edges) on a
rounded indigo square. Every format is drawn from the same cell list, so they always match; the
outputs are committed, and this script is only rerun when the design changes:

    python packaging/make_icons.py
"""

from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image, ImageDraw

GRID = 8  # cells per side of the digit grid
# Brightness (0..9) of each cell of the digit; the 2-5 values are the "blur" a VAE would give.
DIGIT = [
    "00000000",
    "03999930",
    "03920000",
    "03999820",
    "00000592",
    "00000293",
    "02999950",
    "00000000",
]
BACKGROUND = (49, 46, 129)  # indigo
GLOW = (129, 140, 248)  # lighter indigo for the dim cells
INK = (255, 255, 255)
ICO_SIZES = [16, 24, 32, 48, 64, 128, 256]
ICNS_SIZES = [16, 32, 64, 128, 256, 512, 1024]


def _cells(size: int) -> list[tuple[tuple[int, int, int, int], tuple[int, int, int]]]:
    """Rectangles (x0, y0, x1, y1) and colours of the lit cells for an icon ``size`` px wide."""
    margin = size * 0.14
    cell = (size - 2 * margin) / GRID
    gap = max(cell * 0.08, 0.5)
    out = []
    for row, line in enumerate(DIGIT):
        for col, char in enumerate(line):
            level = int(char) / 9
            if level == 0:
                continue
            colour = tuple(round(g + (i - g) * level) for g, i in zip(GLOW, INK, strict=True))
            x0 = margin + col * cell + gap
            y0 = margin + row * cell + gap
            box = (round(x0), round(y0), round(x0 + cell - 2 * gap), round(y0 + cell - 2 * gap))
            out.append((box, colour))  # type: ignore[arg-type]
    return out


def draw_png(size: int) -> Image.Image:
    # Draw at 4x and downsample: Pillow's shapes are not anti-aliased.
    big = size * 4
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 0.2, fill=BACKGROUND)
    for box, colour in _cells(big):
        draw.rounded_rectangle(box, radius=(box[2] - box[0]) * 0.2, fill=colour)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def svg_text(size: int = 256) -> str:
    rects = [
        f'  <rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" '
        f'rx="{(x1 - x0) * 0.2:.1f}" fill="#{r:02x}{g:02x}{b:02x}"/>'
        for (x0, y0, x1, y1), (r, g, b) in _cells(size)
    ]
    bg = "#{:02x}{:02x}{:02x}".format(*BACKGROUND)
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 {size} {size}">',
        f'  <rect width="{size}" height="{size}" rx="{size * 0.2:.1f}" fill="{bg}"/>',
        *rects,
        "</svg>",
        "",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_out = Path(__file__).resolve().parents[1] / "resources" / "icons"
    parser.add_argument("--out", type=Path, default=default_out)
    out: Path = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    (out / "genai-studio.svg").write_text(svg_text(), encoding="utf-8")
    master = draw_png(1024)
    master.resize((256, 256), Image.Resampling.LANCZOS).save(out / "genai-studio.png")
    master.save(out / "genai-studio.ico", sizes=[(s, s) for s in ICO_SIZES])
    master.save(out / "genai-studio.icns", sizes=[(s, s) for s in ICNS_SIZES])
    print(f"icons written to {out}")


if __name__ == "__main__":
    main()
