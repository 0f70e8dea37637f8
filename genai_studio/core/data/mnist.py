"""MNIST from its original IDX files, held whole on the training device.

The reference scripts build a PIL image per sample and collate them one by one; here a split
is one uint8 tensor on the device and a batch is one indexing operation, which is why the
training loop is compute-bound rather than data-bound.
"""

from __future__ import annotations

import math
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from genai_studio.core.errors import DataError
from genai_studio.core.store.files import read_untrusted
from genai_studio.core.store.resources import mnist_dir

if TYPE_CHECKING:
    import torch

Split = Literal["train", "test"]
Binarize = Literal["dynamic", "none"]

MNIST_FILES: dict[Split, tuple[str, str]] = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}

# IDX type codes (third magic byte) -> numpy big-endian dtype.
_IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_GZIP_MAGIC = b"\x1f\x8b"
# MNIST's training images are 47 MB; a file or a decompressed stream past 1 GiB is refused.
MAX_DATA_BYTES = 1 << 30


def idx_header(raw: bytes, name: str = "IDX data") -> tuple[np.dtype, tuple[int, ...], int]:
    """The element type, dimensions and header length an IDX file's first bytes declare."""
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise DataError(f"{name}: not an IDX file (bad magic number)")
    type_code, ndim = raw[2], raw[3]
    if type_code not in _IDX_DTYPES or not 1 <= ndim <= 4:
        raise DataError(f"{name}: not an IDX file (type 0x{type_code:02x}, {ndim} dimensions)")
    header_len = 4 + 4 * ndim
    if len(raw) < header_len:
        raise DataError(f"{name}: truncated IDX header")
    dims = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    return _IDX_DTYPES[type_code], dims, header_len


def parse_idx(raw: bytes, name: str = "IDX data") -> np.ndarray:
    """Decode an (uncompressed) IDX byte string, checking magic number and sizes."""
    dtype, dims, header_len = idx_header(raw, name)
    expected = math.prod(dims) * dtype.itemsize  # Python ints: no overflow for 4 x 2**32
    actual = len(raw) - header_len
    if actual != expected:
        raise DataError(
            f"{name}: size mismatch: header says {dims} ({expected} bytes), file has {actual}"
        )
    return np.frombuffer(raw, dtype=dtype, offset=header_len).reshape(dims)


def read_idx(path: Path, max_bytes: int = MAX_DATA_BYTES, cache: bool = True) -> np.ndarray:
    """Read an IDX file, gzip-compressed or not (decided by content, not by name).

    Only a regular file of at most ``max_bytes`` is read, and a gzip stream is decompressed
    only as far as the IDX header it starts with promises (itself at most ``max_bytes``): a
    decompression bomb stops at the promise, a FIFO is refused unopened. A gzipped file's
    decoded array is cached, named by a hash of its bytes: gunzipping the training images took
    0.2 s of every short run, loading the cached array a tenth of that. A cache entry is
    validated, never trusted: its own checksum and the shape and type the file's IDX header
    promises must match, or it is decoded afresh and rewritten (a damaged cache must never
    pass for damaged MNIST).
    """
    path = Path(path)
    if not os.path.lexists(path):
        raise DataError(f"missing data file: {path}")
    raw = read_untrusted(path, max_bytes, DataError, "data file")
    if raw[:2] != _GZIP_MAGIC:
        return parse_idx(raw, name=str(path))
    cache_file = _cache_file(raw) if cache else None
    if cache_file is not None:
        cached = _load_cached(cache_file, max_bytes, _gzip_header(raw, str(path)))
        if cached is not None:
            return cached
    array = parse_idx(gunzip_capped(raw, str(path), max_bytes), name=str(path))
    if cache_file is not None:
        _store_cached(cache_file, array)
    return array


def _cache_file(compressed: bytes) -> Path | None:
    """The cache entry for a gzipped IDX file, named by a hash of its bytes (so an edited or
    replaced file never meets a stale entry); None when there is no cache folder."""
    import hashlib

    from genai_studio.core.store.resources import user_cache_dir

    try:
        folder = user_cache_dir() / "idx"
    except Exception:  # noqa: BLE001 - no cache is only slower
        return None
    return folder / f"{hashlib.blake2b(compressed, digest_size=16).hexdigest()}.npy"


_CACHE_TAG = b"genai-idx-cache-1"  # then a 16-byte blake2b of the .npy bytes before it


def _gzip_header(raw: bytes, name: str) -> tuple[np.dtype, tuple[int, ...]] | None:
    """The dtype and shape a gzipped IDX file's header promises (only the header is
    decompressed), or None when it cannot be read (the full decode then says why)."""
    stream = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        head = stream.decompress(raw, 4)
        if len(head) == 4:
            head += stream.decompress(stream.unconsumed_tail, 4 * head[3])
        dtype, dims, _ = idx_header(head, name)
    except (zlib.error, DataError, IndexError):
        return None
    return dtype, tuple(dims)


def _load_cached(cache_file: Path, max_bytes: int,
                 promised: tuple[np.dtype, tuple[int, ...]] | None) -> np.ndarray | None:
    import hashlib
    import io

    if promised is None:
        return None
    limit = max_bytes + 4096 + len(_CACHE_TAG) + 16  # + the .npy header and the checksum
    try:  # a regular file only: a FIFO put in the cache folder must not hang a run
        raw = read_untrusted(cache_file, limit, DataError, "cache file")
    except DataError:
        return None  # missing, odd or too large: decode again (and rewrite it)
    body, tag, digest = raw[:-len(_CACHE_TAG) - 16], raw[-len(_CACHE_TAG) - 16:-16], raw[-16:]
    if tag != _CACHE_TAG or hashlib.blake2b(body, digest_size=16).digest() != digest:
        return None
    try:
        array = np.load(io.BytesIO(body), allow_pickle=False)
    except (OSError, ValueError, EOFError):
        return None
    dtype, dims = promised
    if array.dtype != dtype or array.shape != dims:
        return None
    return array


