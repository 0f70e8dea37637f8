"""The accelerator path: device settings, mixed precision, memory layout, CUDA-graph steps.

Everything here runs on any device; what only CUDA has falls back to the plain eager path with
a note (``SpeedReport.notes``), so the same command works on CUDA, Apple MPS and the CPU:

* CUDA: TF32 matmuls and convolutions for training (10-bit mantissas in the products, fp32
  accumulation; eval keeps full fp32) and ``cudnn.benchmark`` for convolutional models;
* ``precision="bf16"``: the forward pass and losses under ``torch.autocast`` in bfloat16 (no
  loss scaling needed: bf16 has fp32's range); CUDA, MPS and the CPU all have it;
* conv models on CUDA keep activations channels-last, the layout tensor cores want;
* ``cuda_graph=True``: after a few eager steps, the whole step (batch gather, binarisation,
  noise, forward, backward, Adam) is captured once as a CUDA graph and replayed: one launch
  instead of ~150 per step. Needs CUDA, a capturable Adam and a step whose Python-side
  settings do not change (no KL warm-up, no learning-rate schedule, one process).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import torch
from torch import nn

log = logging.getLogger(__name__)

PRECISIONS = ("fp32", "bf16")


@dataclass(frozen=True)
class SpeedOptions:
    """How to run training on its device (none of it changes what is trained)."""

    precision: str = "fp32"  # "fp32" | "bf16" (autocast)
    cuda_graph: bool = False  # capture the step as a CUDA graph (CUDA only; else eager)
    checkpoint_every_s: float = 0.0  # 0: a checkpoint every epoch; else at most this often
    graph_warmup_steps: int = 3  # eager steps (on a side stream) before capturing

    def __post_init__(self) -> None:
        from genai_studio.core.errors import UsageError

        if self.precision not in PRECISIONS:
            raise UsageError(f"precision must be one of {', '.join(PRECISIONS)}, "
                             f"not {self.precision!r}")
        if not self.checkpoint_every_s >= 0:
            raise UsageError("the checkpoint interval must be zero or more seconds")


@dataclass
class SpeedReport:
    """What was actually used, and why anything asked for was not."""

    precision: str = "fp32"
    channels_last: bool = False
    cuda_graph: bool = False
    notes: list[str] = field(default_factory=list)


def has_conv(module: nn.Module) -> bool:
    return any(isinstance(m, nn.modules.conv._ConvNd) for m in module.modules())


def configure_device(device: torch.device, model: nn.Module | None = None) -> None:
    """Process-wide backend settings for training on ``device`` (CUDA only; else nothing)."""
    if device.type != "cuda":
        return
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    if model is not None and has_conv(model):
        torch.backends.cudnn.benchmark = True  # fixed shapes: the fastest kernel, once


def full_precision(device: torch.device) -> contextlib.AbstractContextManager:
    """Plain fp32 products (no TF32) for scores, whatever training set."""
    if device.type != "cuda":
        return contextlib.nullcontext()
    return _no_tf32()


@contextlib.contextmanager
def _no_tf32() -> Iterator[None]:
    matmul, cudnn = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = matmul, cudnn


def memory_format(model: nn.Module, device: torch.device) -> torch.memory_format:
    """channels_last for conv models on CUDA, else the default layout."""
    if device.type == "cuda" and has_conv(model):
        return torch.channels_last
    return torch.contiguous_format


def autocast(device: torch.device, precision: str) -> contextlib.AbstractContextManager:
    """The forward pass's mixed-precision context (a no-op for fp32)."""
    if precision == "fp32":
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=torch.bfloat16)


def resolve(options: SpeedOptions, device: torch.device, model: nn.Module,
            graph_blockers: list[str]) -> SpeedReport:
    """What of ``options`` this device and run can use; the rest falls back with a note."""
    report = SpeedReport(channels_last=memory_format(model, device) is torch.channels_last)
    if options.precision == "bf16":
        if _autocast_works(device):
            report.precision = "bf16"
        else:
            report.notes.append(f"bf16 autocast is not available on {device.type}: fp32")
    if options.cuda_graph:
        reasons = ([f"CUDA graphs need a CUDA device, not {device.type}"]
                   if device.type != "cuda" else []) + graph_blockers
        if reasons:
            report.notes.append("no CUDA graph (" + "; ".join(reasons) + "): eager steps")
        else:
            report.cuda_graph = True
    return report


