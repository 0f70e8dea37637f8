"""Every example of issue 13, reproduced: each is now refused or handled, with nothing lost.

(The fault matrix in ``test_faults.py`` repeats the process-level ones under real faults:
signals, kill -9, disk full, memory limits, concurrent runs.)
"""

from __future__ import annotations

import os

import pytest
import torch
from safetensors.torch import load_file, save_file

from genai_studio.core.defaults import checkpoint_path_for
from genai_studio.core.models.registry import VAE, VAEConfig
from genai_studio.core.store.checkpoints import load_model, model_metadata, save_model
from genai_studio.core.store.output_lock import OutputLock
from tests.reliability.conftest import (
    assert_last_line_error,
    assert_one_line_error,
    make_mnist_dir,
    rewrite_config,
    run_cli,
    save_tiny_vae,
    split_model,
)

TRAIN = ("train", "vae", "--hidden", "16", "--epochs", "1", "--batch-size", "64")


def _names(folder):
    return sorted(p.name for p in folder.iterdir())


def test_sample_never_writes_over_its_own_model(capsys, model_file):
    before = model_file.read_bytes()
    for flag in ("--out", "--npy"):  # under its own name, the suffix alone refuses it
        code, _, err = run_cli(capsys, "sample", model_file, flag, model_file, "--seed", "1")
        assert_one_line_error(code, err, "this writes")
    for flag, name in (("--out", "self.png"), ("--npy", "self.npy")):
        same = model_file.with_name(name)  # the model under a name the option writes
        os.link(model_file, same)
        code, _, err = run_cli(capsys, "sample", same, flag, same, "--seed", "1")
        assert_one_line_error(code, err, "also an input")
    os.link(model_file, model_file.with_name("alias.png"))  # a hard link is the same file
    code, _, err = run_cli(capsys, "sample", model_file, "--out",
                           model_file.with_name("alias.png"), "--seed", "1")
    assert_one_line_error(code, err, "also an input")
    assert model_file.read_bytes() == before


def test_out_onto_a_symlink_replaces_the_file_it_points_to_and_keeps_the_link(capsys, model_file):
    target = model_file.with_name("real.png")
    target.write_bytes(b"old")
    link = model_file.with_name("link.png")
    link.symlink_to(target)
    code, _, err = run_cli(capsys, "sample", model_file, "--out", link, "--n", "4", "--seed", "1")
    assert code == 0, err
    assert link.is_symlink() and target.read_bytes()[:4] == b"\x89PNG"


def test_out_onto_a_fifo_or_a_link_to_a_non_file_is_refused(capsys, model_file):
    fifo = model_file.with_name("grid.png")
    os.mkfifo(fifo)
    link = model_file.with_name("to-fifo.png")
    link.symlink_to(fifo)
    for out in (fifo, link):
        code, _, err = run_cli(capsys, "sample", model_file, "--out", out, "--seed", "1")
        assert_one_line_error(code, err, "FIFO")
    model_link = model_file.with_name("to-fifo.safetensors")
    model_link.symlink_to(fifo)
    code, _, err = run_cli(capsys, "train", "vae", "--out", model_link)
    assert_one_line_error(code, err, "FIFO")
    assert link.is_symlink() and model_link.is_symlink() and fifo.exists()


def test_out_and_npy_naming_one_file_is_refused(capsys, model_file):
    out = model_file.with_name("x.png")
    npy = model_file.with_name("x.npy")
    npy.symlink_to(out)  # two names, one file (each with the suffix its option writes)
    code, _, err = run_cli(capsys, "sample", model_file, "--out", out, "--npy", npy)
    assert_one_line_error(code, err, "same file")
    assert not out.exists()


def test_a_second_run_with_the_same_out_is_refused_while_the_first_lives(capsys, tmp_path):
    out = tmp_path / "run.safetensors"
    with OutputLock(out):  # what a live training run holds
        code, _, err = run_cli(capsys, *TRAIN, "--limit", "256", "--out", out)
        assert_one_line_error(code, err, "another run")
    assert not out.exists()
    code, _, err = run_cli(capsys, *TRAIN, "--limit", "256", "--out", out)
    assert code == 0, err
    assert _names(tmp_path) == ["run.ckpt.safetensors", "run.safetensors"]


