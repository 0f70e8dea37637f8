"""Names and defaults that the command line and the window share, in one place.

Torch-free and Qt-free, so both front ends (and their help texts) read the same numbers.
"""

from __future__ import annotations

import enum
from datetime import datetime
from pathlib import Path

MODEL_SUFFIX = ".safetensors"
CHECKPOINT_SUFFIX = ".ckpt.safetensors"
JUDGE_FILE = "judge.safetensors"  # the shipped classifier that scores generators

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")


class ModelKind(enum.StrEnum):
    """A model file's kind (its metadata's "kind"), and what ``train`` makes."""

    VAE = "vae"
    GAN = "gan"
    VAEGAN = "vaegan"
    JUDGE = "judge"  # the classifier that scores generators: a tool, it draws nothing

    @property
    def title(self) -> str:
        return {"vae": "VAE", "gan": "GAN", "vaegan": "VAE-GAN", "judge": "judge"}[self.value]


GENERATOR_KINDS = ("vae", "gan", "vaegan")  # kinds that draw images; the judge is a tool
ENCODER_KINDS = ("vae", "vaegan")  # generators with an encoder q(z|x): the pad can place images
TRAINABLE_KINDS = (*GENERATOR_KINDS, "judge")

# Adam learning rates: Kingma & Welling's VAE setting and DCGAN's (Radford et al.).
DEFAULT_LR = {"vae": 1e-3, "gan": 2e-4, "vaegan": 2e-4, "judge": 1e-3}
# A 2-D VAE makes the latent pad a map of every digit; 64 is DCGAN-sized noise.
DEFAULT_LATENT = {"vae": 2, "gan": 64, "vaegan": 32}
# A fitted prior (core.latent.prior_fit): its mixture parts, each holding a D x D factor.
MAX_PRIOR_COMPONENTS = 256
# "Drop the samples the critic doubts" (discriminator rejection sampling, Azadi et al. 2019)
# keeps about this share of a GAN's or VAE-GAN's draws: the studio's grid, sample --keep, and
# the curated scores beside the raw ones in eval.
CURATED_KEEP = 0.8
DEFAULT_PRIOR_COMPONENTS = 32
# GAN losses: Goodfellow's cross-entropy and the hinge loss (see core/models/gan.py).
GAN_LOSSES = ("bce", "hinge")
# How an animation plays and eases (core/latent/motion.py; export options and provenance).
PLAYBACK = ("once", "loop", "ping-pong")
EASINGS = ("linear", "ease-in-out")
# A GAN or VAE-GAN discriminator's normalisation (core/models/blocks.py).
D_NORMS = ("batch", "spectral", "none")
DEFAULT_EPOCHS = 10
DEFAULT_BATCH = 128
# On CUDA a 128-image step of these small models is launch-bound: a larger batch does the same
# epoch in a quarter of the steps. Its default learning rate grows with the square root of the
# batch (Adam's usual scaling rule), see scaled_lr.
DEFAULT_BATCH_CUDA = 512

# Exports (core.export): an animation's frames (~80 s at 25 fps) and one frame's longest side.
MAX_ANIMATION_FRAMES = 2000
MAX_EXPORT_SIDE = 8192


def default_lr(kind: str) -> float:
    return DEFAULT_LR.get(kind, DEFAULT_LR["vae"])


def default_batch(device_type: str) -> int:
    """The default batch for a device kind ("cuda", "mps", "cpu")."""
    return DEFAULT_BATCH_CUDA if device_type == "cuda" else DEFAULT_BATCH


def scaled_lr(kind: str, batch_size: int) -> float:
    """The kind's default learning rate, scaled by sqrt(batch / 128) for another batch."""
    return default_lr(kind) * (batch_size / DEFAULT_BATCH) ** 0.5


def class_numbers(n: int) -> tuple[str, ...]:
    """The names of ``n`` classes that name nothing else: "0", "1", ... (MNIST's digits)."""
    return tuple(str(k) for k in range(n))


def names_characters(classes: tuple[str, ...]) -> bool:
    """Whether a conditional model's class names are its data's characters (a fonts dataset's),
    not class numbers."""
    return classes != class_numbers(len(classes))


def model_stem(path: Path) -> str:
    """``run.safetensors`` and ``run.ckpt.safetensors`` -> ``run``."""
    name = Path(path).name
    for suffix in (CHECKPOINT_SUFFIX, MODEL_SUFFIX):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def checkpoint_path_for(out_path: Path) -> Path:
    """``run.safetensors`` -> ``run.ckpt.safetensors``, beside it."""
    out_path = Path(out_path)
    return out_path.with_name(model_stem(out_path) + CHECKPOINT_SUFFIX)


def is_checkpoint(path: Path) -> bool:
    return Path(path).name.endswith(CHECKPOINT_SUFFIX)


def default_model_name(kind: str, conditional: bool, latent_dim: int | None = None,
                       when: datetime | None = None, folder: Path | None = None,
                       dataset: str = "mnist") -> str:
    """``mnist-cvae-2d-20261128-142501.safetensors``: the data it learns (a dataset's name, or
    mnist), kind, latent size and start time; never a shipped model's plain ``vae-2d``.

    With ``folder``, the name is unique there: ``-2``, ``-3``... are added while a model, its
    checkpoint or a live run's lock file (``.NAME.lock``) already has it. Two runs that start
    in the same second then get different names once each locks its own
    (``output_lock.OutputLock``, ``output_lock.lock_new_output``).
    """
    stamp = (when or datetime.now()).strftime("%Y%m%d-%H%M%S")
    latent = f"-{latent_dim}d" if latent_dim else ""
    data = "".join(c if c.isalnum() or c in "-_" else "-" for c in dataset)[:40] or "data"
    stem = f"{data}-{'c' if conditional else ''}{kind}{latent}-{stamp}"
    if folder is None:
        return stem + MODEL_SUFFIX
    folder, k, name = Path(folder), 2, stem
    while any((folder / taken).exists() or (folder / taken).is_symlink()
              for taken in (name + MODEL_SUFFIX, name + CHECKPOINT_SUFFIX,
                            f".{name}{MODEL_SUFFIX}.lock")):
        name, k = f"{stem}-{k}", k + 1
    return name + MODEL_SUFFIX
