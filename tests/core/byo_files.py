"""Makers of the files a user (or an attacker) brings: images of every kind, broken ones."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw


def digit_drawing(size=(300, 300), ink=0, paper=255, mode="L", text_box=None) -> Image.Image:
    """A thick dark '7'-like stroke on light paper (or the colours given)."""
    image = Image.new(mode, size, paper)
    draw = ImageDraw.Draw(image)
    w, h = size
    box = text_box or (0.3 * w, 0.2 * h, 0.7 * w, 0.8 * h)
    x0, y0, x1, y1 = box
    draw.line([(x0, y0), (x1, y0), (x0 + 0.3 * (x1 - x0), y1)], fill=ink,
              width=max(2, int(0.06 * w)))
    return image


def png_with_header_size(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height (grey, 8-bit): a decompression bomb."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat)
            + chunk(b"IEND", b""))


def encoded(image: Image.Image, fmt: str, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def animated_gif() -> bytes:
    frames = [digit_drawing((40, 40), ink=i * 50, mode="L").convert("P") for i in range(3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=50)
    return buffer.getvalue()


def mixed_folder(root: Path) -> dict[str, str]:
    """A folder of good images in every mode and format, and one file of each refusal; returns
    {relative path: expected reason} for the refusals."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "sub" / "deeper").mkdir(parents=True)
    drawing = digit_drawing((120, 90))
    good = {
        "grey.png": encoded(drawing, "PNG"),
        "rgb.jpg": encoded(drawing.convert("RGB"), "JPEG", quality=90),
        "sub/cmyk.jpg": encoded(drawing.convert("CMYK"), "JPEG"),
        "sub/pal.gif": encoded(drawing.convert("P"), "GIF"),
        "sub/rgba.png": encoded(digit_drawing((64, 64), ink=(0, 0, 0, 255),
                                              paper=(0, 0, 0, 0), mode="RGBA"), "PNG"),
        "sub/la.png": encoded(drawing.convert("LA"), "PNG"),
        "sub/bits.bmp": encoded(drawing.convert("1"), "BMP"),
        "sub/deeper/wide.webp": encoded(digit_drawing((400, 60)), "WEBP", lossless=True),
        "sub/deeper/sixteen.png": encoded(Image.fromarray(
            (np.asarray(drawing, np.uint16) * 257).astype(np.uint16)), "PNG"),
        "no-suffix": encoded(digit_drawing((50, 70)), "PNG"),
    }
    refused = {
        "notes.txt": (b"not an image", "not an image"),
        "empty.png": (b"", "not an image"),
        "truncated.jpg": (encoded(digit_drawing((200, 200)), "JPEG")[:400], "unreadable"),
        "sub/truncated.png": (encoded(digit_drawing((200, 200)), "PNG")[:200], "unreadable"),
        "sub/tiny.png": (encoded(digit_drawing((4, 4)), "PNG"), "too small"),
        "sub/anim.gif": (animated_gif(), "animated"),
        "sub/bomb.png": (png_with_header_size(30000, 30000), "decompression bomb"),
        "sub/deeper/big.png": (png_with_header_size(7000, 7000), "decompression bomb"),
        "sub/deeper/copy.png": (good["grey.png"], "duplicate"),
        "sub/blank.png": (encoded(Image.new("L", (40, 40), 255), "PNG"), "blank"),
    }
    for name, data in good.items():
        (root / name).write_bytes(data)
    for name, (data, _) in refused.items():
        (root / name).write_bytes(data)
    return {name: reason for name, (_, reason) in refused.items()}
