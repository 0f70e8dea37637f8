"""``genai-studio animate`` and ``info IMAGE``; ``sample`` writes provenance too."""

from __future__ import annotations

import hashlib
import json
import os

import numpy as np
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from genai_studio.core.export.imagemeta import KEY
from tests.core.test_cli import assert_one_line_error, run_cli


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_sample_png_carries_provenance_that_info_prints(capsys, tmp_path, vae_file):
    grid = tmp_path / "grid.png"
    assert run_cli(capsys, "sample", vae_file, "--n", "9", "--seed", "4", "--out", grid)[0] == 0
    code, out, err = run_cli(capsys, "info", grid)
    assert code == 0, err
    info = json.loads(out)
    assert info["model_sha256"] == _sha(vae_file) and info["model_name"] == "vae"
    assert info["seed"] == 4 and info["sample_count"] == 9 and info["kind"] == "grid"
    assert np.asarray(info["latent"]).shape == (9, 2) and info["app_version"]


def test_animate_writes_every_format_with_provenance(capsys, tmp_path, vae_file):
    for out, frames in (("m.gif", 1), ("m.png", 1), ("m.webp", 1), ("frames/", 12)):
        target = f"{tmp_path}/{out}"
        code, _, err = run_cli(capsys, "animate", vae_file, "--seed", "3", "--frames", "12",
                               "--size", "40", "--ping-pong", "--out", target)
        assert code == 0, err
        first = (tmp_path / "frames" / "frame_0000.png") if frames > 1 else tmp_path / out
        with Image.open(first) as im:
            assert im.size == (40, 40) and getattr(im, "n_frames", 1) == 12 // frames
        code, text, _ = run_cli(capsys, "info", first)
        info = json.loads(text)
        assert info["kind"] == "morph" and info["seed"] == 3 and info["sample_count"] == 4
        assert info["animation"]["playback"] == "ping-pong" and len(info["anchors"]) == 4
        assert info["model_sha256"] == _sha(vae_file)
    assert len(list((tmp_path / "frames").iterdir())) == 12


def test_animate_through_anchors_recorded_in_exported_frames(capsys, tmp_path, vae_file):
    frames = f"{tmp_path}/seq/"
    run_cli(capsys, "animate", vae_file, "--seed", "8", "--frames", "5", "--size", "28",
            "--out", frames)
    a, b = tmp_path / "seq" / "frame_0000.png", tmp_path / "seq" / "frame_0004.png"
    code, _, err = run_cli(capsys, "animate", vae_file, "--anchors", a, b, "--frames", "3",
                           "--size", "28", "--easing", "linear", "--out", tmp_path / "ab.png")
    assert code == 0, err
    info = json.loads(run_cli(capsys, "info", tmp_path / "ab.png")[1])
    first = json.loads(run_cli(capsys, "info", a)[1])
    assert info["anchors"][0] == first["latent"][0] and info["seed"] is None
    assert info["latent"][0] == first["latent"][0]


def test_animate_and_info_refuse_bad_input_in_one_line(capsys, tmp_path, vae_file, cvae_file):
    grid = tmp_path / "grid.png"
    run_cli(capsys, "sample", vae_file, "--n", "4", "--seed", "1", "--out", grid)
    cases = [
        (("animate", vae_file, "--out", tmp_path / "x.bmp"), "writes .gif"),
        (("animate", vae_file, "--out", tmp_path / "no" / "x.gif"), "does not exist"),
        (("animate", vae_file, "--anchors", grid, grid, "--out", tmp_path / "x.gif"),
         "holds 4 latents"),
        (("animate", cvae_file, "--anchors", grid, grid, "--out", tmp_path / "x.gif"),
         "made with vae, whose latents have 2 dimensions; this model's have 4"),
        (("animate", vae_file, "--count", "1", "--out", tmp_path / "x.gif"), "at least 2"),
        (("animate", vae_file, "--anchors", grid, "--out", tmp_path / "x.gif"), "two images"),
        (("animate", vae_file, "--frames", "1", "--out", tmp_path / "x.gif"), "at least 2"),
        (("animate", vae_file, "--out", vae_file.with_suffix(".gif"), "--anchors",
          vae_file.with_suffix(".gif"), grid), "also an input"),
        (("animate", vae_file, "--anchors", grid, grid, "--out", grid), "also an input"),
        (("animate", vae_file, "--ink", "red", "--out", tmp_path / "x.gif"), "#rrggbb"),
    ]
    for args, fragment in cases:
        code, _, err = run_cli(capsys, *args)
        assert_one_line_error(code, err, fragment)
    assert not (tmp_path / "x.gif").exists()
    fifo = tmp_path / "tile.png"
    os.mkfifo(fifo)  # must be refused, never opened and waited on
    for args in (("info", fifo), ("animate", vae_file, "--anchors", fifo, fifo, "--out",
                                  tmp_path / "x.gif")):
        code, _, err = run_cli(capsys, *args)
        assert_one_line_error(code, err, "FIFO")
    plain = tmp_path / "plain.png"
    Image.new("L", (4, 4)).save(plain)
    record = json.loads(run_cli(capsys, "info", grid)[1])
    info = PngInfo()
    info.add_itxt(KEY, json.dumps({**record, "seed": "1"}))
    hostile = tmp_path / "hostile.png"
    Image.new("L", (4, 4)).save(hostile, pnginfo=info)
    for path, fragment in ((plain, "no GenAI Studio provenance"),
                           (hostile, "'seed' must be a whole number")):
        code, _, err = run_cli(capsys, "info", path)
        assert_one_line_error(code, err, fragment)
