"""Latent priors other than the standard normal: a mixture of Gaussians.

    p(z) = sum_k pi_k N(z; m_k, L_k L_k^T)

Two models use it:
  * a VAE's *fitted* prior (Ghosh et al. 2020, "ex-post density estimation"; Dai & Wipf 2019
    make the same point with a second-stage VAE): after training, the encoder's means of the
    training images are not spread like N(0, I) (the "holes" of the aggregate posterior), so
    decoding N(0, I) draws lands between digits. A mixture fitted to those means by EM samples
    where the data is. The decoder is unchanged; only where z is drawn from changes.
  * a GAN conditioned on clusters of its own training images (self-conditioning, Liu et al.
    2020, with k-means clusters instead of labels): component k is the part of the latent
    space that must draw cluster k (its one-hot in the cluster coordinates), so no cluster can
    be dropped. Its weights pi_k are the clusters' shares of the data.

Every tensor is a buffer, saved with the model; the shapes follow from the config
(``components`` and the latent size), so the loader checks them like any weight.
"""

from __future__ import annotations

import math

import torch
from torch import nn

# EM keeps each covariance's eigenvalues above this (in latent units squared): a component that
# collapses onto a few points would otherwise get a singular covariance and draw only them.
MIN_VARIANCE = 1e-3


class MixturePrior(nn.Module):
    """pi (K,), means (K, D) and Cholesky factors (K, D, D) of a Gaussian mixture."""

    def __init__(self, components: int, latent_dim: int, fixed_gaussians: bool = False) -> None:
        """``fixed_gaussians``: the owner sets the means and Cholesky factors from its config
        on every build, so a file keeps only the weights (the clustered GAN's 50 x 114 x 114
        factors would be 2.6 MB of a 2.5 MB model)."""
        super().__init__()
        self.components, self.latent_dim = components, latent_dim
        self.register_buffer("weights", torch.full((components,), 1.0 / components))
        self.register_buffer("means", torch.zeros(components, latent_dim),
                             persistent=not fixed_gaussians)
        self.register_buffer("scale_tril", torch.eye(latent_dim).repeat(components, 1, 1),
                             persistent=not fixed_gaussians)

    @torch.no_grad()
    def draw(self, n: int, generator: torch.Generator | None = None
             ) -> tuple[torch.Tensor, torch.Tensor]:
        """n latents (n, D) and the component (n,) each came from, drawn on the generator's
        device (CPU by default) so that a seed gives the same latents on every device."""
        device = generator.device if generator is not None else torch.device("cpu")
        weights = self.weights.to(device, torch.float32).clamp(min=0)
        component = torch.multinomial(weights, n, replacement=True, generator=generator)
        eps = torch.randn(n, self.latent_dim, generator=generator, device=device)
        means, tril = self.means.to(device), self.scale_tril.to(device)
        z = means[component] + (tril[component] @ eps.unsqueeze(-1)).squeeze(-1)
        return z, component

    @torch.no_grad()
    def log_prob(self, z: torch.Tensor) -> torch.Tensor:
        """log p(z) (N,) under the mixture."""
        log_r = component_log_probs(z.float(), self.weights, self.means, self.scale_tril)
        return torch.logsumexp(log_r, dim=1)

    def set_gaussians(self, means: torch.Tensor, scale_tril: torch.Tensor,
                      weights: torch.Tensor) -> None:
        """Given components: means (K, D), Cholesky factors (K, D, D), weights (normalised)."""
        self.means.copy_(means)
        self.scale_tril.copy_(scale_tril)
        self.weights.copy_(weights / weights.sum())

    @torch.no_grad()
    def fit(self, z: torch.Tensor, iterations: int = 100, seed: int = 0,
            tolerance: float = 1e-4) -> float:
        """Fit the mixture to points z (N, D) by EM with full covariances, from a k-means++
        start; returns the mean log-likelihood per point (nats) reached."""
        z = z.double()
        n, d = z.shape
        k = self.components
        if n < 2 * k:
            raise ValueError(f"{k} components need at least {2 * k} points, not {n}")
        generator = torch.Generator().manual_seed(seed)
        means = kmeans_pp(z, k, generator)
        cov = torch.cov(z.T).expand(k, d, d).clone()
        weights = torch.full((k,), 1.0 / k, dtype=torch.float64)
        eye = torch.eye(d, dtype=torch.float64)
        previous = -math.inf
        for _ in range(iterations):
            tril = torch.linalg.cholesky(cov + MIN_VARIANCE * eye)
            log_r = component_log_probs(z, weights, means, tril)  # E step
            log_norm = torch.logsumexp(log_r, dim=1, keepdim=True)
            mean_ll = float(log_norm.mean())
            r = (log_r - log_norm).exp()  # (N, K) responsibilities
            counts = r.sum(dim=0) + 1e-10  # M step
            weights = counts / n
            means = (r.T @ z) / counts[:, None]
            cov = torch.stack([((r[:, j, None] * z).T @ z) / counts[j]
                               - torch.outer(means[j], means[j]) for j in range(k)])
            if mean_ll - previous < tolerance:
                break
            previous = mean_ll
        self._load(weights, means, torch.linalg.cholesky(cov + MIN_VARIANCE * eye))
        return float(self.log_prob(z.float()).mean())

    def _load(self, weights: torch.Tensor, means: torch.Tensor, tril: torch.Tensor) -> None:
        self.weights.copy_(weights)
        self.means.copy_(means)
        self.scale_tril.copy_(tril)


