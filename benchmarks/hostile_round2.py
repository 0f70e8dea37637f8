"""Issue 22's hostile inputs, before and after: each case runs ``genai-studio`` from two source
trees (``--before DIR``: e.g. an export of the commit before issue 22; this tree after), one
after the other per case, in child processes under the same address-space cap, and reports exit
status, wall time, peak memory (the child's max RSS) and the last line it printed. Then what
the guarded opener's container walk costs on ordinary images: open_image with and without it,
interleaved, as a ratio.

    git archive feb70f3 | tar -x -C /tmp/before
    .venv/bin/python benchmarks/hostile_round2.py --before /tmp/before   # Markdown on stdout

Figures go to benchmarks/RESULTS.md (issue 22) with the date, the machine and the load.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._common import load, machine  # noqa: E402
from tests.reliability.conftest import child_env, save_tiny_vae  # noqa: E402

CAP = 3 << 30  # address space per child: a "before" that runs away stops here
TIMEOUT_S = 60


def _gif_comment(path: Path, megabytes: int) -> Path:
    with open(path, "wb") as fh:
        fh.write(b"GIF89a" + struct.pack("<HHBBB", 8, 8, 0, 0, 0) + b"\x21\xfe")
        block = b"\xff" + b"c" * 255
        for _ in range(megabytes * 4096):
            fh.write(block)
        fh.write(b"\x00\x2c" + struct.pack("<HHHHB", 0, 0, 8, 8, 0) + b"\x02\x02\x4c\x01\x00;")
    return path


def make_cases(tmp: Path) -> list[tuple[str, list[str], dict[str, str]]]:
    import numpy as np
    from PIL import Image

    from genai_studio.core.data.datasets import save_dataset

    model = save_tiny_vae(tmp / "m.safetensors", hidden=16)
    bomb = tmp / "bomb.gif"
    bomb.write_bytes(b"GIF89a" + struct.pack("<HHBBB", 65535, 65535, 0, 0, 0) + b"\x2c"
                     + struct.pack("<HHHHB", 0, 0, 65535, 65535, 0) + b"\x02\x02\x44\x01\x00;")
    comment = _gif_comment(tmp / "comment.gif", 200)
    data = save_dataset(tmp / "d.safetensors", np.zeros((64, 28, 28), np.uint8), {"name": "d"})
    image = tmp / "digit.png"
    Image.new("L", (28, 28), 0).save(image)
    mask = tmp / "mask.png"
    hole = np.zeros((28, 28), np.uint8)
    hole[8:20, 8:20] = 255
    Image.fromarray(hole).save(mask)
    ddp = {"WORLD_SIZE": "2", "RANK": "0", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": "29877",
           "GENAI_STUDIO_RENDEZVOUS_TIMEOUT": "5"}
    return [
        ("info: a 36-byte GIF declaring 65535x65535", ["info", str(bomb)], {}),
        ("info: a GIF with a 200 MB comment", ["info", str(comment)], {}),
        ("encode: the same GIF", ["encode", str(model), str(comment)], {}),
        ("dataset preview --scale 1400", ["dataset", "preview", str(data), "--out",
                                          str(tmp / "p.png"), "--scale", "1400"], {}),
        ("animate --size 8192 --frames 4 --out x.webp",
         ["animate", str(model), "--size", "8192", "--frames", "4", "--seed", "1", "--out",
          str(tmp / "x.webp")], {}),
        ("repair --alternatives 100000",
         ["repair", str(model), str(image), "--mask", str(mask), "--out", str(tmp / "r.png"),
          "--alternatives", "100000", "--steps", "2"], {}),
        ("repair --seed 2**70", ["repair", str(model), str(image), "--mask", str(mask), "--out",
                                 str(tmp / "r.png"), "--seed", str(2**70), "--steps", "2"], {}),
        ("train with WORLD_SIZE=2 and no second process",
         ["train", "vae", "--hidden", "8", "--epochs", "1", "--limit", "64", "--out",
          str(tmp / "t.safetensors")], ddp),
    ]


def run_case(tree: Path, home: Path, args: list[str], extra: dict[str, str]
             ) -> tuple[str, float, float, str]:
    env = dict(child_env(home), PYTHONPATH=str(tree), **extra)

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (CAP, CAP))

    with tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "genai_studio", *args], env=env,
                                stdout=subprocess.DEVNULL, stderr=err, cwd=tree,
                                preexec_fn=cap)
        deadline = started + TIMEOUT_S
        status = usage = None
        while time.perf_counter() < deadline:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(0.05)
        else:
            proc.kill()
            _, status, usage = os.wait4(proc.pid, 0)
            status = None
        seconds = time.perf_counter() - started
        err.seek(0)
        lines = [line for line in err.read().strip().splitlines() if line.strip()]
    code = f"hung, killed at {TIMEOUT_S} s" if status is None else str(
        os.waitstatus_to_exitcode(status))
    return code, seconds, usage.ru_maxrss / 1024, (lines[-1] if lines else "")


def opener_overhead(rounds: int = 7, calls: int = 300) -> dict[str, float]:
    """Seconds per open_image of ordinary files with the container walk and without it,
    interleaved round by round; the ratio of the medians."""
    import statistics

    import numpy as np
    from PIL import Image

    import genai_studio.core.data.image_input as image_input

    rng = np.random.default_rng(0)
    files = {}
    for name, fmt, extra in (("tile.png", "PNG", {}), ("photo.jpg", "JPEG", {}),
                             ("morph.gif", "GIF", {"save_all": True})):
        frames = [Image.fromarray(rng.integers(0, 256, (256, 256), dtype=np.uint8))
                  for _ in range(24 if fmt == "GIF" else 1)]
        buffer = io.BytesIO()
        frames[0].save(buffer, format=fmt, append_images=frames[1:], **extra)
        files[name] = buffer.getvalue()
    real = image_input.check_declared
    out = {}
    for name, data in files.items():
        times = {"with": [], "without": []}
        for _ in range(rounds):
            for variant in ("with", "without"):
                image_input.check_declared = real if variant == "with" else (
                    lambda *_a, **_k: None)
                started = time.perf_counter()
                for _ in range(calls):
                    image_input.open_image(data, name=name)
                times[variant].append((time.perf_counter() - started) / calls)
        image_input.check_declared = real
        with_, without = statistics.median(times["with"]), statistics.median(times["without"])
        out[name] = {"with_ms": 1000 * with_, "without_ms": 1000 * without,
                     "ratio": with_ / without}
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", type=Path, required=True, help="the tree before issue 22")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    print(f"{time.strftime('%Y-%m-%d %H:%M')}, {machine()['cpu']}, "
          f"{machine()['cores']} cores; load at start {load()}\n")
    print("| case | before: exit / s / peak MB | after: exit / s / peak MB | after says |")
    print("| --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory(prefix="genai-hostile2-") as name:
        tmp = Path(name)
        for title, argv, extra in make_cases(tmp):
            cells = []
            for tree in (args.before, ROOT):
                code, seconds, peak, line = run_case(tree, tmp, argv, extra)
                cells.append((f"{code} / {seconds:.1f} / {peak:.0f}", line))
            said = cells[1][1].replace(str(tmp) + "/", "").replace("|", "/")[:120]
            print(f"| {title} | {cells[0][0]} | {cells[1][0]} | {said} |")
    print(f"\nload at end {load()}\n")
    print("| file | open_image with the walk, ms | without, ms | ratio |")
    print("| --- | --- | --- | --- |")
    for name, row in opener_overhead().items():
        print(f"| {name} | {row['with_ms']:.3f} | {row['without_ms']:.3f} | "
              f"{row['ratio']:.3f} |")
    print(f"\nload at end {load()}")


if __name__ == "__main__":
    main()
