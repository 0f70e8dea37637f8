"""The converging likelihood estimators against answers known in closed form or by brute force."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from genai_studio.core.models.registry import VAE, VAEConfig
from genai_studio.core.scoring.likelihood import (
    converging_likelihood,
    grid_log_px,
    mixture_iwae_log_px,
    refine_proposal,
)


def _vae(latent_dim: int, seed: int = 0, constant: bool = False) -> VAE:
    torch.manual_seed(seed)
    vae = VAE(VAEConfig(latent_dim=latent_dim, hidden=(8,))).eval()
    if constant:  # p(x|z) does not depend on z: p(x) = p(x|z) for every z
        with torch.no_grad():
            vae.decoder_body[0].weight.zero_()
    return vae


def _digits(n: int, seed: int = 1) -> torch.Tensor:
    return torch.bernoulli(torch.full((n, 784), 0.2), generator=torch.Generator().manual_seed(seed))


def _exact_constant_log_px(vae: VAE, x: torch.Tensor) -> torch.Tensor:
    logits = vae.decode_logits(torch.zeros(1, vae.latent_dim)).flatten()
    return (x * logits - F.softplus(logits)).sum(dim=1).double()


@torch.no_grad()
def test_grid_integrates_the_prior_to_one():
    vae, x = _vae(2, constant=True), _digits(3)
    estimate, spacing, change = grid_log_px(vae, x, h0=0.25)
    torch.testing.assert_close(estimate, _exact_constant_log_px(vae, x), atol=1e-4, rtol=0)
    assert bool((change < 0.01).all()) and bool((spacing > 0).all())


@torch.no_grad()
def test_grid_matches_a_brute_force_fine_grid():
    vae, x = _vae(2, seed=3), _digits(3, seed=2)
    with torch.no_grad():  # a decoder that depends strongly on z: sharp posteriors
        vae.decoder_body[0].weight.mul_(30.0)
    h, radius = 1 / 64, 4.0  # the prior's mass beyond 4 is 1e-4: the same box for both
    estimate, spacing, _ = grid_log_px(vae, x, tol=0.001, h0=0.125, radius=radius)
    axis = -radius + (torch.arange(int(2 * radius / h)) + 0.5) * h
    parts = []
    for z in torch.cartesian_prod(axis, axis).split(32768):  # (P, 2), in chunks
        logits = vae.decode_logits(z).flatten(1).double()
        log_px_z = x.double() @ logits.T - F.softplus(logits).sum(1)
        parts.append(log_px_z - 0.5 * z.double().pow(2).sum(1) - math.log(2 * math.pi))
    brute = torch.logsumexp(torch.cat(parts, dim=1), dim=1) + 2 * math.log(h)
    assert float(spacing.min()) < 1 / 32, "the test needs posteriors the grid must refine"
    torch.testing.assert_close(estimate, brute, atol=0.01, rtol=0)


@torch.no_grad()
def test_the_check_refines_every_digit_one_level_further():
    vae, x = _vae(2, seed=3), _digits(4, seed=2)
    with torch.no_grad():
        vae.decoder_body[0].weight.mul_(30.0)
    estimate, spacing, _ = grid_log_px(vae, x, h0=0.125, radius=4.0)
    finer, finer_spacing, _ = grid_log_px(vae, x, h0=0.125, radius=4.0, extra_levels=1)
    torch.testing.assert_close(finer_spacing, spacing / 2)  # each digit's grid, twice as fine
    torch.testing.assert_close(finer, estimate, atol=0.05, rtol=0)


@torch.no_grad()
def test_an_odd_number_of_samples_keeps_the_mixture_estimate_exact():
    vae, x = _vae(5, constant=True), _digits(3)
    # Two different components, 7 draws split 4 / 3: the weights must use those shares.
    wide, narrow = (torch.zeros(3, 5), torch.full((3, 5), 0.5)), (torch.ones(3, 5),
                                                                 torch.full((3, 5), -1.0))
    estimate = mixture_iwae_log_px(vae, x.reshape(-1, 1, 28, 28), None, [wide, narrow], 7,
                                   torch.Generator().manual_seed(0))
    # A constant decoder: p(x|z) does not depend on z, so only the prior / proposal ratio
    # varies; averaged over many seeds it is 1 only if the weights are right.
    runs = torch.stack([mixture_iwae_log_px(vae, x.reshape(-1, 1, 28, 28), None,
                                            [wide, narrow], 7,
                                            torch.Generator().manual_seed(s)).exp().double()
                        / _exact_constant_log_px(vae, x).exp().double() for s in range(400)])
    assert estimate.shape == (3,)
    torch.testing.assert_close(runs.mean(0), torch.ones(3, dtype=torch.float64), atol=0.1,
                               rtol=0)


@torch.no_grad()
def test_importance_sampling_from_the_exact_posterior_is_exact():
    vae, x = _vae(5, constant=True), _digits(3)
    prior = (torch.zeros(3, 5), torch.zeros(3, 5))  # the posterior of a constant decoder
    estimate = mixture_iwae_log_px(vae, x.reshape(-1, 1, 28, 28), None, [prior, prior], 64,
                                   torch.Generator().manual_seed(0))
    torch.testing.assert_close(estimate, _exact_constant_log_px(vae, x), atol=1e-4, rtol=0)


def test_refinement_moves_q_to_the_posterior():
    vae, x = _vae(3, constant=True), _digits(2).reshape(-1, 1, 28, 28)
    start = (torch.full((2, 3), 2.0), torch.full((2, 3), -3.0))  # far from N(0, I)
    mu, logvar = refine_proposal(vae, x, None, *start, torch.Generator().manual_seed(0),
                                 steps=300, samples=4)
    assert float(mu.abs().max()) < 0.1 and float(logvar.abs().max()) < 0.15


@pytest.mark.parametrize("latent_dim", [2, 3])
def test_converging_estimate_is_at_least_the_plain_bound(tiny_train_set, latent_dim):
    from genai_studio.core.scoring.metrics import vae_likelihood

    vae = _vae(latent_dim, seed=5)
    test = tiny_train_set.head(20)
    plain = vae_likelihood(vae, test, k=50)
    better = converging_likelihood(vae, test, k=50, check=True, grid={"h0": 0.25, "radius": 4.0},
                                   steps=20)
    assert better["method"] == ("grid" if latent_dim == 2 else "importance sampling")
    assert better["n"] == 20 and "per_digit" not in better
    assert better["nll_nats"] <= plain["nll_nats"] + 0.05
    assert abs(better["check"]["difference_nats"]) < 0.05
