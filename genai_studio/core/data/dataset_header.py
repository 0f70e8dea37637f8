"""A dataset file's header, checked before anything trusts it (``core.data.datasets``).

The tensor table must hold exactly one uint8 ``images`` tensor (and optionally uint16
``labels`` and ``styles``) whose shape matches the metadata, whose byte ranges tile the file,
and whose size is within ``MAX_IMAGES`` and ``MAX_BYTES``; every label and style index has a
name in the metadata's lists; the preparation options make images of the tensor's shape.
"""

from __future__ import annotations

from typing import Any

from genai_studio.core.errors import DataError, GenAIError
from genai_studio.core.models.base import MAX_SIDE, MIN_SIDE
from genai_studio.core.validate import loads_json

FORMAT = "genai-studio.dataset"
FORMAT_VERSION = 1
TENSOR = "images"
LABELS = "labels"
STYLES = "styles"
MAX_CLASSES = 1024  # one-hot inputs of a conditional model: a few hundred glyphs at most
MAX_IMAGES = 1_000_000
MAX_BYTES = 4 * 1024**3


def metadata_block(name: str, header: Any) -> dict[str, Any]:
    if not isinstance(header, dict):
        raise DataError(f"{name}: not a dataset file (unreadable header)")
    block = header.get("__metadata__")
    if not isinstance(block, dict) or block.get("format") != FORMAT:
        raise DataError(f"{name}: a safetensors file, but not a GenAI Studio dataset")
    try:
        version = int(block.get("format_version", "0"))
        text = block["metadata"]
    except (KeyError, ValueError, TypeError):
        raise DataError(f"{name}: damaged metadata block") from None
    meta = loads_json(text if isinstance(text, str) else "", f"{name}: damaged metadata block",
                      DataError)
    if version > FORMAT_VERSION:
        raise DataError(f"{name}: made by a newer GenAI Studio (format {version}); please update")
    if not isinstance(meta, dict):
        raise DataError(f"{name}: damaged metadata block")
    return meta


def checked_table(name: str, header: dict, meta: dict, data_bytes: int
                   ) -> tuple[tuple[int, int, int], int]:
    """Shape and count, after checking the tensor table against the metadata and the file."""
    tensors = {k: v for k, v in header.items() if k != "__metadata__"}
    entry = tensors.get(TENSOR)
    if not isinstance(entry, dict) or not set(tensors) <= {TENSOR, LABELS, STYLES} \
            or (STYLES in tensors and LABELS not in tensors):
        raise DataError(f"{name}: damaged: expected a tensor {TENSOR!r} (and {LABELS!r}, "
                        f"{STYLES!r}), found {sorted(tensors)}")
    dims, offsets = entry.get("shape"), entry.get("data_offsets")
    if (entry.get("dtype") != "U8" or not _ints(dims, 3, 4) or not _ints(offsets, 2, 2)):
        raise DataError(f"{name}: damaged tensor table")
    n, h, w = dims[0], dims[1], dims[2]
    c = dims[3] if len(dims) == 4 else 1
    shape = (c, h, w)
    if c not in (1, 3) or not (MIN_SIDE <= h <= MAX_SIDE and MIN_SIDE <= w <= MAX_SIDE):
        raise DataError(f"{name}: refused: images of {dims[1:]} are not {MIN_SIDE}-{MAX_SIDE} px "
                        "grey or RGB")
    if not 1 <= n <= MAX_IMAGES or n * c * h * w > MAX_BYTES:
        raise DataError(f"{name}: refused: {n} images is outside 1 to {MAX_IMAGES} "
                        f"(or over {MAX_BYTES // 1024**3} GB)")
    if list(meta.get("image_shape") or []) != list(shape) or meta.get("num_images") != n:
        raise DataError(f"{name}: damaged or forged: the metadata says "
                        f"{meta.get('num_images')} images of {meta.get('image_shape')}, the "
                        f"tensor holds {n} of {list(shape)}")
    _check_options(name, meta.get("options"), shape)
    spans = [(offsets[0], offsets[1], n * c * h * w)]
    for key, names in ((LABELS, "classes"), (STYLES, "styles")):
        if key in tensors:
            spans.append(_index_span(name, key, tensors[key], n, meta.get(names)))
    position = 0
    for start, end, size in sorted(spans):
        if start != position or end - start != size:
            raise DataError(f"{name}: truncated or damaged (the tensor table does not match "
                            "the file's size)")
        position = end
    if position != data_bytes:
        raise DataError(f"{name}: truncated or damaged (the tensor table does not match the "
                        "file's size)")
    return shape, n


def _index_span(name: str, key: str, entry: Any, n: int, names: Any) -> tuple[int, int, int]:
    """(start, end, expected size) of a labels or styles tensor, checked against its list."""
    if not isinstance(entry, dict) or entry.get("dtype") != "U16" \
            or entry.get("shape") != [n] or not _ints(entry.get("data_offsets"), 2, 2):
        raise DataError(f"{name}: damaged tensor table ({key})")
    if not isinstance(names, list) or not 0 < len(names) <= MAX_CLASSES \
            or not all(isinstance(v, str) and 0 < len(v) <= 200 for v in names):
        raise DataError(f"{name}: damaged metadata: its {key} need a list of "
                        f"1 to {MAX_CLASSES} names")
    start, end = entry["data_offsets"]
    return start, end, 2 * n


def _check_options(name: str, options: Any, shape: tuple[int, int, int]) -> None:
    """The preparation a dataset records is how images brought to a model trained on it are
    prepared (``prepare.spec_for_model``): options that contradict the images would train a
    model that can never encode one, so they are refused here, before any training."""
    from genai_studio.core.data.prepare import PrepareSpec

    if options is None:
        return
    try:
        spec = PrepareSpec.from_dict(options) if isinstance(options, dict) else None
    except (GenAIError, TypeError, ValueError, OverflowError):
        spec = None
    if spec is None:
        raise DataError(f"{name}: damaged metadata: its preparation options are not readable")
    c, h, w = shape
    if spec.image_shape != (c, h, w):
        raise DataError(f"{name}: damaged or forged: its options make {spec.colour} images of "
                        f"{spec.size} px, but it holds {'grey' if c == 1 else 'RGB'} images of "
                        f"{w}x{h}")


def _ints(value: Any, low: int, high: int) -> bool:
    return (isinstance(value, list) and low <= len(value) <= high
            and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value))
