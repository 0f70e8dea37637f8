"""Issue 22, "lose nothing, round 2", as classes: each property holds for every command, every
writer or every surface, not for one example (the fault matrix, ``test_faults.py``, repeats
the process-level classes under real processes, memory limits and signals).

* the one rule for every writer: an output is never an input (by file identity, however the
  path is spelled), never another output of the same command, never a file a live run
  holds, and --force replaces only a file of its kind;
* every file a writer makes, its own reader accepts (or the writer refuses before writing);
* every image goes through the guarded opener: declared size, frames and metadata refused in
  one line, one bad file costing only itself;
* seeds: any whole number draws, the same as its value modulo 2**63;
* bounds before work; caches validated; dataset options checked against their images;
  text from files escaped in terminal output.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import struct
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from genai_studio.core.store.output_lock import OutputLock
from tests.reliability.conftest import save_tiny_vae

pytestmark = pytest.mark.skipif(os.name != "posix", reason="links and FIFOs")


def cli(*args) -> tuple[int, str, str]:
    """``genai-studio ARGS`` in this process, its own stdout and stderr captured."""
    from genai_studio.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:
            code = exc.code
    return code, out.getvalue(), err.getvalue()


def one_line(code, err, *fragments) -> str:
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, (code, err)
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


# ----------------------------------------------------------------------------- the inputs


def _png(path: Path, size: int = 28, seed: int = 0) -> Path:
    from PIL import Image

    rng = np.random.default_rng(seed)
    pixels = np.zeros((size, size), np.uint8)
    pixels[6:22, 10:18] = rng.integers(128, 256, (16, 8))
    Image.fromarray(pixels).save(path)
    return path


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """One of every kind of input a command reads, made once."""
    from genai_studio.core.data.datasets import save_dataset

    root = tmp_path_factory.mktemp("inputs")
    model = save_tiny_vae(root / "model.safetensors")
    image = _png(root / "image.png")
    mask = root / "mask.png"
    from PIL import Image

    hole = np.zeros((28, 28), np.uint8)
    hole[10:18, 10:18] = 255
    Image.fromarray(hole).save(mask)
    rng = np.random.default_rng(1)
    dataset = save_dataset(root / "set.safetensors", rng.integers(0, 256, (16, 28, 28),
                                                                  dtype=np.uint8),
                           {"name": "set", "options": {"size": 28, "colour": "grey",
                                                       "fit": "digit"}})
    folder = root / "folder"
    folder.mkdir()
    for k in range(3):
        _png(folder / f"digit{k}.png", seed=k)
    tiles = []
    for k in range(2):
        tile = root / f"tile{k}.png"
        code, _, err = cli("sample", model, "--n", "1", "--seed", k, "--out", tile)
        assert code == 0, err
        tiles.append(tile)
    return {"model": model, "image": image, "mask": mask, "dataset": dataset,
            "folder": folder, "scanned": folder / "digit1.png", "tile": tiles[0],
            "tile2": tiles[1], "root": root}


def commands(w: dict, outputs: dict[str, Path]) -> dict[str, list]:
    """Every command that writes, with ``outputs`` where it writes and ``w``'s inputs."""
    o = outputs
    return {
        "sample": ["sample", w["model"], "--n", "4", "--seed", "1", "--out", o["--out"],
                   "--npy", o["--npy"]],
        "repair": ["repair", w["model"], w["image"], "--mask", w["mask"], "--out", o["--out"],
                   "--strip", o["--strip"], "--steps", "2", "--alternatives", "1"],
        "dataset create": ["dataset", "create", w["folder"], "--out", o["--out"], "--force"],
        "dataset preview": ["dataset", "preview", w["dataset"], "--out", o["--out"]],
        "animate": ["animate", w["model"], "--anchors", w["tile"], w["tile2"], "--frames", "4",
                    "--size", "28", "--out", o["--out"]],
        "train": ["train", "vae", "--hidden", "8", "--epochs", "1", "--data", w["dataset"],
                  "--out", o["--out"]],
        "fit-prior": ["fit-prior", w["model"], "--data", w["dataset"], "--components", "1",
                      "--out", o["--out"]],
    }


# What each command reads, and which outputs it has.
INPUTS = {"sample": ["model"], "repair": ["model", "image", "mask"],
          "dataset create": ["scanned"], "dataset preview": ["dataset"],
          "animate": ["model", "tile", "tile2"], "train": ["dataset"],
          "fit-prior": ["model", "dataset"]}
