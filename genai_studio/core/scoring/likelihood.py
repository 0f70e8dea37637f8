"""Test-set log-likelihoods of VAEs that converge, beside the plain IWAE bound.

IWAE with the encoder as proposal (``core.metrics``) is a stochastic lower bound on log p(x): it
is only as good as q(z|x), and where the encoder misplaces a posterior (10-12 of q's standard
deviations away happens) k = 500 samples never find it and the NLL comes out too high.

2-D latents: integration over the plane.
    p(x) = integral of p(x|z) N(z; 0, I) dz, by the midpoint rule on an adaptive grid. Level 0
    is a grid of spacing h0 over the square [-R, R]^2; at each level every cell whose mass
    estimate p(x|z_c) N(z_c) h^2 lies within ``threshold`` nats of the digit's largest is split
    into four (spacing halves); the others stay as leaves. A digit stops refining when one more
    level (a twice-finer grid where it has mass) changes its log p(x) by less than ``tol``
    nats. The decoded grid points are shared by every digit of a batch (digits are batched by
    where their mass lies), and log p(x|z) for a batch of binary digits X and decoded logits L
    is one matrix product: X L^T - sum_pixels softplus(L).

Larger latents: importance sampling with a refined proposal.
    For each digit, q's mean and log-variance are refined by gradient ascent on the ELBO with the
    decoder fixed (``refine_steps`` Adam steps of ``refine_samples`` reparameterised samples),
    then IWAE runs with the defensive mixture  r(z) = 1/2 q_encoder(z|x) + 1/2 q_refined(z|x)
    as proposal:  log p(x) ~ logsumexp_i [log p(x|z_i) + log p(z) - log r(z_i)] - log k.
    The mixture can never do much worse than the encoder alone (its weights are at most twice
    the encoder's), and the refined component finds posteriors the encoder misplaced.

Both need only ``decode_logits`` and ``encode``; figures are nats per digit on the test digits
binarised once (the protocol of ``core.metrics``).
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F

from genai_studio.core.data.mnist import ImageSet
from genai_studio.core.models.vae import VAE, bernoulli_nll, gaussian_kl
from genai_studio.core.scoring.metrics import binarize_fixed

_LOG_2PI = math.log(2.0 * math.pi)

# ----------------------------------------------------------------------------- 2-D: the grid


def _centres(ij: torch.Tensor, h: float, radius: float) -> torch.Tensor:
    """Cell centres (P, 2) of integer cell indices ij (P, 2) at spacing h over [-R, R]^2."""
    return -radius + (ij.double() + 0.5) * h


@torch.inference_mode()
def _decode_cells(vae: VAE, labels: torch.Tensor | None, ij: torch.Tensor, h: float,
                  radius: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Decoded logits (P, 784) of cell centres and their log [N(z_c; 0, I) h^2] (P,)."""
    z = _centres(ij, h, radius)  # float64 (P, 2)
    y = None if labels is None else labels.expand(z.shape[0])
    device = next(vae.parameters()).device
    logits = vae.decode_logits(z.to(device, torch.float32), y).flatten(1)
    log_pz = -0.5 * z.pow(2).sum(dim=1) - _LOG_2PI + 2.0 * math.log(h)
    return logits, log_pz.to(device)


@torch.inference_mode()
def _log_cell_mass(vae: VAE, x: torch.Tensor, labels: torch.Tensor | None, ij: torch.Tensor,
                   h: float, radius: float, chunk: int = 8192,
                   decoded: tuple[torch.Tensor, torch.Tensor] | None = None) -> torch.Tensor:
    """log [p(x_n | z_c) N(z_c; 0, I) h^2] (B, P), float64, for binary digits x (B, 784) and
    cells ij (P, 2); ``decoded``: the cells' logits and prior terms, if already computed.

    ``labels``: one label for the whole batch (a conditional VAE's decoder depends on it).
    log p(x|z) = x . l - sum softplus(l) is summed in float32 (|error| ~1e-4 nats at ~100-nat
    magnitudes) and accumulated in float64."""
    out = []
    for start in range(0, ij.shape[0], chunk):
        if decoded is None:
            logits, log_pz = _decode_cells(vae, labels, ij[start:start + chunk], h, radius)
        else:
            logits, log_pz = (t[start:start + chunk] for t in decoded)
        log_px_z = x @ logits.T - F.softplus(logits).sum(dim=1)  # (B, p)
        out.append(log_px_z.double() + log_pz)
    return torch.cat(out, dim=1)


