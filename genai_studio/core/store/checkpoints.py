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
import math
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
from genai_studio.core.models.registry import ModelConfig, build_model, config_from_dict
from genai_studio.core.store.files import open_regular, read_untrusted, write_atomic
from genai_studio.core.validate import loads_json, meta_model, state_shapes

FORMAT = "genai-studio.model"
FORMAT_VERSION = 1
STATE_PREFIX = "state."
# Headers of real files are a few KB (tensor table plus metadata); 1 MiB leaves room for any
# metrics while keeping what a hostile header can make the JSON parser build small.
_MAX_HEADER = 1 << 20
# Larger than a checkpoint of validate.MAX_PARAMETERS weights with Adam's state (1.2 GB).
MAX_FILE_BYTES = 2 << 30
_MAX_TENSORS = 10_000
_DTYPE_BYTES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1,
                "U8": 1, "BOOL": 1}
_TORCH_DTYPE_NAMES = {"F64": "float64", "F32": "float32", "F16": "float16", "BF16": "bfloat16",
                      "I64": "int64", "I32": "int32", "I16": "int16", "I8": "int8", "U8": "uint8",
                      "BOOL": "bool"}


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
    """The parsed safetensors header of ``path`` and the total size the file must have.

    Only regular files are opened (a FIFO or a device is refused by its type first), and only
    the first bytes and the header are read; the tensor table is checked for sane types,
    shapes and contiguous offsets that add up to the file's size.
    """
    path = Path(path)
    with open_regular(path, ModelFileError, "model file") as fh:
        try:
            size = os.fstat(fh.fileno()).st_size
            head = fh.read(64)
            foreign = _describe_foreign(head)
            if foreign:
                raise ModelFileError(f"{path.name}: refused: the file is {foreign}")
            if len(head) < 8:
                raise ModelFileError(f"{path.name}: not a model file (too short)")
            if size > MAX_FILE_BYTES:
                raise ModelFileError(f"{path.name}: refused: {size:,} bytes is larger than any "
                                     f"model this app makes ({MAX_FILE_BYTES:,})")
            (header_len,) = struct.unpack("<Q", head[:8])
            if header_len > min(size - 8, _MAX_HEADER):
                raise ModelFileError(f"{path.name}: not a model file, or truncated")
            fh.seek(8)
            raw = fh.read(header_len)
        except OSError as exc:
            raise ModelFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        header = loads_json(raw, path.name, ModelFileError)
    except ModelFileError as exc:
        if "nested" in str(exc):
            raise
        raise ModelFileError(f"{path.name}: not a model file (unreadable header)") from None
    if not isinstance(header, dict):
        raise ModelFileError(f"{path.name}: not a model file (unreadable header)")
    expected = 8 + header_len + _data_size(path, header)
    if size != expected:
        raise ModelFileError(
            f"{path.name}: truncated or damaged ({size} bytes, the header promises {expected})"
        )
    return header, expected


def _tensor_table(path: Path, header: dict[str, Any]) -> dict[str, tuple[tuple[int, ...], str]]:
    """Name -> (shape, dtype) of the tensors a header lists, each entry checked."""
    table = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        try:
            dtype, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
            valid = (dtype in _DTYPE_BYTES and isinstance(shape, list) and len(shape) <= 8
                     and all(type(d) is int and 0 <= d <= MAX_FILE_BYTES for d in shape)
                     and isinstance(offsets, list) and len(offsets) == 2
                     and all(type(o) is int and 0 <= o <= MAX_FILE_BYTES for o in offsets)
                     and offsets[1] - offsets[0] == math.prod(shape) * _DTYPE_BYTES[dtype])
        except (TypeError, KeyError):
            valid = False
        if not valid or len(table) >= _MAX_TENSORS:
            raise ModelFileError(f"{path.name}: not a model file (bad tensor table)")
        table[name] = (tuple(shape), _TORCH_DTYPE_NAMES[dtype])
    return table


