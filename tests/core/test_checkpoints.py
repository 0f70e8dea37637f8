import json
import os
import pickle
import struct

import pytest
import torch

from genai_studio.core.errors import ModelFileError, OutputError
from genai_studio.core.models.registry import GAN, VAE, GANConfig, VAEConfig
from genai_studio.core.store.checkpoints import (
    load_model,
    model_metadata,
    read_metadata,
    save_model,
)
from genai_studio.core.store.files import check_writable, write_atomic


def _saved_vae(path, **config):
    torch.manual_seed(0)
    model = VAE(VAEConfig(hidden=(16,), **config))
    save_model(path, model, model_metadata(model, dataset={"name": "mnist"}, training={"seed": 1}))
    return model


def test_round_trip_rebuilds_the_model_from_the_file_alone(tmp_path):
    path = tmp_path / "m.safetensors"
    model = _saved_vae(path, latent_dim=3, conditional=True)
    loaded = load_model(path)
    assert isinstance(loaded.model, VAE) and loaded.config == model.config
    z, labels = torch.randn(4, 3), torch.tensor([0, 3, 5, 9])
    with torch.no_grad():
        torch.testing.assert_close(loaded.model.decode(z, labels), model.decode(z, labels))
    meta = read_metadata(path)
    assert meta["kind"] == "vae" and meta["conditional"] is True and meta["latent_dim"] == 3
    assert meta["config"]["hidden"] == [16] and meta["format_version"] == 1
    assert meta["dataset"] == {"name": "mnist"} and meta["training"] == {"seed": 1}
    assert not loaded.has_training_state


def test_gan_round_trip_keeps_batchnorm_statistics(tmp_path):
    model = GAN(GANConfig(latent_dim=4, channels=4))
    model.generator.project[1].running_mean.fill_(0.25)
    save_model(tmp_path / "g.safetensors", model, model_metadata(model))
    loaded = load_model(tmp_path / "g.safetensors", expect_kind="gan")
    assert torch.all(loaded.model.generator.project[1].running_mean == 0.25)
    assert not loaded.model.training


def test_writes_are_atomic_and_leave_no_temp_files(tmp_path):
    path = tmp_path / "m.safetensors"
    _saved_vae(path)
    first = path.read_bytes()
    _saved_vae(path, latent_dim=5)
    assert path.read_bytes() != first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.safetensors"]
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask


def test_a_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "m.safetensors"
    _saved_vae(path)
    before = path.read_bytes()

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OutputError, match="No space left"):
        write_atomic(path, b"new contents")
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.safetensors"]


def test_missing_folder_and_directory_errors(tmp_path):
    with pytest.raises(ModelFileError, match="not found"):
        load_model(tmp_path / "absent.safetensors")
    with pytest.raises(ModelFileError, match="is a folder"):
        load_model(tmp_path)


@pytest.mark.parametrize("cut", [3, 8, 40, -1000, -1])
def test_truncated_files_are_refused(tmp_path, cut):
    path = tmp_path / "m.safetensors"
    _saved_vae(path)
    data = path.read_bytes()
    path.write_bytes(data[:cut])
    with pytest.raises(ModelFileError):
        load_model(path)


def test_random_bytes_are_refused(tmp_path):
    path = tmp_path / "noise.safetensors"
    path.write_bytes(os.urandom(4096))
    with pytest.raises(ModelFileError, match="not a model file"):
        load_model(path)


class _Payload:
    """Unpickling this creates a file: proof that code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


@pytest.mark.parametrize("suffix", [".safetensors", ".pt", ".bin"])
@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_pickles_are_refused_without_running_their_code(tmp_path, suffix, protocol):
    marker = tmp_path / "pwned"
    path = tmp_path / f"evil{suffix}"
    path.write_bytes(pickle.dumps(_Payload(marker), protocol=protocol))
    with pytest.raises(ModelFileError, match="refused.*pickle"):
        load_model(path)
    with pytest.raises(ModelFileError, match="refused"):
        read_metadata(path)
    assert not marker.exists()


def test_torch_save_archives_are_refused_without_running_their_code(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.safetensors"
    torch.save({"weights": _Payload(marker)}, path)
    with pytest.raises(ModelFileError, match="refused.*torch.save"):
        load_model(path)
    assert not marker.exists()


def test_foreign_safetensors_and_wrong_kind_are_refused(tmp_path):
    from safetensors.torch import save_file

    plain = tmp_path / "plain.safetensors"
    save_file({"w": torch.zeros(2)}, plain)
    with pytest.raises(ModelFileError, match="not a GenAI Studio model"):
        load_model(plain)
    vae = tmp_path / "vae.safetensors"
    _saved_vae(vae)
    with pytest.raises(ModelFileError, match="holds a VAE; this needs a GAN"):
        load_model(vae, expect_kind="gan")


def _rewrite_metadata(path, change):
    data = path.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    meta = json.loads(header["__metadata__"]["metadata"])
    change(meta, header)
    header["__metadata__"]["metadata"] = json.dumps(meta)
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + data[8 + n:])


def test_weights_that_do_not_fit_the_config_are_refused(tmp_path):
    path = tmp_path / "m.safetensors"
    _saved_vae(path)
    _rewrite_metadata(path, lambda meta, header: meta["config"].update(hidden=[32]))
    with pytest.raises(ModelFileError, match="weights do not fit its config"):
        load_model(path)


def test_newer_format_and_damaged_metadata_are_refused(tmp_path):
    path = tmp_path / "m.safetensors"
    _saved_vae(path)
    _rewrite_metadata(path, lambda meta, header: header["__metadata__"].update(
        format_version="99"))
    with pytest.raises(ModelFileError, match="newer GenAI Studio"):
        load_model(path)
    _saved_vae(path)
    _rewrite_metadata(path, lambda meta, header: meta.pop("kind"))
    with pytest.raises(ModelFileError, match="lacks the model kind"):
        read_metadata(path)


def test_check_writable(tmp_path):
    check_writable(tmp_path / "new.png")
    with pytest.raises(OutputError, match="does not exist"):
        check_writable(tmp_path / "missing" / "x.png")
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="not a folder"):
        check_writable(tmp_path / "file" / "x.png")
    with pytest.raises(OutputError, match="is a folder"):
        check_writable(tmp_path)
    with pytest.raises(OutputError):
        check_writable(__import__("pathlib").Path("/proc/genai-studio-test.png"))
