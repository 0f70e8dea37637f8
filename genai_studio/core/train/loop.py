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

import math
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch

from genai_studio.core.data.mnist import ImageSet
from genai_studio.core.defaults import checkpoint_path_for
from genai_studio.core.errors import ModelFileError, TrainingDiverged, UsageError
from genai_studio.core.latent.sampling import cycle_labels
from genai_studio.core.models.registry import ModelConfig, build_model
from genai_studio.core.runtime.threads import ContentionWatch
from genai_studio.core.store.checkpoints import LoadedModel, load_model, save_model
from genai_studio.core.train import accel, stepping
from genai_studio.core.train.accel import SpeedOptions
from genai_studio.core.train.distributed import SINGLE, World, window_sync
from genai_studio.core.train.events import (
    Event,
    Finished,
    Preview,
    Progress,
    Started,
)
from genai_studio.core.train.optim_state import (
    check_training_state,
)
from genai_studio.core.train.run import (
    CancelToken,
    Run,
    TrainConfig,
    check_data_fits,
    check_finite_weights,
    data_fingerprint,
    diverged_message,
    metadata,
    restore,
    saved_train_config,
    summary,
    warm_start,
    write_checkpoint,
)
from genai_studio.core.train.tasks import default_binarize, make_task
from genai_studio.core.validate import check_model_size

# ----------------------------------------------------------------------------- the loop


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
    budget = run.config.budget_s
    if budget is not None and run.world.distributed:
        raise UsageError("a timed run (--minutes) trains in one process; give --epochs instead")
    suspended = 0.0  # seconds spent paused at a yield, excluded from speed and wall time

    def emit(event: Event) -> Iterator[Event]:
        nonlocal suspended
        t = time.perf_counter()
        yield event
        suspended += time.perf_counter() - t

    def _elapsed() -> float:
        """Active training seconds so far (pauses excluded), across resumes."""
        return wall_before + time.perf_counter() - t_start - suspended

    yield from emit(Started(run.total_steps, run.steps_per_epoch, run.step, len(run.data),
                            str(device), budget,
                            model=run.model if run.task.makes_images else None))
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
    # Several CPU threads were planned on a quiet machine: down to one if that changes.
    watch = ContentionWatch() if device.type == "cpu" else None
    run.model.train()
    for epoch in range(run.step // spe, run.config.epochs):
        if epoch_start_state is not None:  # resuming inside this epoch
            run.shuffle_gen.set_state(epoch_start_state)
        epoch_start_state = run.shuffle_gen.get_state()
        order = torch.randperm(len(run.data), generator=run.shuffle_gen).to(device)
        for i in range(run.step - epoch * spe, spe):
            if budget is not None and _elapsed() >= budget:
                break  # time is up: finish as any run does
            if stepping.stop_requested(run, cancel):
                run.wall_time_s = wall_before + time.perf_counter() - t_start - suspended
                yield from emit(write_checkpoint(run, epoch_start_state))
                yield Finished(None, run.checkpoint_path, True, summary(run))
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
                yield from emit(_progress(run, epoch, window_steps * bs / active,
                                          active / window_steps, elapsed))
                window_sum.zero_()
                window_steps, window_t, window_suspended = 0, time.perf_counter(), suspended
                if watch is not None:
                    watch.check(window_t)
                if due and i < spe - 1:  # on a timer, mid-epoch (an epoch's end has its own)
                    yield from emit(write_checkpoint(run, epoch_start_state))
            if previews and run.world.is_main and run.step % run.config.preview_every == 0:
                yield from emit(Preview(
                    run.step, _render_preview(run, preview_z, preview_labels), asked))
        run.wall_time_s = wall_before + time.perf_counter() - t_start - suspended
        time_up = budget is not None and run.wall_time_s >= budget
        if time_up and run.step % spe:  # stopped inside this epoch: resume replays the rest
            yield from emit(write_checkpoint(run, epoch_start_state))
            break
        epoch_start_state = None
        if not run.speed.checkpoint_every_s or epoch == run.config.epochs - 1 or due \
                or time_up:
            yield from emit(write_checkpoint(run, run.shuffle_gen.get_state()))
        if time_up:
            break
    if previews and run.world.is_main:
        yield from emit(Preview(
            run.step, _render_preview(run, preview_z, preview_labels), asked))
    finished = summary(run)
    check_finite_weights(run)
    if run.world.is_main:
        save_model(run.out_path, run.model, metadata(run, finished))
    yield Finished(run.out_path, run.checkpoint_path, False, finished)


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
        config = saved_train_config(saved["train_config"], config.epochs, loaded.path.name,
                                    config.minutes)
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
    run = Run(
        model=model,
        task=make_task(model, config.lr, device, config.beta, config.d_lr, config.augment),
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
    return run, restore(run, loaded, allow_data_change)


def _progress(run: Run, epoch: int, images_per_s: float, s_per_step: float,
              elapsed: float) -> Progress:
    """A Progress event. A timed run counts its steps against those its time will allow at
    the speed measured so far, and its ETA is the time left."""
    budget, total = run.config.budget_s, run.total_steps
    if budget is None:
        eta = (total - run.step) * s_per_step
        return Progress(epoch + 1, run.config.epochs, run.step, total, run.last_losses,
                        images_per_s, eta, elapsed)
    eta = max(budget - elapsed, 0.0)
    total = max(run.step + int(eta / max(s_per_step, 1e-9)), run.step)
    epochs = max(epoch + 1, -(-total // run.steps_per_epoch))
    return Progress(epoch + 1, epochs, run.step, total, run.last_losses, images_per_s, eta,
                    elapsed, timed=True)


def _check_losses(run: Run, steps: int) -> None:
    """Stop a run whose window losses are NaN or infinite, or that its task calls diverged
    (a GAN's discriminator winning outright)."""
    bad = [name for name, value in run.last_losses.items() if not math.isfinite(value)]
    reason = (f"the losses became NaN or infinite ({', '.join(bad)})" if bad
              else run.task.check(run.last_losses, steps))
    if reason:
        raise TrainingDiverged(diverged_message(run, reason))


def _preview_batch(run: Run) -> tuple[torch.Tensor, torch.Tensor | None]:
    """A fixed noise batch (pytorch/examples' ``fixed_noise``): previews compare across time."""
    gen = torch.Generator().manual_seed(run.config.seed + 2)
    n = run.config.preview_count
    z = run.model.prior(n, gen).to(run.device)
    labels = cycle_labels(n, run.model.num_classes).to(run.device)
    return z, labels if run.model.conditional else None


def _render_preview(run: Run, z: torch.Tensor, labels: torch.Tensor | None) -> np.ndarray:
    run.model.eval()
    with torch.inference_mode():
        images = run.model.decode(z, labels)
    run.model.train()
    return images.detach().to("cpu").numpy().astype(np.float32, copy=True)