def _autocast_works(device: torch.device) -> bool:
    try:
        with torch.autocast(device.type, dtype=torch.bfloat16):
            torch.ones(2, 2, device=device) @ torch.ones(2, 2, device=device)
        return True
    except (RuntimeError, ValueError):
        return False


# ----------------------------------------------------------------------------- graph steps

StepFn = Callable[[torch.Tensor], torch.Tensor]  # a global batch's indices -> losses


class Capture(Protocol):
    def record(self, fn: Callable[[], torch.Tensor]) -> torch.Tensor: ...
    def replay(self) -> None: ...


class CudaGraphCapture:
    """A CUDA graph of one step; the noise generators advance on every replay."""

    def __init__(self, generators: list[torch.Generator]) -> None:
        self.graph = torch.cuda.CUDAGraph()
        register = getattr(self.graph, "register_generator_state", None)
        for generator in generators:
            if generator.device.type == "cuda":
                if register is None:
                    raise RuntimeError("this torch cannot replay a custom generator in a graph")
                register(generator)

    def record(self, fn: Callable[[], torch.Tensor]) -> torch.Tensor:
        with torch.cuda.graph(self.graph):
            return fn()  # recorded, not run: replay() runs it

    def replay(self) -> None:
        self.graph.replay()


class GraphedStep:
    """A step function that runs eagerly for ``warmup`` calls (on a side stream, as capture
    needs), then is captured once and replayed with the next batch's indices copied into a
    static buffer. Any failure to capture falls back to eager steps for good, with a note."""

    def __init__(self, step: StepFn, device: torch.device, warmup: int,
                 capture_factory: Callable[[], Capture],
                 on_fallback: Callable[[str], None] | None = None) -> None:
        self.step, self.device, self.warmup = step, device, warmup
        self.capture_factory, self.on_fallback = capture_factory, on_fallback
        self.calls = 0
        self.capture: Capture | None = None
        self.static_index: torch.Tensor | None = None
        self.static_out: torch.Tensor | None = None
        self.failed = False

    def __call__(self, index: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        if self.failed:
            return self.step(index)
        if self.calls <= self.warmup:
            with _side_stream(self.device):
                return self.step(index)
        if self.capture is None:
            return self._capture_then_run(index)
        self.static_index.copy_(index)  # type: ignore[union-attr]
        self.capture.replay()
        return self.static_out  # type: ignore[return-value]

    def _capture_then_run(self, index: torch.Tensor) -> torch.Tensor:
        self.static_index = index.clone()
        try:
            capture = self.capture_factory()
            with _side_stream(self.device):
                self.static_out = capture.record(lambda: self.step(self.static_index))
            capture.replay()  # this step's real run
        except Exception as exc:  # noqa: BLE001 - any capture failure means: stay eager
            self.failed = True
            message = f"CUDA graph capture failed ({type(exc).__name__}: {exc}): eager steps"
            log.warning(message)
            if self.on_fallback is not None:
                self.on_fallback(message)
            return self.step(index)
        self.capture = capture
        return self.static_out


@contextlib.contextmanager
def _side_stream(device: torch.device) -> Iterator[None]:
    if device.type != "cuda":
        yield
        return
    stream = torch.cuda.Stream(device)
    stream.wait_stream(torch.cuda.current_stream(device))
    with torch.cuda.stream(stream):
        yield
    torch.cuda.current_stream(device).wait_stream(stream)


def make_step(step: StepFn, device: torch.device, report: SpeedReport, options: SpeedOptions,
              generators: list[torch.Generator]) -> StepFn:
    """``step`` itself, or its graphed version when the report says graphs are on."""
    if not report.cuda_graph:
        return step
    return GraphedStep(step, device, options.graph_warmup_steps,
                       lambda: CudaGraphCapture(generators), report.notes.append)


def warm_up_device(device: torch.device) -> None:
    """Create the device's context and math handles now, not in the first real step."""
    if device.type == "cuda":
        torch.cuda.init()
        a = torch.ones(8, 8, device=device)
        (a @ a).sum().item()
    elif device.type == "mps":
        a = torch.ones(8, 8, device=device)
        (a @ a).sum().item()


def describe(report: SpeedReport) -> dict[str, Any]:
    out: dict[str, Any] = {"precision": report.precision, "channels_last": report.channels_last,
                           "cuda_graph": report.cuda_graph}
    if report.notes:
        out["notes"] = list(report.notes)
    return out
