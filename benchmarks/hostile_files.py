"""What hostile inputs cost: each case runs ``genai-studio`` in a child process and reports its
exit status, wall time, peak memory (the child's max RSS) and the one line it printed.

    .venv/bin/python benchmarks/hostile_files.py            # a Markdown table on stdout

Issue 13 measured the same classes before the hardening: the 54 KB file asking for
``hidden: [400000]`` drove memory to 2.7 GB before its refusal, a FIFO hung the CLI, NaN
weights and ``--lr 1e308`` gave exit 0. Figures go to benchmarks/RESULTS.md with the load.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.reliability.conftest import (  # noqa: E402
    child_env,
    make_mnist_dir,
    rewrite_config,
    save_tiny_vae,
)


def make_cases(tmp: Path) -> list[tuple[str, list[str]]]:
    import torch

    from genai_studio.core.models.registry import VAE, VAEConfig
    from genai_studio.core.store.checkpoints import model_metadata, save_model

    good = save_tiny_vae(tmp / "good.safetensors", hidden=8)
    bomb = rewrite_config(save_tiny_vae(tmp / "bomb.safetensors", hidden=8), hidden=[400000])
    sparse = tmp / "sparse.safetensors"
    with open(sparse, "wb") as fh:
        fh.write(good.read_bytes()[:64])
        fh.truncate(3 << 30)
    fifo = tmp / "fifo.safetensors"
    os.mkfifo(fifo)
    nan = VAE(VAEConfig(hidden=(8,)))
    with torch.no_grad():
        next(nan.parameters()).fill_(float("nan"))
    nan_file = save_model(tmp / "nan.safetensors", nan, model_metadata(nan))
    data = make_mnist_dir(tmp / "gz", n=64)
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [packer.compress(struct.pack(">BBBBIII", 0, 0, 8, 3, 64, 28, 28))]
    parts += [packer.compress(bytes(1 << 20)) for _ in range(700)]
    (data / "train-images-idx3-ubyte.gz").write_bytes(b"".join(parts) + packer.flush())
    deep = tmp / "deep.safetensors"
    raw = good.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    text = raw[8:8 + n].rstrip()[:-1] + b', "x": ' + b"[" * 500_000 + b"]" * 500_000 + b"}"
    text += b" " * (-len(text) % 8)
    deep.write_bytes(struct.pack("<Q", len(text)) + text + raw[8 + n:])
    small = make_mnist_dir(tmp / "small", n=256)
    return [
        ("good model, info (baseline)", ["info", str(good)]),
        ("good model, sample 64 (baseline)", ["sample", str(good), "--npy", str(tmp / "a.npy")]),
        ("54 KB file asking for hidden [400000]", ["sample", str(bomb), "--npy", str(tmp / "b")]),
        ("3 GB sparse file", ["info", str(sparse)]),
        ("FIFO as the model", ["sample", str(fifo), "--npy", str(tmp / "c.npy")]),
        ("header nested 500,000 deep", ["info", str(deep)]),
        ("NaN weights", ["sample", str(nan_file), "--npy", str(tmp / "d.npy")]),
        ("gzip bomb: 700 MB behind a 50 KB promise",
         ["train", "vae", "--data", str(data), "--out", str(tmp / "e.safetensors")]),
        ("sample onto its own model", ["sample", str(good), "--out", str(good)]),
        ("--lr 1e308", ["train", "vae", "--hidden", "16", "--epochs", "1", "--data", str(small),
                        "--lr", "1e308", "--out", str(tmp / "f.safetensors")]),
    ]


def run_case(home: Path, args: list[str]) -> tuple[int, float, float, str]:
    """Exit status, wall seconds, peak RSS in MB (this child's own, from wait4), last line."""
    with tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "genai_studio", *args],
                                env=child_env(home), stdout=subprocess.DEVNULL, stderr=err,
                                cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        lines = err.read().strip().splitlines()
    return proc.returncode, seconds, usage.ru_maxrss / 1024, (lines[-1] if lines else "")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="genai-hostile-") as name:
        tmp = Path(name)
        cases = make_cases(tmp)
        print(f"load average at start: {os.getloadavg()[0]:.2f}\n")
        print("| case | exit | wall s | peak RSS MB | what it printed |")
        print("| --- | --- | --- | --- | --- |")
        for title, args in cases:
            code, seconds, peak, line = run_case(tmp, args)
            line = line.replace(str(tmp) + "/", "").replace("|", "/")
            print(f"| {title} | {code} | {seconds:.1f} | {peak:.0f} | {line[:110]} |")
        print(f"\nload average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
