"""Folders of the user's images -> a validated dataset file; hostile dataset files refused."""

import json
import os
import struct
from pathlib import Path

import numpy as np
import pytest

from genai_studio.core.data.datasets import (
    delete_dataset,
    list_datasets,
    load_dataset,
    load_dataset_arrays,
    load_training_data,
    read_dataset_info,
    save_dataset,
)
from genai_studio.core.data.folder_import import (
    ImportReport,
    ScanProgress,
    import_metadata,
    scan_folder,
    scan_to_report,
)
from genai_studio.core.data.prepare import PrepareSpec
from genai_studio.core.errors import DataError
from tests.core.byo_files import digit_drawing, encoded, mixed_folder

DIGIT = PrepareSpec(28, "grey", "digit")


def test_a_mixed_folder_is_reported_file_by_file(tmp_path):
    expected = mixed_folder(tmp_path / "in")
    events = list(scan_folder(tmp_path / "in", DIGIT))
    assert isinstance(events[0], ScanProgress) and events[0].done == 0
    report = events[-1]
    assert isinstance(report, ImportReport)
    assert report.found == 20 and report.kept == 10
    assert {s.path: s.reason for s in report.skipped} == expected
    assert report.images.shape == (10, 28, 28) and report.images.dtype == np.uint8
    assert report.images.reshape(10, -1).max(axis=1).min() == 255, "every image has ink"
    assert report.counts()["skipped_by_reason"]["decompression bomb"] == 2
    assert any("only 10 image(s)" in w for w in report.warnings)
    text = "\n".join(report.lines())
    assert "sub/bomb.png: decompression bomb" in text and "notes.txt: not an image" in text
    json.dumps(report.to_dict())


@pytest.mark.parametrize("spec,shape", [(PrepareSpec(32, "rgb", "crop"), (32, 32, 3)),
                                        (PrepareSpec(64, "grey", "pad"), (64, 64))])
def test_every_image_gets_the_asked_size_and_colour(spec, shape, tmp_path):
    mixed_folder(tmp_path / "in")
    report = scan_to_report(tmp_path / "in", spec)
    assert report.images.shape == (11, *shape), "the blank image is kept when not a digit"


