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

What the environment gets wrong is one line each (a ``UsageError``), never a crash log:
WORLD_SIZE > 1 without MASTER_ADDR or MASTER_PORT, a MASTER_PORT another program holds, a
rendezvous that does not complete (processes that never start, an address where no training
process answers, a listener that is not one) within the rendezvous timeout (``--rendezvous-
timeout``, else ``GENAI_STUDIO_RENDEZVOUS_TIMEOUT``, else 60 s), and a peer that dies while
training. Collectives themselves wait up to ``COLLECTIVE_TIMEOUT_S`` (a checkpoint being
written on rank 0 holds the others at their next step).
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Mapping
from dataclasses import dataclass

import torch

from genai_studio.core.errors import UsageError

RENDEZVOUS_ENV = "GENAI_STUDIO_RENDEZVOUS_TIMEOUT"
DEFAULT_RENDEZVOUS_S = 60.0
MAX_RENDEZVOUS_S = 24 * 3600.0
COLLECTIVE_TIMEOUT_S = 1800.0  # torch's own default for gloo
# What a dead or unreachable peer looks like from here, in torch's and gloo's words.
_PEER_GONE = ("connection closed by peer", "connection reset by peer", "broken pipe",
              "connection refused", "remote worker crash", "timed out", "timeout",
              "socket", "gloo", "nccl", "process group")


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


def rendezvous_timeout(value: float | str | None = None,
                       env: Mapping[str, str] | None = None) -> float:
    """Seconds to wait for every process to join: ``value``, else the environment's
    ``GENAI_STUDIO_RENDEZVOUS_TIMEOUT``, else 60."""
    env = os.environ if env is None else env
    raw = value if value is not None else env.get(RENDEZVOUS_ENV) or DEFAULT_RENDEZVOUS_S
    try:
        seconds = float(raw)
    except (TypeError, ValueError):
        raise UsageError(f"{RENDEZVOUS_ENV}: expected a number of seconds, got "
                         f"{str(raw)[:40]!r}") from None
    if not 0 < seconds <= MAX_RENDEZVOUS_S:
        raise UsageError(f"the rendezvous timeout must be between 0 and {MAX_RENDEZVOUS_S:g} "
                         f"seconds, not {seconds:g}")
    return seconds


def check_environment(world: World, env: Mapping[str, str] | None = None) -> tuple[str, int]:
    """The rendezvous address (MASTER_ADDR, MASTER_PORT) of a multi-process run, checked."""
    env = os.environ if env is None else env
    addr, port = env.get("MASTER_ADDR", "").strip(), env.get("MASTER_PORT", "").strip()
    missing = [name for name, value in (("MASTER_ADDR", addr), ("MASTER_PORT", port))
               if not value]
    if missing:
        raise UsageError(f"WORLD_SIZE is {world.size} but {' and '.join(missing)} "
                         f"{'is' if len(missing) == 1 else 'are'} not set: start the processes "
                         "with torchrun, or set MASTER_ADDR and MASTER_PORT to where rank 0 "
                         "listens")
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise UsageError(f"MASTER_PORT must be a port number (1-65535), not {port[:20]!r}")
    return addr, int(port)


def start(world: World, device: torch.device, timeout_s: float | None = None) -> torch.device:
    """Join the process group (gloo on the CPU, NCCL on CUDA); the device this rank trains on.
    Every way the rendezvous can fail is one line (see the module doc)."""
    if not world.distributed:
        return device
    timeout = rendezvous_timeout(timeout_s)
    addr, port = check_environment(world)
    if device.type == "cuda":
        device = torch.device("cuda", world.local_rank % torch.cuda.device_count())
        torch.cuda.set_device(device)
        backend = "nccl"
    elif device.type == "cpu":
        backend = "gloo"
    else:
        raise UsageError(f"multi-process training runs on CUDA or the CPU, not {device.type}")
    try:
        _join_within(world, backend, timeout)
    except (RuntimeError, ValueError, OSError) as exc:
        raise UsageError(_rendezvous_failure(exc, world, addr, port, timeout)) from None
    return device


