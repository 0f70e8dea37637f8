"""``genai-studio eval``: JSON keys, --write into the model file, refusals with exit 2."""

from __future__ import annotations

import json

import pytest
import torch

from genai_studio.cli import main
from genai_studio.core.models.registry import GAN, VAE, GANConfig, Judge, JudgeConfig, VAEConfig
from genai_studio.core.store.checkpoints import (
    load_model,
    model_metadata,
    read_metadata,
    save_model,
)


@pytest.fixture()
def files(tmp_path):
    torch.manual_seed(0)
    paths = {}
    models = {
        "judge": Judge(JudgeConfig(channels=4, features=8)),
        "vae": VAE(VAEConfig(latent_dim=2, hidden=(16,))),
        "cgan": GAN(GANConfig(latent_dim=4, channels=4, conditional=True)),
    }
    for name, model in models.items():
        paths[name] = save_model(tmp_path / f"{name}.safetensors", model,
                                 model_metadata(model, training={"seed": 1}, metrics={}))
    return paths


def _eval(capsys, *argv):
    try:
        code = main(["eval", *map(str, argv)])
    except SystemExit as exc:  # argparse refuses bad option values by exiting
        code = exc.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_eval_vae_json_has_judge_and_likelihood_keys(files, capsys):
    code, out, _ = _eval(capsys, files["vae"], "--judge", files["judge"], "--n", 40, "--k", 2,
                         "--nll-n", 20, "--json")
    assert code == 0, _
    scores = json.loads(out)  # exactly one JSON object on stdout
    for key in ("class_shares", "max_class_deviation", "mean_confidence", "judge_fd",
                "neg_elbo_nats", "nll_nats", "n", "k", "binarization"):
        assert key in scores, key
    assert "label_accuracy" not in scores  # unconditional
    assert scores["n"] == 40 and scores["k"] == 2
    assert scores["nll_nats"] <= scores["neg_elbo_nats"]


def test_eval_conditional_gan_writes_scores_into_the_file(files, capsys):
    before = load_model(files["cgan"])
    code, out, err = _eval(capsys, files["cgan"], "--judge", files["judge"], "--n", 20,
                           "--write")
    assert code == 0 and "label accuracy" in out and "written" in err
    meta = read_metadata(files["cgan"])
    assert 0 <= meta["metrics"]["label_accuracy"] <= 1
    assert "nll_nats" not in meta["metrics"]  # not a VAE
    assert meta["training"] == {"seed": 1} and meta["config"] == before.metadata["config"]
    after = load_model(files["cgan"])
    for (name, a), (_, b) in zip(before.model.state_dict().items(),
                                 after.model.state_dict().items(), strict=True):
        assert torch.equal(a, b), name


@pytest.mark.parametrize("argv, message", [
    (["{judge}", "--judge", "{judge}"], "holds a JUDGE"),
    (["{vae}", "--judge", "{missing}"], "judge file not found"),
    (["{vae}", "--judge", "{vae}"], "holds a VAE"),
    (["{vae}", "--n", "0"], "--n: must be positive"),
    (["{vae}", "--k", "-3"], "--k: must be positive"),
])
def test_eval_refusals_are_one_line_exit_2(files, tmp_path, capsys, argv, message):
    names = {**{k: str(v) for k, v in files.items()}, "missing": str(tmp_path / "no.safetensors")}
    code, out, err = _eval(capsys, *(a.format(**names) for a in argv))
    assert code == 2 and out == ""
    assert message in err and err.strip().count("\n") == 0
