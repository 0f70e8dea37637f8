"""Model files: safetensors with a JSON metadata block, written atomically, never unpickled.

Layout of ``__metadata__`` (safetensors allows only str -> str):
    "format": "genai-studio.model", "format_version": "1", "metadata": <JSON object>
The JSON object holds ``kind``, ``conditional``, ``latent_dim``, ``config`` (the model's full
config), ``dataset``, ``training`` (summary), ``metrics`` and, in resume checkpoints,
``training_state`` (epoch, step, optimizer hyper-parameters); the tensors of a checkpoint's
optimizer and RNG state sit beside the weights under the ``state.`` prefix.

A file's format is decided by its bytes: a pickle or a torch.save zip is refused by name before
anything else is looked at, and nothing here ever calls ``torch.load`` or ``pickle``.
"""

from __future__ import annotations

import json
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_safetensors_bytes
from safetensors.torch import save as save_safetensors_bytes
from torch import nn

from genai_studio.core.errors import ModelFileError
from genai_studio.core.files import write_atomic
from genai_studio.core.models import ModelConfig, build_model, config_from_dict

FORMAT = "genai-studio.model"
FORMAT_VERSION = 1
STATE_PREFIX = "state."
_MAX_HEADER = 64 * 1024 * 1024


@dataclass
class LoadedModel:
    """A model rebuilt from a file, plus what the file said about it."""

    model: nn.Module
    config: ModelConfig
    metadata: dict[str, Any]
    path: Path
    state: dict[str, torch.Tensor] = field(default_factory=dict)  # resume tensors, if any

    @property
    def kind(self) -> str:
        return self.config.kind

    @property
    def has_training_state(self) -> bool:
        return "training_state" in self.metadata


def _describe_foreign(head: bytes) -> str | None:
    """A name for well-known formats we refuse, judged by their first bytes."""
    # A safetensors header (8-byte length, then a JSON object) is never foreign, even when its
    # length's low bytes happen to read as a pickle opcode (0x80, then 2..5: lengths 0x0280-
    # 0x05ff and their multiples of 65536 were refused as pickles).
    if head[8:9] == b"{":
        return None
    if head.startswith(b"PK\x03\x04"):
        return "a zip archive (the torch.save format), which can run code when loaded"
    if head[:1] == b"\x80" and len(head) > 1 and head[1] <= 5:
        return "a Python pickle, which can run code when loaded"
    return None


