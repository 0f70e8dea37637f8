"""A model of the artist's own images is scored honestly wherever it is scored: the studio's
Score and a timed run's closing scores give the label-free variety (NDB) and likeness (pixel
FD) against its own dataset, as ``eval`` does, and never the digit judge's verdict.

Found by the issue-18 audit: a GAN trained on 32x32 RGB images ended its timed run with "not
scored", the library's Score failed on it, and a 28x28 grey model of letters was judged as
digits."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from PIL import Image, ImageDraw

from genai_studio.core.store.checkpoints import read_metadata
from tests.core.test_cli import run_cli

JUDGE = Path(__file__).resolve().parents[2] / "models" / "judge.safetensors"


@pytest.fixture
def own_data(tmp_path, monkeypatch, capsys):
    """Two datasets of the artist's: 'shapes' (28x28 RGB) and 'strokes' (28x28 grey)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    for colour, name in (("rgb", "shapes"), ("grey", "strokes")):
        folder = tmp_path / name
        folder.mkdir()
        for k in range(60):
            image = Image.new("RGB", (28, 28), "white")
            box = (3 + k % 9, 3 + k % 7, 14 + k % 11, 16 + k % 9)
            ImageDraw.Draw(image).ellipse(box, fill=((40 * k) % 256, 90, 200 - 3 * k % 200))
            image.save(folder / f"{k}.png")
        code, _, err = run_cli(capsys, "dataset", "create", folder, "--out", name, "--size",
                               "28", "--colour", colour, "--fit", "crop")
        assert code == 0, err
    return tmp_path


def _own_gan(path: Path, data: str, channels: int) -> Path:
    from genai_studio.core.models.registry import GANConfig, build_model
    from genai_studio.core.store.checkpoints import model_metadata, save_model

    torch.manual_seed(0)
    model = build_model(GANConfig(channels=8, image_shape=(channels, 28, 28)))
    save_model(path, model, model_metadata(model, dataset={"name": data}, training={}))
    return path


@pytest.mark.parametrize(("data", "channels"), [("shapes", 3), ("strokes", 1)])
def test_the_library_scores_a_model_of_own_images_against_its_own_data(own_data, data,
                                                                      channels):
    from genai_studio.core.store.library import score_model
    from genai_studio.ui.library.scores import headline, score_rows

    path = _own_gan(own_data / f"{data}.safetensors", data, channels)
    metrics = score_model(path, JUDGE, n=200, device="cpu", write=True)
    assert metrics["data"] == data and 0 <= metrics["ndb"] <= metrics["ndb_bins"]
    assert metrics["pixel_fd"] > 0 and "judge_fd" not in metrics  # no digit verdict
    assert read_metadata(path)["metrics"] == metrics  # kept in the file
    rows = dict(score_rows(metrics))
    assert "NDB" in rows["variety"] and "pixel FD" in rows["likeness"]
    assert "quality" not in rows  # not "not scored yet"
    assert "variety" in headline(metrics) and "likeness" in headline(metrics)


def test_a_timed_run_on_own_images_ends_with_its_label_free_scores(own_data, capsys):
    out = own_data / "timed.safetensors"
    code, _, err = run_cli(capsys, "train", "gan", "--data", "shapes", "--channels", "8",
                           "--minutes", "0.05", "--threads", "1", "--out", out)
    assert code == 0, err
    assert "not scored" not in err
    assert "variety" in err and "likeness" in err
    metrics = read_metadata(out)["metrics"]
    assert metrics["data"] == "shapes" and "pixel_fd" in metrics
