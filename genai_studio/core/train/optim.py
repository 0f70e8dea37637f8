"""Adam without the ``torch._dynamo`` import.

``torch.optim.Optimizer`` wraps ``add_param_group``, ``zero_grad``, ``state_dict`` and
``load_state_dict`` in ``torch._disable_dynamo``, and ``Adam.step`` in a decorator that imports
``torch._dynamo``: the first optimizer built in a process imported the compiler stack (+1.0 s,
+70 MB on the 2-core machine), a third of a short CLI run. Eager code that never compiles the
optimizer needs none of it, so :class:`LeanAdam` runs the very same update without it:

* the four wrapped methods are told that their "dynamo-disabled" version is themselves (the
  wrapper's own per-function cache, ``fn.__dynamo_disable``), so they never import dynamo;
* ``step`` calls Adam's undecorated step under ``torch.no_grad()``, which is all the decorator
  does outside ``torch.compile`` (its graph breaks only matter while compiling).

If a torch release changes these internals, :func:`lean_supported` is False and plain
``torch.optim.Adam`` is used: slower to start, never wrong. A test checks both the update
(bit for bit against ``torch.optim.Adam``) and that dynamo stays unimported.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Any

import torch

_WRAPPED_METHODS = ("add_param_group", "zero_grad", "state_dict", "load_state_dict")


def _raw_adam_step() -> Callable[..., Any] | None:
    step = torch.optim.Adam.step
    raw = inspect.unwrap(step)
    return raw if raw is not step else None


def _undisable(method: Callable[..., Any]) -> bool:
    """Make a ``torch._disable_dynamo`` wrapper call its function without importing dynamo."""
    raw = getattr(method, "__wrapped__", None)
    if raw is None:
        return False
    if getattr(raw, "__dynamo_disable", None) is None:
        raw.__dynamo_disable = raw  # type: ignore[attr-defined]
    return True


_RAW_STEP = _raw_adam_step()
_LEAN = _RAW_STEP is not None and all(
    _undisable(getattr(torch.optim.Optimizer, name)) for name in _WRAPPED_METHODS
)


def lean_supported() -> bool:
    """Whether this torch lets Adam run without importing ``torch._dynamo``."""
    return _LEAN


class LeanAdam(torch.optim.Adam):
    """``torch.optim.Adam``, same arguments and update, without importing ``torch._dynamo``.

    Not for ``torch.compile``: compiling this step would skip Adam's graph breaks.
    """

    def step(self, closure: Callable[[], Any] | None = None) -> Any:  # type: ignore[override]
        with torch.no_grad():
            return _RAW_STEP(self, closure)  # type: ignore[misc]


def adam(params: Iterable[Any], lr: float, device: torch.device,
         betas: tuple[float, float] = (0.9, 0.999), capturable: bool = False
         ) -> torch.optim.Adam:
    """The training loop's Adam: fused where the device has the kernel (one call updates every
    parameter), lean where torch allows, capturable for a CUDA graph when asked."""
    fused = device.type in ("cpu", "cuda")
    kind = LeanAdam if _LEAN else torch.optim.Adam
    if capturable:
        return kind(params, lr=lr, betas=betas, fused=fused, capturable=True)
    return kind(params, lr=lr, betas=betas, fused=fused)
