"""Glyph datasets from font files (``core.data.fonts``, ``dataset fonts``): labelled images,
hostile font files refused in one clear line, fonts lacking characters skipped, nothing lost."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from genai_studio.core.data.datasets import (
    load_dataset,
    load_dataset_labels,
    read_dataset_info,
    save_dataset,
)
from genai_studio.core.data.font_dataset import FontProgress, make_font_dataset, scan_fonts
from genai_studio.core.data.fonts import GlyphGrid, check_chars, read_font
from genai_studio.core.errors import DataError, OutputError, UsageError
from tests.core.font_files import font_bytes, write_font
from tests.core.test_cli import assert_one_line_error, run_cli

CHARS = "ABCab01"


def _report(paths, chars=CHARS, size=28):
    events = list(scan_fonts(paths, chars, size))
    assert isinstance(events[0], FontProgress) and events[-1].chars == chars
    return events[-1]


def test_glyphs_share_one_baseline_and_size_and_keep_their_widths(tmp_path):
    font = write_font(tmp_path / "a.ttf", CHARS, widths={"A": 600, "B": 150})
    report = _report([font])
    assert report.kept == 1 and report.skipped == []
    assert report.images.shape == (len(CHARS), 28, 28) and report.images.dtype == np.uint8
    assert list(report.labels) == list(range(len(CHARS))) and set(report.styles) == {0}
    grid = GlyphGrid.for_size(28)
    ink = report.images > 127
    for k in range(len(CHARS)):
        rows = np.flatnonzero(ink[k].any(axis=1))
        assert abs(rows[-1] + 1 - grid.baseline) <= 1  # every box sits on the baseline
    widths = [np.flatnonzero(ink[k].any(axis=0)).size for k in range(2)]
    assert widths[0] > 2.5 * widths[1]  # the font's own widths survive: A is wide, B narrow


def test_fonts_lacking_characters_are_skipped_with_what_they_lack(tmp_path):
    full = write_font(tmp_path / "fonts" / "full.ttf", CHARS, name="Full")
    write_font(tmp_path / "fonts" / "sub" / "short.otf", "ABC", name="Short")
    (tmp_path / "fonts" / "notes.txt").write_text("not looked at: no font suffix")
    report = _report([tmp_path / "fonts"])
    assert report.names == ["Full Regular"] and report.sources == [str(full)]
    (skip,) = report.skipped
    assert skip.reason == "lacks characters" and "'ab01'" in skip.detail
    assert any("skipped" in line and "short.otf" in line for line in report.lines())


@pytest.mark.parametrize("make, reason", [
    (lambda: font_bytes(CHARS)[:300], "damaged"),  # truncated in its tables
    (lambda: font_bytes(CHARS)[:8], "damaged"),  # truncated in its header
    (lambda: b"this is plain text, named .ttf", "not a font"),
    (lambda: b"\x89PNG\r\n\x1a\n" + bytes(100), "not a font"),
    (lambda: font_bytes(""), "no glyphs"),  # an empty character map
    (lambda: font_bytes(CHARS, empty=CHARS), "no glyphs"),  # every glyph draws nothing
    (lambda: font_bytes(CHARS, empty="b"), "no glyphs"),  # one glyph draws nothing
    (lambda: b"ttcf\x00\x01\x00\x00\xff\xff\xff\xff", "damaged"),  # a collection that lies
    (lambda: b"OTTO" + os.urandom(2000), "damaged"),
])
def test_hostile_font_files_are_refused_with_a_reason(tmp_path, make, reason):
    path = tmp_path / "hostile.ttf"
    path.write_bytes(make())
    refused = read_font(path, CHARS, GlyphGrid.for_size(28))
    assert isinstance(refused, DataError) and refused.reason == reason, refused
    assert "\n" not in str(refused) and len(str(refused)) < 200


@pytest.mark.parametrize("names", [
    {"A": "Alpha", "B": "Beta", "C": "Chi", "a": "alpha", "b": "beta"},  # Symbol: Greek
    {c: f"a{10 + k}" for k, c in enumerate(CHARS)},  # Dingbats: Zapf's a1-a191
])
def test_a_symbol_font_whose_letters_are_other_shapes_is_skipped(tmp_path, names):
    """A symbol font (URW's Standard Symbols PS and Dingbats on most Linux desktops) maps
    'A' to Alpha or to a star: labelled 'A', it would teach the model that a star is an A."""
    symbol = write_font(tmp_path / "fonts" / "symbols.otf", CHARS, glyph_names=names)
    plain = write_font(tmp_path / "fonts" / "plain.ttf", CHARS, name="Plain",
                       glyph_names={"A": "A", "B": "B.alt", "a": "uni0061", "0": "zero"})
    report = _report([tmp_path / "fonts"])
    assert report.sources == [str(plain)]  # real names and generic ones (g66) are kept
    (skip,) = report.skipped
    assert skip.path == str(symbol) and skip.reason == "symbol font", skip
    assert repr(names["A"]) in skip.detail and "\n" not in skip.detail


def test_a_fifo_and_a_huge_file_are_refused_without_reading_them(tmp_path, monkeypatch):
    from genai_studio.core.data import fonts

    fifo = tmp_path / "pipe.ttf"
    os.mkfifo(fifo)
    assert read_font(fifo, CHARS, GlyphGrid.for_size(28)).reason == "unreadable"
    big = write_font(tmp_path / "big.ttf", CHARS)
    monkeypatch.setattr(fonts, "MAX_FONT_BYTES", 100)
    assert read_font(big, CHARS, GlyphGrid.for_size(28)).reason == "too large"


def test_the_dataset_keeps_labels_and_styles_and_trains_as_labelled(tmp_path):
    paths = [write_font(tmp_path / f"f{k}.ttf", CHARS, name=f"Font {k}", weight=60 + 40 * k)
             for k in range(3)]
    (tmp_path / "junk.ttf").write_bytes(b"junk")
    path, report = make_font_dataset([*paths, tmp_path / "junk.ttf"], "glyphs", CHARS,
                                     folder=tmp_path / "sets")
    info, _ = read_dataset_info(path)
    assert info.num_images == 3 * len(CHARS)
    assert info.metadata["classes"] == list(CHARS) and len(info.metadata["styles"]) == 3
    assert info.metadata["skipped_fonts"][0]["reason"] == "not a font"
    labels, styles = load_dataset_labels(path)
    assert list(labels[:len(CHARS)]) == list(range(len(CHARS))) and list(np.unique(styles)) \
        == [0, 1, 2]
    data = load_dataset(path)
    assert data.has_labels and data.info["classes"] == list(CHARS)
    assert data.info["glyphs"] == {"size": 28, "em": 22.4, "baseline": 21.0}


def test_nothing_is_written_or_lost_when_no_font_is_usable(tmp_path):
    sets = tmp_path / "sets"
    bad = tmp_path / "bad.ttf"
    bad.write_bytes(font_bytes(CHARS)[:200])
    damaged = bad.read_bytes()
    with pytest.raises(DataError, match="no usable font"):
        make_font_dataset([bad], "glyphs", CHARS, folder=sets)
    assert not sets.exists() or list(sets.iterdir()) == []
    good = write_font(tmp_path / "good.ttf", CHARS)
    kept, _ = make_font_dataset([good], "glyphs", CHARS, folder=sets)
    before = kept.read_bytes()
    with pytest.raises(OutputError, match="exists already"):
        make_font_dataset([good], "glyphs", CHARS, folder=sets)
    assert kept.read_bytes() == before and bad.read_bytes() == damaged


def test_cancel_stops_the_scan_before_anything_is_kept(tmp_path):
    from genai_studio.core.errors import GenAIError

    paths = [write_font(tmp_path / f"f{k}.ttf", CHARS, name=f"F{k}") for k in range(3)]

    class Cancelled(GenAIError):
        pass

    def check():
        raise Cancelled("cancelled")

    with pytest.raises(Cancelled):
        make_font_dataset(paths, "glyphs", CHARS, folder=tmp_path / "sets", check=check)
    assert not (tmp_path / "sets").exists()


def test_forged_labels_are_refused(tmp_path):
    images = np.zeros((4, 28, 28), np.uint8)
    with pytest.raises(UsageError):
        save_dataset(tmp_path / "x.safetensors", images, {"classes": ["a"]},
                     labels=np.array([0, 0, 1, 0]))
    path = save_dataset(tmp_path / "ok.safetensors", images, {"classes": ["a", "b"]},
                        labels=np.array([0, 1, 1, 0]))
    data = bytearray(path.read_bytes())
    header_len = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + header_len])
    meta = json.loads(header["__metadata__"]["metadata"])
    meta["classes"] = ["a"]  # a label now points past the list
    header["__metadata__"]["metadata"] = json.dumps(meta)
    text = json.dumps(header).encode()
    forged = tmp_path / "forged.safetensors"
    forged.write_bytes(len(text).to_bytes(8, "little") + text + bytes(data[8 + header_len:]))
    with pytest.raises(DataError, match="past its list"):
        load_dataset_labels(forged)


def test_chars_are_checked():
    assert check_chars("AAB") == "AB"
    for bad in ("", "A B", "A\x00"):
        with pytest.raises(UsageError):
            check_chars(bad)


def test_a_folder_without_a_font_file_it_can_read_says_which_files_are_read(capsys, tmp_path):
    """A folder of Type 1 fonts (.pfb, .t1, as in /usr/share/fonts/type1) has no file this
    reads: the report says which suffixes are read instead of only '0 font(s) looked at'."""
    (tmp_path / "type1").mkdir()
    (tmp_path / "type1" / "C059-Roman.pfb").write_bytes(b"\x80\x01" + bytes(64))
    code, _, err = run_cli(capsys, "dataset", "fonts", tmp_path / "type1",
                           "--out", tmp_path / "t1.safetensors")
    assert code == 2 and ".ttf, .otf, .ttc or .otc" in err, err
    assert not (tmp_path / "t1.safetensors").exists()


def test_cli_dataset_fonts_reports_and_refuses_in_one_line(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    good = write_font(tmp_path / "g.ttf", CHARS)
    junk = tmp_path / "junk.otf"
    junk.write_bytes(b"nope")
    out = tmp_path / "glyphs.safetensors"
    code, _, err = run_cli(capsys, "dataset", "fonts", good, junk, "--out", out,
                           "--chars", CHARS)
    assert code == 0, err
    assert "kept Test Sans Regular" in err and "junk.otf: not a font" in err
    assert read_dataset_info(out)[0].num_images == len(CHARS)
    code, _, err = run_cli(capsys, "dataset", "fonts", junk, "--out", tmp_path / "n.safetensors")
    assert code == 2 and "no usable font" in err.strip().splitlines()[-1]
    assert not (tmp_path / "n.safetensors").exists()
    code, _, err = run_cli(capsys, "dataset", "fonts", good, "--out", tmp_path / "x.png")
    assert_one_line_error(code, err, "writes a name or .safetensors", ".png")


def test_a_conditional_model_trains_on_glyphs_and_becomes_a_font(capsys, tmp_path):
    paths = [write_font(tmp_path / f"f{k}.ttf", CHARS, name=f"F{k}", weight=50 + 30 * k)
             for k in range(3)]
    data = tmp_path / "glyphs.safetensors"
    assert run_cli(capsys, "dataset", "fonts", *paths, "--out", data, "--chars", CHARS)[0] == 0
    model = tmp_path / "m.safetensors"
    code, _, err = run_cli(capsys, "train", "vae", "--conditional", "--latent-dim", "2",
                           "--epochs", "1", "--data", data, "--out", model, "--threads", "1")
    assert code == 0, err
    from genai_studio.core.store.checkpoints import read_metadata

    meta = read_metadata(model)
    assert meta["config"]["num_classes"] == len(CHARS)
    assert meta["dataset"]["classes"] == list(CHARS) and meta["dataset"]["glyphs"]["size"] == 28
    code, _, err = run_cli(capsys, "font", model, "--seed", "1", "--out", tmp_path / "m.otf")
    assert code == 0, err
    from PIL import ImageFont

    assert ImageFont.truetype(str(tmp_path / "m.otf"), 30).getname()[1] == "Regular"
    # --label names one of the model's characters, in every command that takes it
    code, _, err = run_cli(capsys, "sample", model, "--label", "b", "--n", "4", "--seed", "1",
                           "--out", tmp_path / "b.png")
    assert code == 0, err
    code, out, err = run_cli(capsys, "encode", model, tmp_path / "b.png", "--label", "a")
    assert code == 0 and "character 'a'" in out, err
    code, _, err = run_cli(capsys, "sample", model, "--label", "Z", "--out", tmp_path / "z.png")
    assert_one_line_error(code, err, "draws these characters: ABCab01")
    plain = save_dataset(tmp_path / "plain.safetensors", np.zeros((8, 28, 28), np.uint8), {})
    code, _, err = run_cli(capsys, "train", "vae", "--conditional", "--epochs", "1", "--data",
                           plain, "--out", tmp_path / "x.safetensors")
    assert_one_line_error(code, err, "has no labels")


def test_the_cli_defaults_are_the_cores():
    """The parser keeps its own copies (it is built before NumPy may load): they must agree."""
    from genai_studio.cli import build_parser
    from genai_studio.core.data.fonts import DEFAULT_CHARS, SIZES

    args = build_parser().parse_args(["dataset", "fonts", "x.ttf", "--out", "n"])
    assert args.chars == DEFAULT_CHARS and args.size == 28
    sub = build_parser()._subparsers._group_actions[0].choices["dataset"]
    fonts = sub._subparsers._group_actions[0].choices["fonts"]
    size = next(a for a in fonts._actions if a.dest == "size")
    assert tuple(size.choices) == SIZES
    from genai_studio.core.data.prepare import FITS

    create = sub._subparsers._group_actions[0].choices["create"]
    assert tuple(next(a for a in create._actions if a.dest == "fit").choices) == FITS


def test_a_glyph_drawn_dark_on_light_prepares_as_the_dataset_drew_it(tmp_path):
    """What an artist brings to a glyph model (``font --from``, ``encode``, a drop on the pad) is
    usually a letter drawn or scanned dark on light, larger than the model: the glyph fit makes
    it the dataset's own picture again (light on dark, its place on the baseline kept)."""
    from PIL import Image

    from genai_studio.core.data.prepare import prepare, spec_for_model

    path, report = make_font_dataset([write_font(tmp_path / "f.ttf", CHARS)], "glyphs", CHARS,
                                     folder=tmp_path / "sets")
    info, _ = read_dataset_info(path)
    spec = spec_for_model((1, 28, 28), info.metadata)
    assert spec.fit == "glyph"
    for k in range(len(CHARS)):
        glyph = report.images[k].astype(np.float32) / 255.0
        scan = Image.fromarray(255 - report.images[k]).resize((112, 112), Image.Resampling.BICUBIC)
        prepared = prepare(scan, spec)
        assert prepared.shape == (28, 28)
        assert np.abs(prepared - glyph).mean() < 0.05, CHARS[k]
        assert np.abs(prepare(Image.fromarray(report.images[k]), spec) - glyph).mean() < 0.02
        # drawn at any size, anywhere on a canvas of any shape: set as the dataset sets it
        rows, cols = np.nonzero(report.images[k] > 127)
        letter = Image.fromarray(255 - report.images[k][rows.min():rows.max() + 1,
                                                        cols.min():cols.max() + 1])
        for canvas, height, at in (((512, 512), 300, (60, 150)), ((1000, 700), 120, (700, 40))):
            page = Image.new("L", canvas, 255)
            page.paste(letter.resize((max(1, round(letter.width * height / letter.height)),
                                      height), Image.Resampling.BICUBIC), at)
            assert np.abs(prepare(page, spec) - glyph).mean() < 0.05, (CHARS[k], canvas)
    from genai_studio.core.data.prepare import BlankImage

    with pytest.raises(BlankImage):
        prepare(Image.new("L", (64, 64), 255), spec)


def test_a_timed_run_on_glyphs_is_not_scored_as_digits(capsys, tmp_path):
    """The judge reads MNIST digits: a timed run on the artist's own images (here glyphs) is
    scored against its own data, not given a likeness to real digits that means nothing."""
    data = tmp_path / "glyphs.safetensors"
    font = write_font(tmp_path / "f.ttf", CHARS)
    assert run_cli(capsys, "dataset", "fonts", font, "--out", data, "--chars", CHARS)[0] == 0
    code, _, err = run_cli(capsys, "train", "vae", "--minutes", "0.02", "--data", data,
                           "--out", tmp_path / "m.safetensors", "--threads", "1")
    assert code == 0, err
    assert "scores against " in err and "variety" in err and "judge FD" not in err, err
