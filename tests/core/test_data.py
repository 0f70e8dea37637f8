import gzip
import hashlib
import struct

import numpy as np
import pytest

from genai_studio.core.data.mnist import (
    MNIST_FILES,
    load_mnist,
    load_mnist_arrays,
    parse_idx,
    read_idx,
)
from genai_studio.core.errors import DataError
from genai_studio.core.store.resources import mnist_dir

# From the dataset's README (the original LeCun files).
SHA256 = {
    "train-images-idx3-ubyte.gz": "0b367032e93c5d0cea0925647cfdb18614af8ee15f83e6f2fc2ad904a6835971",  # noqa: E501
    "train-labels-idx1-ubyte.gz": "1787548bbe0bff1ec2ecdc0ef292b02df999e2d1a6002d27500982c652b17203",  # noqa: E501
    "t10k-images-idx3-ubyte.gz": "1a1a05eab793c14bb050b398624a11b0ffd1a2953baed553b1b9bd079e2a20be",  # noqa: E501
    "t10k-labels-idx1-ubyte.gz": "b91679a0acfe4ba0e50a2437a903084cba1f5f92592b016a25a7dfd00455798b",  # noqa: E501
}
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.mark.parametrize("name", sorted(SHA256))
def test_shipped_mnist_checksums(name):
    digest = hashlib.sha256((mnist_dir() / name).read_bytes()).hexdigest()
    assert digest == SHA256[name]


def test_train_split_is_real_mnist():
    images, labels = load_mnist_arrays("train")
    assert images.shape == (60000, 28, 28) and images.dtype == np.uint8
    assert np.bincount(labels).tolist() == TRAIN_COUNTS
    pixels = images.astype(np.float64) / 255.0
    assert pixels.mean() == pytest.approx(0.1307, abs=1e-4)
    assert pixels.std() == pytest.approx(0.3081, abs=1e-4)


def test_test_split_label_counts():
    images, labels = load_mnist_arrays("test")
    assert images.shape == (10000, 28, 28)
    assert np.bincount(labels).tolist() == TEST_COUNTS


def _idx(array: np.ndarray, type_code: int = 0x08) -> bytes:
    header = bytes([0, 0, type_code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(">u1" if type_code == 0x08 else ">i4").tobytes()


def test_parse_idx_round_trip_plain_and_gzip(tmp_path):
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    raw = _idx(array)
    np.testing.assert_array_equal(parse_idx(raw), array)
    (tmp_path / "plain.idx").write_bytes(raw)
    (tmp_path / "packed.bin").write_bytes(gzip.compress(raw))  # format by content, not name
    np.testing.assert_array_equal(read_idx(tmp_path / "plain.idx"), array)
    np.testing.assert_array_equal(read_idx(tmp_path / "packed.bin"), array)


def test_parse_idx_reads_big_endian_ints():
    array = np.array([1, -2, 70000], dtype=np.int32)
    np.testing.assert_array_equal(parse_idx(_idx(array, 0x0C)), array)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"\x01\x00\x08\x01\x00\x00\x00\x01\x05", "bad magic"),
        (b"\x00\x00\x07\x01\x00\x00\x00\x01\x05", "not an IDX file"),
        (b"\x00\x00\x08\x03\x00\x00", "truncated IDX header"),
        (b"\x00\x00\x08\x01\x00\x00\x00\x05\x01\x02", "size mismatch"),
        (b"", "bad magic"),
    ],
)
def test_parse_idx_rejects_bad_data(raw, message):
    with pytest.raises(DataError, match=message):
        parse_idx(raw)


def test_missing_and_corrupt_files_are_data_errors(tmp_path):
    with pytest.raises(DataError, match="missing data file"):
        read_idx(tmp_path / "nope.gz")
    (tmp_path / "bad.gz").write_bytes(b"\x1f\x8b" + b"garbage" * 10)
    with pytest.raises(DataError, match="corrupt gzip"):
        read_idx(tmp_path / "bad.gz")
    with pytest.raises(DataError, match="missing data file"):
        load_mnist_arrays("train", root=tmp_path)


def test_images_and_labels_must_agree(tmp_path):
    images, labels = MNIST_FILES["test"]
    (tmp_path / images).write_bytes(gzip.compress(_idx(np.zeros((3, 28, 28), np.uint8))))
    (tmp_path / labels).write_bytes(gzip.compress(_idx(np.zeros(2, np.uint8))))
    with pytest.raises(DataError, match="2 labels for 3 images"):
        load_mnist_arrays("test", root=tmp_path)
    (tmp_path / images).write_bytes(gzip.compress(_idx(np.zeros((3, 27, 28), np.uint8))))
    with pytest.raises(DataError, match="28 x 28"):
        load_mnist_arrays("test", root=tmp_path)


def test_batches_by_indexing_with_dynamic_binarisation(torch_threads):
    torch = torch_threads
    data = load_mnist("test", limit=500)
    assert len(data) == 500 and data.images.dtype == torch.uint8
    index = torch.arange(0, 200)
    grey, labels = data.batch(index, "none")
    assert grey.shape == (200, 1, 28, 28) and grey.dtype == torch.float32
    assert 0.0 <= float(grey.min()) and float(grey.max()) <= 1.0
    torch.testing.assert_close(labels, data.labels[:200])
    gen = torch.Generator().manual_seed(0)
    first, _ = data.batch(index, "dynamic", gen)
    second, _ = data.batch(index, "dynamic", gen)
    assert set(torch.unique(first).tolist()) <= {0.0, 1.0}
    assert not torch.equal(first, second), "each use must draw a fresh binarisation"
    # A Bernoulli sample of p has mean p: the binary images keep the grey images' ink.
    assert float(first.mean()) == pytest.approx(float(grey.mean()), abs=0.01)


def test_decoded_idx_is_cached_and_a_changed_file_is_never_served_stale(tmp_path, monkeypatch):
    import gzip

    from genai_studio.core.data import mnist as data

    monkeypatch.setenv("GENAI_STUDIO_CACHE", str(tmp_path / "cache"))
    source = tmp_path / "labels.gz"
    header = b"\x00\x00\x08\x01" + (3).to_bytes(4, "big")
    source.write_bytes(gzip.compress(header + bytes([1, 2, 3])))
    first = data.read_idx(source)
    cached = list((tmp_path / "cache" / "idx").glob("*.npy"))
    assert len(cached) == 1 and first.tolist() == [1, 2, 3]
    monkeypatch.setattr(data, "gunzip_capped", lambda *a: pytest.fail("not cached"))
    assert data.read_idx(source).tolist() == [1, 2, 3]
    monkeypatch.undo()
    monkeypatch.setenv("GENAI_STUDIO_CACHE", str(tmp_path / "cache"))
    source.write_bytes(gzip.compress(header + bytes([7, 8, 9])))
    assert data.read_idx(source).tolist() == [7, 8, 9]
    cached[0].write_bytes(b"damaged")  # a damaged entry is decoded again, not trusted
    source.write_bytes(gzip.compress(header + bytes([1, 2, 3])))
    assert data.read_idx(source).tolist() == [1, 2, 3]