class _NoAnswer(RuntimeError):
    """The rendezvous went on past its own timeout (a listener that is not a store)."""


def _join_within(world: World, backend: str, timeout_s: float) -> None:
    """:func:`_join` on a helper thread, given up on past twice its timeout: torch's store
    client waits forever on a listener that accepts and never answers, and a blocked native
    call cannot be interrupted (the CLI ends with ``os._exit``, so the thread is left)."""
    import threading

    outcome: list[BaseException | None] = []

    def join() -> None:
        try:
            _join(world, backend, timeout_s)
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
            outcome.append(exc)

    thread = threading.Thread(target=join, name="rendezvous", daemon=True)
    thread.start()
    thread.join(2 * timeout_s + 5)
    if not outcome:
        raise _NoAnswer(f"no answer at all within {2 * timeout_s + 5:g} s")
    if outcome[0] is not None:
        raise outcome[0]


def _join(world: World, backend: str, timeout_s: float) -> None:
    import torch.distributed as dist

    if dist.is_initialized():
        return
    store, _, _ = next(dist.rendezvous("env://", world.rank, world.size,
                                       timeout=datetime.timedelta(seconds=timeout_s)))
    dist.init_process_group(backend, store=store, rank=world.rank, world_size=world.size,
                            timeout=datetime.timedelta(seconds=max(COLLECTIVE_TIMEOUT_S,
                                                                   timeout_s)))


def _rendezvous_failure(exc: BaseException, world: World, addr: str, port: int,
                        timeout_s: float) -> str:
    text = str(exc)
    low = text.lower()
    where = f"{addr}:{port}"
    if isinstance(exc, _NoAnswer):
        return (f"rank {world.rank} got no answer from a training process at {where} within "
                f"{2 * timeout_s + 5:g} s: something else is listening on MASTER_PORT {port}, "
                "or rank 0 is stuck; choose another port")
    if "eaddrinuse" in low or "address already in use" in low:
        return (f"MASTER_PORT {port} is already in use on this machine (another program holds "
                "it); choose a free port")
    if world.is_main and "clients joined" in low:
        joined = text.rsplit("waiting for clients.", 1)[-1].strip().rstrip(".")
        return (f"the other training processes did not join within {timeout_s:g} s "
                f"({joined or 'not all joined'}; {world.size} expected at {where}): start "
                f"every rank (torchrun starts them all), or allow longer with {RENDEZVOUS_ENV}")
    if not world.is_main:
        return (f"rank {world.rank} could not join rank 0 at {where} within {timeout_s:g} s "
                f"({_first_line(text)}): is rank 0 running there, and is nothing else "
                "listening on that port?")
    return f"the training processes could not meet at {where}: {_first_line(text)}"


def _first_line(text: str) -> str:
    """The reason in torch's or gloo's message, without the source location it starts with."""
    line = text.strip().splitlines()[0] if text.strip() else "no reason given"
    if line.startswith("[") and "] " in line:
        line = line.split("] ", 1)[1]
    return line.split(". ", 1)[0][:160]


def is_peer_failure(exc: BaseException, world: World) -> bool:
    """Whether an error raised while training is another process having died or gone silent
    (gloo's "Connection closed by peer", a collective's timeout), not a bug of this one."""
    if not world.distributed or not isinstance(exc, RuntimeError):
        return False
    low = str(exc).lower()
    return any(sign in low for sign in _PEER_GONE)


def peer_failure_message(exc: BaseException, world: World) -> str:
    return (f"another training process stopped, so rank {world.rank} of {world.size} stopped "
            f"too ({_first_line(str(exc))}); resume every rank from the last checkpoint with "
            "--resume")


def stop(world: World) -> None:
    if world.distributed:
        import torch.distributed as dist

        if dist.is_initialized():
            try:
                dist.destroy_process_group()
            except (RuntimeError, ValueError):  # a peer that is gone: nothing left to close
                pass


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
