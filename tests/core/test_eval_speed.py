"""Eval's fast paths give the numbers of the plain formulas."""

import json

import pytest
import torch

from genai_studio.core.data.mnist import ImageSet
from genai_studio.core.models.registry import VAE, Judge, JudgeConfig, VAEConfig
from genai_studio.core.models.vae import bernoulli_nll
from genai_studio.core.scoring import judge_cache
from genai_studio.core.scoring.metrics import binary_log_likelihood, reference_stats, vae_likelihood


def _test_set(n=30):
    gen = torch.Generator().manual_seed(0)
    return ImageSet(torch.randint(0, 256, (n, 28, 28), dtype=torch.uint8, generator=gen),
                    torch.arange(n) % 10, split="test")


def test_binary_likelihood_equals_bce_on_the_repeated_input():
    gen = torch.Generator().manual_seed(1)
    k, b = 7, 5
    logits = torch.randn(k, b, 1, 28, 28, generator=gen) * 4
    x = torch.bernoulli(torch.full((b, 1, 28, 28), 0.3), generator=gen)
    expected = -bernoulli_nll(logits.reshape(k * b, 1, 28, 28),
                              x.expand(k, *x.shape).reshape(k * b, 1, 28, 28)).reshape(k, b)
    torch.testing.assert_close(binary_log_likelihood(logits.clone(), x), expected,
                               rtol=1e-6, atol=1e-4)


def test_nll_n_takes_the_first_test_digits():
    torch.manual_seed(0)
    vae = VAE(VAEConfig(latent_dim=2, hidden=(16,))).eval()
    test_set = _test_set()
    head = vae_likelihood(vae, ImageSet(test_set.images[:10], test_set.labels[:10]), k=4)
    limited = vae_likelihood(vae, test_set, k=4, limit=10)
    assert limited["nll_nats"] == head["nll_nats"]
    assert limited["nll_images"] == 10 and "first 10 of the 30" in limited["binarization"]
    assert vae_likelihood(vae, test_set, k=4)["nll_images"] == 30


def test_judge_reference_is_cached_per_judge_and_images(tmp_path, monkeypatch):
    monkeypatch.setenv("GENAI_STUDIO_CACHE", str(tmp_path))
    torch.manual_seed(0)
    judge = Judge(JudgeConfig(channels=4, features=8)).eval()
    test_set = _test_set()
    first = reference_stats(judge, test_set)
    assert len(list((tmp_path / "judge").iterdir())) == 1
    monkeypatch.setattr("genai_studio.core.scoring.metrics.judge_outputs",
                        lambda *a, **k: pytest.fail("recomputed a cached reference"))
    again = reference_stats(judge, test_set)
    assert all(torch.equal(a, b) for a, b in zip(first, again, strict=True))
    other = Judge(JudgeConfig(channels=4, features=8)).eval()  # other weights: another entry
    assert judge_cache.stats_key(other, test_set.images) != \
        judge_cache.stats_key(judge, test_set.images)
    entry = next((tmp_path / "judge").iterdir())
    entry.write_bytes(b"damaged")
    monkeypatch.undo()
    monkeypatch.setenv("GENAI_STUDIO_CACHE", str(tmp_path))
    recomputed = reference_stats(judge, test_set)  # a damaged entry is recomputed
    torch.testing.assert_close(recomputed[1], first[1])


def test_eval_reports_each_parts_seconds_and_bounds_the_nll(tmp_path, capsys):
    from genai_studio.cli import main
    from genai_studio.core.store.checkpoints import model_metadata, save_model

    torch.manual_seed(0)
    paths = {}
    for name, model in {"judge": Judge(JudgeConfig(channels=4, features=8)),
                        "vae": VAE(VAEConfig(latent_dim=2, hidden=(16,)))}.items():
        paths[name] = save_model(tmp_path / f"{name}.safetensors", model,
                                 model_metadata(model, training={}, metrics={}))
    code = main(["eval", str(paths["vae"]), "--judge", str(paths["judge"]), "--n", "20",
                 "--k", "2", "--nll-n", "50", "--json"])
    scores = json.loads(capsys.readouterr().out)
    assert code == 0 and scores["nll_images"] == 50
    assert set(scores["seconds"]) == {"judge_samples", "judge_reference", "reconstructions",
                                      "iwae", "converging", "ndb_and_pixel_fd"}
    assert scores["device"] == "cpu"
