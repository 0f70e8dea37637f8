"""How a training run steps, beyond the loop itself: its share of each batch (several
processes), precision and memory layout, the step function (eager or a CUDA graph), when it
stops and when it checkpoints. ``run`` is the run record, ``core.train.run.Run``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch

from genai_studio.core.errors import ModelFileError, UsageError
from genai_studio.core.train import accel
from genai_studio.core.train.distributed import has_batch_norm
from genai_studio.core.train.tasks import make_task

if TYPE_CHECKING:
    from genai_studio.core.train.run import Run


def beta_scale(run: Run) -> float:
    warmup_steps = run.config.kl_warmup_epochs * run.steps_per_epoch
    return 1.0 if warmup_steps <= 0 else min(1.0, run.step / warmup_steps)


def set_up_steps(run: Run) -> None:
    """Shard the batch, pick precision and memory layout, and build the step function."""
    world, bs = run.world, run.batch_size
    world.check_batch(bs)
    if world.distributed and run.task.distributed_blocker:
        raise UsageError(f"{run.task.distributed_blocker}: start it without torchrun")
    blockers = [reason for reason, applies in (
        ("the KL warm-up changes the step", run.config.kl_warmup_epochs > 0),
        ("the judge's learning-rate schedule changes the step", not run.task.makes_images),
        (run.task.graph_blocker, run.task.graph_blocker is not None),
        ("one process only", world.distributed)) if applies]
    run.report = accel.resolve(run.speed, run.device, run.model, blockers)
    if run.report.cuda_graph:
        run.task.make_capturable()
    run.task.configure(world, bs, run.report.precision)
    rows, layout = world.rows(bs), accel.memory_format(run.model, run.device)

    def step(index: torch.Tensor) -> torch.Tensor:
        # Every rank binarises the whole batch with the shared generator, then keeps its rows.
        x, labels = run.data.batch(index, run.binarize, run.noise_gen)
        if world.distributed:
            x, labels = x[rows], labels[rows]
        x = x.contiguous(memory_format=layout)
        return run.task.step(x, labels, run.noise_gen, beta_scale(run))

    run.step_fn = accel.make_step(step, run.device, run.report, run.speed, [run.noise_gen])


def check_world_size(run: Run, saved: Any, name: str) -> None:
    """A run continues with another number of processes only where that changes nothing: a
    model without BatchNorm (whose statistics are each process's share of the batch)."""
    if type(saved) is not int or saved < 1:
        raise ModelFileError(f"{name}: damaged checkpoint (world_size)")
    if saved != run.world.size and has_batch_norm(run.model):
        raise UsageError(f"{name} was trained by {saved} process(es) and this model's BatchNorm "
                         f"statistics depend on each one's share of a batch: resume it with "
                         f"{saved} process(es), not {run.world.size}")


def stop_requested(run: Run, cancel: Any) -> bool:
    """One process: the cancel token, at every step. Several: the cancel all ranks agreed on
    at the last log window, so that every rank stops at the same step."""
    if run.world.distributed:
        return run.stop_agreed
    return cancel is not None and cancel.is_set()


def checkpoint_due(run: Run, now: float) -> bool:
    every = run.speed.checkpoint_every_s
    return bool(every) and now - run.last_checkpoint_t >= every


def warm_up(device: torch.device | str = "cpu") -> None:
    """One throw-away forward, backward and Adam step on a tiny model, on ``device``.

    The first real step imports autograd and optimizer modules lazily while holding the GIL,
    which froze the GUI for 75-150 ms three times; on a GPU it also creates the context and
    the math libraries' handles (a second or more). Call this once at start-up with the
    device training will use.
    """
    from genai_studio.core.models.vae import VAE, VAEConfig

    device = torch.device(device)
    accel.warm_up_device(device)
    with torch.random.fork_rng(devices=[device.index or 0] if device.type == "cuda" else []):
        model = VAE(VAEConfig(latent_dim=2, hidden=(8,))).to(device)
        task = make_task(model, 1e-3, device, beta=1.0)
        x = torch.rand(2, 1, 28, 28, device=device)
        task.step(x, torch.zeros(2, dtype=torch.long, device=device),
                  torch.Generator(device=device), 1.0)