def test_empty_folders_non_images_and_broken_images_keep_nothing(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    report = scan_to_report(empty, DIGIT)
    assert (report.found, report.kept) == (0, 0) and "no files" in report.warnings[0]
    junk = tmp_path / "junk"
    junk.mkdir()
    for i in range(3):
        (junk / f"n{i}.txt").write_text("text")
        (junk / f"b{i}.jpg").write_bytes(encoded(digit_drawing((90, 90 + i)), "JPEG")[:300])
    report = scan_to_report(junk, DIGIT)
    assert report.kept == 0 and len(report.skipped) == 6
    assert {s.reason for s in report.skipped} == {"not an image", "unreadable"}
    assert "nothing to keep" in report.warnings[0]


def test_links_loops_fifos_and_unreadable_folders_cannot_trap_the_scan(tmp_path, monkeypatch):
    root = tmp_path / "in"
    (root / "a" / "locked").mkdir(parents=True)
    (root / "a" / "one.png").write_bytes(encoded(digit_drawing((40, 40)), "PNG"))
    os.symlink(root, root / "a" / "up")  # a folder link back up: a loop if followed
    os.symlink("self", root / "self")  # a link to itself
    os.mkfifo(root / "pipe.png")
    real_scandir = os.scandir

    def scandir(path):
        if Path(path).name == "locked":  # root reads anything: make the folder unreadable
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    report = scan_to_report(root, DIGIT)
    reasons = {s.path: s.reason for s in report.skipped}
    assert report.kept == 1
    assert reasons == {"a/locked/": "unreadable", "a/up": "link to a folder",
                       "self": "unreadable", "pipe.png": "unreadable"}


def test_a_cancelled_scan_says_so_and_keeps_what_it_had(tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    for i in range(30):
        (root / f"{i:02d}.png").write_bytes(encoded(digit_drawing((40, 40 + i)), "PNG"))

    class After:
        calls = 0

        def is_set(self):
            self.calls += 1
            return self.calls > 5

    report = scan_to_report(root, DIGIT, cancel=After())
    assert report.cancelled and report.kept == 6


def test_a_dataset_round_trips_and_is_listed_and_deleted(tmp_path):
    mixed_folder(tmp_path / "in")
    report = scan_to_report(tmp_path / "in", PrepareSpec(32, "rgb", "crop"))
    (tmp_path / "sets").mkdir()
    path = save_dataset(tmp_path / "sets" / "mine.safetensors", report.images,
                        import_metadata(report, "mine"))
    info, images = load_dataset_arrays(path)
    assert np.array_equal(images, report.images)
    assert info.image_shape == (3, 32, 32) and info.num_images == 11
    assert info.metadata["options"] == {"size": 32, "colour": "rgb", "fit": "crop"}
    assert info.metadata["counts"]["skipped"] == 9
    data = load_dataset(path)
    assert data.image_shape == (3, 32, 32) and not data.has_labels
    assert data.info["options"]["fit"] == "crop"
    assert load_training_data(str(path)).image_shape == (3, 32, 32)
    (tmp_path / "sets" / "broken.safetensors").write_bytes(b"junk")
    found, problems = list_datasets(tmp_path / "sets")
    assert [d.name for d in found] == ["mine"] and len(problems) == 1
    with pytest.raises(DataError):
        delete_dataset(tmp_path / "sets" / "broken.safetensors")
    assert (tmp_path / "sets" / "broken.safetensors").exists(), "only datasets are deleted"
    delete_dataset(path)
    assert not path.exists()


def forged(path: Path, header: dict, data_bytes: int) -> Path:
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + b"\x00" * data_bytes)
    return path


def header_for(shape, meta_shape=None, meta_n=None, data=None, dtype="U8", extra=None):
    n = int(np.prod(shape))
    c = shape[3] if len(shape) == 4 else 1
    meta = {"image_shape": meta_shape or [c, shape[1], shape[2]],
            "num_images": shape[0] if meta_n is None else meta_n}
    header = {"__metadata__": {"format": "genai-studio.dataset", "format_version": "1",
                               "metadata": json.dumps(meta)},
              "images": {"dtype": dtype, "shape": list(shape),
                         "data_offsets": [0, n if data is None else data]}}
    header.update(extra or {})
    return header


@pytest.mark.parametrize("header,size,words", [
    (header_for([4, 28, 28], meta_n=5), 4 * 784, "forged"),
    (header_for([4, 28, 28], meta_shape=[3, 28, 28]), 4 * 784, "forged"),
    (header_for([10**9, 64, 64, 3]), 1000, "outside 1 to"),
    (header_for([4, 28, 28]), 100, "truncated or damaged"),
    (header_for([4, 28, 28], data=10), 10, "truncated or damaged"),
    (header_for([4, 100000, 100000]), 100, "not 8-128 px"),
    (header_for([4, 28, 28], dtype="F32"), 4 * 784, "damaged tensor table"),
    (header_for([4, 28, 28, 2]), 4 * 784 * 2, "not 8-128 px grey or RGB"),
    (header_for([4, 28, 28], extra={"labels": {"dtype": "U8", "shape": [4],
                                               "data_offsets": [0, 4]}}), 4 * 784,
     r"damaged tensor table \(labels\)"),
    (header_for([4, 28, 28], extra={"other": {"dtype": "U8", "shape": [4],
                                              "data_offsets": [0, 4]}}), 4 * 784,
     "expected a tensor"),
])
def test_damaged_or_forged_dataset_files_are_refused_before_allocation(tmp_path, header, size,
                                                                        words):
    path = forged(tmp_path / "bad.safetensors", header, size)
    with pytest.raises(DataError, match=words):
        load_dataset_arrays(path)


def test_other_files_are_not_datasets(tmp_path):
    model = Path(__file__).resolve().parents[2] / "models" / "vae-2d.safetensors"
    with pytest.raises(DataError, match="not a GenAI Studio dataset"):
        read_dataset_info(model)
    deep = tmp_path / "deep.safetensors"
    raw = ("[" * 100000 + "]" * 100000).encode()
    deep.write_bytes(struct.pack("<Q", len(raw)) + raw)
    with pytest.raises(DataError):
        read_dataset_info(deep)
    for path in (tmp_path, tmp_path / "missing"):
        with pytest.raises(DataError):
            read_dataset_info(path)
    with pytest.raises(DataError, match="missing data file"):
        load_training_data(str(tmp_path))
    with pytest.raises(DataError, match="no dataset"):
        load_training_data("no-such-name")
