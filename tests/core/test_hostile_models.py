"""Hostile model files are refused from their header, before anything is allocated."""

import json
import os
import struct
import threading
import time

import pytest
import torch

from genai_studio.core.errors import ModelFileError
from genai_studio.core.models.registry import VAE, VAEConfig
from genai_studio.core.store.checkpoints import (
    load_model,
    model_metadata,
    read_metadata,
    save_model,
)


def _saved_vae(path, **config):
    torch.manual_seed(0)
    model = VAE(VAEConfig(**{"hidden": (16,), **config}))
    save_model(path, model, model_metadata(model))
    return model


def _rewrite(path, change_meta=None, change_header=None):
    """Rewrite a model file's header (and metadata) keeping its tensor data as it is."""
    data = path.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    if change_meta is not None:
        meta = json.loads(header["__metadata__"]["metadata"])
        change_meta(meta)
        header["__metadata__"]["metadata"] = json.dumps(meta)
    if change_header is not None:
        change_header(header)
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + data[8 + n:])


def _refused_within(seconds, call):
    """``call`` raises ModelFileError within ``seconds`` (run on a thread: a hang fails)."""
    outcome = []

    def attempt():
        try:
            call()
        except ModelFileError as exc:
            outcome.append(str(exc))
        except BaseException as exc:  # noqa: BLE001 - reported below
            outcome.append(exc)

    thread = threading.Thread(target=attempt, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s"
    assert outcome and isinstance(outcome[0], str), outcome
    return outcome[0]


def test_a_fifo_given_as_a_model_is_refused_at_once(tmp_path):
    fifo = tmp_path / "m.safetensors"
    os.mkfifo(fifo)
    assert "FIFO" in _refused_within(10, lambda: load_model(fifo))
    assert "FIFO" in _refused_within(10, lambda: read_metadata(fifo))


def test_a_small_file_asking_for_a_huge_model_is_refused_before_building(tmp_path):
    """The issue's 54 KB file with hidden [400000] drove memory to 2.7 GB before refusal."""
    path = tmp_path / "bomb.safetensors"
    _saved_vae(path, hidden=(8,))
    _rewrite(path, lambda meta: meta["config"].update(hidden=[400000]))
    assert path.stat().st_size < 60_000
    started = time.perf_counter()
    message = _refused_within(30, lambda: load_model(path))
    assert "parameters" in message and "limit" in message
    assert time.perf_counter() - started < 5
    _saved_vae(path)
    _rewrite(path, lambda meta: meta["config"].update(hidden=[10**15]))
    assert "invalid vae config" in _refused_within(30, lambda: load_model(path))


def test_a_config_that_fits_no_listed_tensor_is_refused_before_reading_data(tmp_path):
    path = tmp_path / "m.safetensors"
    _saved_vae(path)
    _rewrite(path, lambda meta: meta["config"].update(hidden=[17]))
    with pytest.raises(ModelFileError, match="weights do not fit its config"):
        load_model(path)


@pytest.mark.parametrize("hidden", ["400", 2.5, True, [None], [[16]], list(range(65)), -3])
def test_config_values_of_the_wrong_type_are_refused(tmp_path, hidden):
    path = tmp_path / "m.safetensors"
    _saved_vae(path)
    _rewrite(path, lambda meta: meta["config"].update(hidden=hidden))
    with pytest.raises(ModelFileError, match="invalid vae config"):
        load_model(path)


@pytest.mark.parametrize("value", ["NaN", "Infinity", "1e999"])
def test_non_numbers_in_a_config_are_refused(tmp_path, value):
    path = tmp_path / "m.safetensors"
    _saved_vae(path)
    _rewrite(path, change_header=lambda header: header["__metadata__"].update(
        metadata=header["__metadata__"]["metadata"].replace(
            '"latent_dim": 2', f'"latent_dim": {value}')))
    with pytest.raises(ModelFileError):
        load_model(path)


def test_deeply_nested_json_is_refused_without_recursion(tmp_path):
    path = tmp_path / "m.safetensors"
    _saved_vae(path)
    deep = "[" * 200_000 + "]" * 200_000
    _rewrite(path, change_header=lambda header: header["__metadata__"].update(
        metadata=header["__metadata__"]["metadata"][:-1] + f', "x": {deep}}}'))
    with pytest.raises(ModelFileError, match="damaged metadata"):
        load_model(path)
    _saved_vae(path)
    _rewrite(path, change_header=lambda header: header.update(deep=json.loads(
        "[" * 100 + "]" * 100)))
    with pytest.raises(ModelFileError, match="nested"):
        read_metadata(path)


def test_a_huge_header_length_or_tensor_table_is_refused(tmp_path):
    path = tmp_path / "m.safetensors"
    _saved_vae(path)
    data = bytearray(path.read_bytes())
    data[:8] = struct.pack("<Q", 2**63)
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="not a model file"):
        load_model(path)
    for bad in ({"dtype": "F32", "shape": [2**40, 2**40], "data_offsets": [0, 4]},
                {"dtype": "object", "shape": [1], "data_offsets": [0, 4]},
                {"dtype": "F32", "shape": [1], "data_offsets": [0, -4]},
                {"dtype": "F32", "shape": "1", "data_offsets": [0, 4]},
                [1, 2, 3]):
        _saved_vae(path)
        _rewrite(path, change_header=lambda header, bad=bad: header.update(extra=bad))
        with pytest.raises(ModelFileError, match="bad tensor table"):
            read_metadata(path)


def test_non_finite_weights_are_refused_at_load(tmp_path):
    path = tmp_path / "nan.safetensors"
    model = VAE(VAEConfig(hidden=(16,)))
    with torch.no_grad():
        next(model.parameters()).view(-1)[0] = float("nan")
    save_model(path, model, model_metadata(model))
    with pytest.raises(ModelFileError, match="NaN or infinite"):
        load_model(path)