def test_out_may_not_be_a_checkpoint_name_or_the_resumed_file(capsys, tmp_path):
    out = tmp_path / "m.safetensors"
    assert run_cli(capsys, *TRAIN, "--limit", "128", "--out", out)[0] == 0
    ckpt = checkpoint_path_for(out)
    before = ckpt.read_bytes()
    code, _, err = run_cli(capsys, "train", "vae", "--resume", ckpt, "--out", ckpt)
    assert_one_line_error(code, err)
    code, _, err = run_cli(capsys, *TRAIN, "--out", tmp_path / "x.ckpt.safetensors")
    assert_one_line_error(code, err, "names a checkpoint")
    assert ckpt.read_bytes() == before


def _checkpoint(capsys, tmp_path, *extra):
    out = tmp_path / "m.safetensors"
    code, _, err = run_cli(capsys, *TRAIN, "--limit", "128", "--out", out, *extra)
    assert code == 0, err
    return out, checkpoint_path_for(out)


def test_an_adam_state_of_the_wrong_shape_is_refused_not_a_crash(capsys, tmp_path):
    _, ckpt = _checkpoint(capsys, tmp_path)
    header, _ = split_model(ckpt.read_bytes())
    tensors = load_file(ckpt)
    for key in [k for k in tensors if k.endswith(("exp_avg", "exp_avg_sq"))]:
        tensors[key] = torch.zeros(3)
    save_file(tensors, ckpt, metadata=header["__metadata__"])
    before = ckpt.read_bytes()
    code, _, err = run_cli(capsys, "train", "vae", "--resume", ckpt, "--epochs", "2")
    assert_one_line_error(code, err, "damaged checkpoint", "exp_avg")
    assert ckpt.read_bytes() == before


def test_a_fifo_given_as_a_model_is_refused_by_every_command(capsys, tmp_path):
    fifo = tmp_path / "m.safetensors"
    os.mkfifo(fifo)
    for command in (("sample", fifo, "--npy", tmp_path / "o.npy"), ("info", fifo),
                    ("eval", fifo), ("train", "vae", "--resume", fifo)):
        code, _, err = run_cli(capsys, *command)
        assert_one_line_error(code, err, "FIFO")


def test_a_small_file_asking_for_a_huge_model_is_refused_by_the_cli(capsys, tmp_path):
    path = rewrite_config(save_tiny_vae(tmp_path / "bomb.safetensors", hidden=8),
                          hidden=[400000])
    code, _, err = run_cli(capsys, "sample", path, "--npy", tmp_path / "o.npy")
    assert_one_line_error(code, err, "parameters")


def test_nan_weights_are_refused_not_sampled_black(capsys, tmp_path):
    model = VAE(VAEConfig(hidden=(16,)))
    with torch.no_grad():
        for p in model.parameters():
            p.fill_(float("nan"))
    path = tmp_path / "nan.safetensors"
    save_model(path, model, model_metadata(model))
    code, _, err = run_cli(capsys, "sample", path, "--out", tmp_path / "g.png")
    assert_one_line_error(code, err, "NaN")
    assert _names(tmp_path) == ["nan.safetensors"]


def test_a_huge_learning_rate_stops_the_run_and_saves_no_model(capsys, tmp_path):
    out = tmp_path / "m.safetensors"
    code, _, err = run_cli(capsys, *TRAIN, "--limit", "256", "--lr", "1e308", "--out", out)
    assert_last_line_error(code, err, "training stopped", "NaN", "no checkpoint")
    assert _names(tmp_path) == []


def test_a_run_that_diverges_later_keeps_its_last_good_checkpoint(capsys, tmp_path,
                                                                   monkeypatch):
    out, ckpt = _checkpoint(capsys, tmp_path)
    good = ckpt.read_bytes()
    import genai_studio.core.train.tasks as tasks

    real_step = tasks.VAETask.step

    def poisoned(self, *args):
        losses = real_step(self, *args)
        with torch.no_grad():
            next(self.model.parameters()).fill_(float("inf"))
        return losses

    monkeypatch.setattr(tasks.VAETask, "step", poisoned)
    code, _, err = run_cli(capsys, "train", "vae", "--resume", ckpt, "--epochs", "3")
    assert_last_line_error(code, err, "training stopped", f"last good checkpoint is {ckpt}")
    assert ckpt.read_bytes() == good
    load_model(ckpt)  # still finite, still loads


def test_resume_refuses_settings_it_would_ignore_and_names_them(capsys, tmp_path):
    _, ckpt = _checkpoint(capsys, tmp_path)
    code, _, err = run_cli(capsys, "train", "vae", "--resume", ckpt, "--lr", "0.1",
                           "--batch-size", "32", "--seed", "3")
    assert_one_line_error(code, err, "--batch-size, --lr, --seed cannot change when resuming")
    code, _, err = run_cli(capsys, "train", "vae", "--resume", ckpt, "--epochs", "2")
    assert code == 0, err
    assert load_model(tmp_path / "m.safetensors").metadata["training"]["epochs"] == 2