OUTPUTS = {"sample": ["--out", "--npy"], "repair": ["--out", "--strip"],
           "dataset create": ["--out"], "dataset preview": ["--out"], "animate": ["--out"],
           "train": ["--out"], "fit-prior": ["--out"]}
SUFFIX = {"sample": ".png", "repair": ".png", "dataset create": ".safetensors",
          "dataset preview": ".png", "animate": ".gif", "train": ".safetensors",
          "fit-prior": ".safetensors"}
CASES = [(c, out, src) for c in INPUTS for out in OUTPUTS[c] for src in INPUTS[c]]


def _spelling(path: Path, how: str, scratch: Path, suffix: str) -> Path:
    """Another way to name the same file: itself, a symlink, a hard link, a detour. Links are
    named with the output's ``suffix``, so the file's identity, not its name, must refuse
    them."""
    if how == "same":
        return path
    if how in ("symlink", "hardlink"):
        link = scratch / f"{'link' if how == 'symlink' else 'hard'}-{path.stem}{suffix}"
        if how == "symlink":
            link.symlink_to(path)
        else:
            os.link(path, link)
        return link
    return path.parent / ".." / path.parent.name / path.name  # a detour through the parent


def _fresh_outputs(command: str, scratch: Path) -> dict[str, Path]:
    suffix = SUFFIX[command]
    return {"--out": scratch / f"out{suffix}", "--npy": scratch / "out.npy",
            "--strip": scratch / "strip.png"}


@pytest.mark.parametrize("how", ["same", "symlink", "hardlink", "detour"])
@pytest.mark.parametrize("case", CASES, ids="-".join)
def test_no_command_ever_writes_over_one_of_its_own_inputs(world, tmp_path, case, how):
    command, option, source = case
    scratch = tmp_path
    before = {name: Path(p).read_bytes() for name, p in world.items() if Path(p).is_file()}
    outputs = _fresh_outputs(command, scratch)
    suffix = outputs[option].suffix
    outputs[option] = _spelling(world[source], how, scratch, suffix)
    code, _, err = cli(*commands(world, outputs)[command])
    # An input of a format the option does not write, named as itself, is refused first by
    # its suffix (cli/outputs.py); a link named like the output only by its identity.
    line = one_line(code, err)
    assert "also an input" in line or ("this writes" in line and how in ("same", "detour")), line
    after = {name: Path(p).read_bytes() for name, p in world.items() if Path(p).is_file()}
    assert after == before
    assert [p.name for p in scratch.iterdir() if not p.name.startswith(("link-", "hard-"))] == []


@pytest.mark.parametrize("command", [c for c in OUTPUTS if len(OUTPUTS[c]) == 2])
@pytest.mark.parametrize("how", ["same", "symlink", "hardlink"])
def test_two_outputs_of_one_command_are_never_one_file(world, tmp_path, command, how):
    outputs = _fresh_outputs(command, tmp_path)
    first, second = OUTPUTS[command]
    outputs[first].write_bytes(b"keep me")
    outputs[second] = _spelling(outputs[first], how, tmp_path, outputs[second].suffix)
    code, _, err = cli(*commands(world, outputs)[command])
    line = one_line(code, err)  # or first refused by its suffix (cli/outputs.py)
    assert "same file" in line or "this writes" in line, line
    assert outputs[first].read_bytes() == b"keep me"


@contextlib.contextmanager
def held_elsewhere(path: Path):
    """``path`` held by another thread, as a live training run in the window holds it."""
    ready, done = threading.Event(), threading.Event()

    def hold():
        with OutputLock(path):
            ready.set()
            done.wait(60)

    thread = threading.Thread(target=hold)
    thread.start()
    assert ready.wait(10)
    try:
        yield
    finally:
        done.set()
        thread.join()


@pytest.mark.parametrize("command, option",
                         [(c, out) for c in OUTPUTS for out in OUTPUTS[c]])
def test_no_command_writes_a_file_a_live_run_holds(world, tmp_path, command, option):
    outputs = _fresh_outputs(command, tmp_path)
    held = outputs[option]
    held.write_bytes(b"the run's")
    with held_elsewhere(held):
        code, _, err = cli(*commands(world, outputs)[command])
    one_line(code, err, "another run")
    assert held.read_bytes() == b"the run's"


