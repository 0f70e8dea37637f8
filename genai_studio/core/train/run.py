"""One training run's record and its files: the settings (``TrainConfig``), what a run
carries between steps (``Run``), and what it writes into a model or checkpoint file and reads
back from one (its summary, metadata, checkpoint, restore, the data's fingerprint). The loop
itself is ``core.train.loop``; ``core.train.stepping`` builds each step from a ``Run``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import torch

from genai_studio.core.data.mnist import ImageSet
from genai_studio.core.errors import ModelFileError, TrainingDiverged, UsageError
from genai_studio.core.models.registry import ModelConfig
from genai_studio.core.store.checkpoints import LoadedModel, load_model, model_metadata, save_model
from genai_studio.core.train import accel, stepping
from genai_studio.core.train.accel import SpeedOptions, SpeedReport
from genai_studio.core.train.distributed import SINGLE, World
from genai_studio.core.train.events import Checkpoint
from genai_studio.core.train.optim_state import (
    check_generator_state,
    check_training_state,
    optimizer_state_to_tensors,
    restore_generator,
    restore_optimizer,
)
from genai_studio.core.train.tasks import TrainingTask
from genai_studio.core.validate import check_fields, finite_number


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 10
    batch_size: int = 128
    lr: float | None = None  # None: the kind's default (VAE 1e-3, GAN 2e-4, judge 1e-3)
    d_lr: float | None = None  # GAN / VAE-GAN discriminator's rate; None: the same as lr
    beta: float = 1.0  # VAE: weight of the KL term (1 = the true ELBO)
    kl_warmup_epochs: float = 0.0  # VAE: ramp beta from 0 over this many epochs
    binarize: str | None = None  # "dynamic" | "none"; None: the kind's default
    limit: int | None = None  # train on the first N images only
    seed: int = 0
    log_every: int = 20
    preview_every: int = 100
    preview_count: int = 64
    minutes: float | None = None  # a timed run: stop when this much training time is up
    augment: str = "none"  # "shift" (VAE) or "diff" (DiffAugment, adversarial kinds)

    def __post_init__(self) -> None:
        positive = {"epochs": self.epochs, "batch size": self.batch_size,
                    "log_every": self.log_every, "preview_every": self.preview_every,
                    "preview_count": self.preview_count}
        for name, value in positive.items():
            if not isinstance(value, int) or value <= 0:
                raise UsageError(f"{name} must be a positive whole number, not {value!r}")
        if self.limit is not None and self.limit <= 0:
            raise UsageError(f"limit must be positive, not {self.limit}")
        for name, rate in (("learning rate", self.lr), ("discriminator learning rate", self.d_lr)):
            if rate is not None and not (math.isfinite(rate) and rate > 0):
                raise UsageError(f"{name} must be positive, not {rate}")
        if not (math.isfinite(self.beta) and self.beta >= 0) or self.kl_warmup_epochs < 0:
            raise UsageError("beta and the KL warm-up must be zero or more")
        if self.binarize not in (None, "dynamic", "none"):
            raise UsageError(f"binarize must be 'dynamic' or 'none', not {self.binarize!r}")
        if self.minutes is not None:
            from genai_studio.core.train.plan import check_minutes

            check_minutes(self.minutes)
        from genai_studio.core.train.augment import AUGMENTS

        if self.augment not in AUGMENTS:
            raise UsageError(f"augment must be one of {', '.join(AUGMENTS)}, not "
                             f"{self.augment!r}")

    @property
    def budget_s(self) -> float | None:
        """A timed run's training time in seconds (None: it runs its epochs)."""
        return None if self.minutes is None else 60.0 * self.minutes


class CancelToken(Protocol):
    def is_set(self) -> bool: ...


@dataclass
class Run:
    """What one training run carries between steps (and into a checkpoint)."""

    model: torch.nn.Module
    task: TrainingTask
    config: TrainConfig
    data: ImageSet
    device: torch.device
    out_path: Path
    checkpoint_path: Path
    shuffle_gen: torch.Generator
    noise_gen: torch.Generator
    binarize: str
    step: int = 0
    wall_time_s: float = 0.0  # active training time, pauses excluded, across resumes
    last_losses: dict[str, float] = dataclasses.field(default_factory=dict)
    data_sha256: str = ""
    last_good: tuple[Path, int] | None = None  # the newest checkpoint on disk and its step
    world: World = SINGLE
    speed: SpeedOptions = dataclasses.field(default_factory=SpeedOptions)
    report: SpeedReport = dataclasses.field(default_factory=SpeedReport)
    step_fn: Any = None  # global batch indices -> losses (eager or a replayed CUDA graph)
    stop_agreed: bool = False  # several processes: a cancel every rank has seen
    last_checkpoint_t: float = dataclasses.field(default_factory=time.perf_counter)
    started_from: dict[str, Any] | None = None  # the model a warm-started run began from

    @property
    def batch_size(self) -> int:
        return min(self.config.batch_size, len(self.data))

    @property
    def steps_per_epoch(self) -> int:
        # Drop the last partial batch: every step sees a full batch (BatchNorm needs > 1).
        return len(self.data) // self.batch_size

    @property
    def total_steps(self) -> int:
        return self.config.epochs * self.steps_per_epoch