def test_resume_refuses_other_data_unless_told(capsys, tmp_path):
    data = make_mnist_dir(tmp_path / "mine", n=256)
    _, ckpt = _checkpoint(capsys, tmp_path, "--data", data)
    other = make_mnist_dir(tmp_path / "other", n=256, seed=1)
    code, _, err = run_cli(capsys, "train", "vae", "--resume", ckpt, "--epochs", "2",
                           "--data", other)
    assert_one_line_error(code, err, "other data", "--allow-data-change")
    code, _, err = run_cli(capsys, "train", "vae", "--resume", ckpt, "--epochs", "2")
    assert_one_line_error(code, err, "other data")  # the bundled MNIST is other data too
    code, _, err = run_cli(capsys, "train", "vae", "--resume", ckpt, "--epochs", "2",
                           "--data", data)
    assert code == 0, err
    code, _, err = run_cli(capsys, "train", "vae", "--resume", ckpt, "--epochs", "3",
                           "--data", other, "--allow-data-change")
    assert code == 0, err


@pytest.mark.parametrize("args, fragment", [
    (("sample", "m", "--n", "100001"), "--n"),
    (("sample", "m", "--scale", "65"), "--scale"),
    (("sample", "m", "--seed", "1.5"), "--seed"),
    (("sample", "m", "--seed", "9" * 5000), "--seed"),
    (("eval", "m", "--k", "10000000"), "--k"),
    (("train", "vae", "--hidden", "400000"), "--hidden"),
    (("train", "vae", "--hidden", ",".join(["8"] * 17)), "--hidden"),
    (("train", "vae", "--latent-dim", "5000"), "--latent-dim"),
    (("train", "vae", "--batch-size", "1000000"), "--batch-size"),
    (("train", "vae", "--epochs", "10000000"), "--epochs"),
    (("train", "vae", "--beta", "1e309"), "--beta"),
    (("train", "vae", "--lr", "nan"), "--lr"),
    (("train", "vae", "--allow-data-change"), "only with --resume"),
])
def test_numbers_out_of_range_get_one_line(capsys, args, fragment):
    code, _, err = run_cli(capsys, *args)
    assert_one_line_error(code, err, fragment)


def test_a_model_too_large_for_the_ceiling_is_refused_before_training(capsys, tmp_path):
    code, _, err = run_cli(capsys, "train", "vae", "--hidden", "65536,65536",
                           "--out", tmp_path / "big.safetensors")
    assert_one_line_error(code, err, "parameters")
    assert _names(tmp_path) == []


def test_a_grid_too_large_to_write_is_refused(capsys, model_file):
    code, _, err = run_cli(capsys, "sample", model_file, "--n", "100000", "--scale", "64",
                           "--out", model_file.with_name("g.png"), "--seed", "1")
    assert_one_line_error(code, err, "pixels wide")


def test_a_gan_batch_of_one_image_is_refused_not_an_internal_error(capsys, tmp_path):
    out = tmp_path / "g.safetensors"
    for extra in (("--limit", "1"), ("--limit", "64", "--batch-size", "1")):
        code, _, err = run_cli(capsys, "train", "gan", "--channels", "4", "--latent-dim", "4",
                               "--epochs", "1", "--out", out, *extra)
        assert_one_line_error(code, err, "at least 2 images per batch")
    assert _names(tmp_path) == []


def test_a_conditional_model_with_no_classes_is_refused(capsys, tmp_path):
    path = rewrite_config(save_tiny_vae(tmp_path / "c.safetensors", conditional=True),
                          num_classes=0)
    code, _, err = run_cli(capsys, "sample", path, "--npy", tmp_path / "o.npy")
    assert_one_line_error(code, err, "num_classes")


def test_a_fifo_in_the_data_cache_is_passed_over(tmp_path, monkeypatch):
    import genai_studio.core.data.mnist as data_module

    data = make_mnist_dir(tmp_path / "data", n=32)
    monkeypatch.setattr("genai_studio.core.store.resources.user_cache_dir",
                        lambda: tmp_path / "cache")
    images = data / "train-images-idx3-ubyte.gz"
    entry = data_module._cache_file(images.read_bytes())
    entry.parent.mkdir(parents=True)
    os.mkfifo(entry)
    assert data_module.read_idx(images).shape == (32, 28, 28)  # decoded afresh, no hang
