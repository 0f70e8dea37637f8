"""The maths of core.metrics against cases whose answers are known in closed form."""

from __future__ import annotations

import math

import pytest
import torch

from genai_studio.core.data.mnist import ImageSet
from genai_studio.core.errors import UsageError
from genai_studio.core.models.registry import GAN, VAE, GANConfig, Judge, JudgeConfig, VAEConfig
from genai_studio.core.models.vae import bernoulli_nll, gaussian_kl
from genai_studio.core.scoring.metrics import (
    draw_samples,
    feature_stats,
    frechet_distance,
    judge_generator,
    log_weights,
    score_samples,
    vae_likelihood,
    vae_likelihood_batch,
)


def _random_spd(dim: int, gen: torch.Generator) -> torch.Tensor:
    a = torch.randn(dim, dim, generator=gen, dtype=torch.float64)
    return a @ a.T / dim + 0.1 * torch.eye(dim, dtype=torch.float64)


def test_frechet_distance_of_a_set_with_itself_is_zero():
    gen = torch.Generator().manual_seed(0)
    feats = torch.randn(500, 16, generator=gen, dtype=torch.float64) @ _random_spd(16, gen)
    mu, cov = feature_stats(feats)
    assert frechet_distance(mu, cov, mu, cov) == pytest.approx(0.0, abs=1e-8)


def test_frechet_distance_of_shifted_gaussians_is_squared_mean_distance():
    gen = torch.Generator().manual_seed(1)
    cov = _random_spd(8, gen)
    mu1 = torch.randn(8, generator=gen, dtype=torch.float64)
    shift = torch.randn(8, generator=gen, dtype=torch.float64)
    expected = float(shift.pow(2).sum())
    assert frechet_distance(mu1, cov, mu1 + shift, cov) == pytest.approx(expected, rel=1e-9)


def test_frechet_distance_matches_closed_form_for_diagonal_covariances():
    # Diagonal C1, C2: tr(C1 + C2 - 2 (C1 C2)^1/2) = sum_j (s1_j - s2_j)^2 for std devs s.
    s1 = torch.tensor([1.0, 2.0, 0.5], dtype=torch.float64)
    s2 = torch.tensor([3.0, 1.0, 0.5], dtype=torch.float64)
    mu = torch.zeros(3, dtype=torch.float64)
    got = frechet_distance(mu, torch.diag(s1**2), mu + 1.0, torch.diag(s2**2))
    assert got == pytest.approx(3.0 + float((s1 - s2).pow(2).sum()), rel=1e-9)


def test_frechet_distance_non_commuting_covariances_matches_eigen_reference():
    # Reference: tr((C1 C2)^1/2) from the eigenvalues of the (non-symmetric) product C1 C2.
    gen = torch.Generator().manual_seed(2)
    c1, c2 = _random_spd(6, gen), _random_spd(6, gen)
    mu = torch.zeros(6, dtype=torch.float64)
    eig = torch.linalg.eigvals(c1 @ c2).real.clamp(min=0)
    expected = float(torch.trace(c1) + torch.trace(c2) - 2 * eig.sqrt().sum())
    assert frechet_distance(mu, c1, mu, c2) == pytest.approx(expected, rel=1e-8)