def warm_start(model: torch.nn.Module, path: Path) -> dict[str, Any]:
    """Copy a trained model's weights into a new run's model (a VAE-GAN from an MLP VAE), or
    refuse in one line; returns what the run's metadata records of it."""
    if not hasattr(model, "warm_start"):
        raise UsageError("only a VAE-GAN can start from another model (--init-from)")
    start = load_model(path, "cpu")
    why = model.warm_start_mismatch(start.model)
    if why:
        raise UsageError(f"cannot start from {Path(path).name}: {why}")
    model.warm_start(start.model)
    from genai_studio.core.export.provenance import file_sha256

    return {"name": Path(path).name, "sha256": file_sha256(path)}


def with_data_classes(model_config, data):
    """A conditional model on a labelled dataset of its own classes (glyphs: one class per
    character) takes as many classes as the dataset names; MNIST keeps its ten digits."""
    import dataclasses

    classes = (data.info or {}).get("classes")
    if getattr(model_config, "conditional", False) and isinstance(classes, list) and classes:
        return dataclasses.replace(model_config, num_classes=len(classes))
    return model_config


def check_shape_fits(model_config: ModelConfig, data: ImageSet) -> None:
    """Refuse a data set whose images are not the size and colour the model makes."""
    from genai_studio.core.models.base import MNIST_SHAPE

    wanted = getattr(model_config, "image_shape", MNIST_SHAPE)
    if data.image_shape != tuple(wanted):
        raise UsageError(f"the model makes {_shape_text(wanted)} images; the data set "
                         f"{data.name!r} holds {_shape_text(data.image_shape)} ones")


def check_data_fits(model_config: ModelConfig, data: ImageSet) -> None:
    """Refuse, with a reason, a data set the model cannot train on (or be fitted to)."""
    check_shape_fits(model_config, data)
    if (getattr(model_config, "conditional", False) or model_config.kind == "judge") \
            and not data.has_labels:
        raise UsageError(f"the data set {data.name!r} has no labels: conditional models and "
                         "the judge train on MNIST")
    classes = getattr(model_config, "num_classes", None)
    if getattr(model_config, "conditional", False) and classes is not None and len(data) \
            and int(data.labels.max()) >= classes:
        raise UsageError(f"the data set {data.name!r} has labels past the model's {classes} "
                         "classes")
    if len(data) < 2:
        raise UsageError(f"the data set {data.name!r} has {len(data)} image(s); training needs "
                         "at least 2")


def _shape_text(shape: tuple[int, ...]) -> str:
    c, h, w = shape
    return f"{h}x{w} {'grey' if c == 1 else 'RGB'}"


def saved_train_config(saved: Any, epochs: int, name: str,
                       minutes: float | None = None) -> TrainConfig:
    """The checkpoint's training settings, type-checked, with the caller's epoch count (and a
    timed run's new budget, when given)."""
    values = check_fields(TrainConfig, saved, f"{name}: damaged checkpoint (training settings)",
                          ModelFileError)
    try:
        config = dataclasses.replace(TrainConfig(**values), epochs=epochs)
        return config if minutes is None else dataclasses.replace(config, minutes=minutes)
    except (UsageError, TypeError, ValueError) as exc:
        raise ModelFileError(f"{name}: damaged checkpoint ({exc})") from None


def data_fingerprint(data: ImageSet) -> str:
    """SHA-256 of the images and labels a run trains on (0.1 s for MNIST's 47 MB)."""
    digest = hashlib.sha256()
    for tensor in (data.images, data.labels):
        array = tensor.detach().to("cpu").contiguous().numpy()
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(memoryview(array).cast("B"))
    return digest.hexdigest()


