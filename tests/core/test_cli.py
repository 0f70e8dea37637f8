import json
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch

from genai_studio.cli import main


def run_cli(capsys, *args):
    try:
        code = main([str(a) for a in args])
    except SystemExit as exc:  # argparse exits for --help and bad options
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code, err, *fragments):
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_help_documents_every_command_and_option(capsys):
    code, out, _ = run_cli(capsys, "--help")
    assert code == 0 and all(c in out for c in ("train", "sample", "info"))
    code, out, _ = run_cli(capsys, "train", "--help")
    for option in ("--conditional", "--arch", "--hidden", "--latent-dim", "--epochs",
                   "--batch-size", "--lr", "--beta", "--binarize", "--limit", "--seed",
                   "--device", "--out", "--resume"):
        assert option in out
    code, out, _ = run_cli(capsys, "sample", "--help")
    for option in ("--n", "--seed", "--label", "--out", "--npy"):
        assert option in out


def test_train_sample_info_end_to_end(capsys, tmp_path):
    out = tmp_path / "vae.safetensors"
    code, _, err = run_cli(capsys, "train", "vae", "--hidden", "64", "--epochs", "1",
                           "--limit", "1024", "--seed", "4", "--out", out)
    assert code == 0, err
    assert "img/s" in err and "ETA" in err and "neg_elbo=" in err
    assert f"model: {out}" in err
    grid, a, b = tmp_path / "grid.png", tmp_path / "a.npy", tmp_path / "b.npy"
    assert run_cli(capsys, "sample", out, "--n", "10", "--seed", "9", "--out", grid,
                   "--npy", a)[0] == 0
    assert run_cli(capsys, "sample", out, "--n", "10", "--seed", "9", "--npy", b)[0] == 0
    assert a.read_bytes() == b.read_bytes(), "same seed, same bytes"
    array = np.load(a)
    assert array.shape == (10, 28, 28) and array.dtype == np.float32
    assert 0.0 <= array.min() and array.max() <= 1.0
    assert grid.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    code, text, _ = run_cli(capsys, "info", out)
    meta = json.loads(text)
    assert meta["kind"] == "vae" and meta["latent_dim"] == 2 and meta["training"]["seed"] == 4


def test_conditional_sampling_by_label(capsys, cvae_file, tmp_path):
    npy = tmp_path / "s.npy"
    code, _, err = run_cli(capsys, "sample", cvae_file, "--n", "4", "--label", "7", "--npy", npy,
                           "--seed", "1")
    assert code == 0, err
    other = tmp_path / "t.npy"
    run_cli(capsys, "sample", cvae_file, "--n", "4", "--label", "1", "--npy", other, "--seed", "1")
    assert not np.array_equal(np.load(npy), np.load(other)), "the label steers the output"
    for label in ("12", "a", "-1"):  # checked against the model's classes once it is read
        code, _, err = run_cli(capsys, "sample", cvae_file, "--label", label, "--npy",
                               tmp_path / "x.npy")
        assert_one_line_error(code, err, "draws classes 0 to 9")
    assert not (tmp_path / "x.npy").exists()


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("train", "vae", "--epochs", "0"), ("--epochs", "must be positive")),
        (("train", "vae", "--batch-size", "-5"), ("--batch-size", "must be positive")),
        (("train", "gan", "--lr", "abc"), ("--lr", "expected a number")),
        (("sample", "x.safetensors", "--n", "0"), ("--n", "must be positive")),
        (("sample", "x.safetensors", "--label", ""), ("--label", "0-9")),
        (("train", "vae", "--binarize", "maybe"), ("--binarize",)),
        (("encode", "x.safetensors", "x.png", "--steps", "1000000000"),
         ("--steps", "at most 10,000")),
        (("repair", "x.safetensors", "x.png", "--steps", "0"), ("--steps", "must be positive")),
    ],
)
def test_bad_options_get_one_line(capsys, args, fragments):
    code, _, err = run_cli(capsys, *args)
    assert_one_line_error(code, err, *fragments)


def test_bad_model_files_get_one_line(capsys, tmp_path, vae_file):
    truncated = tmp_path / "cut.safetensors"
    truncated.write_bytes(vae_file.read_bytes()[:-100])
    noise = tmp_path / "noise.safetensors"
    noise.write_bytes(np.random.default_rng(0).bytes(5000))
    evil = tmp_path / "evil.safetensors"
    evil.write_bytes(pickle.dumps({"a": 1}))
    cases = [
        (tmp_path / "missing.safetensors", "not found"),
        (truncated, "truncated"),
        (noise, "not a model file"),
        (evil, "refused"),
    ]
    for path, fragment in cases:
        for command in (("sample", path, "--npy", tmp_path / "o.npy"), ("info", path)):
            code, _, err = run_cli(capsys, *command)
            assert_one_line_error(code, err, fragment)
    assert not (tmp_path / "o.npy").exists()


def test_user_mistakes_get_one_line(capsys, tmp_path, vae_file):
    code, _, err = run_cli(capsys, "sample", vae_file, "--label", "3", "--npy", tmp_path / "o.npy")
    assert_one_line_error(code, err, "not conditional")
    code, _, err = run_cli(capsys, "train", "gan", "--resume", vae_file)
    assert_one_line_error(code, err, "not a resume checkpoint")
    ckpt = vae_file.with_name("vae.ckpt.safetensors")
    code, _, err = run_cli(capsys, "train", "gan", "--resume", ckpt,
                           "--out", tmp_path / "g.safetensors")
    assert_one_line_error(code, err, "is a VAE checkpoint, not a GAN")
    if not torch.cuda.is_available():
        code, _, err = run_cli(capsys, "train", "vae", "--device", "cuda")
        assert_one_line_error(code, err, "CUDA was requested")
    code, _, err = run_cli(capsys, "sample", vae_file, "--out", tmp_path / "nowhere" / "g.png")
    assert_one_line_error(code, err, "output folder does not exist")
    code, _, err = run_cli(capsys, "train", "vae", "--out", "/proc/genai-test.safetensors")
    assert_one_line_error(code, err, "output folder is not writable")
    code, _, err = run_cli(capsys, "train", "vae", "--out", tmp_path / "m.safetensors",
                           "--data", tmp_path)
    assert_one_line_error(code, err, "missing data file")
    code, _, err = run_cli(capsys, "train", "gan", "--hidden", "64",
                           "--out", tmp_path / "m.safetensors")
    assert_one_line_error(code, err, "VAEs only")
    assert not (tmp_path / "m.safetensors").exists()


def test_a_real_process_prints_one_line_and_exits_2(tmp_path):
    evil = tmp_path / "evil.safetensors"
    evil.write_bytes(pickle.dumps([1, 2, 3]))
    proc = subprocess.run([sys.executable, "-m", "genai_studio", "info", str(evil)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "Traceback" not in proc.stderr
    assert "refused" in proc.stderr and proc.stdout == ""


def test_a_headless_command_exits_fast_with_its_output_flushed_and_its_code(tmp_path):
    from pathlib import Path

    model = Path(__file__).resolve().parents[2] / "models" / "vae-2d.safetensors"
    proc = subprocess.run([sys.executable, "-m", "genai_studio", "info", str(model)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["kind"] == "vae"  # all of it, through a pipe
    proc = subprocess.run([sys.executable, "-m", "genai_studio", "info",
                           str(tmp_path / "missing.safetensors")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
