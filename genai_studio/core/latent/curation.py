"""Curated samples: drop the samples the critic doubts (discriminator rejection sampling,
Azadi et al. 2019).

A trained discriminator's logit D~(x) estimates log p_data(x) / p_G(x) (up to the constant of
its optimum). Accepting a generated x with probability p_data(x) / (M p_G(x)) turns p_G into
p_data; with D*_M the largest logit seen on a burn-in of samples, the paper accepts with
probability sigmoid(F(x)), where

    F(x) = D~(x) - D*_M - log(1 - exp(D~(x) - D*_M - eps)) - gamma,

and gamma shifts how many are kept. Here gamma is set on the burn-in so that the expected share
kept is ``keep`` (the artist's "drop the samples the critic doubts" setting keeps 80% by
default). The generator and its latents are unchanged: curation only chooses which fresh
latents a grid or a batch shows. Deterministic for a seed.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import torch

from genai_studio.core.errors import UsageError

BURN_IN = 2000  # samples the critic's largest logit and gamma are read off
EPS = 1e-6
MAX_DRAWS = 20  # a curated draw gives up (and says so) after this many times n candidates
CHUNK = 500


@dataclass(frozen=True)
class Calibration:
    max_logit: float
    gamma: float
    keep: float


_CALIBRATIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def can_curate(model: torch.nn.Module) -> bool:
    """Unconditional models with a discriminator (the GAN, the VAE-GAN): a critic that never
    saw the label would drop whole digits from a conditional model's batch."""
    return getattr(model, "discriminator", None) is not None \
        and not getattr(model, "conditional", False)


def _from_fit(model: torch.nn.Module, fitted: bool | None) -> bool:
    return bool(fitted) or (fitted is None and getattr(model, "fitted_prior", None) is not None)


def curatable(model: torch.nn.Module, fitted: bool | None) -> bool:
    """Whether :func:`check_curatable` lets ``model``'s draws be curated."""
    return can_curate(model) and not _from_fit(model, fitted)


def check_curatable(model: torch.nn.Module, fitted: bool | None) -> None:
    """Refuse, in one line, to drop the samples the critic doubts where that cannot apply: a
    model without a critic of its own samples, or draws from a fitted prior (``fitted`` as
    ``core.latent.sampling.sample`` takes it), which keep to the training images already."""
    if not can_curate(model):
        raise UsageError("this model has no critic that judges its samples alone (only an "
                         "unconditional GAN or VAE-GAN can drop the samples it doubts)")
    if _from_fit(model, fitted):
        raise UsageError("this model draws from its fitted prior, which keeps to its training "
                         "images already; draw from N(0, I) (--prior standard) to drop the "
                         "samples the critic doubts")


def component_of(model: torch.nn.Module, z: torch.Tensor) -> torch.Tensor | None:
    """A clustered GAN's mixture component (n,) each latent is nearest to; None otherwise."""
    mixture = getattr(model, "mixture", None)
    if mixture is None:
        return None
    means = mixture.means.to(z.device, z.dtype)
    return torch.cdist(z, means).argmin(dim=1)


@torch.inference_mode()
def critic_logits(model: torch.nn.Module, z: torch.Tensor,
                  labels: torch.Tensor | None = None) -> torch.Tensor:
    """D~(G(z)) (n,) on the CPU: the discriminator's logit for each latent's image, told the
    digit (a conditional model) or the latent's cluster (a clustered GAN)."""
    model.eval()
    device = next(model.parameters()).device
    out = []
    for start in range(0, z.shape[0], CHUNK):
        chunk = z[start:start + CHUNK].to(device, torch.float32)
        cond = None if labels is None else labels[start:start + CHUNK].to(device)
        images = model.decode_images(chunk, cond) * 2.0 - 1.0
        d_labels = cond if model.conditional else component_of(model, chunk)
        out.append(model.discriminator(images, d_labels).float().cpu())
    return torch.cat(out)


def _f(logits: torch.Tensor, max_logit: float) -> torch.Tensor:
    """F(x) + gamma: the log-odds of acceptance before the shift."""
    d = (logits.double() - max_logit).clamp(max=0.0)
    return d - torch.log1p(-torch.exp(d - EPS).clamp(max=1 - 1e-12))


def calibrate(model: torch.nn.Module, keep: float, labels_for=None) -> Calibration:
    """D*_M and the gamma that keeps ``keep`` of the samples on average, from a seeded burn-in
    (kept per model object and share)."""
    if not 0.0 < keep <= 1.0:
        raise UsageError(f"the share kept must be above 0 and at most 1, not {keep}")
    cached = _CALIBRATIONS.get(model, {})
    if keep in cached:
        return cached[keep]
    generator = torch.Generator().manual_seed(20190101)
    z = torch.cat([model.prior(CHUNK, generator).cpu() for _ in range(BURN_IN // CHUNK)])
    labels = None if labels_for is None else labels_for(z.shape[0])
    logits = critic_logits(model, z, labels)
    max_logit = float(logits.max())
    f = _f(logits, max_logit)
    low, high = float(f.min()) - 30.0, float(f.max()) + 30.0
    for _ in range(60):  # bisection: the mean acceptance falls as gamma grows
        gamma = 0.5 * (low + high)
        if float(torch.sigmoid(f - gamma).mean()) > keep:
            low = gamma
        else:
            high = gamma
    result = Calibration(max_logit, 0.5 * (low + high), keep)
    _CALIBRATIONS.setdefault(model, {})[keep] = result
    return result


def curated_latents(model: torch.nn.Module, n: int, generator: torch.Generator, keep: float,
                    labels_for=None, fitted: bool | None = None) -> torch.Tensor:
    """n latents (n, D) on the CPU whose images the critic accepted, drawn from the model's
    prior with ``generator`` (refused where :func:`check_curatable` says it cannot apply);
    ``labels_for(k)`` gives a conditional model's labels."""
    check_curatable(model, fitted)
    if keep >= 1.0:
        return torch.cat([model.prior(min(CHUNK, n - s), generator).cpu()
                          for s in range(0, n, CHUNK)])
    cal = calibrate(model, keep, labels_for)
    kept: list[torch.Tensor] = []
    count, drawn = 0, 0
    while count < n:
        if drawn >= MAX_DRAWS * n:
            raise UsageError(f"the critic kept only {count} of {drawn} samples: this model's "
                             "discriminator doubts nearly everything; sample without curation")
        size = min(CHUNK, max(n - count, 64) * 2)
        z = model.prior(size, generator).cpu()
        labels = None if labels_for is None else labels_for(size)
        accept = torch.sigmoid(_f(critic_logits(model, z, labels), cal.max_logit) - cal.gamma)
        chosen = torch.rand(size, generator=generator, dtype=torch.float64) < accept
        kept.append(z[chosen])
        count += int(chosen.sum())
        drawn += size
    return torch.cat(kept)[:n]