def _data_size(path: Path, header: dict[str, Any]) -> int:
    """Bytes of tensor data the header promises; the tensors must tile them without gaps."""
    _tensor_table(path, header)
    spans = sorted(tuple(info["data_offsets"]) for name, info in header.items()
                   if name != "__metadata__")
    end = 0
    for begin, stop in spans:
        if begin != end:
            raise ModelFileError(f"{path.name}: not a model file (bad tensor table)")
        end = stop
    return end


def read_metadata(path: Path) -> dict[str, Any]:
    """The JSON metadata of a GenAI Studio model file, reading only its header."""
    header, _ = read_header(path)
    return _metadata_from_header(Path(path), header)


def _metadata_from_header(path: Path, header: dict[str, Any]) -> dict[str, Any]:
    meta = header.get("__metadata__") or {}
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError(f"{Path(path).name}: a safetensors file, but not a GenAI Studio model")
    try:
        version = int(meta.get("format_version", "0"))
        metadata = loads_json(meta["metadata"], path.name, ModelFileError)
    except (KeyError, ValueError, TypeError, ModelFileError):
        raise ModelFileError(f"{Path(path).name}: damaged metadata block") from None
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"{Path(path).name}: made by a newer GenAI Studio (format {version}); please update"
        )
    if not isinstance(metadata, dict) or "kind" not in metadata or "config" not in metadata:
        raise ModelFileError(f"{Path(path).name}: metadata lacks the model kind or config")
    if not isinstance(metadata["kind"], str) or not isinstance(metadata["config"], dict):
        raise ModelFileError(f"{Path(path).name}: damaged metadata block")
    # Readers (the library, info, resume) index into these: each is what it claims or absent.
    sections = ("dataset", "training", "metrics", "training_state")
    if (any(not isinstance(metadata.get(key, {}), dict) for key in sections)
            or not isinstance(metadata.get("conditional", False), bool)
            or not isinstance(metadata.get("latent_dim"), int | None)):
        raise ModelFileError(f"{Path(path).name}: damaged metadata block")
    return metadata


def load_model(
    path: Path,
    device: torch.device | str = "cpu",
    expect_kind: str | tuple[str, ...] | None = None,
) -> LoadedModel:
    """Rebuild a model from a file alone; every way a file can be wrong is a ModelFileError.

    Everything the header says is checked before the tensor data is read or a weight is
    allocated: the config's types and ranges, the parameter count it implies (against
    ``validate.MAX_PARAMETERS``) and every weight's name, shape and dtype against the tensors
    the file lists. Non-finite weights (NaN, infinity) are refused.
    """
    path = Path(path)
    header, expected_size = read_header(path)
    metadata = _metadata_from_header(path, header)
    kind = metadata["kind"]
    kinds = (expect_kind,) if isinstance(expect_kind, str) else expect_kind
    if kinds and kind not in kinds:
        wanted = " or ".join(k.upper() for k in kinds)
        raise ModelFileError(f"{path.name} holds a {kind.upper()[:40]}; this needs a {wanted}")
    config = config_from_dict(kind, metadata["config"])
    skeleton = meta_model(config, ModelFileError, path.name)
    _check_weights_fit(path, _tensor_table(path, header), state_shapes(skeleton))
    raw = read_untrusted(path, expected_size, ModelFileError, "model file")
    if len(raw) != expected_size:  # changed since the header was read
        raise ModelFileError(f"{path.name}: the file changed while it was being read")
    try:
        tensors = load_safetensors_bytes(raw)
    except (SafetensorError, ValueError, RuntimeError) as exc:
        raise ModelFileError(f"{path.name}: damaged tensor data ({exc})") from None
    del raw
    state = {k[len(STATE_PREFIX):]: v for k, v in tensors.items() if k.startswith(STATE_PREFIX)}
    weights = {k: v for k, v in tensors.items() if not k.startswith(STATE_PREFIX)}
    for name, tensor in tensors.items():
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise ModelFileError(f"{path.name}: refused: {name} holds NaN or infinite values "
                                 "(a diverged training run?)")
    try:
        model = _materialise(skeleton, config, weights)
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()
        detail = first[1].strip() if len(first) > 1 else first[0]
        raise ModelFileError(f"{path.name}: weights do not fit its config ({detail})") from None
    model.to(device).eval()
    return LoadedModel(model=model, config=config, metadata=metadata, path=path, state=state)