def component_log_probs(z: torch.Tensor, weights: torch.Tensor, means: torch.Tensor,
                        scale_tril: torch.Tensor) -> torch.Tensor:
    """log pi_k + log N(z; m_k, L_k L_k^T) for points z (N, D): (N, K). One component at a
    time: an (N, K, D) difference tensor would take gigabytes for 60,000 points."""
    n, d = z.shape
    out = torch.empty(n, means.shape[0], dtype=z.dtype, device=z.device)
    const = d * math.log(2 * math.pi)
    for k in range(means.shape[0]):
        tril = scale_tril[k].to(z.dtype)
        y = torch.linalg.solve_triangular(tril, (z - means[k].to(z.dtype)).T, upper=False)
        log_det = torch.diagonal(tril).log().sum()
        out[:, k] = -0.5 * (y.pow(2).sum(dim=0) + const) - log_det
    return out + weights.to(z.dtype).clamp(min=1e-30).log()


def kmeans_pp(x: torch.Tensor, k: int, generator: torch.Generator) -> torch.Tensor:
    """k starting centres (k, D) chosen from the rows of x by k-means++ (Arthur & Vassilvitskii
    2007): each next centre drawn with probability proportional to its squared distance from
    the nearest centre so far."""
    first = int(torch.randint(x.shape[0], (1,), generator=generator))
    centres = [x[first]]
    nearest = (x - x[first]).pow(2).sum(dim=1)
    for _ in range(1, k):
        index = int(torch.multinomial(nearest.float().clamp(min=0) + 1e-12, 1,
                                      generator=generator))
        centres.append(x[index])
        nearest = torch.minimum(nearest, (x - x[index]).pow(2).sum(dim=1))
    return torch.stack(centres)


def kmeans(x: torch.Tensor, k: int, seed: int = 0, iterations: int = 30
           ) -> tuple[torch.Tensor, torch.Tensor]:
    """Lloyd's k-means on the rows of x (N, F): the centres (k, F) and each row's cluster (N,)."""
    generator = torch.Generator().manual_seed(seed)
    centres = kmeans_pp(x, k, generator)
    assign = torch.zeros(x.shape[0], dtype=torch.long)
    for _ in range(iterations):
        new_assign = nearest_centre(x, centres)
        if torch.equal(new_assign, assign) and _ > 0:
            break
        assign = new_assign
        sums = torch.zeros_like(centres).index_add_(0, assign, x)
        counts = torch.bincount(assign, minlength=k).to(x.dtype)
        empty = counts == 0
        centres = torch.where(empty[:, None], centres, sums / counts.clamp(min=1)[:, None])
    return centres, nearest_centre(x, centres)


def nearest_centre(x: torch.Tensor, centres: torch.Tensor, chunk: int = 8192) -> torch.Tensor:
    """Index (N,) of the nearest of ``centres`` (K, F) to each row of x (N, F)."""
    c2 = centres.pow(2).sum(dim=1)
    out = [((c2 - 2 * x[i:i + chunk] @ centres.T).argmin(dim=1))
           for i in range(0, x.shape[0], chunk)]
    return torch.cat(out)