def read_header(path: Path) -> tuple[dict[str, Any], int]:
    """The parsed safetensors header of ``path`` and the total size the file must have."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
            size = os.fstat(fh.fileno()).st_size
            foreign = _describe_foreign(head + fh.read(56))
            if foreign:
                raise ModelFileError(f"{path.name}: refused: the file is {foreign}")
            if len(head) < 8:
                raise ModelFileError(f"{path.name}: not a model file (too short)")
            (header_len,) = struct.unpack("<Q", head)
            if header_len > min(size - 8, _MAX_HEADER):
                raise ModelFileError(f"{path.name}: not a model file, or truncated")
            fh.seek(8)
            header = json.loads(fh.read(header_len))
    except FileNotFoundError:
        raise ModelFileError(f"model file not found: {path}") from None
    except IsADirectoryError:
        raise ModelFileError(f"{path} is a folder, not a model file") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ModelFileError(f"{path.name}: not a model file (unreadable header)") from None
    except OSError as exc:
        raise ModelFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not isinstance(header, dict):
        raise ModelFileError(f"{path.name}: not a model file (unreadable header)")
    data_end = 0
    for name, info in header.items():
        if name == "__metadata__":
            continue
        try:
            data_end = max(data_end, int(info["data_offsets"][1]))
        except (TypeError, KeyError, IndexError, ValueError):
            raise ModelFileError(f"{path.name}: not a model file (bad tensor table)") from None
    expected = 8 + header_len + data_end
    if size != expected:
        raise ModelFileError(
            f"{path.name}: truncated or damaged ({size} bytes, the header promises {expected})"
        )
    return header, expected


def read_metadata(path: Path) -> dict[str, Any]:
    """The JSON metadata of a GenAI Studio model file, reading only its header."""
    header, _ = read_header(path)
    return _metadata_from_header(Path(path), header)


def _metadata_from_header(path: Path, header: dict[str, Any]) -> dict[str, Any]:
    meta = header.get("__metadata__") or {}
    if meta.get("format") != FORMAT:
        raise ModelFileError(f"{Path(path).name}: a safetensors file, but not a GenAI Studio model")
    try:
        version = int(meta.get("format_version", "0"))
        metadata = json.loads(meta["metadata"])
    except (KeyError, ValueError, TypeError):
        raise ModelFileError(f"{Path(path).name}: damaged metadata block") from None
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"{Path(path).name}: made by a newer GenAI Studio (format {version}); please update"
        )
    if not isinstance(metadata, dict) or "kind" not in metadata or "config" not in metadata:
        raise ModelFileError(f"{Path(path).name}: metadata lacks the model kind or config")
    return metadata


def load_model(
    path: Path,
    device: torch.device | str = "cpu",
    expect_kind: str | tuple[str, ...] | None = None,
) -> LoadedModel:
    """Rebuild a model from a file alone; every way a file can be wrong is a ModelFileError."""
    path = Path(path)
    header, expected_size = read_header(path)
    metadata = _metadata_from_header(path, header)
    kind = metadata["kind"]
    kinds = (expect_kind,) if isinstance(expect_kind, str) else expect_kind
    if kinds and kind not in kinds:
        wanted = " or ".join(k.upper() for k in kinds)
        raise ModelFileError(f"{path.name} holds a {str(kind).upper()}; this needs a {wanted}")
    config = config_from_dict(kind, metadata["config"])
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ModelFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(raw) != expected_size:  # changed since the header was read
        raise ModelFileError(f"{path.name}: the file changed while it was being read")
    try:
        tensors = load_safetensors_bytes(raw)
    except (SafetensorError, ValueError) as exc:
        raise ModelFileError(f"{path.name}: damaged tensor data ({exc})") from None
    state = {k[len(STATE_PREFIX):]: v for k, v in tensors.items() if k.startswith(STATE_PREFIX)}
    weights = {k: v for k, v in tensors.items() if not k.startswith(STATE_PREFIX)}
    model = build_model(config)
    try:
        model.load_state_dict(weights, strict=True)
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()
        detail = first[1].strip() if len(first) > 1 else first[0]
        raise ModelFileError(f"{path.name}: weights do not fit its config ({detail})") from None
    model.to(device).eval()
    return LoadedModel(model=model, config=config, metadata=metadata, path=path, state=state)


def model_metadata(model: nn.Module, **sections: Any) -> dict[str, Any]:
    """The metadata block for ``model``: kind, conditional, latent size, config, then sections."""
    config: ModelConfig = model.config  # type: ignore[assignment]
    return {
        "kind": config.kind,
        "conditional": bool(getattr(config, "conditional", False)),
        "latent_dim": getattr(config, "latent_dim", None),
        "config": config.to_dict(),
        "format_version": FORMAT_VERSION,
        **sections,
    }


def save_model(
    path: Path,
    model: nn.Module,
    metadata: dict[str, Any],
    state: dict[str, torch.Tensor] | None = None,
) -> Path:
    """Write ``model`` (plus optional resume ``state`` tensors) to ``path`` atomically."""
    tensors = {k: v.detach().to("cpu").contiguous() for k, v in model.state_dict().items()}
    for name, tensor in (state or {}).items():
        tensors[STATE_PREFIX + name] = tensor.detach().to("cpu").contiguous()
    header = {
        "format": FORMAT,
        "format_version": str(FORMAT_VERSION),
        "metadata": json.dumps(metadata, sort_keys=True),
    }
    write_atomic(Path(path), save_safetensors_bytes(tensors, metadata=header))
    return Path(path)


def write_metrics(path: Path, metrics: dict[str, Any]) -> dict[str, Any]:
    """Store ``metrics`` in a model file's metadata (replacing the old ones), atomically.

    Weights, the rest of the metadata and any resume state are written back unchanged.
    """
    loaded = load_model(path, "cpu")
    metadata = {**loaded.metadata, "metrics": metrics}
    save_model(path, loaded.model, metadata, state=loaded.state)
    return metadata