def _materialise(skeleton: nn.Module, config: ModelConfig,
                 weights: dict[str, torch.Tensor]) -> nn.Module:
    """The meta-built model with the file's weights put in its place (``assign``: no second
    allocation, and none of ``to_empty``'s first-call cost, which imports SymPy: 1-2 s of the
    window's start-up on the 2-core machine). A model with buffers outside its state dict is
    built afresh instead."""
    persistent = set(skeleton.state_dict())
    if all(name in persistent for name, _ in skeleton.named_buffers()):
        skeleton.load_state_dict(weights, strict=True, assign=True)
        return skeleton
    model = build_model(config)
    model.load_state_dict(weights, strict=True)
    return model


def _check_weights_fit(path: Path, table: dict[str, tuple[tuple[int, ...], str]],
                       shapes: dict[str, tuple[tuple[int, ...], str]]) -> None:
    """The file's weights are exactly ``shapes`` (its config's); its resume state is bounded."""
    weights = {k: v for k, v in table.items() if not k.startswith(STATE_PREFIX)}
    missing, extra = sorted(set(shapes) - set(weights)), sorted(set(weights) - set(shapes))
    if missing or extra:
        detail = f"missing {missing[0]}" if missing else f"unexpected {extra[0]}"
        raise ModelFileError(f"{path.name}: weights do not fit its config ({detail})")
    for name, (shape, dtype) in shapes.items():
        if weights[name] != (shape, dtype):
            raise ModelFileError(
                f"{path.name}: weights do not fit its config ({name} is {list(weights[name][0])} "
                f"{weights[name][1]}, the config builds {list(shape)} {dtype})")
    # A checkpoint holds at most an optimizer's moments per weight and a few RNG states.
    weight_numel = sum(math.prod(shape) for shape, _ in shapes.values())
    state_numel = sum(math.prod(shape) for name, (shape, _) in table.items()
                      if name.startswith(STATE_PREFIX))
    if state_numel > 3 * weight_numel + (1 << 20):
        raise ModelFileError(f"{path.name}: refused: its resume state is larger than its model "
                             "could ever need")


def model_metadata(model: nn.Module, **sections: Any) -> dict[str, Any]:
    """The metadata block for ``model``: kind, conditional, latent size, config, then sections."""
    config: ModelConfig = model.config  # type: ignore[assignment]
    return {
        "kind": config.kind,
        "conditional": bool(getattr(config, "conditional", False)),
        "latent_dim": getattr(model, "latent_dim", getattr(config, "latent_dim", None)),
        "config": config.to_dict(),
        "format_version": FORMAT_VERSION,
        **sections,
    }


def remade_metadata(model: nn.Module, metadata: dict[str, Any], **sections: Any
                    ) -> dict[str, Any]:
    """The metadata for ``model`` remade from a file's ``metadata`` (its config changed: a
    fitted prior added, an EMA folded in): the file's own sections kept, what describes the
    model (kind, config, format) made anew, any resume state's record dropped, ``sections``
    added."""
    made_anew = ("kind", "conditional", "latent_dim", "config", "format_version",
                 "training_state")
    kept = {k: v for k, v in metadata.items() if k not in made_anew}
    return model_metadata(model, **{**kept, **sections})


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

    Weights, the rest of the metadata and any resume state are written back unchanged; the
    file's sha256 changes, so its genes sidecar (keyed by it) follows: without that, the next
    look at the genes found them afresh over it and the artist's named genes were lost.
    """
    from genai_studio.core.export.provenance import file_sha256
    from genai_studio.core.store import sidecar

    loaded = load_model(path, "cpu")
    old_sha = file_sha256(path)
    metadata = {**loaded.metadata, "metrics": metrics}
    save_model(path, loaded.model, metadata, state=loaded.state)
    sidecar.rekey(path, old_sha, file_sha256(path))
    return metadata