def restore(run: Run, loaded: LoadedModel, allow_data_change: bool) -> torch.Tensor:
    """Put the checkpoint's optimizer, RNG and step into ``run``; every field is checked."""
    name = loaded.path.name
    saved = loaded.metadata["training_state"]
    check_training_state(saved, name, run.task.optimizers)
    same_data = saved.get("data_sha256") in (None, run.data_sha256)
    if not same_data and not allow_data_change:
        raise UsageError(f"{name} was trained on other data than this (a different --data or "
                         "--limit); pass --allow-data-change to continue on this data")
    if saved["batch_size"] != run.batch_size or (
            saved["num_images"] != len(run.data) and not allow_data_change):
        raise ModelFileError("this checkpoint was trained on a different data set or batch size")
    stepping.check_world_size(run, saved.get("world_size", 1), name)
    for opt_name, opt in run.task.optimizers.items():
        restore_optimizer(opt_name, saved["optimizers"][opt_name], loaded.state, opt, name)
    restore_generator(run.noise_gen, loaded.state.get("rng.noise"), "rng.noise", name)
    run.step = saved["step"]
    run.last_good = (loaded.path, run.step)
    training = loaded.metadata.get("training")
    wall = training.get("wall_time_s") if isinstance(training, dict) else None
    run.wall_time_s = float(wall) if finite_number(wall, low=0.0) else 0.0
    return check_generator_state(loaded.state.get("rng.shuffle_epoch_start"),
                                 "rng.shuffle_epoch_start", name)


def summary(run: Run) -> dict[str, Any]:
    c = run.config
    done = run.step * run.batch_size
    return {
        "epochs": c.epochs, "steps": run.step, "epochs_done": run.step / run.steps_per_epoch,
        "seed": c.seed, "batch_size": run.batch_size,
        "lr": c.lr or type(run.task).default_lr,  # the configured rate, before any schedule
        "d_lr": c.d_lr,
        "beta": c.beta, "kl_warmup_epochs": c.kl_warmup_epochs, "binarize": run.binarize,
        "wall_time_s": round(run.wall_time_s, 3), "device": str(run.device),
        "images_per_s": round(done / run.wall_time_s, 1) if run.wall_time_s > 0 else None,
        "final_losses": run.last_losses, "torch_version": torch.__version__,
        "world_size": run.world.size, **accel.describe(run.report),
        **({"started_from": run.started_from} if run.started_from else {}),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def metadata(run: Run, summary: dict[str, Any], **extra: Any) -> dict[str, Any]:
    dataset = {"name": run.data.name, "split": run.data.split, "num_images": len(run.data),
               "binarize": run.binarize, **(run.data.info or {})}
    return model_metadata(run.model, dataset=dataset, training=summary, metrics={}, **extra)


def write_checkpoint(run: Run, epoch_start_state: torch.Tensor) -> Checkpoint:
    """Write weights + optimizer + RNG so that a resumed run continues exactly here."""
    check_finite_weights(run)
    state: dict[str, torch.Tensor] = {
        "rng.noise": run.noise_gen.get_state(),
        "rng.shuffle_epoch_start": epoch_start_state,
    }
    optimizers = {}
    for name, opt in run.task.optimizers.items():
        optimizers[name] = optimizer_state_to_tensors(name, opt.state_dict(), state)
    training_state = {
        "step": run.step, "num_images": len(run.data), "batch_size": run.batch_size,
        "train_config": dataclasses.asdict(run.config), "optimizers": optimizers,
        "data_sha256": run.data_sha256, "world_size": run.world.size,
    }
    if run.world.is_main:  # every rank holds the same weights; one writes them
        save_model(run.checkpoint_path, run.model,
                   metadata(run, summary(run), training_state=training_state), state=state)
    run.last_good = (run.checkpoint_path, run.step)
    run.last_checkpoint_t = time.perf_counter()
    return Checkpoint(run.checkpoint_path, run.step // run.steps_per_epoch, run.step)


def check_finite_weights(run: Run) -> None:
    """Never let a NaN reach a file: a checkpoint or model of NaN weights is worth nothing.
    The task first finishes its weights (a GAN's moving average gets its statistics)."""
    run.task.before_save()
    for tensor in itertools.chain(run.model.parameters(), run.model.buffers()):
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise TrainingDiverged(diverged_message(run, "the weights became NaN or infinite"))


def diverged_message(run: Run, what: str) -> str:
    kept = ("no checkpoint was written" if run.last_good is None else
            f"the last good checkpoint is {run.last_good[0]} (step {run.last_good[1]})")
    lr = run.config.lr or type(run.task).default_lr
    return (f"training stopped at step {run.step}: {what} (try a lower learning rate, e.g. "
            f"{lr / 4:g} instead of {lr:g}); nothing was saved from it, {kept}")
