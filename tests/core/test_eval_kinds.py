"""``genai-studio eval`` for the VAE-GAN (judge scores of samples and reconstructions, no
likelihood) and the VAE's converging likelihood beside plain IWAE."""

from __future__ import annotations

import json

import pytest
import torch

from genai_studio.cli import main
from genai_studio.core.models.registry import (
    GAN,
    VAE,
    VAEGAN,
    GANConfig,
    Judge,
    JudgeConfig,
    VAEConfig,
    VAEGANConfig,
)
from genai_studio.core.store.checkpoints import model_metadata, save_model


@pytest.fixture()
def files(tmp_path):
    torch.manual_seed(0)
    models = {
        "judge": Judge(JudgeConfig(channels=4, features=8)),
        "vae": VAE(VAEConfig(latent_dim=2, hidden=(16,))),
        "vaegan": VAEGAN(VAEGANConfig(latent_dim=4, channels=4, hidden=8, conditional=True)),
        "gan": GAN(GANConfig(latent_dim=4, channels=4)),
        "cgan": GAN(GANConfig(latent_dim=4, channels=4, conditional=True)),
    }
    return {name: save_model(tmp_path / f"{name}.safetensors", model,
                             model_metadata(model, training={}, metrics={},
                                            dataset={"binarize": "none"}))
            for name, model in models.items()}


def _eval(capsys, *argv):
    code = main(["eval", *map(str, argv)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_vaegan_gets_sample_and_reconstruction_scores_and_no_likelihood(files, capsys):
    code, out, err = _eval(capsys, files["vaegan"], "--judge", files["judge"], "--n", 40,
                           "--json")
    assert code == 0, err
    scores = json.loads(out)
    assert scores["kind"] == "vaegan" and scores["conditional"]
    for key in ("judge_fd", "mean_confidence", "label_accuracy", "reconstruction_accuracy",
                "reconstruction_confidence"):
        assert key in scores, key
    assert scores["reconstruction_n"] == 10000 and 0 <= scores["reconstruction_accuracy"] <= 1
    assert not [key for key in scores if "nll" in key or "elbo" in key]


def test_vae_reports_the_converging_estimate_beside_plain_iwae(files, capsys):
    code, out, err = _eval(capsys, files["vae"], "--judge", files["judge"], "--n", 20, "--k", 4,
                           "--nll-n", 6, "--json")
    assert code == 0, err
    scores = json.loads(out)
    estimate = scores["nll_estimate"]
    assert estimate["method"] == "grid" and estimate["n"] == 6
    assert scores["nll_nats"] == estimate["nll_nats"]
    assert scores["nll_iwae_nats"] >= scores["nll_nats"] - 0.5  # IWAE k=4 is a loose bound
    assert scores["k"] == 4
    _, text, _ = _eval(capsys, files["vae"], "--judge", files["judge"], "--n", 20, "--k", 4,
                       "--nll-n", 6)
    assert "integration over the latent plane" in text and "plain IWAE NLL" in text
    assert "reconstructions" in text


def test_eval_scores_a_gans_curated_samples_beside_its_raw_ones(files, capsys):
    code, out, err = _eval(capsys, files["gan"], "--judge", files["judge"], "--n", 50, "--json")
    assert code == 0, err
    scores = json.loads(out)
    curated = scores["curated"]
    assert curated["keep"] == 0.8 and curated["n"] == 50
    assert {"judge_fd", "mean_confidence", "doubtful_share"} <= set(curated)
    code, out, err = _eval(capsys, files["gan"], "--judge", files["judge"], "--n", 50)
    assert code == 0 and "curated (keep 80%)" in out
    # A conditional model's critic never judged the label: nothing to curate, no refusal.
    code, out, err = _eval(capsys, files["cgan"], "--judge", files["judge"], "--n", 20, "--json")
    assert code == 0, err
    assert "curated" not in json.loads(out)
