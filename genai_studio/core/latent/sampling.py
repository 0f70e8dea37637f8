"""Drawing and decoding samples: the one path every front end takes.

The CLI's ``sample``, ``eval``, training previews, the studio's grids and morphs and the latent
pad's live decode all come through here, so a seed and a digit mean the same images everywhere:

* latents come from the prior through a CPU ``torch.Generator`` seeded once, drawn in chunks of
  ``SAMPLE_BATCH`` (so the first n of a larger draw are the same n images);
* a conditional model asked for "any digit" gets the digits 0, 1, ..., 9, 0, ... in turn, so
  every digit has n/10 samples (+-1); asked for one digit, every sample is that digit;
* results are float32 NumPy copies, safe to hand to another thread, in the studio's layout:
  (n, H, W) for grey models, (n, H, W, 3) channels-last for colour ones.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import torch

from genai_studio.core.errors import UsageError
from genai_studio.core.models.base import Generator
from genai_studio.core.validate import seed_value

SAMPLE_BATCH = 500  # fixed, so that a seed gives the same samples whatever n is


@dataclass(frozen=True)
class Samples:
    images: np.ndarray  # (n, H, W) grey or (n, H, W, 3) colour, float32 in [0, 1]
    latents: np.ndarray  # (n, D) float32
    labels: np.ndarray | None  # (n,) int64 digits asked for; None for unconditional models
    seed: int
    base: np.ndarray | None = None  # (n, D) the latents before genes moved them, if they did


def cycle_labels(n: int, num_classes: int) -> torch.Tensor:
    """0, 1, ..., num_classes - 1, 0, 1, ...: n labels (int64, CPU)."""
    return torch.arange(n, dtype=torch.long) % num_classes


def labels_for(model: Generator, n: int, label: int | None = None) -> torch.Tensor | None:
    """The labels to condition n samples on (CPU): None for an unconditional model, ``label``
    repeated, or every digit in turn when ``label`` is None."""
    if not model.conditional:
        if label is not None:
            raise UsageError("this model is not conditional: it takes no digit")
        return None
    if label is None:
        return cycle_labels(n, model.num_classes)
    if not 0 <= int(label) < model.num_classes:
        raise UsageError(f"the digit must be between 0 and {model.num_classes - 1}, not {label}")
    return torch.full((n,), int(label), dtype=torch.long)


def draw_latents(model: Generator, n: int, seed: int, fitted: bool | None = None,
                 keep: float = 1.0) -> torch.Tensor:
    """n latents (n, D) on the CPU from the model's own prior (``fitted``: True its fitted
    prior, False the standard normal, None the fitted one where there is one),
    seeded (chunked as documented above). ``keep`` < 1: only latents whose images the
    model's critic accepts, about that share of those drawn (``core.latent.curation``)."""
    if n <= 0:
        raise UsageError(f"the number of samples must be positive, not {n}")
    generator = torch.Generator().manual_seed(seed_value(seed))
    if keep < 1.0:
        from genai_studio.core.latent.curation import curated_latents

        return curated_latents(model, n, generator, keep, fitted=fitted)
    chunks = [model.prior(min(SAMPLE_BATCH, n - start), generator, fitted).cpu()
              for start in range(0, n, SAMPLE_BATCH)]
    return torch.cat(chunks)


def _device(model: torch.nn.Module) -> torch.device:
    return next(model.parameters()).device


@torch.inference_mode()
def decode_tensor(model: Generator, z: torch.Tensor,
                  labels: torch.Tensor | None = None, live: bool = False) -> torch.Tensor:
    """Images (n, H, W) or (n, H, W, 3) on the model's device for latents z (n, D), in chunks.
    ``live``: the window's own thread decoding a few images (see :func:`decode_live`)."""
    if live:
        _one_thread_here()
    else:
        from genai_studio.core.runtime.threads import use_inference_threads

        use_inference_threads()  # one thread while a training run in this process shares CPU
    device = _device(model)
    out = []
    for start in range(0, z.shape[0], SAMPLE_BATCH):
        chunk = z[start:start + SAMPLE_BATCH].to(device, torch.float32)
        chunk_labels = None if labels is None else labels[start:start + SAMPLE_BATCH].to(device)
        out.append(model.decode(chunk, model.check_labels(chunk_labels, chunk.shape[0])))
    return torch.cat(out) if out else torch.zeros(0, device=device)