def _level0_cells(n0: int, device: torch.device) -> torch.Tensor:
    ii, jj = torch.meshgrid(torch.arange(n0), torch.arange(n0), indexing="ij")
    return torch.stack([ii.flatten(), jj.flatten()], dim=1).to(device)


def _children(parents: torch.Tensor) -> torch.Tensor:
    """The four half-size cells of each parent (U, 2) -> (4U, 2), parent-major."""
    offsets = torch.tensor([[0, 0], [0, 1], [1, 0], [1, 1]], device=parents.device)
    return (2 * parents[:, None, :] + offsets[None]).reshape(-1, 2)


def grid_log_px(
    vae: VAE,
    x: torch.Tensor,
    labels: torch.Tensor | None = None,
    *,
    h0: float = 1 / 16,
    radius: float = 6.0,
    threshold: float = 15.0,
    tol: float = 0.01,
    max_levels: int = 10,
    level0: tuple[torch.Tensor, torch.Tensor] | None = None,
    extra_levels: int = 0,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """log p(x) (B,) by adaptive grid integration for binary digits x (B, 784) of a 2-D VAE;
    also each digit's final spacing (B,) and its last change (B,), |level L - level L-1|.
    ``level0``: the decoded level-0 grid (``level0_grid``), shared by every batch.
    ``extra_levels``: refine each digit that many levels past where it converged (the check:
    with 1, every cell where the digit has mass is split once more, its spacing halved)."""
    x = x.float()
    n0 = int(round(2 * radius / h0))
    h0 = 2 * radius / n0
    ij = _level0_cells(n0, x.device)
    f = _log_cell_mass(vae, x, labels, ij, h0, radius, decoded=level0)  # (B, G0)
    b = x.shape[0]
    leaves = torch.full((b,), -math.inf, dtype=torch.float64, device=x.device)
    estimate = torch.logsumexp(f, dim=1)
    change = torch.full_like(estimate, math.inf)
    frozen = torch.zeros(b, dtype=torch.bool, device=x.device)
    spacing = torch.full_like(estimate, h0)
    extra_left = torch.full((b,), extra_levels, dtype=torch.long, device=x.device)
    h = h0
    for level in range(max_levels + extra_levels):
        if bool(frozen.all()):
            break
        active = f >= f.max(dim=1, keepdim=True).values - threshold
        if level == 0:  # and their neighbours: a narrow peak can sit off a coarse cell's centre
            grid = active.reshape(b, 1, n0, n0).float()
            active = F.max_pool2d(grid, 3, stride=1, padding=1).reshape(b, -1) > 0
        active &= ~frozen[:, None]
        leaves = torch.logaddexp(leaves, torch.logsumexp(f.masked_fill(active, -math.inf), 1))
        columns = active.any(dim=0).nonzero().squeeze(1)
        ij, h = _children(ij[columns]), h / 2
        f = _log_cell_mass(vae, x, labels, ij, h, radius)
        f = f.masked_fill(~active[:, columns].repeat_interleave(4, dim=1), -math.inf)
        refined = torch.logaddexp(leaves, torch.logsumexp(f, dim=1))
        moving = ~frozen
        change = torch.where(moving, (refined - estimate).abs(), change)
        spacing = torch.where(moving, torch.full_like(spacing, h), spacing)
        estimate = torch.where(moving, refined, estimate)
        done = moving & (change < tol)
        more = done & (extra_left > 0)  # converged: go on for the extra levels first
        extra_left = torch.where(more, extra_left - 1, extra_left)
        frozen = frozen | (done & ~more)
    return estimate, spacing, change


@torch.inference_mode()
def _spatial_order(vae: VAE, x: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
    """An order of the digits that batches neighbours in latent space (by the encoder's mean,
    in a serpentine over 0.5-wide columns), so a batch's cells overlap and share decodes."""
    mu, _ = vae.encode(x.reshape(-1, *vae.image_shape).float(), labels)
    column = torch.floor(mu[:, 0] / 0.5)
    row = torch.where(column.remainder(2) == 0, mu[:, 1], -mu[:, 1])
    key = row.double() + 1e3 * column.double()
    if labels is not None:
        key = key + 1e7 * labels.double()  # a conditional decoder is shared within a label
    return torch.argsort(key)


def grid_likelihood(
    vae: VAE, test_set: ImageSet, seed: int = 0, n: int | None = None, batch_size: int = 128,
    **grid: Any,
) -> dict[str, Any]:
    """Test-set NLL of a 2-D VAE by grid integration (see the module docstring)."""
    vae.eval()
    device = next(vae.parameters()).device
    x_all = binarize_fixed(test_set, seed)[:n].flatten(1).to(device)
    labels_all = test_set.labels[: x_all.shape[0]].to(device) if vae.conditional else None
    order = _spatial_order(vae, x_all, labels_all)
    settings = {"h0": 1 / 16, "radius": 6.0, "threshold": 15.0, "tol": 0.01, **grid}
    level0 = None
    if labels_all is None:  # the level-0 grid is decoded once for every batch
        n0 = int(round(2 * settings["radius"] / settings["h0"]))
        level0 = _decode_cells(vae, None, _level0_cells(n0, device), 2 * settings["radius"] / n0,
                               settings["radius"])
    log_px = torch.empty(x_all.shape[0], dtype=torch.float64, device=device)
    spacing, change = torch.empty_like(log_px), torch.empty_like(log_px)
    for start in range(0, order.shape[0], batch_size):
        idx = order[start:start + batch_size]
        if labels_all is not None:  # split the batch where the label changes
            for label in labels_all[idx].unique():
                sub = idx[labels_all[idx] == label]
                log_px[sub], spacing[sub], change[sub] = grid_log_px(
                    vae, x_all[sub], label.reshape(1), **grid)
            continue
        log_px[idx], spacing[idx], change[idx] = grid_log_px(vae, x_all[idx], None,
                                                             level0=level0, **grid)
    return {
        "nll_nats": round(float(-log_px.mean()), 4),
        "method": "grid",
        "n": int(x_all.shape[0]),
        "grid": {**settings, "finest_spacing": float(spacing.min()),
                 "median_spacing": float(spacing.median()),
                 "max_last_change_nats": round(float(change.max()), 4)},
        "per_digit": (-log_px).cpu(),
    }


# ----------------------------------------------------------------------------- any latent size


def _log_normal(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log N(z; mu, diag(exp(logvar))) summed over the last dimension."""
    return -0.5 * ((z - mu).pow(2) / logvar.exp() + logvar + _LOG_2PI).sum(dim=-1)


def refine_proposal(
    vae: VAE, x: torch.Tensor, labels: torch.Tensor | None, mu: torch.Tensor,
    logvar: torch.Tensor, generator: torch.Generator, steps: int = 100, samples: int = 8,
    lr: float = 0.05,
) -> tuple[torch.Tensor, torch.Tensor]:
    """q's (mu, logvar) (B, D) for digits x (B, 1, 28, 28), refined per digit by Adam ascent of
    the ELBO  E_q[log p(x|z)] - KL(q || N(0, I))  with the decoder held fixed."""
    mu, logvar = mu.detach().clone(), logvar.detach().clone()
    mu.requires_grad_(True)
    logvar.requires_grad_(True)
    optimizer = torch.optim.Adam([mu, logvar], lr=lr)
    y = None if labels is None else labels.repeat(samples)
    x_rep = x.expand(samples, *x.shape).reshape(-1, *x.shape[1:])
    with torch.enable_grad():
        for _ in range(steps):
            eps = torch.randn((samples, *mu.shape), generator=generator,
                              device=generator.device).to(mu.device)
            z = (mu + torch.exp(0.5 * logvar) * eps).reshape(-1, mu.shape[1])
            rec = bernoulli_nll(vae.decode_logits(z, y), x_rep).reshape(samples, -1).mean(0)
            loss = (rec + gaussian_kl(mu, logvar)).sum()  # a sum: each digit its own problem
            optimizer.zero_grad(set_to_none=True)
            grad_mu, grad_logvar = torch.autograd.grad(loss, [mu, logvar])
            mu.grad, logvar.grad = grad_mu, grad_logvar
            optimizer.step()
    return mu.detach(), logvar.detach()


@torch.inference_mode()
def mixture_iwae_log_px(
    vae: VAE, x: torch.Tensor, labels: torch.Tensor | None,
    proposals: list[tuple[torch.Tensor, torch.Tensor]], k: int, generator: torch.Generator,
    max_decodes: int = 20000,
) -> torch.Tensor:
    """log p(x) (B,) by importance sampling from the mixture of Gaussian ``proposals``
    [(mu, logvar) (B, D), ...], k samples per digit split evenly between the components
    (stratified: each component's share is drawn from it; the weights use the whole mixture,
    each component weighted by its share of the k draws, so an odd k stays unbiased)."""
    b, components = x.shape[0], len(proposals)
    draws = [k // components + (1 if i < k % components else 0) for i in range(components)]
    log_share = torch.tensor([math.log(d / k) if d else -math.inf for d in draws],
                             device=x.device)[:, None, None]
    lse = torch.full((b,), -math.inf, dtype=torch.float64, device=x.device)
    chunk = max(1, max_decodes // b)
    for (mu, logvar), count in zip(proposals, draws, strict=True):
        for start in range(0, count, chunk):
            size = min(chunk, count - start)
            eps = torch.randn((size, *mu.shape), generator=generator,
                              device=generator.device).to(mu.device)
            z = mu + torch.exp(0.5 * logvar) * eps  # (size, B, D)
            y = None if labels is None else labels.repeat(size)
            logits = vae.decode_logits(z.reshape(-1, mu.shape[1]), y)
            x_rep = x.expand(size, *x.shape).reshape(-1, *x.shape[1:])
            log_px_z = -bernoulli_nll(logits, x_rep).reshape(size, b)
            log_pz = -0.5 * (z.pow(2) + _LOG_2PI).sum(dim=2)
            log_r = torch.logsumexp(
                torch.stack([_log_normal(z, m, v) for m, v in proposals]) + log_share, dim=0)
            lse = torch.logaddexp(lse, torch.logsumexp((log_px_z + log_pz - log_r).double(), 0))
    return lse - math.log(k)


def refined_likelihood(
    vae: VAE, test_set: ImageSet, k: int = 500, seed: int = 0, n: int | None = None,
    batch_size: int = 100, steps: int = 100, samples: int = 4,
) -> dict[str, Any]:
    """Test-set NLL with the mixture of the encoder's q and a per-digit refined q as proposal."""
    vae.eval()
    device = next(vae.parameters()).device
    x_all = binarize_fixed(test_set, seed)[:n]
    labels_all = test_set.labels[: x_all.shape[0]].cpu() if vae.conditional else None
    generator = torch.Generator().manual_seed(seed + 2)
    log_px = torch.empty(x_all.shape[0], dtype=torch.float64)
    for start in range(0, x_all.shape[0], batch_size):
        x = x_all[start:start + batch_size].to(device)
        y = None if labels_all is None else labels_all[start:start + batch_size].to(device)
        with torch.inference_mode():
            encoder = vae.encode(x, y)
        refined = refine_proposal(vae, x, y, *encoder, generator, steps, samples)
        log_px[start:start + batch_size] = mixture_iwae_log_px(
            vae, x, y, [encoder, refined], k, generator).cpu()
    return {
        "nll_nats": round(float(-log_px.mean()), 4),
        "method": "importance sampling",
        "n": int(x_all.shape[0]),
        "proposal": f"1/2 q_encoder + 1/2 q_refined (per digit, {steps} Adam steps on the ELBO "
                    f"with {samples} samples)",
        "k": k,
        "per_digit": -log_px,
    }


def converging_likelihood(vae: VAE, test_set: ImageSet, seed: int = 0, k: int = 500,
                          n: int | None = None, check: bool = False,
                          grid: dict[str, Any] | None = None, steps: int = 100) -> dict[str, Any]:
    """The test-set NLL that ``eval`` reports for a VAE: grid integration for 2-D latents, the
    refined-mixture importance sampler otherwise. ``check``: also run a twice-finer grid (2-D)
    or four times the samples, and report the difference: the estimate has converged when it
    is small. ``grid``: options of ``grid_log_px``; ``steps``: refinement steps per digit."""
    if vae.latent_dim == 2:
        grid = {"h0": 1 / 16, **(grid or {})}
        result = grid_likelihood(vae, test_set, seed, n, **grid)
        if check:
            finer = grid_likelihood(vae, test_set, seed, n, **{**grid, "extra_levels": 1})
            result["check"] = {"what": "a twice-finer grid: each digit's grid refined one more "
                                       "level where it has mass (every final spacing halved)",
                               "nll_nats": finer["nll_nats"], "grid": finer["grid"],
                               "difference_nats": round(finer["nll_nats"] - result["nll_nats"], 4)}
    else:
        result = refined_likelihood(vae, test_set, k, seed, n, steps=steps)
        if check:
            more = refined_likelihood(vae, test_set, 4 * k, seed, n, steps=steps)
            result["check"] = {"what": f"k = {4 * k} samples", "nll_nats": more["nll_nats"],
                               "difference_nats": round(more["nll_nats"] - result["nll_nats"], 4)}
    result.pop("per_digit")
    return result
