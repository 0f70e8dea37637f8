"""Optimizer state as flat tensors + JSON, so checkpoints stay safetensors (no pickle at all)."""

from __future__ import annotations

from typing import Any

import torch

from genai_studio.core.errors import ModelFileError


def optimizer_state_to_tensors(
    name: str, state_dict: dict[str, Any], tensors: dict[str, torch.Tensor]
) -> dict[str, Any]:
    """Move the tensors of ``state_dict`` into ``tensors``; return the JSON-able rest."""
    scalars: dict[str, dict[str, Any]] = {}
    for index, entry in state_dict["state"].items():
        for key, value in entry.items():
            if torch.is_tensor(value):
                tensors[f"optim.{name}.{index}.{key}"] = value
            else:
                scalars.setdefault(str(index), {})[key] = value
    return {"param_groups": state_dict["param_groups"], "scalars": scalars}


def optimizer_state_from_tensors(
    name: str, saved: dict[str, Any], tensors: dict[str, torch.Tensor]
) -> dict[str, Any]:
    """Rebuild the ``state_dict`` that :func:`optimizer_state_to_tensors` took apart."""
    state: dict[int, dict[str, Any]] = {}
    prefix = f"optim.{name}."
    try:
        for key, tensor in tensors.items():
            if key.startswith(prefix):
                index, field = key[len(prefix):].split(".", 1)
                state.setdefault(int(index), {})[field] = tensor
        for index, entry in saved.get("scalars", {}).items():
            state.setdefault(int(index), {}).update(entry)
        groups = [dict(g, betas=tuple(g["betas"])) if "betas" in g else g
                  for g in saved["param_groups"]]
    except (KeyError, ValueError, TypeError):
        raise ModelFileError(f"damaged optimizer state for {name!r} in checkpoint") from None
    return {"state": state, "param_groups": groups}