def test_eval_write_refuses_a_model_a_live_run_holds_before_any_work(world, tmp_path,
                                                                    monkeypatch):
    """eval --write rewrites its model in place: a model a live run holds is refused at once,
    not after minutes of scoring."""
    def no_work(*_args, **_kwargs):
        raise AssertionError("the evaluation began")

    for target in ("genai_studio.core.data.mnist.load_mnist",
                   "genai_studio.core.scoring.metrics.draw_samples",
                   "genai_studio.core.scoring.label_free.label_free_scores"):
        monkeypatch.setattr(target, no_work)
    model = tmp_path / "held.safetensors"
    model.write_bytes(world["model"].read_bytes())
    with held_elsewhere(model):
        code, _, err = cli("eval", model, "--write", "--n", "10", "--device", "cpu")
    one_line(code, err, "another run")
    assert model.read_bytes() == world["model"].read_bytes()


def test_a_checkpoint_is_held_with_its_model(world, tmp_path):
    model = tmp_path / "run.safetensors"
    ckpt = tmp_path / "run.ckpt.safetensors"
    ckpt.write_bytes(b"the run's checkpoint")
    with held_elsewhere(model):  # a writer of .safetensors files: past the suffix check
        code, _, err = cli("dataset", "create", world["folder"], "--out", ckpt, "--force")
    one_line(code, err, "another run")
    assert ckpt.read_bytes() == b"the run's checkpoint"


@pytest.mark.parametrize("plant", ["symlink", "hardlink", "fifo"])
def test_a_lock_file_planted_beside_an_output_is_never_written_through(world, tmp_path, plant):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    lock = tmp_path / ".grid.png.lock"
    if plant == "symlink":
        lock.symlink_to(victim)
    elif plant == "hardlink":
        os.link(victim, lock)
    else:
        os.mkfifo(lock)
    code, _, err = cli("sample", world["model"], "--n", "1", "--seed", "1", "--out",
                       tmp_path / "grid.png")
    one_line(code, err, "lock file")
    assert victim.read_text() == "precious" and not (tmp_path / "grid.png").exists()


def test_force_replaces_only_a_file_of_its_kind(world, tmp_path):
    from genai_studio.core.data.datasets import read_dataset_info

    victims = {"model.safetensors": world["model"].read_bytes(),
               "notes.safetensors": b"my notes"}
    grid = tmp_path / "grid.png"  # not a dataset's suffix: refused before --force is weighed
    grid.write_bytes(world["image"].read_bytes())
    code, _, err = cli("dataset", "create", world["folder"], "--out", grid, "--force")
    one_line(code, err, "this writes")
    assert grid.read_bytes() == world["image"].read_bytes()
    for name, data in victims.items():
        (tmp_path / name).write_bytes(data)
        code, _, err = cli("dataset", "create", world["folder"], "--out", tmp_path / name,
                           "--force")
        one_line(code, err, "not a dataset", "--force")
        assert (tmp_path / name).read_bytes() == data
    old = tmp_path / "old.safetensors"
    old.write_bytes(world["dataset"].read_bytes())
    code, _, err = cli("dataset", "create", world["folder"], "--out", old, "--force")
    assert code == 0, err
    assert read_dataset_info(old)[0].num_images == 3  # a dataset replaced by a dataset


def _fonts_folder(root: Path) -> Path:
    from tests.core.font_files import write_font

    folder = root / "fonts"
    if not folder.exists():
        write_font(folder / "a.ttf", "abc")
    return folder


FORCE = {  # every command with --force: what it scans, and its arguments
    "dataset create": lambda w, out: ["dataset", "create", w["folder"], "--out", out],
    "dataset fonts": lambda w, out: ["dataset", "fonts", _fonts_folder(w["root"]), "--chars",
                                     "abc", "--out", out],
}


@pytest.mark.parametrize("command", sorted(FORCE))
def test_every_force_replaces_only_a_dataset(world, tmp_path, command):
    victims = {"model.safetensors": world["model"].read_bytes(),
               "notes.safetensors": b"my notes"}
    for name, data in victims.items():
        (tmp_path / name).write_bytes(data)
        code, _, err = cli(*FORCE[command](world, tmp_path / name), "--force")
        one_line(code, err, "not a dataset", "--force")
        assert (tmp_path / name).read_bytes() == data
    old = tmp_path / "old.safetensors"
    old.write_bytes(world["dataset"].read_bytes())
    code, _, err = cli(*FORCE[command](world, old), "--force")
    assert code == 0, err  # a dataset replaced by a dataset


