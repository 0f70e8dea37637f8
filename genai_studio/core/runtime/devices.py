"""Choosing the compute device: CUDA, then Apple MPS, then the CPU."""

from __future__ import annotations

import torch

from genai_studio.core.defaults import DEVICE_CHOICES
from genai_studio.core.errors import DeviceError


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def available_devices() -> list[str]:
    """Concrete devices usable here, best first ("cpu" is always last)."""
    found = []
    if torch.cuda.is_available():
        found.append("cuda")
    if _mps_available():
        found.append("mps")
    return [*found, "cpu"]


def resolve_device(name: str = "auto") -> torch.device:
    """The device for a user's choice; a clear DeviceError when it is not on this machine."""
    name = (name or "auto").lower()
    if name not in DEVICE_CHOICES:
        raise DeviceError(f"unknown device {name!r}; choose one of {', '.join(DEVICE_CHOICES)}")
    if name == "auto":
        return torch.device(available_devices()[0])
    if name == "cuda" and not torch.cuda.is_available():
        raise DeviceError("CUDA was requested, but no CUDA GPU is available to PyTorch here")
    if name == "mps" and not _mps_available():
        raise DeviceError("MPS was requested, but Apple's Metal backend is not available here")
    return torch.device(name)