def _store_cached(cache_file: Path, array: np.ndarray) -> None:
    import hashlib
    import io

    from genai_studio.core.errors import GenAIError
    from genai_studio.core.store.files import clear_cache_entry, write_atomic

    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
    body = buffer.getvalue()
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        clear_cache_entry(cache_file)
        digest = hashlib.blake2b(body, digest_size=16).digest()
        write_atomic(cache_file, body + _CACHE_TAG + digest)
    except (OSError, GenAIError):
        pass  # a read-only or full disk: the next run decodes again


def gunzip_capped(raw: bytes, name: str, max_bytes: int) -> bytes:
    """Decompress a gzip-wrapped IDX file no further than its header's promised size."""
    stream = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out, tail = bytearray(), raw

    def pull(limit: int) -> None:
        nonlocal tail
        while len(out) < limit and not stream.eof:
            chunk = stream.decompress(tail, limit - len(out))
            tail = stream.unconsumed_tail
            out.extend(chunk)
            if not chunk and not tail:
                break

    try:
        pull(4)
        pull(4 + 4 * out[3] if len(out) == 4 else 4)
        dtype, dims, header_len = idx_header(bytes(out), name)
        promised = header_len + math.prod(dims) * dtype.itemsize
        if promised > max_bytes:
            raise DataError(f"{name}: refused: its header promises {promised:,} bytes (the "
                            f"limit is {max_bytes:,})")
        pull(promised + 1)  # one byte more than promised reveals a stream that goes on
    except zlib.error as exc:
        raise DataError(f"{name}: corrupt gzip data ({exc})") from None
    if len(out) > promised:
        raise DataError(f"{name}: the gzip stream holds more data than its header promises")
    return bytes(out)


def load_mnist_arrays(
    split: Split = "train", root: Path | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 28, 28) uint8 and labels (N,) uint8 of one MNIST split."""
    if split not in MNIST_FILES:
        raise DataError(f"unknown MNIST split {split!r}; expected 'train' or 'test'")
    root = Path(root) if root is not None else mnist_dir()
    image_name, label_name = MNIST_FILES[split]
    images = read_idx(root / image_name)
    labels = read_idx(root / label_name)
    if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8:
        raise DataError(
            f"{root / image_name}: expected N x 28 x 28 uint8 images, got {images.shape}"
        )
    if labels.ndim != 1 or labels.shape[0] != images.shape[0]:
        raise DataError(
            f"{root / label_name}: {labels.shape[0]} labels for {images.shape[0]} images"
        )
    if labels.size and int(labels.max()) > 9:
        raise DataError(f"{root / label_name}: labels outside 0-9")
    return images, labels


@dataclass
class ImageSet:
    """A whole image set on one device: ``images`` uint8 in the studio's layout, (N, H, W) grey
    or (N, H, W, 3) colour; ``labels`` (N,) int64 (zeros for a set without labels).

    ``info`` is what a model trained on it records about its data (for a dataset file: its
    source, options and counts), so that images brought in later are prepared the same way.
    """

    images: torch.Tensor
    labels: torch.Tensor
    name: str = "mnist"
    split: str = "train"
    has_labels: bool = True
    info: dict | None = None

    def __len__(self) -> int:
        return int(self.images.shape[0])

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """(channels, height, width) of one image."""
        shape = tuple(int(v) for v in self.images.shape[1:])
        return (1, *shape) if len(shape) == 2 else (shape[2], shape[0], shape[1])

    def _replace(self, images: torch.Tensor, labels: torch.Tensor) -> ImageSet:
        return ImageSet(images, labels, self.name, self.split, self.has_labels, self.info)

    @property
    def device(self) -> torch.device:
        return self.images.device

    def to(self, device: torch.device | str) -> ImageSet:
        return self._replace(self.images.to(device), self.labels.to(device))

    def head(self, limit: int | None) -> ImageSet:
        """The first ``limit`` samples (all of them for None)."""
        if limit is None or limit >= len(self):
            return self
        return self._replace(self.images[:limit], self.labels[:limit])

    def batch(
        self,
        index: torch.Tensor,
        binarize: Binarize = "none",
        generator: torch.Generator | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Images (B, C, H, W) float in [0, 1] and labels (B,) for ``index``.

        ``binarize="dynamic"`` draws a fresh Bernoulli sample of every pixel each time an image
        is used: the standard protocol behind published MNIST likelihoods.
        """
        import torch

        x = self.images[index]
        x = x.unsqueeze(1) if x.ndim == 3 else x.permute(0, 3, 1, 2)
        x = x.to(torch.float32).div_(255.0)
        if binarize == "dynamic":
            x = torch.bernoulli(x, generator=generator)
        return x, self.labels[index]


def load_mnist(
    split: Split = "train",
    device: torch.device | str = "cpu",
    root: Path | None = None,
    limit: int | None = None,
) -> ImageSet:
    """One MNIST split as an :class:`ImageSet` on ``device``."""
    import torch

    images, labels = load_mnist_arrays(split, root)
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    return ImageSet(
        images=torch.from_numpy(images.copy()).to(device),
        labels=torch.from_numpy(labels.astype(np.int64)).to(device),
        name="mnist",
        split=split,
    )