@pytest.mark.parametrize("fmt, suffix", [("sprite", ".png"), ("svg-sprite", ".svg")])
def test_a_sprite_sheet_replaces_only_a_map_the_studio_wrote(tmp_path, fmt, suffix):
    """A sheet's JSON map is an output the artist never names: a .json of theirs sharing the
    sheet's name is never replaced; a map of an earlier export of that sheet is."""
    from genai_studio.core.errors import OutputError
    from genai_studio.core.export import writers
    from genai_studio.core.export.options import ExportStyle, Timing
    from genai_studio.core.export.provenance import Provenance

    images = np.zeros((4, 28, 28), np.float32)
    images[:, 8:20, 10:18] = 1.0
    prov = Provenance("m", "ab" * 32, np.zeros((4, 2), np.float32), kind="morph",
                      anchors=np.zeros((2, 2), np.float32))

    def export(target: Path, latent: float = 0.0):
        record = dataclasses.replace(prov, latent=np.full((4, 2), latent, np.float32))
        return writers.run(writers.export_animation(target, images, record, ExportStyle(),
                                                    Timing(), fmt))

    sheet = tmp_path / f"sheet{suffix}"
    notes = sheet.with_suffix(".json")
    for theirs in (b'{"my": "notes"}', b"not json at all", b"[" * 100_000):
        notes.write_bytes(theirs)
        with pytest.raises(OutputError, match="sheet.json"):
            export(sheet)
        assert notes.read_bytes() == theirs and not sheet.exists()
    notes.unlink()
    export(sheet)
    first = notes.read_bytes()
    export(sheet, latent=1.0)  # exported again: its own map is replaced
    assert notes.read_bytes() != first


# ----------------------------------------------------------------------------- round trips


@settings(max_examples=12, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(n=st.sampled_from([1, 9, 100, 9999, 10_000, 10_001, 20_000]),
       dim=st.sampled_from([2, 16, 64, 256]))
def test_a_grid_the_cli_writes_is_one_its_info_reads(tmp_path_factory, n, dim):
    folder = tmp_path_factory.mktemp("grid")
    model = save_tiny_vae(folder / "m.safetensors", hidden=4, latent_dim=dim)
    out = folder / "g.png"
    code, _, err = cli("sample", model, "--n", n, "--seed", "3", "--scale", "1", "--out", out)
    if code == 0:
        code, text, err = cli("info", out)
        assert code == 0, err
    else:
        one_line(code, err)
        assert not out.exists()


def _tile_with_latent(path: Path, model: Path, latent: np.ndarray) -> Path:
    from PIL import Image

    from genai_studio.core.export.imagemeta import png_info
    from genai_studio.core.export.provenance import Provenance, model_identity

    name, sha = model_identity(model)
    prov = Provenance(model_name=name, model_sha256=sha, latent=latent[None].astype(np.float32))
    Image.new("L", (28, 28)).save(path, pnginfo=png_info(prov))
    return path


@settings(max_examples=16, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(scale=st.sampled_from([1.0, 1e6, 1e18, 1e29, 9.9e29]),
       fmt=st.sampled_from([".gif", ".png", ".webp", "/"]),
       playback=st.sampled_from(["--loop", "--ping-pong", None]))
def test_an_animation_the_cli_writes_is_one_its_info_reads(world, tmp_path_factory, scale,
                                                           fmt, playback):
    folder = tmp_path_factory.mktemp("anim")
    a = _tile_with_latent(folder / "a.png", world["model"], np.array([scale, -scale]))
    b = _tile_with_latent(folder / "b.png", world["model"], np.array([-scale, scale * 0.5]))
    out = str(folder / "anim") + fmt
    extra = [playback] if playback else []
    code, _, err = cli("animate", world["model"], "--anchors", a, b, "--frames", "5",
                       "--size", "28", "--out", out, *extra)
    if code != 0:
        one_line(code, err)
        return
    written = sorted(Path(out).glob("*.png")) if fmt == "/" else [Path(out)]
    for path in written:
        code, _, err = cli("info", path)
        assert code == 0, err


# ----------------------------------------------------------------------------- images


def _gif(width: int, height: int, comment: bytes = b"", frames: int = 1,
         frame_size: tuple[int, int] | None = None) -> bytes:
    def blocks(data: bytes) -> bytes:
        return b"".join(bytes([len(data[i:i + 255])]) + data[i:i + 255]
                        for i in range(0, len(data), 255)) + b"\x00"

    fw, fh = frame_size or (min(width, 8), min(height, 8))
    out = b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0) + bytes(6)
    if comment:
        out += b"\x21\xfe" + blocks(comment)
    frame = b"\x2c" + struct.pack("<HHHHB", 0, 0, fw, fh, 0) + b"\x02" + blocks(b"\x4c\x01")
    return out + frame * frames + b"\x3b"


def _png_declaring(width: int, height: int) -> bytes:
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(
            ">I", zlib.crc32(kind + body))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0,
                                                              0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 9)) + chunk(b"IEND", b""))


