"""The command line for the user's own material: dataset, train --data, encode, repair."""

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.core.byo_files import digit_drawing, encoded, mixed_folder
from tests.core.test_cli import assert_one_line_error, run_cli

MODELS = Path(__file__).resolve().parents[2] / "models"


@pytest.fixture
def data_home(tmp_path, monkeypatch):
    home = tmp_path / "data-home"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    return home


def datasets_in(home: Path) -> list[str]:
    folder = home / "GenAI Studio" / "datasets"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_dataset_create_reports_every_skipped_file_then_keeps_one_file(capsys, tmp_path,
                                                                       data_home):
    expected = mixed_folder(tmp_path / "in")
    code, out, err = run_cli(capsys, "dataset", "create", tmp_path / "in", "--out", "mine",
                             "--size", "32", "--colour", "rgb", "--fit", "pad")
    assert code == 0, err
    assert "20 files, 11 images kept (32x32 rgb, pad fit), 9 skipped" in err
    for path, reason in expected.items():
        if reason != "blank":
            assert f"skipped {path}: {reason}" in err
    assert datasets_in(data_home) == ["mine.safetensors"]
    code, out, _ = run_cli(capsys, "dataset", "list", "--json")
    assert json.loads(out)[0]["image_shape"] == [3, 32, 32]
    code, out, _ = run_cli(capsys, "dataset", "info", "mine")
    assert json.loads(out)["counts"]["kept"] == 11
    code, _, err = run_cli(capsys, "dataset", "create", tmp_path / "in", "--out", "mine")
    assert_one_line_error(code, err, "exists already")
    grid = tmp_path / "grid.png"
    assert run_cli(capsys, "dataset", "preview", "mine", "--out", grid)[0] == 0
    assert Image.open(grid).mode == "RGB"
    assert run_cli(capsys, "dataset", "delete", "mine")[0] == 0
    assert datasets_in(data_home) == []


@pytest.mark.parametrize("make", ["empty", "junk", "missing", "file"])
def test_dataset_create_from_nothing_usable_writes_nothing(make, capsys, tmp_path, data_home):
    folder = tmp_path / "in"
    if make in ("empty", "junk"):
        folder.mkdir()
    if make == "junk":
        (folder / "a.txt").write_text("x")
        (folder / "b.png").write_bytes(encoded(digit_drawing((90, 90)), "PNG")[:100])
    if make == "file":
        folder.write_text("x")
    code, out, err = run_cli(capsys, "dataset", "create", folder, "--out", "x", "--json")
    assert code == 2 and "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("genai-studio: error:")
    assert datasets_in(data_home) == []


def test_train_on_a_dataset_then_sample_encode_and_repair_in_colour(capsys, tmp_path,
                                                                    data_home):
    folder = tmp_path / "in"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(40):
        image = Image.fromarray(rng.integers(0, 255, (40, 40, 3), dtype=np.uint8))
        image.save(folder / f"{i}.png")
    assert run_cli(capsys, "dataset", "create", folder, "--out", "noise", "--size", "32",
                   "--colour", "rgb")[0] == 0
    model = tmp_path / "m.safetensors"
    code, _, err = run_cli(capsys, "train", "gan", "--data", "noise", "--channels", "4",
                           "--latent-dim", "4", "--epochs", "1", "--batch-size", "16",
                           "--out", model)
    assert code == 0, err
    npy = tmp_path / "s.npy"
    assert run_cli(capsys, "sample", model, "--n", "3", "--seed", "1", "--npy", npy)[0] == 0
    assert np.load(npy).shape == (3, 32, 32, 3)
    code, out, err = run_cli(capsys, "encode", model, folder / "0.png", "--json", "--steps", "10")
    assert code == 0, err
    assert len(json.loads(out)["images"][0]["latent"]) == 4
    mask = tmp_path / "mask.png"
    Image.fromarray(np.pad(np.full((20, 20), 255, np.uint8), 10)).save(mask)
    out_png = tmp_path / "fixed.png"
    code, _, err = run_cli(capsys, "repair", model, folder / "0.png", "--mask", mask,
                           "--out", out_png, "--alternatives", "2", "--steps", "10")
    assert code == 0, err
    assert Image.open(out_png).size == (32, 32) and Image.open(out_png).mode == "RGB"
    code, _, err = run_cli(capsys, "train", "vae", "--data", "noise", "--conditional",
                           "--out", tmp_path / "c.safetensors")
    assert_one_line_error(code, err, "no labels")


def test_encode_reports_each_image_and_refuses_the_bad_ones(capsys, tmp_path):
    good = tmp_path / "seven.jpg"
    good.write_bytes(encoded(digit_drawing((200, 260)).convert("RGB"), "JPEG"))
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"nope")
    code, out, err = run_cli(capsys, "encode", MODELS / "vae-2d.safetensors", good, bad,
                             tmp_path / "missing.png", "--json")
    assert code == 2
    images = json.loads(out)["images"]
    assert len(images[0]["latent"]) == 2 and images[0]["method"] == "encoder mean"
    assert "not an image" in images[1]["refused"] and "unreadable" in images[2]["refused"]
    assert "Traceback" not in err


def test_repair_refuses_a_mask_of_another_size_and_writes_nothing(capsys, tmp_path):
    image = tmp_path / "d.png"
    image.write_bytes(encoded(digit_drawing((100, 100)), "PNG"))
    mask = tmp_path / "m.png"
    Image.new("L", (50, 50), 255).save(mask)
    out = tmp_path / "out.png"
    code, _, err = run_cli(capsys, "repair", MODELS / "vae-2d.safetensors", image, "--mask",
                           mask, "--out", out)
    assert_one_line_error(code, err, "same size")
    assert not out.exists()
    code, _, err = run_cli(capsys, "repair", MODELS / "judge.safetensors", image, "--mask",
                           mask, "--out", out)
    assert code == 2 and not out.exists()
