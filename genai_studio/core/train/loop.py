"""Training as a plain generator of events (docs/architecture.md, Threads): the CLI prints
them, the GUI worker emits them as signals. Cancel between steps; pause by not pulling;
resume from a checkpoint file.

    for event in train(VAEConfig(), TrainConfig(epochs=1), load_mnist(), device, out_path):
        ...

Randomness comes from three seeded generators, never the global RNG: weights are initialised
under ``seed``, the epoch shuffles come from a CPU generator (``seed``), and the per-step noise
(binarisation, reparameterisation, GAN latents) from a generator on the device (``seed + 1``).
A checkpoint stores the shuffle generator's state at the start of its epoch plus the step, so
a resumed run replays exactly the batches the uninterrupted one would have seen.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch

from genai_studio.core.data.mnist import ImageSet
from genai_studio.core.defaults import checkpoint_path_for
from genai_studio.core.errors import ModelFileError, TrainingDiverged, UsageError
from genai_studio.core.latent.sampling import cycle_labels
from genai_studio.core.models import ModelConfig, build_model
from genai_studio.core.store.checkpoints import LoadedModel, load_model, model_metadata, save_model
from genai_studio.core.train import accel, stepping
from genai_studio.core.train.accel import SpeedOptions, SpeedReport
from genai_studio.core.train.distributed import SINGLE, World, window_sync
from genai_studio.core.train.events import (
    Checkpoint,
    Event,
    Finished,
    Preview,
    Progress,
    Started,
)
from genai_studio.core.train.optim_state import (
    check_generator_state,
    check_training_state,
    optimizer_state_to_tensors,
    restore_generator,
    restore_optimizer,
)
from genai_studio.core.train.tasks import TrainingTask, default_binarize, make_task
from genai_studio.core.validate import check_fields, check_model_size, finite_number


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


class CancelToken(Protocol):
    def is_set(self) -> bool: ...


# ----------------------------------------------------------------------------- the loop


@dataclass
class _Run:
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


def train(
    model_config: ModelConfig | None,
    config: TrainConfig,
    data: ImageSet,
    device: torch.device,
    out_path: Path,
    *,
    cancel: CancelToken | None = None,
    resume_from: Path | None = None,
    checkpoint_path: Path | None = None,
    allow_data_change: bool = False,
    world: World = SINGLE,
    speed: SpeedOptions | None = None,
    init_from: Path | None = None,
) -> Iterator[Event]:
    """Train a model and yield events; ``model_config`` may be None when resuming.

    ``world``: this process's place in a multi-process (torchrun) run, see
    ``core.distributed``; rank 0 alone writes files. ``speed``: precision, CUDA graphs and the
    checkpoint interval (``core.accel``); none of them changes what is trained.

    A resumed run takes every setting from its checkpoint except ``config.epochs``, and
    refuses data other than what the checkpoint trained on unless ``allow_data_change``.
    Losses or weights that stop being finite raise :class:`TrainingDiverged`: nothing is saved
    from that point on, and the last checkpoint written (or resumed from) stays as it was.
    ``init_from``: a trained model whose weights start a new run (a VAE-GAN from an MLP VAE).
    """
    run, epoch_start_state = _prepare(
        model_config, config, data, device, Path(out_path), resume_from, checkpoint_path,
        allow_data_change, world, speed or SpeedOptions(), init_from,
    )
    if run.steps_per_epoch == 0:
        raise UsageError("no training images")
    if run.batch_size < 2 and any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm)
                                  for m in run.model.modules()):
        raise UsageError("this model uses BatchNorm: it needs at least 2 images per batch")
    suspended = 0.0  # seconds spent paused at a yield, excluded from speed and wall time

    def emit(event: Event) -> Iterator[Event]:
        nonlocal suspended
        t = time.perf_counter()
        yield event
        suspended += time.perf_counter() - t

    yield from emit(Started(run.total_steps, run.steps_per_epoch, run.step, len(run.data),
                            str(device)))
    # Only generators have something to preview; a classifier (the judge) trains without.
    previews = run.task.makes_images
    preview_z, preview_labels = _preview_batch(run) if previews else (None, None)
    # The quality meter compares the judge's verdict with the digits asked for.
    asked = None if preview_labels is None else preview_labels.cpu().numpy().copy()
    t_start = time.perf_counter()
    wall_before = run.wall_time_s
    window_sum = torch.zeros(len(run.task.loss_names), device=device)
    window_steps, window_t, window_suspended = 0, time.perf_counter(), 0.0
    spe, bs = run.steps_per_epoch, run.batch_size
    run.model.train()
    for epoch in range(run.step // spe, run.config.epochs):
        if epoch_start_state is not None:  # resuming inside this epoch
            run.shuffle_gen.set_state(epoch_start_state)
        epoch_start_state = run.shuffle_gen.get_state()
        order = torch.randperm(len(run.data), generator=run.shuffle_gen).to(device)
        for i in range(run.step - epoch * spe, spe):
            if stepping.stop_requested(run, cancel):
                run.wall_time_s = wall_before + time.perf_counter() - t_start - suspended
                yield from emit(_checkpoint(run, epoch_start_state))
                yield Finished(None, run.checkpoint_path, True, _summary(run))
                return
            run.task.set_progress(run.step, run.total_steps)
            window_sum += run.step_fn(order[i * bs:(i + 1) * bs])
            run.step += 1
            window_steps += 1
            if run.step % run.config.log_every == 0 or i == spe - 1:
                now = time.perf_counter()
                active = max(now - window_t - (suspended - window_suspended), 1e-9)
                # The one host sync per window (with several processes, one all-reduce too).
                means, run.stop_agreed, due = window_sync(
                    window_sum / window_steps, run.world,
                    cancel is not None and cancel.is_set(), stepping.checkpoint_due(run, now))
                run.last_losses = dict(zip(run.task.loss_names, means, strict=True))
                _check_losses(run, window_steps)
                elapsed = wall_before + now - t_start - suspended
                yield from emit(Progress(
                    epoch + 1, run.config.epochs, run.step, run.total_steps, run.last_losses,
                    window_steps * bs / active,
                    (run.total_steps - run.step) * active / window_steps, elapsed,
                ))
                window_sum.zero_()
                window_steps, window_t, window_suspended = 0, time.perf_counter(), suspended
                if due and i < spe - 1:  # on a timer, mid-epoch (an epoch's end has its own)
                    yield from emit(_checkpoint(run, epoch_start_state))
            if previews and run.world.is_main and run.step % run.config.preview_every == 0:
                yield from emit(Preview(
                    run.step, _render_preview(run, preview_z, preview_labels), asked))
        run.wall_time_s = wall_before + time.perf_counter() - t_start - suspended
        epoch_start_state = None
        if not run.speed.checkpoint_every_s or epoch == run.config.epochs - 1 or due:
            yield from emit(_checkpoint(run, run.shuffle_gen.get_state()))
    if previews and run.world.is_main:
        yield from emit(Preview(
            run.step, _render_preview(run, preview_z, preview_labels), asked))
    summary = _summary(run)
    _check_finite_weights(run)
    if run.world.is_main:
        save_model(run.out_path, run.model, _metadata(run, summary))
    yield Finished(run.out_path, run.checkpoint_path, False, summary)


def _prepare(model_config, config, data, device, out_path, resume_from, checkpoint_path,
             allow_data_change=False, world=SINGLE, speed=None, init_from=None):
    """Build (or restore) the run; returns it and the shuffle state of a resumed epoch."""
    loaded: LoadedModel | None = None
    if resume_from is not None:
        loaded = load_model(resume_from, device)
        if not loaded.has_training_state:
            raise ModelFileError(
                f"{Path(resume_from).name} holds no training state; resume from the "
                "'.ckpt.safetensors' checkpoint written beside the model"
            )
        saved = loaded.metadata["training_state"]
        check_training_state(saved, loaded.path.name)
        config = _saved_train_config(saved["train_config"], config.epochs, loaded.path.name)
        model_config = loaded.config
        model = loaded.model
    else:
        if model_config is None:
            raise UsageError("a model config is needed unless resuming")
        check_model_size(model_config, UsageError, "the model asked for")
        # Initialise under the seed without touching the global RNG the rest of the app uses.
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(config.seed)
            model = build_model(model_config)
        started_from = warm_start(model, init_from) if init_from is not None else None
        model.to(device)
    check_data_fits(model_config, data)
    data = data.head(config.limit)
    data_sha256 = data_fingerprint(data)
    data = data.to(device)
    binarize = config.binarize or default_binarize(model_config.kind)
    if binarize == "dynamic" and data.image_shape[0] != 1:
        if config.binarize is not None:
            raise UsageError("--binarize dynamic is for grey images; this data set is in colour")
        binarize = "none"  # the VAE default, but colour channels are not black or white
    speed = speed or SpeedOptions()
    accel.configure_device(device, model)
    model.to(memory_format=accel.memory_format(model, device))
    run = _Run(
        model=model,
        task=make_task(model, config.lr, device, config.beta, config.d_lr),
        config=config, data=data, device=device, out_path=out_path,
        checkpoint_path=Path(checkpoint_path or checkpoint_path_for(out_path)),
        shuffle_gen=torch.Generator().manual_seed(config.seed),
        noise_gen=torch.Generator(device=device).manual_seed(config.seed + 1),
        binarize=binarize, data_sha256=data_sha256, world=world, speed=speed,
    )
    stepping.set_up_steps(run)
    if loaded is None and started_from is not None:
        run.started_from = started_from
    if loaded is None:
        with torch.random.fork_rng(devices=[]):
            run.task.prepare_data(data.batch(torch.arange(len(data), device=data.device))[0],
                                  config.seed)
        return run, None
    return run, _restore(run, loaded, allow_data_change)


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


def check_data_fits(model_config: ModelConfig, data: ImageSet) -> None:
    """Refuse, with a reason, a data set the model cannot train on."""
    from genai_studio.core.models.base import MNIST_SHAPE

    wanted = getattr(model_config, "image_shape", MNIST_SHAPE)
    if data.image_shape != tuple(wanted):
        raise UsageError(f"the model makes {_shape_text(wanted)} images; the data set "
                         f"{data.name!r} holds {_shape_text(data.image_shape)} ones")
    if (getattr(model_config, "conditional", False) or model_config.kind == "judge") \
            and not data.has_labels:
        raise UsageError(f"the data set {data.name!r} has no labels: conditional models and "
                         "the judge train on MNIST")
    if len(data) < 2:
        raise UsageError(f"the data set {data.name!r} has {len(data)} image(s); training needs "
                         "at least 2")


def _shape_text(shape: tuple[int, ...]) -> str:
    c, h, w = shape
    return f"{h}x{w} {'grey' if c == 1 else 'RGB'}"


def _saved_train_config(saved: Any, epochs: int, name: str) -> TrainConfig:
    """The checkpoint's training settings, type-checked, with the caller's epoch count."""
    values = check_fields(TrainConfig, saved, f"{name}: damaged checkpoint (training settings)",
                          ModelFileError)
    try:
        return dataclasses.replace(TrainConfig(**values), epochs=epochs)
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


def _restore(run: _Run, loaded: LoadedModel, allow_data_change: bool) -> torch.Tensor:
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


def _check_losses(run: _Run, steps: int) -> None:
    """Stop a run whose window losses are NaN or infinite, or that its task calls diverged
    (a GAN's discriminator winning outright)."""
    bad = [name for name, value in run.last_losses.items() if not math.isfinite(value)]
    reason = (f"the losses became NaN or infinite ({', '.join(bad)})" if bad
              else run.task.check(run.last_losses, steps))
    if reason:
        raise TrainingDiverged(_diverged_message(run, reason))


def _check_finite_weights(run: _Run) -> None:
    """Never let a NaN reach a file: a checkpoint or model of NaN weights is worth nothing.
    The task first finishes its weights (a GAN's moving average gets its statistics)."""
    run.task.before_save()
    for tensor in itertools.chain(run.model.parameters(), run.model.buffers()):
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise TrainingDiverged(_diverged_message(run, "the weights became NaN or infinite"))


def _diverged_message(run: _Run, what: str) -> str:
    kept = ("no checkpoint was written" if run.last_good is None else
            f"the last good checkpoint is {run.last_good[0]} (step {run.last_good[1]})")
    lr = run.config.lr or type(run.task).default_lr
    return (f"training stopped at step {run.step}: {what} (try a lower learning rate, e.g. "
            f"{lr / 4:g} instead of {lr:g}); nothing was saved from it, {kept}")


def _preview_batch(run: _Run) -> tuple[torch.Tensor, torch.Tensor | None]:
    """A fixed noise batch (pytorch/examples' ``fixed_noise``): previews compare across time."""
    gen = torch.Generator().manual_seed(run.config.seed + 2)
    n = run.config.preview_count
    z = run.model.prior(n, gen).to(run.device)
    labels = cycle_labels(n, run.model.num_classes).to(run.device)
    return z, labels if run.model.conditional else None


def _render_preview(run: _Run, z: torch.Tensor, labels: torch.Tensor | None) -> np.ndarray:
    run.model.eval()
    with torch.inference_mode():
        images = run.model.decode(z, labels)
    run.model.train()
    return images.detach().to("cpu").numpy().astype(np.float32, copy=True)


def _summary(run: _Run) -> dict[str, Any]:
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


def _metadata(run: _Run, summary: dict[str, Any], **extra: Any) -> dict[str, Any]:
    dataset = {"name": run.data.name, "split": run.data.split, "num_images": len(run.data),
               "binarize": run.binarize, **(run.data.info or {})}
    return model_metadata(run.model, dataset=dataset, training=summary, metrics={}, **extra)


def _checkpoint(run: _Run, epoch_start_state: torch.Tensor) -> Checkpoint:
    """Write weights + optimizer + RNG so that a resumed run continues exactly here."""
    _check_finite_weights(run)
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
                   _metadata(run, _summary(run), training_state=training_state), state=state)
    run.last_good = (run.checkpoint_path, run.step)
    run.last_checkpoint_t = time.perf_counter()
    return Checkpoint(run.checkpoint_path, run.step // run.steps_per_epoch, run.step)
