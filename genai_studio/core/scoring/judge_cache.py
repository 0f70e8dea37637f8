"""The judge's feature statistics of the real test digits, kept between evals.

Every eval compares samples with the same real digits through the same judge: their features'
mean and covariance are computed once and kept in the user cache folder, named by a hash of the
judge's weights and of the images (so another judge, retrained weights or other data never meet
a stale entry). Entries are validated, never trusted: only a regular file of at most
``_MAX_ENTRY_BYTES`` is read (a FIFO or a link to a device put there is never opened, so it can
neither hang an eval nor fill its memory); a damaged, foreign or unreadable entry is
recomputed and replaced, whatever stood in its place. A cache that cannot be written is only
slower.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

from genai_studio.core.data.mnist import ImageSet

Stats = tuple[torch.Tensor, torch.Tensor]
_MAX_ENTRY_BYTES = 64 * 1024 * 1024  # mu and cov of up to ~2,800 features in float64
_VERSION = b"judge-reference-stats-1"


def stats_key(judge: nn.Module, images: torch.Tensor) -> str:
    """A digest of the judge's weights and buffers and of the images (uint8)."""
    digest = hashlib.blake2b(_VERSION, digest_size=20)
    for name, tensor in judge.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().to("cpu").contiguous().numpy().tobytes())
    digest.update(str(tuple(images.shape)).encode())
    digest.update(images.detach().to("cpu").contiguous().numpy().tobytes())
    return digest.hexdigest()


def cache_path(key: str) -> Path | None:
    from genai_studio.core.store.resources import user_cache_dir

    try:
        return user_cache_dir() / "judge" / f"{key}.safetensors"
    except Exception:  # noqa: BLE001 - no cache folder: compute every time
        return None


def _load(path: Path) -> Stats | None:
    from safetensors.torch import load

    from genai_studio.core.errors import GenAIError
    from genai_studio.core.store.files import read_untrusted

    try:
        raw = read_untrusted(path, _MAX_ENTRY_BYTES, what="cache entry")
    except GenAIError:  # missing, too large, or not a regular file: recompute
        return None
    try:
        tensors = load(raw)
    except Exception:  # noqa: BLE001 - damaged: recompute
        return None
    mu, cov = tensors.get("mu"), tensors.get("cov")
    if mu is None or cov is None or mu.ndim != 1 or cov.shape != (mu.shape[0], mu.shape[0]):
        return None
    if mu.dtype != torch.float64 or cov.dtype != torch.float64:
        return None
    if not (torch.isfinite(mu).all() and torch.isfinite(cov).all()):
        return None
    return mu, cov


def _store(path: Path, stats: Stats) -> None:
    from safetensors.torch import save

    from genai_studio.core.errors import GenAIError
    from genai_studio.core.store.files import clear_cache_entry, write_atomic

    mu, cov = (t.detach().to("cpu", torch.float64).contiguous() for t in stats)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        clear_cache_entry(path)
        write_atomic(path, save({"mu": mu, "cov": cov}))
    except (OSError, GenAIError):
        pass



def cached_stats(judge: nn.Module, test_set: ImageSet, compute: Callable[[], Stats]) -> Stats:
    """``compute()``'s (mu, cov), from the cache when this judge has seen these images."""
    path = cache_path(stats_key(judge, test_set.images))
    if path is not None:
        stats = _load(path)
        if stats is not None:
            return stats
    stats = compute()
    if path is not None:
        _store(path, stats)
    return stats
