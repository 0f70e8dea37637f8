"""A typeface from a model (``core.export.typeface``, ``genai-studio font``): an OpenType font
that Pillow loads and types with, metrics from each glyph's ink, the model and the latent in
its name table."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from genai_studio.core.data.fonts import GlyphGrid, render_font
from genai_studio.core.errors import UsageError
from genai_studio.core.export.typeface import (
    FontProvenance,
    GlyphSet,
    build_font,
    glyph_set,
    preview_line,
    read_font_provenance,
)
from tests.core.font_files import font_bytes
from tests.core.test_cli import assert_one_line_error, run_cli

CHARS = "HIWoxg1"


def _glyphs():
    grid = GlyphGrid.for_size(28)
    widths = {"H": 420, "I": 130, "W": 700, "o": 380, "x": 360, "g": 380, "1": 250}
    data = font_bytes(CHARS, widths=widths, weight=90, descend="g")
    images, _ = render_font(data, 0, CHARS, grid)
    return images.astype(np.float32) / 255, GlyphSet(tuple(CHARS), 28, grid.em, grid.baseline)


def _typed(path, text: str, size: int = 64) -> np.ndarray:
    font = ImageFont.truetype(str(path), size)
    image = Image.new("L", (1200, 2 * size), 0)
    ImageDraw.Draw(image).text((10, size // 2), text, font=font, fill=255)
    return np.asarray(image) > 127


def test_a_font_from_glyph_images_loads_in_pillow_and_types(tmp_path):
    images, glyphs = _glyphs()
    prov = FontProvenance("glyph-model", "cd" * 32, (0.5, -1.25), seed=7, family="Test Face")
    font = build_font(images, glyphs, prov, "Test Face")
    path = tmp_path / "face.otf"
    path.write_bytes(font.data)
    assert font.empty == ()
    loaded = ImageFont.truetype(str(path), 64)
    assert loaded.getname() == ("Test Face", "Regular")
    widths = {c: loaded.getlength(c) for c in CHARS}
    assert widths["W"] > widths["H"] > widths["I"]  # advances follow each glyph's ink
    assert widths["I"] < 0.5 * widths["H"]
    ink = _typed(path, "HIW ox g1")
    assert ink.mean() > 0.02
    gap = _typed(path, "H    H").any(axis=0)  # the space has a width
    runs = np.flatnonzero(np.diff(gap.astype(int)))
    assert len(runs) >= 4 and runs[2] - runs[1] > 40
    descender = _typed(path, "g").any(axis=1)
    baseline_row = np.flatnonzero(_typed(path, "x").any(axis=1))[-1]
    assert np.flatnonzero(descender)[-1] > baseline_row + 5  # g reaches below the baseline
    record = read_font_provenance(path)
    assert record["model_name"] == "glyph-model" and record["latent"] == [0.5, -1.25]
    assert record["seed"] == 7 and record["format"] == "genai-studio.typeface"


def test_a_blank_glyph_is_kept_blank_and_reported(tmp_path):
    images, glyphs = _glyphs()
    images[2] = 0.0  # the model drew nothing for W
    font = build_font(images, glyphs, FontProvenance("m", "00" * 32, (0.0,)), "Blank")
    assert font.empty == ("W",)
    images[:] = 0.0
    with pytest.raises(UsageError, match="no ink"):
        build_font(images, glyphs, FontProvenance("m", "00" * 32, (0.0,)), "Blank")


def test_preview_line_sets_glyphs_with_their_widths():
    images, glyphs = _glyphs()
    by_char = dict(zip(CHARS, images, strict=True))
    line = preview_line(by_char, "HI W", glyphs)
    assert line.shape[0] == 28
    narrow, wide = preview_line(by_char, "I", glyphs), preview_line(by_char, "W", glyphs)
    assert wide.shape[1] > 2 * narrow.shape[1]


class _Model:
    conditional, num_classes, image_shape = True, 3, (1, 28, 28)


def test_glyph_set_reads_the_model_record_and_refuses_what_is_not_a_typeface():
    meta = {"dataset": {"classes": ["a", "b", "c"],
                        "glyphs": {"size": 28, "em": 22.4, "baseline": 21}}}
    assert glyph_set(_Model(), meta).chars == ("a", "b", "c")
    broken_cell = {"classes": ["a", "b", "c"], "glyphs": {"em": -1, "baseline": 3}}
    for bad in ({"dataset": {"classes": ["a", "b"]}}, {"dataset": {"classes": ["a", "bb", "c"]}},
                {"dataset": {"classes": ["a", "a", "c"]}},
                {"dataset": {}}, {"dataset": broken_cell}):
        with pytest.raises(UsageError):
            glyph_set(_Model(), bad)
    unconditional = type("U", (), {"conditional": False})()
    with pytest.raises(UsageError, match="conditional"):
        glyph_set(unconditional, meta)


def test_cli_font_from_a_digit_model(capsys, tmp_path, cvae_file, vae_file):
    out = tmp_path / "digits.otf"
    code, _, err = run_cli(capsys, "font", cvae_file, "--seed", "3", "--out", out)
    assert code == 0, err
    font = ImageFont.truetype(str(out), 48)
    assert font.getbbox("0123456789")[2] > 100
    code, info, err = run_cli(capsys, "info", out)
    assert code == 0 and json.loads(info)["seed"] == 3
    code, _, err = run_cli(capsys, "font", vae_file, "--out", tmp_path / "x.otf")
    assert_one_line_error(code, err, "conditional")
    code, _, err = run_cli(capsys, "font", cvae_file, "--out", tmp_path / "x.ttf")
    assert_one_line_error(code, err, "writes .otf")
    # the style of an exported tile: its recorded latent
    tile = tmp_path / "tile.png"
    assert run_cli(capsys, "sample", cvae_file, "--n", "1", "--seed", "9", "--out", tile)[0] == 0
    code, _, err = run_cli(capsys, "font", cvae_file, "--from", tile, "--out", out)
    assert code == 0 and "recorded latent" in err
    _, tile_info, _ = run_cli(capsys, "info", tile)
    _, font_info, _ = run_cli(capsys, "info", out)
    assert json.loads(font_info)["latent"] == json.loads(tile_info)["latent"][0]
