"""Optimizer state as flat tensors + JSON, so checkpoints stay safetensors (no pickle at all)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch

from genai_studio.core.errors import ModelFileError
from genai_studio.core.validate import finite_number


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


# ----------------------------------------------------------------------------- restoring safely
# A checkpoint is untrusted input: everything below is checked before it reaches an optimizer
# or a generator. A wrong-shaped Adam moment made the fused kernel die with SIGSEGV.

# Hyper-parameters a checkpoint may carry over; the rest (fused, foreach, capturable...) stay
# as this run built them, whatever the file says.
_GROUP_KEYS = {"lr", "betas", "eps", "weight_decay", "amsgrad", "maximize", "initial_lr"}


def _finite_number(value: Any) -> bool:
    return finite_number(value, low=0.0)


def _bad(path_name: str, what: str) -> ModelFileError:
    return ModelFileError(f"{path_name}: damaged checkpoint ({what})")


def check_training_state(saved: Any, path_name: str,
                         optimizer_names: Iterable[str] | None = None) -> None:
    """Every field of a checkpoint's ``training_state`` has the type and range it must
    (and, given ``optimizer_names``, its optimizers are exactly those)."""
    if not isinstance(saved, dict):
        raise _bad(path_name, "training state is not an object")
    for key, low in (("step", 0), ("num_images", 1), ("batch_size", 1)):
        value = saved.get(key)
        if type(value) is not int or not low <= value <= 2**62:
            raise _bad(path_name, f"{key} is {str(value)[:20]!r}")
    if not isinstance(saved.get("train_config"), dict):
        raise _bad(path_name, "no training settings")
    optimizers = saved.get("optimizers")
    if not isinstance(optimizers, dict) or (
            optimizer_names is not None and set(optimizers) != set(optimizer_names)):
        raise _bad(path_name, "its optimizers are not this model's")
    for name, entry in optimizers.items():
        if (not isinstance(entry, dict) or not isinstance(entry.get("param_groups"), list)
                or not isinstance(entry.get("scalars", {}), dict)):
            raise _bad(path_name, f"optimizer {name!r}")
    data_hash = saved.get("data_sha256")
    if data_hash is not None and not (isinstance(data_hash, str) and len(data_hash) == 64):
        raise _bad(path_name, "data fingerprint")


def restore_optimizer(name: str, saved: dict[str, Any], tensors: dict[str, torch.Tensor],
                      optimizer: torch.optim.Optimizer, path_name: str) -> None:
    """Load a saved optimizer state into ``optimizer`` once every part of it fits."""
    state_dict = optimizer_state_from_tensors(name, saved, tensors)
    groups = state_dict["param_groups"]
    if len(groups) != len(optimizer.param_groups):
        raise _bad(path_name, f"optimizer {name!r} has {len(groups)} parameter groups")
    params: dict[int, torch.Tensor] = {}
    merged = []
    for group, own in zip(groups, optimizer.param_groups, strict=True):
        ids = group.get("params") if isinstance(group, dict) else None
        if (not isinstance(ids, list) or len(ids) != len(own["params"])
                or not all(type(i) is int for i in ids)):
            raise _bad(path_name, f"optimizer {name!r} parameter list")
        params.update(zip(ids, own["params"], strict=True))
        kept = {k: v for k, v in group.items() if k in _GROUP_KEYS}
        if not all(_group_value_ok(k, v) for k, v in kept.items()):
            raise _bad(path_name, f"optimizer {name!r} hyper-parameters")
        merged.append({**{k: v for k, v in own.items() if k != "params"}, **kept, "params": ids})
    if len(params) != sum(len(g["params"]) for g in optimizer.param_groups):
        raise _bad(path_name, f"optimizer {name!r} parameter list")
    for index, entry in state_dict["state"].items():
        if index not in params or not isinstance(entry, dict):
            raise _bad(path_name, f"optimizer {name!r} state for parameter {index}")
        for key, value in entry.items():
            _check_state_value(name, key, value, params[index], path_name)
    try:
        optimizer.load_state_dict({"state": state_dict["state"], "param_groups": merged})
    except (ValueError, KeyError, TypeError, RuntimeError) as exc:
        raise _bad(path_name, f"optimizer {name!r}: {str(exc)[:80]}") from None


def _group_value_ok(key: str, value: Any) -> bool:
    if key in ("amsgrad", "maximize"):
        return isinstance(value, bool)
    if key == "betas":
        return (isinstance(value, list | tuple) and len(value) == 2
                and all(_finite_number(b) and b < 1 for b in value))
    return _finite_number(value)


def _check_state_value(name: str, key: str, value: Any, param: torch.Tensor,
                       path_name: str) -> None:
    where = f"optimizer {name!r} {key}"
    if key == "step":  # a 0-d float32 tensor for Adam (the fused kernel takes no other)
        number = value if not torch.is_tensor(value) else (
            value.item() if value.dim() == 0 and value.dtype == torch.float32 else None)
        if not _finite_number(number):
            raise _bad(path_name, f"{where} is not a step count")
        return
    if not torch.is_tensor(value):
        raise _bad(path_name, f"{where} is not a tensor")
    if tuple(value.shape) != tuple(param.shape) or value.dtype != param.dtype:
        raise _bad(path_name, f"{where} has shape {list(value.shape)} {value.dtype}, its "
                   f"parameter {list(param.shape)} {param.dtype}")
    if not bool(torch.isfinite(value).all()):
        raise _bad(path_name, f"{where} holds NaN or infinite values")


def restore_generator(generator: torch.Generator, state: Any, what: str,
                      path_name: str) -> None:
    """Set a generator's state from a checkpoint tensor, refusing one of the wrong size."""
    expected = generator.get_state()
    if (not torch.is_tensor(state) or state.dtype != torch.uint8
            or tuple(state.shape) != tuple(expected.shape)):
        raise _bad(path_name, f"random state {what}")
    try:
        generator.set_state(state.contiguous())
    except (RuntimeError, ValueError) as exc:
        raise _bad(path_name, f"random state {what}: {str(exc)[:60]}") from None


def check_generator_state(state: Any, what: str, path_name: str) -> torch.Tensor:
    """A saved CPU generator state of the right size (to be set later), or a refusal."""
    restore_generator(torch.Generator(), state, what, path_name)
    return state