def decode(model: Generator, z: np.ndarray | torch.Tensor,
           labels: int | np.ndarray | torch.Tensor | None = None,
           live: bool = False) -> np.ndarray:
    """Latents (n, D) -> images (n, H, W) grey or (n, H, W, 3) colour, a float32 NumPy copy.
    ``labels``: None (any digit, in turn, for a conditional model), one digit for all, or one
    per latent."""
    zt = torch.as_tensor(np.asarray(z, dtype=np.float32)) if not torch.is_tensor(z) else z
    if zt.ndim != 2 or zt.shape[1] != model.latent_dim:
        raise UsageError(f"expected latents of shape (n, {model.latent_dim}), "
                         f"got {tuple(zt.shape)}")
    if labels is None or isinstance(labels, int | np.integer):
        lt = labels_for(model, zt.shape[0], None if labels is None else int(labels))
    else:
        lt = torch.as_tensor(np.asarray(labels, dtype=np.int64))
    images = decode_tensor(model, zt, lt, live)
    return images.to("cpu").numpy().astype(np.float32, copy=True)


_LIVE_STREAMS: dict[torch.device, torch.cuda.Stream] = {}


def _live_stream(device: torch.device) -> torch.cuda.Stream:
    """A high-priority CUDA stream of its own for ``device``'s live decodes (made once)."""
    if device not in _LIVE_STREAMS:
        highest = torch.cuda.Stream.priority_range()[1]  # (low, high): high is the smaller
        _LIVE_STREAMS[device] = torch.cuda.Stream(device, priority=highest)
    return _LIVE_STREAMS[device]


_LIVE_THREADS = threading.local()


def _one_thread_here() -> None:
    """The window's thread decodes one image at a time: one torch thread, set once, so a
    decode never wakes a pool of OpenMP helpers beside a training run (torch keeps a thread
    count per calling thread)."""
    if not getattr(_LIVE_THREADS, "set", False):
        torch.set_num_threads(1)
        _LIVE_THREADS.set = True


def decode_live(model: Generator, z: np.ndarray | torch.Tensor,
                labels: int | np.ndarray | torch.Tensor | None = None) -> np.ndarray:
    """:func:`decode` for interactive use (the latent pad, on the window's thread): one torch
    thread, and on CUDA a high-priority stream of its own, so it does not queue behind a
    training run's kernels on the default stream and waits for that stream only."""
    device = _device(model)
    if device.type != "cuda":
        return decode(model, z, labels, live=True)
    stream = _live_stream(device)
    with torch.cuda.stream(stream):
        images = decode(model, z, labels, live=True)  # its copy waits for this stream only
    return images


class Steer(Protocol):
    """What moves drawn latents before they are decoded (``core.genes.genes.Steering``)."""

    def move(self, model: Generator, latents: np.ndarray,
             labels: np.ndarray | None) -> np.ndarray: ...


def sample(model: Generator, n: int, seed: int, label: int | None = None,
           fitted: bool | None = None, keep: float = 1.0,
           steer: Steer | None = None) -> Samples:
    """n seeded samples: images, their latents and the digits asked for; ``fitted``: drawn
    from the fitted prior (True), the standard normal (False) or the model's own (None: the
    fitted one where it has one); ``keep`` < 1: curated by the model's critic; ``steer``:
    moves the latents before decoding (genes, ``core.genes.genes.Steering``: held to their
    digits), and the latents returned are the moved ones (``base`` the drawn ones)."""
    model.eval()
    z = draw_latents(model, n, seed, fitted, keep)
    base = None
    labels = labels_for(model, n, label)
    if steer is not None:
        base = z.numpy().astype(np.float32, copy=True)
        moved = steer.move(model, base, None if labels is None else labels.numpy())
        z = torch.from_numpy(np.asarray(moved, dtype=np.float32))
    images = decode_tensor(model, z, labels).to("cpu").numpy().astype(np.float32, copy=True)
    return Samples(images, z.numpy().astype(np.float32, copy=True),
                   None if labels is None else labels.numpy().copy(), seed_value(seed), base)