def test_score_samples_shares_deviation_confidence_and_label_accuracy():
    probs = torch.zeros(10, 10, dtype=torch.float64)
    predicted = torch.tensor([0, 0, 1, 2, 3, 4, 5, 6, 7, 8])  # no 9, two 0s
    probs[torch.arange(10), predicted] = 0.8
    probs += 0.2 / 10
    feats = torch.randn(10, 4, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    requested = predicted.clone()
    requested[1] = 9  # one sample judged as 0 although a 9 was asked for
    scores = score_samples(probs, feats, feature_stats(feats), requested)
    assert scores["class_shares"][0] == pytest.approx(0.2)
    assert scores["class_shares"][9] == 0.0
    assert scores["max_class_deviation"] == pytest.approx(0.1)
    assert scores["mean_confidence"] == pytest.approx(0.82)
    assert scores["label_accuracy"] == pytest.approx(0.9)
    assert scores["judge_fd"] == pytest.approx(0.0, abs=1e-6)


def _tiny_vae(latent_dim: int = 2, conditional: bool = False, seed: int = 0) -> VAE:
    torch.manual_seed(seed)
    return VAE(VAEConfig(latent_dim=latent_dim, hidden=(32,), conditional=conditional)).eval()


def _binary_batch(n: int, seed: int = 0) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return torch.bernoulli(torch.full((n, 1, 28, 28), 0.2), generator=gen)


def test_log_weights_average_is_the_elbo():
    # E_q[log w] = ELBO: the k = 1 IWAE estimate equals the ELBO in expectation.
    vae, x = _tiny_vae(), _binary_batch(3)
    with torch.no_grad():
        log_w, log_px_z, kl = log_weights(vae, x, None, 20000, torch.Generator().manual_seed(0))
        # Analytic ELBO from many samples of the reconstruction term.
        elbo = log_px_z.double().mean(dim=0) - kl.double()
        spread = log_w.double().std(dim=0) / math.sqrt(log_w.shape[0])
    assert torch.all((log_w.double().mean(dim=0) - elbo).abs() < 5 * spread + 1e-3)
    mu, logvar = vae.encode(x)
    assert torch.allclose(kl, gaussian_kl(mu, logvar))


def test_iwae_k1_equals_one_sample_log_weight():
    vae, x = _tiny_vae(), _binary_batch(4)
    _, nll = vae_likelihood_batch(vae, x, None, 1, torch.Generator().manual_seed(5))
    with torch.no_grad():
        log_w, _, _ = log_weights(vae, x, None, 1, torch.Generator().manual_seed(5))
    assert torch.allclose(nll, -log_w[0].double(), atol=1e-5)


def test_iwae_bound_is_tighter_than_elbo_and_chunking_does_not_change_it():
    vae, x = _tiny_vae(), _binary_batch(4)
    neg_elbo, nll = vae_likelihood_batch(vae, x, None, 64, torch.Generator().manual_seed(1))
    assert torch.all(nll <= neg_elbo + 1e-9)
    # Same random draws in one chunk or in chunks of 4 samples: same estimate.
    _, nll_chunked = vae_likelihood_batch(vae, x, None, 64, torch.Generator().manual_seed(1),
                                          max_decodes=16)
    assert torch.allclose(nll, nll_chunked, atol=1e-4)


def test_iwae_converges_to_the_exact_marginal_likelihood_of_a_1d_latent():
    # With a 1-d latent, log p(x) = log integral p(x|z) N(z; 0, 1) dz is a quadrature.
    vae, x = _tiny_vae(latent_dim=1, seed=3), _binary_batch(2, seed=4)
    with torch.no_grad():
        z = torch.linspace(-10, 10, 8001, dtype=torch.float64)
        logits = vae.decode_logits(z.float()[:, None])  # (G, 1, 28, 28)
        log_lik = torch.stack([-bernoulli_nll(logits, xi.expand_as(logits)) for xi in x])
        log_prior = -0.5 * (z**2 + math.log(2 * math.pi))
        exact = torch.logsumexp(log_lik.double() + log_prior, dim=1) + math.log(z[1] - z[0])
    _, nll = vae_likelihood_batch(vae, x, None, 5000, torch.Generator().manual_seed(0))
    assert torch.allclose(nll, -exact, atol=0.05)


def test_vae_likelihood_reports_protocol_and_conditional_case():
    test_set = ImageSet(torch.randint(0, 256, (20, 28, 28), dtype=torch.uint8),
                        torch.arange(20) % 10, split="test")
    out = vae_likelihood(_tiny_vae(conditional=True), test_set, k=8, seed=3, batch_size=7)
    assert out["nll_nats"] <= out["neg_elbo_nats"]
    assert out["k"] == 8 and "seed 3" in out["binarization"]
    assert "y the test label" in out["likelihood"]
    again = vae_likelihood(_tiny_vae(conditional=True), test_set, k=8, seed=3, batch_size=7)
    assert again == out  # seeded: the same figures every time
    with pytest.raises(UsageError):
        vae_likelihood(_tiny_vae(), test_set, k=0)


def test_draw_samples_balances_labels_and_is_seeded():
    torch.manual_seed(0)
    gan = GAN(GANConfig(latent_dim=8, channels=4, conditional=True)).eval()
    images, labels = draw_samples(gan, 25, seed=7)
    assert images.shape == (25, 28, 28)
    assert torch.bincount(labels).tolist() == [3, 3, 3, 3, 3, 2, 2, 2, 2, 2]
    assert torch.equal(images, draw_samples(gan, 25, seed=7)[0])
    with pytest.raises(UsageError):
        draw_samples(gan, 0)


def test_judge_generator_scores_have_the_documented_keys():
    torch.manual_seed(0)
    gan = GAN(GANConfig(latent_dim=8, channels=4, conditional=True)).eval()
    judge = Judge(JudgeConfig(channels=4, features=8)).eval()
    test_set = ImageSet(torch.randint(0, 256, (50, 28, 28), dtype=torch.uint8),
                        torch.arange(50) % 10, split="test")
    scores = judge_generator(gan, judge, test_set, n=30, seed=0)
    assert len(scores["class_shares"]) == 10
    assert sum(scores["class_shares"]) == pytest.approx(1.0)
    assert 0.1 <= scores["mean_confidence"] <= 1.0
    assert scores["judge_fd"] >= 0 and 0 <= scores["label_accuracy"] <= 1
    assert scores["n"] == 30
