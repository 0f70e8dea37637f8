"""A fitted prior (``fit-prior``), the choice of prior when sampling and scoring, and the
label-free scores (NDB, pixel FD) that rate a model of any dataset."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from genai_studio.core.data.mnist import load_mnist
from genai_studio.core.latent.sampling import sample
from genai_studio.core.scoring.label_free import label_free_scores
from genai_studio.core.store.checkpoints import load_model, read_metadata
from tests.core.test_cli import assert_one_line_error, run_cli


@pytest.fixture(scope="module")
def fitted_file(vae_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("fitted") / "vae-fitted.safetensors"
    code = run_cli_plain("fit-prior", vae_file, "--out", out, "--components", "4",
                         "--threads", "1")
    assert code == 0
    return out


def run_cli_plain(*args) -> int:
    from genai_studio.cli import main

    return main([str(a) for a in args])


def _images(capsys, tmp_path, model, prior, name):
    npy = tmp_path / f"{name}.npy"
    code, _, err = run_cli(capsys, "sample", model, "--n", "400", "--seed", "3", "--prior",
                           prior, "--out", tmp_path / f"{name}.png", "--npy", npy)
    assert code == 0, err
    return np.load(npy, allow_pickle=False)


def test_fit_prior_keeps_the_weights_and_records_the_fit(vae_file, fitted_file):
    before, after = load_model(vae_file), load_model(fitted_file)
    for key, value in before.model.state_dict().items():
        assert torch.equal(value, after.model.state_dict()[key]), key
    record = read_metadata(fitted_file)["fitted_prior"]
    assert record["components"] == 4 and record["points"] == 60000
    assert after.model.fitted_prior is not None and before.model.fitted_prior is None


def test_samples_come_from_the_fit_unless_the_standard_normal_is_asked_for(
        capsys, tmp_path, vae_file, fitted_file):
    own = _images(capsys, tmp_path, fitted_file, "own", "own")
    fitted = _images(capsys, tmp_path, fitted_file, "fitted", "fitted")
    standard = _images(capsys, tmp_path, fitted_file, "standard", "standard")
    plain = _images(capsys, tmp_path, vae_file, "own", "plain")
    np.testing.assert_array_equal(own, fitted)  # a fitted model's own prior is its fit
    np.testing.assert_array_equal(standard, plain)  # N(0, I) as before the fit
    assert not np.allclose(fitted, standard)
    # The latents follow the mixture: their spread is the fit's, not N(0, I)'s.
    model = load_model(fitted_file).model
    z = torch.from_numpy(sample(model, 4000, 3).latents)
    prior = model.fitted_prior
    mean = (prior.weights[:, None] * prior.means).sum(0)
    torch.testing.assert_close(z.mean(0), mean, atol=0.1, rtol=0)
    z_standard = torch.from_numpy(sample(model, 4000, 3, fitted=False).latents)
    torch.testing.assert_close(z_standard.std(0), torch.ones(2), atol=0.08, rtol=0)


def test_the_choice_of_prior_is_refused_where_it_cannot_apply(capsys, tmp_path, vae_file,
                                                             gan_file):
    code, _, err = run_cli(capsys, "sample", vae_file, "--prior", "fitted",
                           "--out", tmp_path / "x.png")
    assert_one_line_error(code, err, "fitted prior")
    assert not (tmp_path / "x.png").exists()
    code, _, err = run_cli(capsys, "fit-prior", gan_file, "--out", tmp_path / "g.safetensors")
    assert_one_line_error(code, err, "encoder")
    code, _, err = run_cli(capsys, "fit-prior", vae_file, "--out", vae_file)
    assert code == 2 and "Traceback" not in err
    code, _, err = run_cli(capsys, "fit-prior", vae_file, "--out", tmp_path / "k.safetensors",
                           "--components", "100000")
    assert code == 2 and not (tmp_path / "k.safetensors").exists()


def test_eval_scores_a_model_against_named_data_without_a_judge(capsys, fitted_file):
    code, out, err = run_cli(capsys, "eval", fitted_file, "--data", "mnist", "--n", "300",
                             "--json")
    assert code == 0, err
    scores = json.loads(out)
    assert scores["prior"] and scores["data"] == "mnist"
    assert 0 <= scores["ndb"] <= scores["ndb_bins"] and scores["pixel_fd"] > 0
    assert "judge_fd" not in scores


def test_label_free_scores_tell_real_digits_from_a_collapsed_model():
    mnist = load_mnist("train")
    images = mnist.images.numpy()[:6000].astype(np.float32) / 255.0
    train, digits = images[:4000], images[4000:]  # one set of writers: test's differ from it
    real = label_free_scores(train, digits)
    ones = digits[mnist.labels.numpy()[4000:6000] == 1]
    collapsed = label_free_scores(train, np.resize(ones, digits.shape))
    noise = label_free_scores(train, np.random.default_rng(0).random(digits.shape,
                                                                       dtype=np.float32))
    assert real["ndb"] <= 0.25 * real["ndb_bins"]
    assert collapsed["ndb"] >= 0.5 * collapsed["ndb_bins"]
    assert real["pixel_fd"] * 5 < collapsed["pixel_fd"] < noise["pixel_fd"]


def test_sample_keep_drops_what_the_critic_doubts_and_refuses_models_without_one(
        capsys, tmp_path, vae_file, gan_file, fitted_file):
    every = _images(capsys, tmp_path, gan_file, "own", "every")
    npy = tmp_path / "kept.npy"
    code, _, err = run_cli(capsys, "sample", gan_file, "--n", "400", "--seed", "3", "--keep",
                           "0.8", "--npy", npy)
    assert code == 0, err
    kept = np.load(npy)
    assert kept.shape == every.shape and not np.allclose(kept, every)
    code, _, err = run_cli(capsys, "sample", gan_file, "--n", "400", "--seed", "3", "--keep",
                           "0.8", "--npy", tmp_path / "again.npy")
    np.testing.assert_array_equal(np.load(tmp_path / "again.npy"), kept)  # seeded
    for model, words in ((vae_file, "no critic"), (fitted_file, "no critic")):
        code, _, err = run_cli(capsys, "sample", model, "--keep", "0.8", "--seed", "1",
                               "--out", tmp_path / "x.png")
        assert_one_line_error(code, err, words)
    code, _, err = run_cli(capsys, "sample", gan_file, "--keep", "0.2")
    assert code == 2 and "0.5 to 1" in err


def test_data_that_does_not_fit_the_model_is_refused_in_one_line(capsys, tmp_path, vae_file,
                                                               cvae_file, gan_file,
                                                               monkeypatch):
    """Found by review: RGB images fitted to a grey model crashed; an unlabelled set was
    fitted to a conditional model as if every image were a 0; eval --data --write replaced
    the file's own scores; an empty data name meant the current folder."""
    from PIL import Image, ImageDraw

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    for colour, name in (("rgb", "colour"), ("grey", "plain")):
        folder = tmp_path / name
        folder.mkdir()
        for k in range(12):
            image = Image.new("RGB" if colour == "rgb" else "L", (28, 28), "white")
            ImageDraw.Draw(image).line((6 + k, 4, 20, 24 - k), fill="black", width=3)
            image.save(folder / f"{k}.png")
        code, _, err = run_cli(capsys, "dataset", "create", folder, "--out", name, "--size",
                               "28", "--colour", colour)
        assert code == 0, err
    out = tmp_path / "fitted.safetensors"
    code, _, err = run_cli(capsys, "fit-prior", vae_file, "--out", out, "--data", "colour",
                           "--components", "2")
    assert_one_line_error(code, err, "28x28 grey", "RGB")
    code, _, err = run_cli(capsys, "fit-prior", cvae_file, "--out", out, "--data", "plain",
                           "--components", "2")
    assert_one_line_error(code, err, "no labels")
    code, _, err = run_cli(capsys, "fit-prior", vae_file, "--out", out, "--data", "",
                           "--components", "2")
    assert_one_line_error(code, err, "empty data name")
    assert not out.exists()
    code, _, err = run_cli(capsys, "eval", gan_file, "--data", "colour", "--n", "20")
    assert_one_line_error(code, err, "RGB")
    before = read_metadata(gan_file).get("metrics")
    code, _, err = run_cli(capsys, "eval", gan_file, "--data", "plain", "--n", "20", "--write")
    assert_one_line_error(code, err, "own training data")
    assert read_metadata(gan_file).get("metrics") == before
    code, _, err = run_cli(capsys, "fit-prior", vae_file, "--out", out, "--data", "plain",
                           "--components", "2")
    assert code == 0, err
    assert read_metadata(out)["fitted_prior"]["dataset"] == "plain"  # what it was fitted to
    code, _, err = run_cli(capsys, "sample", gan_file, "--prior", "fitted")
    assert_one_line_error(code, err, "no encoder")
