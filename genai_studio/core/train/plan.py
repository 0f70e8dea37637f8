"""Training by time: how a run sizes itself from the time the artist gives and the data.

An artist thinks in minutes, not epochs. A timed run (``TrainConfig.minutes``) trains until its
time is up and then finishes as any run does (the model is written and can be scored); the
number of epochs that fit follows from the throughput measured as it goes. What cannot wait
for a measurement is chosen here from the dataset's size before the first step:

- small datasets (under ``SMALL`` images) train on smaller batches, so that a few minutes
  still make thousands of steps, and with augmentation: shifted images for a VAE, DiffAugment
  for a GAN's or a VAE-GAN's discriminator (with the R1 penalty), which would otherwise learn
  a few hundred pictures by heart and stop teaching the generator;
- tiny datasets (under ``TINY``) also take a lower learning rate.

The presets the window offers are QUICK, GOOD and BEST minutes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

QUICK, GOOD, BEST = 2.0, 15.0, 60.0  # minutes
PRESETS = {"quick": QUICK, "good": GOOD, "best": BEST}
MAX_MINUTES = 24 * 60.0
SMALL = 2000
TINY = 500
EPOCH_CAP = 100_000  # a timed run stops on time long before this many epochs


@dataclass(frozen=True)
class TrainPlan:
    batch_size: int
    augment: str  # core.train.augment.AUGMENTS
    lr_scale: float  # times the kind's default learning rate
    r1_gamma: float  # GANs and VAE-GANs: the R1 penalty's weight (0: the config's own)
    note: str  # what was chosen, in plain words


def plan_for(kind: str, images: int, batch_size: int = 128) -> TrainPlan:
    """The batch, augmentation and learning-rate scale for ``images`` training images."""
    if images >= SMALL:
        return TrainPlan(batch_size, "none", 1.0, 0.0, "")
    small_batch = max(8, min(batch_size, 2 ** int(math.log2(max(images // 8, 8)))))
    augment = "shift" if kind == "vae" else "diff"
    lr_scale = 0.5 if images < TINY else 1.0
    r1 = 0.0 if kind == "vae" else 1.0
    what = "shifted copies" if augment == "shift" else "augmented looks for the critic"
    note = (f"{images} images is a small set: batches of {small_batch}, {what}"
            + (", a gentler learning rate" if lr_scale < 1 else ""))
    return TrainPlan(small_batch, augment, lr_scale, r1, note)


def with_r1(model_config: Any, plan: TrainPlan) -> Any:
    """A GAN's or VAE-GAN's config with the plan's R1 penalty, if it has none of its own; a
    GAN's discriminator then drops batch norm (R1 as in its paper, on a plain critic)."""
    if not plan.r1_gamma or getattr(model_config, "r1_gamma", None) != 0.0:
        return model_config
    changes: dict[str, Any] = {"r1_gamma": plan.r1_gamma}
    if getattr(model_config, "norm", None) == "batch":
        changes["norm"] = "none"
    return replace(model_config, **changes)


def check_minutes(minutes: float) -> float:
    """A time budget the artist gave: positive and at most a day."""
    from genai_studio.core.errors import UsageError

    if not (math.isfinite(minutes) and 0 < minutes <= MAX_MINUTES):
        raise UsageError(f"the training time must be more than 0 and at most {MAX_MINUTES:g} "
                         f"minutes, not {minutes:g}")
    return float(minutes)
