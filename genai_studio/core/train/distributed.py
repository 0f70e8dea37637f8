"""Training on several processes with ``torch.distributed``: one process per GPU or CPU share,
started by ``torchrun``, gradients averaged by ``DistributedDataParallel`` (gloo on the CPU,
NCCL on CUDA).

How a W-process run stays the 1-process run with the same global batch (to float rounding):

* every rank draws the same epoch permutation (the shuffle generator has the run's seed) and
  takes its own W-th of the rows of each global batch: the data is sharded by rank, batch by
  batch;
* every rank draws the noise of the whole global batch (binarisation, reparameterisation,
  GAN latents, the judge's shifts) from the run's noise generator and keeps its own rows, so
  no two ranks share noise and each sample gets the noise it gets in a 1-process run; that
  costs each rank the random numbers of the whole batch (a few per cent of a step here);
* each rank's loss is the mean over its rows and DDP averages the gradients over the ranks:
  the mean over the global batch. Models with BatchNorm (GAN, judge) normalise over each
  rank's rows instead, the usual DDP behaviour, so only they differ from a 1-process run.

Rank 0 alone writes checkpoints, previews and the model (atomically); the losses shown are
means over all ranks, and a cancel on any rank stops every rank at the same step.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

import torch

from genai_studio.core.errors import UsageError


@dataclass(frozen=True)
class World:
    """This process's place among the training processes (1 process: rank 0 of 1)."""

    rank: int = 0
    size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.size > 1

    def rows(self, global_batch: int) -> slice:
        """This rank's rows of a global batch."""
        if not self.distributed:
            return slice(None)
        local = global_batch // self.size
        return slice(self.rank * local, (self.rank + 1) * local)

    def check_batch(self, global_batch: int) -> None:
        if global_batch % self.size:
            raise UsageError(f"the batch size ({global_batch}) must be a multiple of the number "
                             f"of processes ({self.size}): each takes an equal share of a batch")


SINGLE = World()


def world_from_env(env: Mapping[str, str] | None = None) -> World:
    """The world ``torchrun`` describes in RANK / WORLD_SIZE / LOCAL_RANK (else 1 process)."""
    env = os.environ if env is None else env
    try:
        size = int(env.get("WORLD_SIZE", "1"))
        rank = int(env.get("RANK", "0"))
        local_rank = int(env.get("LOCAL_RANK", str(rank)))
    except ValueError:
        raise UsageError("WORLD_SIZE, RANK and LOCAL_RANK must be whole numbers") from None
    if size < 1 or not 0 <= rank < size or local_rank < 0:
        raise UsageError(f"rank {rank} of world size {size} makes no sense")
    return World(rank, size, local_rank)


def start(world: World, device: torch.device) -> torch.device:
    """Join the process group (gloo on the CPU, NCCL on CUDA); the device this rank trains on."""
    if not world.distributed:
        return device
    import torch.distributed as dist

    if device.type == "cuda":
        device = torch.device("cuda", world.local_rank % torch.cuda.device_count())
        torch.cuda.set_device(device)
        backend = "nccl"
    elif device.type == "cpu":
        backend = "gloo"
    else:
        raise UsageError(f"multi-process training runs on CUDA or the CPU, not {device.type}")
    if not dist.is_initialized():
        dist.init_process_group(backend, rank=world.rank, world_size=world.size)
    return device


def stop(world: World) -> None:
    if world.distributed:
        import torch.distributed as dist

        if dist.is_initialized():
            dist.destroy_process_group()


def wrap(module: torch.nn.Module, world: World) -> torch.nn.Module:
    """``module`` under DistributedDataParallel when there are several ranks, else itself."""
    if not world.distributed:
        return module
    from torch.nn.parallel import DistributedDataParallel

    device = next(module.parameters()).device
    ids = [device.index] if device.type == "cuda" else None
    return DistributedDataParallel(module, device_ids=ids)


def window_sync(means: torch.Tensor, world: World, stop: bool, due: bool
                ) -> tuple[list[float], bool, bool]:
    """The loss means of a log window over all ranks, and whether any rank wants to stop or is
    due a checkpoint: one all-reduce (every rank calls it at the same steps). One process:
    its own values, read with the window's one host sync."""
    if not world.distributed:
        return means.tolist(), stop, due
    import torch.distributed as dist

    packed = torch.cat([means.float(), means.new_tensor([float(stop), float(due)])])
    dist.all_reduce(packed)  # sums
    values = packed.tolist()
    n = means.numel()
    return [v / world.size for v in values[:n]], values[n] > 0, values[n + 1] > 0


def has_batch_norm(module: torch.nn.Module) -> bool:
    return any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in module.modules())
