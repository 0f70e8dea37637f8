"""Quality without labels or a digit classifier: for any dataset, and for MNIST models beside
the judge's class shares.

* **NDB**, the number of statistically different bins (Richardson & Weiss 2018): the
  dataset's images are clustered by k-means into ``K`` bins; samples are assigned to the
  nearest centre; a bin whose share of samples differs from its share of the data by a
  two-proportion z-test at level 0.05 is "different". Reported as NDB/K: 0 when the model
  covers the data as it is spread, near 1 when it misses or crowds most modes. The artist
  reads it as **variety**.
* **Pixel FD**: the Fréchet distance between Gaussians fitted to data and samples in the
  space of the dataset's first ``COMPONENTS`` principal components of its images, each image
  grey and resized to ``SIDE`` x ``SIDE``. This feature space depends on nothing but the
  dataset itself (no network trained on MNIST or ImageNet), so it exists for any folder; it
  measures likeness of overall shape and tone, not fine texture. Read as **likeness**.

Both use the same preprocessing (grey, ``SIDE`` px, values in [0, 1]); k-means and PCA are
fitted on at most ``MAX_FIT`` data images with a fixed seed, so scores are repeatable.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

SIDE = 16
COMPONENTS = 32
BINS = 50
MAX_FIT = 20_000
KMEANS_ITERS = 25
Z_CRITICAL = 1.959964  # two-sided, alpha = 0.05


def features(images: np.ndarray | torch.Tensor) -> torch.Tensor:
    """(n, SIDE*SIDE) float64: images (n, H, W) or (n, H, W, 3), uint8 or in [0, 1], made grey
    and resized by area averaging."""
    x = torch.as_tensor(np.asarray(images))
    x = x.float() if x.is_floating_point() else x.float() / 255.0  # a dataset's own bytes
    if x.ndim == 4:
        x = x.mean(dim=-1)
    x = torch.nn.functional.adaptive_avg_pool2d(x[:, None], SIDE)[:, 0]
    return x.reshape(len(x), -1).double()


def _subset(x: torch.Tensor, seed: int) -> torch.Tensor:
    if len(x) <= MAX_FIT:
        return x
    g = torch.Generator().manual_seed(seed)
    return x[torch.randperm(len(x), generator=g)[:MAX_FIT]]


def kmeans(x: torch.Tensor, k: int, seed: int = 0) -> torch.Tensor:
    """Centres (k, d) by Lloyd's algorithm from k-means++ seeding."""
    g = torch.Generator().manual_seed(seed)
    centres = [x[torch.randint(len(x), (1,), generator=g)].squeeze(0)]
    d2 = ((x - centres[0]) ** 2).sum(1)
    for _ in range(1, k):
        pick = torch.multinomial((d2 / d2.sum()).float(), 1, generator=g).item()
        centres.append(x[pick])
        d2 = torch.minimum(d2, ((x - x[pick]) ** 2).sum(1))
    c = torch.stack(centres)
    for _ in range(KMEANS_ITERS):
        assign = torch.cdist(x, c).argmin(1)
        for j in range(k):
            members = x[assign == j]
            if len(members):
                c[j] = members.mean(0)
    return c


def ndb(data: torch.Tensor, samples: torch.Tensor, bins: int = BINS, seed: int = 0
        ) -> dict[str, Any]:
    """NDB/K of ``samples`` against ``data`` (both from :func:`features`)."""
    fit = _subset(data, seed)
    k = min(bins, max(2, len(fit) // 20))
    centres = kmeans(fit, k, seed)
    p = torch.bincount(torch.cdist(data, centres).argmin(1), minlength=k).double() / len(data)
    q = torch.bincount(torch.cdist(samples, centres).argmin(1), minlength=k).double() \
        / len(samples)
    n1, n2 = len(data), len(samples)
    pooled = (p * n1 + q * n2) / (n1 + n2)
    se = torch.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2)).clamp_min(1e-12)
    different = int(((p - q).abs() / se > Z_CRITICAL).sum())
    return {"ndb": different, "ndb_bins": k, "ndb_share": round(different / k, 4)}


def pixel_fd(data: torch.Tensor, samples: torch.Tensor, seed: int = 0) -> float:
    """The Fréchet distance of the two sets in the data's first COMPONENTS principal
    components (see the module doc)."""
    fit = _subset(data, seed)
    mean = fit.mean(0)
    _, _, v = torch.linalg.svd(fit - mean, full_matrices=False)
    basis = v[:COMPONENTS].T
    a, b = (data - mean) @ basis, (samples - mean) @ basis
    return frechet(a, b)


def frechet(a: torch.Tensor, b: torch.Tensor) -> float:
    mu1, mu2 = a.mean(0), b.mean(0)
    c1, c2 = torch.cov(a.T), torch.cov(b.T)
    # tr sqrt(C1 C2) from the eigenvalues of sqrt(C1) C2 sqrt(C1), symmetric and PSD.
    e1, v1 = torch.linalg.eigh(c1)
    root1 = v1 @ torch.diag(e1.clamp_min(0).sqrt()) @ v1.T
    middle = torch.linalg.eigvalsh(root1 @ c2 @ root1).clamp_min(0).sqrt().sum()
    value = float(((mu1 - mu2) ** 2).sum() + torch.trace(c1) + torch.trace(c2) - 2 * middle)
    return max(value, 0.0) if math.isfinite(value) else float("nan")


def label_free_scores(data_images: np.ndarray | torch.Tensor,
                      sample_images: np.ndarray | torch.Tensor, seed: int = 0
                      ) -> dict[str, Any]:
    """NDB and the pixel FD of samples against a dataset's images, JSON-ready."""
    data, samples = features(data_images), features(sample_images)
    return {**ndb(data, samples, seed=seed), "pixel_fd": round(pixel_fd(data, samples, seed), 4),
            "pixel_fd_space": f"{COMPONENTS} principal components of the dataset's images, "
                              f"grey, {SIDE}x{SIDE} px"}


def scores_against_data(loaded: Any, data: str, n: int, seed: int = 0,
                        fitted: bool | None = None) -> dict[str, Any]:
    """A loaded model's NDB and pixel FD against a dataset (its own, for a model of the
    artist's images), JSON-ready; a dataset of another size or colour is refused."""
    from genai_studio.core.data.datasets import load_training_data
    from genai_studio.core.scoring.metrics import draw_samples
    from genai_studio.core.train.run import check_shape_fits

    dataset = load_training_data(data)
    check_shape_fits(loaded.config, dataset)  # a grey digit model against RGB photos: refused
    images, _ = draw_samples(loaded.model, n, seed, fitted)
    # An ImageSet holds the studio's layout, (N, H, W) or (N, H, W, 3), as uint8.
    scores = label_free_scores(dataset.images.cpu(), images.numpy(), seed)
    return {**scores, "n": n, "sample_seed": seed, "data": str(data)}


def own_data(metadata: dict[str, Any]) -> str | None:
    """The name of the artist's dataset a model file was trained on; None for MNIST's digits
    and for an untrained model (recorded as trained on "none"), which the judge scores."""
    name = str((metadata.get("dataset") or {}).get("name", "mnist"))
    return None if name.lower() in ("mnist", "none") else name


def in_words(scores: dict[str, Any]) -> str:
    """One line of label-free scores for an artist: the plain word, then the measure."""
    return (f"scores against {scores['data']}: variety {scores['ndb']} of {scores['ndb_bins']} "
            f"bins off the data's mix (NDB), likeness {scores['pixel_fd']:.3f} (pixel FD); "
            "lower is better for both")