def _webp_declaring(width: int, height: int) -> bytes:
    body = b"\x00\x00\x00\x00" + (width - 1).to_bytes(3, "little") + (
        height - 1).to_bytes(3, "little")
    chunks = b"VP8X" + struct.pack("<I", len(body)) + body
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WEBP" + chunks


def _jpeg_with_broken_exif() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (32, 32), 200).save(buffer, format="JPEG")
    data = buffer.getvalue()
    exif = b"Exif\x00\x00II*\x00\x08\x00\x00\x00\xff\xff" + b"\x01" * 40  # 65535 entries
    return data[:2] + b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif + data[2:]


HOSTILE = {
    "gif-screen": _gif(65535, 65535),
    "gif-frame-extent": _gif(8, 8, frame_size=(65535, 65535)),
    "gif-comment": _gif(8, 8, comment=b"c" * (9 << 20)),
    "gif-frames": _gif(8, 8, frames=10_001),
    "png-size": _png_declaring(60_000, 60_000),
    "webp-canvas": _webp_declaring(16_000, 16_000),
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    paths = {}
    for name, data in HOSTILE.items():
        suffix = "." + name.split("-")[0]
        paths[name] = folder / f"{name}{suffix}"
        paths[name].write_bytes(data)
    return paths


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_image_is_one_line_on_every_surface(world, hostile, tmp_path, name):
    from genai_studio.core.data.image_input import ImageRefused, open_image
    from genai_studio.core.errors import GenAIError
    from genai_studio.core.export.restore import plan_restore

    path = hostile[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a raw warning is a failure too
        with pytest.raises(ImageRefused, match=path.name):
            open_image(path)
        for args in (("info", path), ("encode", world["model"], path),
                     ("animate", world["model"], "--anchors", path, world["tile"], "--out",
                      tmp_path / "x.gif"),
                     ("repair", world["model"], path, "--mask", world["mask"], "--out",
                      tmp_path / "r.png")):
            code, _, err = cli(*args)
            one_line(code, err)
        with pytest.raises(GenAIError):
            plan_restore(path, [world["model"]])
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_one_bad_file_costs_the_gallery_only_itself(world, hostile, tmp_path):
    from genai_studio.core.export import gallery

    folder = tmp_path / "favourites"
    folder.mkdir()
    good = [world["tile"], world["tile2"]]
    for path in [*good, *hostile.values()]:
        (folder / path.name).write_bytes(path.read_bytes())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        items = gallery.scan([folder])
    by_name = {item.path.name: item for item in items}
    assert set(by_name) == {p.name for p in folder.iterdir() if p.suffix in (".png", ".gif",
                                                                             ".webp")}
    for path in good:
        assert by_name[path.name].prov is not None and by_name[path.name].thumbnail is not None
    for name in ("gif-screen.gif", "gif-comment.gif", "webp-canvas.webp", "png-size.png"):
        assert by_name[name].thumbnail is None and by_name[name].problem


def test_broken_exif_is_no_warning_and_no_refusal(tmp_path):
    from genai_studio.core.data.image_input import open_image

    path = tmp_path / "photo.jpg"
    path.write_bytes(_jpeg_with_broken_exif())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert open_image(path).image.size == (32, 32)


# ----------------------------------------------------------------------------- seeds


@settings(max_examples=20, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(seed=st.integers(-(2**80), 2**80))
def test_any_whole_number_is_a_seed_and_draws_as_its_value_modulo_2_63(world, seed):
    from genai_studio.cli import seed_int
    from genai_studio.core.latent.sampling import sample
    from genai_studio.core.store.checkpoints import load_model

    assert seed_int(str(seed)) == seed % 2**63
    model = load_model(world["model"]).model
    a, b = sample(model, 2, seed), sample(model, 2, seed % 2**63)
    assert np.array_equal(a.images, b.images) and a.seed == b.seed == seed % 2**63


def test_encode_and_repair_take_any_seed(world, tmp_path):
    for seed in (2**70, -1):
        code, _, err = cli("repair", world["model"], world["image"], "--mask", world["mask"],
                           "--out", tmp_path / "r.png", "--steps", "2", "--seed", seed)
        assert code == 0, err
        code, _, err = cli("encode", world["model"], world["image"], "--seed", seed)
        assert code == 0, err


# ----------------------------------------------------------------------------- bounds


@pytest.mark.parametrize("args, fragment", [
    (("repair", "M", "I", "--mask", "K", "--out", "o.png", "--alternatives", "100000"),
     "--alternatives"),
    (("dataset", "preview", "D", "--out", "o.png", "--scale", "1400"), "--scale"),
    (("animate", "M", "--out", "x.webp", "--size", "8192", "--frames", "4"), "too much"),
    (("animate", "M", "--out", "x.png", "--size", "4096"), "too much"),
])
def test_sizes_are_checked_against_memory_before_any_work(world, tmp_path, args, fragment):
    names = {"M": world["model"], "I": world["image"], "K": world["mask"],
             "D": world["dataset"]}
    args = [names.get(a, tmp_path / a if a.endswith((".png", ".webp")) else a) for a in args]
    code, _, err = cli(*args)
    one_line(code, err, fragment)
    assert list(tmp_path.iterdir()) == []


def test_a_grid_over_the_memory_budget_is_refused_before_it_is_allocated():
    from genai_studio.core.errors import UsageError
    from genai_studio.core.export.render import tile_grid

    with pytest.raises(UsageError, match="MB"):
        tile_grid(np.zeros((64, 28, 28), np.float32), scale=1400)


# ----------------------------------------------------------------------------- caches


@pytest.mark.parametrize("entry", ["fifo", "dev-zero", "damaged", "wrong-shape"])
def test_a_bad_judge_cache_entry_is_rebuilt_never_read(tmp_path, monkeypatch, entry):
    import torch

    from genai_studio.core.scoring import judge_cache

    monkeypatch.setattr("genai_studio.core.store.resources.user_cache_dir",
                        lambda: tmp_path / "cache")
    judge = torch.nn.Linear(2, 2)
    images = torch.zeros((4, 28, 28), dtype=torch.uint8)
    path = judge_cache.cache_path(judge_cache.stats_key(judge, images))
    path.parent.mkdir(parents=True)
    if entry == "fifo":
        os.mkfifo(path)
    elif entry == "dev-zero":
        path.symlink_to("/dev/zero")
    elif entry == "damaged":
        path.write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}")
    else:
        from safetensors.torch import save

        path.write_bytes(save({"mu": torch.zeros(3, dtype=torch.float64),
                               "cov": torch.zeros((2, 2), dtype=torch.float64)}))
    want = (torch.ones(2, dtype=torch.float64), torch.eye(2, dtype=torch.float64))
    set_ = type("Set", (), {"images": images})()
    mu, cov = judge_cache.cached_stats(judge, set_, lambda: want)
    assert torch.equal(mu, want[0]) and torch.equal(cov, want[1])
    assert path.is_file() and not path.is_symlink()  # replaced by a good entry
    mu, cov = judge_cache.cached_stats(judge, set_, lambda: pytest.fail("not cached"))
    assert torch.equal(cov, want[1])


@pytest.mark.parametrize("damage", ["shape", "content", "truncated", "fifo"])
def test_a_damaged_mnist_cache_is_decoded_afresh_never_blamed_on_mnist(tmp_path, monkeypatch,
                                                                       damage):
    import genai_studio.core.data.mnist as mnist
    from tests.reliability.conftest import make_mnist_dir

    monkeypatch.setattr("genai_studio.core.store.resources.user_cache_dir",
                        lambda: tmp_path / "cache")
    data = make_mnist_dir(tmp_path / "data", n=32)
    images = data / "train-images-idx3-ubyte.gz"
    truth = mnist.read_idx(images, cache=False)
    entry = mnist._cache_file(images.read_bytes())
    assert np.array_equal(mnist.read_idx(images), truth) and entry.is_file()
    raw = entry.read_bytes()
    if damage == "shape":
        buffer = io.BytesIO()
        np.save(buffer, truth[:16])
        entry.write_bytes(buffer.getvalue())
    elif damage == "content":
        entry.write_bytes(raw[:200] + bytes([raw[200] ^ 0xFF]) + raw[201:])
    elif damage == "truncated":
        entry.write_bytes(raw[:len(raw) // 2])
    else:
        entry.unlink()
        os.mkfifo(entry)
    assert np.array_equal(mnist.read_idx(images), truth)
    assert entry.is_file() and entry.read_bytes() == raw  # rewritten good


# ----------------------------------------------------------------------------- datasets


@pytest.mark.parametrize("options", [{"size": 32, "colour": "grey", "fit": "crop"},
                                     {"size": 28, "colour": "rgb", "fit": "crop"},
                                     {"size": "x"}, {"fit": "digit", "colour": "rgb"}])
def test_a_dataset_whose_options_contradict_its_images_is_refused(tmp_path, options):
    from genai_studio.core.data.datasets import save_dataset

    path = save_dataset(tmp_path / "odd.safetensors", np.zeros((8, 28, 28), np.uint8),
                        {"name": "odd", "options": options})
    code, _, err = cli("train", "vae", "--hidden", "8", "--epochs", "1", "--data", path,
                       "--out", tmp_path / "m.safetensors")
    one_line(code, err, "odd.safetensors")
    assert not (tmp_path / "m.safetensors").exists()


def test_a_model_whose_dataset_options_contradict_it_still_encodes(world, tmp_path):
    from genai_studio.core.data.prepare import spec_for_model

    spec = spec_for_model((1, 28, 28), {"options": {"size": 64, "colour": "rgb",
                                                    "fit": "crop"}})
    assert spec.image_shape == (1, 28, 28)


# ----------------------------------------------------------------------------- text


@settings(max_examples=30, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(name=st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1,
                    max_size=30))
def test_terminal_output_never_carries_a_control_character(tmp_path_factory, monkeypatch,
                                                           name):
    import unicodedata

    from genai_studio.core.data.datasets import save_dataset

    folder = tmp_path_factory.mktemp("datasets")
    monkeypatch.setattr("genai_studio.core.data.datasets.user_datasets_dir", lambda: folder)
    save_dataset(folder / "x.safetensors", np.zeros((2, 28, 28), np.uint8),
                 {"name": name + "\x1b]0;owned\x07\x1b[2J"})
    (folder / "bad.safetensors").write_bytes(b"\x1b[31m" + name.encode())
    code, out, err = cli("dataset", "list")
    assert code == 0
    for line in (out + err).splitlines():
        assert not any(unicodedata.category(c) == "Cc" and c != "\t" for c in line), line
        assert "\u202e" not in line


def _checkpoint(path: Path, step: int) -> Path:
    """A resume checkpoint of a 20-step run, stopped at ``step``."""
    import torch

    from genai_studio.core.models.registry import VAE, VAEConfig
    from genai_studio.core.store.checkpoints import model_metadata, save_model

    torch.manual_seed(1)
    model = VAE(VAEConfig(hidden=(16,)))
    state = {"train_config": {"epochs": 2}, "num_images": 100, "batch_size": 10, "step": step}
    return save_model(path, model, {**model_metadata(model), "training_state": state})


@pytest.mark.parametrize("delete", ["the unfinished run", "the model"])
def test_deleting_a_model_or_an_unfinished_run_of_its_name_deletes_only_that(tmp_path, delete):
    """A run continued over a finished model of the same name and stopped (``train --out
    X.safetensors`` and Ctrl-C) leaves both, listed apart in the library: deleting the
    unfinished run deleted the finished model (and its genes) with it."""
    from genai_studio.core.store import library, sidecar

    model = save_tiny_vae(tmp_path / "X.safetensors")
    genes = sidecar.beside(model)
    genes.write_text("{}")
    checkpoint = _checkpoint(tmp_path / "X.ckpt.safetensors", step=5)
    (run,) = library.scan_unfinished(tmp_path)
    assert [e.name for e in library.scan(tmp_path, False)] == ["X"]
    if delete == "the unfinished run":
        library.delete_model(run.checkpoint)
        assert model.exists() and genes.exists() and not checkpoint.exists()
    else:
        library.delete_model(model)
        assert not model.exists() and not genes.exists() and checkpoint.exists()
        assert library.scan_unfinished(tmp_path) == [run]


def test_deleting_a_model_still_deletes_its_finished_runs_checkpoint(tmp_path):
    from genai_studio.core.store import library

    model = save_tiny_vae(tmp_path / "X.safetensors")
    checkpoint = _checkpoint(tmp_path / "X.ckpt.safetensors", step=20)
    assert library.scan_unfinished(tmp_path) == []
    library.delete_model(model)
    assert not model.exists() and not checkpoint.exists()


@pytest.mark.parametrize("name", ["X.ckpt", "X.ckpt. ", "Y.CKPT"])
def test_a_model_is_never_renamed_to_a_checkpoints_name(tmp_path, name):
    """Renamed ``X.ckpt``, a model became ``X.ckpt.safetensors``: gone from the library (a
    checkpoint's name) and deleted with X, or written over by X's next run."""
    from genai_studio.core.errors import UsageError
    from genai_studio.core.store import library

    save_tiny_vae(tmp_path / "X.safetensors")
    y = save_tiny_vae(tmp_path / "Y.safetensors", seed=1)
    before = y.read_bytes()
    try:
        renamed = library.rename_model(y, name)
    except UsageError:
        renamed = y
    assert [e.path for e in library.scan(tmp_path, False)].count(renamed) == 1
    library.delete_model(tmp_path / "X.safetensors")
    assert renamed.read_bytes() == before


def test_fit_prior_never_writes_a_model_under_a_checkpoints_name(tmp_path):
    """``fit-prior --out X.ckpt.safetensors`` wrote a model that the library hides as X's
    checkpoint and deletes with X (``train --out`` refuses that name already)."""
    model = save_tiny_vae(tmp_path / "X.safetensors")
    code, _out, err = cli("fit-prior", str(model), "--out", str(tmp_path / "X.ckpt.safetensors"))
    assert code == 2 and "checkpoint" in err
    assert not (tmp_path / "X.ckpt.safetensors").exists()


def test_a_new_run_never_replaces_an_unfinished_runs_checkpoint(tmp_path):
    """``train --out X`` beside an unfinished run's ``X.ckpt.safetensors`` (stopped, or cut off
    by Ctrl-C) wrote its own checkpoint over it: the run could no longer be continued. It is
    refused in one line naming the resume command; a finished run's checkpoint, and a timed
    run's that used its time, are no obstacle."""
    checkpoint = _checkpoint(tmp_path / "X.ckpt.safetensors", step=5)
    before = checkpoint.read_bytes()
    train = ("train", "vae", "--hidden", "16", "--epochs", "1", "--limit", "128", "--threads",
             "1")
    code, _, err = cli(*train, "--out", tmp_path / "X.safetensors")
    assert code == 2 and "holds an unfinished VAE run (step 5 of 20)" in err, err
    assert f"--resume {checkpoint}" in err and len(err.strip().splitlines()) == 1
    assert checkpoint.read_bytes() == before and not (tmp_path / "X.safetensors").exists()
    other = _checkpoint(tmp_path / "A.ckpt.safetensors", step=3)  # continuing another run
    code, _, err = cli("train", "vae", "--resume", other, "--out", tmp_path / "X.safetensors")
    assert code == 2 and "holds an unfinished VAE run" in err, err
    assert checkpoint.read_bytes() == before
    _checkpoint(tmp_path / "Y.ckpt.safetensors", step=20)  # finished: trained again freely
    assert cli(*train, "--out", tmp_path / "Y.safetensors")[0] == 0
    timed = ("train", "vae", "--hidden", "16", "--minutes", "0.02", "--limit", "128",
             "--threads", "1", "--out", tmp_path / "T.safetensors")
    assert cli(*timed)[0] == 0 and cli(*timed)[0] == 0  # a timed run ends finished


def test_a_timed_run_that_used_its_time_is_not_listed_as_unfinished(tmp_path):
    """A timed run counts its steps against an epoch cap it never meant to reach: the library
    listed every Quick run as an unfinished run at 0.1% of its steps."""
    from genai_studio.core.store import library

    code, _, err = cli("train", "vae", "--hidden", "16", "--minutes", "0.02", "--limit", "128",
                       "--threads", "1", "--out", tmp_path / "T.safetensors")
    assert code == 0, err
    assert (tmp_path / "T.ckpt.safetensors").exists()
    assert library.scan_unfinished(tmp_path) == []
