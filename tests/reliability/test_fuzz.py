"""Property-based fuzzing of every loader that reads untrusted files (Hypothesis).

Each property: whatever the bytes, the loader either returns something usable or raises the
one-line error of its kind (``ModelFileError``, ``DataError``, ``GenAIError``); any other
exception, a hang or a crash fails. The inputs are mutations of real files (bytes flipped,
cut or inserted; header, metadata, config, tensor table and training state rewritten with
arbitrary JSON; optimizer tensors of arbitrary shapes) and IDX files built from arbitrary
headers. ``derandomize`` keeps CI reproducible; ``GENAI_FUZZ_SCALE=20 make fuzz`` runs twenty
times as many examples with fresh randomness.
"""

from __future__ import annotations

import gzip
import json
import os
import struct
import tempfile
from functools import cache
from pathlib import Path

import numpy as np
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from genai_studio.core.data.mnist import read_idx
from genai_studio.core.errors import DataError, GenAIError, InputError, ModelFileError
from genai_studio.core.store.checkpoints import load_model, read_metadata
from genai_studio.core.validate import loads_json
from tests.reliability.conftest import join_model, save_tiny_vae, split_model

SCALE = max(1, int(os.environ.get("GENAI_FUZZ_SCALE", "1")))
_TMP = Path(tempfile.mkdtemp(prefix="genai-fuzz-"))


def fuzz(examples: int):
    return settings(max_examples=examples * SCALE, deadline=None, derandomize=SCALE == 1,
                    database=None, suppress_health_check=list(HealthCheck))


# ----------------------------------------------------------------------------- base files


@cache
def base_model() -> bytes:
    return save_tiny_vae(_TMP / "base.safetensors", hidden=4, conditional=True).read_bytes()


@cache
def train_set():
    from genai_studio.core.data.mnist import load_mnist

    return load_mnist("train", limit=128)


@cache
def base_checkpoint() -> tuple[bytes, Path]:
    from genai_studio.core.models.registry import VAEConfig
    from genai_studio.core.train.loop import train
    from genai_studio.core.train.run import TrainConfig

    out = _TMP / "ckpt" / "m.safetensors"
    out.parent.mkdir()
    for _ in train(VAEConfig(hidden=(4,)), TrainConfig(epochs=1, batch_size=64, limit=128),
                   train_set(), torch.device("cpu"), out):
        pass
    return out.with_name("m.ckpt.safetensors").read_bytes(), out


def write(raw: bytes, name: str = "fuzz.safetensors") -> Path:
    path = _TMP / name
    path.write_bytes(raw)
    return path


def load_or_refuse(path: Path) -> None:
    """The property: a usable model with finite weights, or a ModelFileError."""
    try:
        loaded = load_model(path)
    except ModelFileError:
        return
    for tensor in loaded.model.state_dict().values():
        assert not tensor.is_floating_point() or bool(torch.isfinite(tensor).all())
    read_metadata(path)
    images = loaded.model.sample(2, torch.Generator().manual_seed(0),
                                 torch.tensor([1, 2]) if loaded.model.conditional else None)
    assert images.shape[0] == 2


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
    | st.sampled_from([10**400, -(10**400), 2**63, 1e308, -0.0]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                max_size=4),
    max_leaves=12)


# ----------------------------------------------------------------------------- model files


@fuzz(500)
@given(st.data())
def test_model_files_with_bytes_flipped_cut_or_inserted(data):
    raw = bytearray(base_model())
    (n,) = struct.unpack("<Q", raw[:8])
    # Most mutations in the header, where the parsing is; some anywhere.
    where = st.one_of(st.integers(0, n + 7), st.integers(0, len(raw) - 1))
    for op, pos, value in data.draw(st.lists(
            st.tuples(st.sampled_from(["set", "flip", "cut", "insert", "drop"]), where,
                      st.integers(0, 255)), min_size=1, max_size=4)):
        pos = min(pos, len(raw) - 1)
        if op == "set":
            raw[pos] = value
        elif op == "flip":
            raw[pos] ^= 1 << (value % 8)
        elif op == "cut":
            del raw[pos:]
        elif op == "insert":
            raw[pos:pos] = bytes([value])
        elif op == "drop":
            del raw[pos]
        if not raw:
            break
    load_or_refuse(write(bytes(raw)))


@fuzz(500)
@given(key=st.sampled_from(["kind", "config", "conditional", "latent_dim", "format_version",
                            "config.hidden", "config.latent_dim", "config.arch",
                            "config.conditional", "config.num_classes", "config.channels",
                            "config.extra", "training", "dataset", "metrics"]),
       value=json_values, drop=st.booleans())
def test_model_metadata_and_config_rewritten_with_any_json(key, value, drop):
    header, data = split_model(base_model())
    meta = json.loads(header["__metadata__"]["metadata"])
    target, _, leaf = key.rpartition(".")
    owner = meta[target] if target else meta
    if drop:
        owner.pop(leaf, None)
    else:
        owner[leaf] = value
    header["__metadata__"]["metadata"] = json.dumps(meta)
    load_or_refuse(write(join_model(header, data)))


@fuzz(300)
@given(field=st.sampled_from(["dtype", "shape", "data_offsets", "entry", "name"]),
       value=json_values | st.lists(st.integers(-2**70, 2**70), max_size=4),
       which=st.integers(0, 100))
def test_tensor_tables_rewritten_with_any_json(field, value, which):
    header, data = split_model(base_model())
    names = sorted(k for k in header if k != "__metadata__")
    name = names[which % len(names)]
    if field == "entry":
        header[name] = value
    elif field == "name":
        header[str(value)[:40]] = header.pop(name)
    else:
        header[name][field] = value
    load_or_refuse(write(join_model(header, data)))


# ----------------------------------------------------------------------------- checkpoints


def resume_or_refuse(path: Path, out: Path) -> None:
    """Resume two epochs from ``path``: it trains (finite weights) or it is refused."""
    from genai_studio.core.train.loop import train
    from genai_studio.core.train.run import TrainConfig

    try:
        for _ in train(None, TrainConfig(epochs=2), train_set(), torch.device("cpu"), out,
                       resume_from=path):
            pass
    except GenAIError:
        return
    load_or_refuse(out)


@fuzz(200)
@given(key=st.sampled_from(["step", "num_images", "batch_size", "train_config",
                            "train_config.lr", "train_config.seed", "train_config.limit",
                            "train_config.epochs", "train_config.binarize",
                            "train_config.batch_size", "train_config.beta", "optimizers",
                            "optimizers.vae", "optimizers.vae.param_groups",
                            "optimizers.vae.scalars", "data_sha256", "extra",
                            "/training", "/training.wall_time_s", "/dataset", "/config"]),
       value=json_values, drop=st.booleans())
def test_checkpoint_training_state_rewritten_with_any_json(key, value, drop):
    raw, out = base_checkpoint()
    header, data = split_model(raw)
    meta = json.loads(header["__metadata__"]["metadata"])
    # "/x" names a top-level metadata key, anything else one inside the training state.
    path = key[1:].split(".") if key.startswith("/") else ["training_state", *key.split(".")]
    node = meta
    for part in path[:-1]:
        node = node[part]
    if drop:
        node.pop(path[-1], None)
    else:
        node[path[-1]] = value
    header["__metadata__"]["metadata"] = json.dumps(meta)
    resume_or_refuse(write(join_model(header, data), "fuzz.ckpt.safetensors"), out)


@fuzz(200)
@given(which=st.integers(0, 100),
       shape=st.lists(st.integers(0, 40), max_size=3),
       dtype=st.sampled_from([torch.float32, torch.float64, torch.int64, torch.uint8]),
       fill=st.sampled_from([0.0, 1.0, float("nan"), float("inf")]))
def test_checkpoint_state_tensors_of_any_shape(which, shape, dtype, fill):
    from safetensors.torch import load as load_bytes
    from safetensors.torch import save as save_bytes

    raw, out = base_checkpoint()
    header, _ = split_model(raw)
    tensors = load_bytes(raw)
    names = sorted(k for k in tensors if k.startswith("state."))
    name = names[which % len(names)]
    value = torch.full(shape, fill) if dtype.is_floating_point else torch.zeros(shape)
    tensors[name] = value.to(dtype)
    path = write(save_bytes(tensors, metadata=header["__metadata__"]), "fuzz.ckpt.safetensors")
    resume_or_refuse(path, out)


# ----------------------------------------------------------------------------- data files


@fuzz(1000)
@given(type_code=st.sampled_from([0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E, 0x00, 0xFF]),
       dims=st.lists(st.integers(0, 2**32 - 1) | st.integers(0, 40), min_size=0, max_size=5),
       payload=st.binary(max_size=2000), zipped=st.booleans(), cut=st.integers(0, 3000),
       magic=st.sampled_from([b"\x00\x00", b"\x00\x01", b"\x1f\x8b"]))
def test_idx_files_of_any_header_and_payload(type_code, dims, payload, zipped, cut, magic):
    raw = magic + bytes([type_code, len(dims) % 256]) + struct.pack(
        f">{len(dims)}I", *dims) + payload
    raw = raw[:cut] if cut < len(raw) else raw
    if zipped:
        raw = gzip.compress(raw)
    path = write(raw, "fuzz-idx.gz")
    try:
        array = read_idx(path)
    except DataError:
        return
    assert isinstance(array, np.ndarray) and array.shape == tuple(dims)


@fuzz(500)
@given(text=st.text(alphabet='[]{}"\\:,0123456789.eE+-truefalsnNIity ', max_size=400)
       | json_values.map(json.dumps))
def test_untrusted_json_parses_or_is_refused(text):
    try:
        loads_json(text, "fuzz")
    except InputError:
        pass


# ----------------------------------------------------------------------------- fonts, SVG, PDF


def _mutate(raw: bytearray, edits) -> bytes:
    for op, pos, value in edits:
        if not raw:
            break
        pos = min(pos, len(raw) - 1)
        if op == "set":
            raw[pos] = value
        elif op == "flip":
            raw[pos] ^= 1 << (value % 8)
        elif op == "cut":
            del raw[pos:]
        elif op == "insert":
            raw[pos:pos] = bytes([value]) * (1 + value % 7)
    return bytes(raw)


_EDITS = st.lists(st.tuples(st.sampled_from(["set", "flip", "cut", "insert"]),
                            st.integers(0, 4000), st.integers(0, 255)), min_size=1, max_size=6)


@cache
def base_font() -> bytes:
    from tests.core.font_files import font_bytes

    return font_bytes("AB01")


@fuzz(150)
@given(edits=_EDITS)
def test_font_files_mutated_are_read_or_refused_with_a_reason(edits):
    """A glyph dataset's font reader: glyphs of the asked shape, or one refusal (issue 20)."""
    from genai_studio.core.data.fonts import FontRefused, GlyphGrid, read_font

    path = write(_mutate(bytearray(base_font()), edits), "fuzz.ttf")
    result = read_font(path, "AB01", GlyphGrid.for_size(28))
    if isinstance(result, FontRefused):
        assert "\n" not in str(result) and result.reason
    else:
        for _name, glyphs, scale in result:
            assert glyphs.shape == (4, 28, 28) and 0 < scale <= 1.0


@cache
def base_vectors() -> tuple[bytes, bytes]:
    from genai_studio.core.export.options import ExportStyle
    from genai_studio.core.export.provenance import Provenance
    from genai_studio.core.export.stills import still_bytes

    yy, xx = np.mgrid[:28, :28]
    image = ((yy - 14) ** 2 + (xx - 14) ** 2 < 60).astype(np.float32)
    prov = Provenance("m", "ab" * 32, np.zeros((1, 4), np.float32), seed=1, sample_count=1,
                      tile_index=0)
    return (still_bytes(image, ExportStyle(scale=2), prov, "svg"),
            still_bytes(image, ExportStyle(scale=2), prov, "pdf"))


@fuzz(150)
@given(which=st.integers(0, 1), edits=_EDITS)
def test_svg_and_pdf_mutated_read_back_or_are_refused(which, edits):
    from genai_studio.core.export.imagemeta import read_provenance

    raw = bytearray(base_vectors()[which])
    path = write(_mutate(raw, edits), "fuzz.svg" if which == 0 else "fuzz.pdf")
    try:
        prov = read_provenance(path)
    except GenAIError as exc:
        assert "\n" not in str(exc)
        return
    assert prov.model_name and prov.latent.ndim == 2


# ----------------------------------------------------------------------------- images (issue 22)


@cache
def base_images() -> dict[str, bytes]:
    """Real files of every format the guarded opener reads, with provenance where the studio
    writes it."""
    import io

    from PIL import Image

    from genai_studio.core.export.imagemeta import gif_comment, png_info, webp_xmp
    from genai_studio.core.export.provenance import Provenance

    prov = Provenance(model_name="m", model_sha256="0" * 64,
                      latent=np.zeros((2, 4), np.float32), kind="grid", seed=1, sample_count=2)
    frames = [Image.fromarray((np.arange(64).reshape(8, 8) * k % 256).astype(np.uint8))
              for k in (1, 3)]
    out = {}
    for name, kwargs in (("png", {"format": "PNG", "pnginfo": png_info(prov)}),
                         ("apng", {"format": "PNG", "save_all": True, "append_images": frames,
                                   "pnginfo": png_info(prov)}),
                         ("gif", {"format": "GIF", "save_all": True, "append_images": frames,
                                  "comment": gif_comment(prov)}),
                         ("webp", {"format": "WEBP", "save_all": True,
                                   "append_images": frames, "lossless": True,
                                   "xmp": webp_xmp(prov)}),
                         ("jpeg", {"format": "JPEG", "exif": Image.Exif()}),
                         ("bmp", {"format": "BMP"})):
        buffer = io.BytesIO()
        frames[0].save(buffer, **kwargs)
        out[name] = buffer.getvalue()
    return out


@fuzz(400)
@given(st.data())
def test_images_with_bytes_flipped_cut_or_inserted_are_opened_or_refused(data):
    """The guarded opener and every reader behind it (provenance, thumbnails): an image, or
    the one-line error of its kind; never another exception, never a Python warning."""
    import warnings

    from genai_studio.core.data.image_input import ImageRefused, open_image
    from genai_studio.core.export.gallery import thumbnail
    from genai_studio.core.export.imagemeta import read_provenance

    kind = data.draw(st.sampled_from(sorted(base_images())))
    raw = bytearray(base_images()[kind])
    # Most mutations in the first 64 bytes (headers, sizes, chunk lengths), some anywhere.
    where = st.one_of(st.integers(0, min(63, len(raw) - 1)), st.integers(0, len(raw) - 1))
    for op, pos, value in data.draw(st.lists(
            st.tuples(st.sampled_from(["set", "flip", "cut", "insert", "max"]), where,
                      st.integers(0, 255)), min_size=1, max_size=4)):
        pos = min(pos, len(raw) - 1)
        if op == "set":
            raw[pos] = value
        elif op == "flip":
            raw[pos] ^= 1 << (value % 8)
        elif op == "cut":
            del raw[pos:]
        elif op == "insert":
            raw[pos:pos] = bytes([value])
        else:  # a length or a size as large as it goes
            raw[pos:pos + 2] = b"\xff\xff"
        if not raw:
            break
    path = write(bytes(raw), f"fuzz.{kind}")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            image = open_image(path)
            assert image.image.mode in ("L", "LA", "RGB", "RGBA")
        except ImageRefused:
            pass
        for reader in (read_provenance, thumbnail):
            try:
                reader(path)
            except GenAIError:
                pass


# ----------------------------------------------------------------------------- writers (issue 22)


floats = st.floats(allow_nan=True, allow_infinity=True, width=32) | st.sampled_from(
    [1e30, -1e30, 9.9e29, 3.4e38, 0.0])


@fuzz(300)
@given(rows=st.integers(1, 30), dim=st.integers(1, 40), value=floats,
       name=st.text(max_size=300), seed=st.integers(-(2**70), 2**70) | st.none(),
       digit=st.integers(-5, 2000) | st.none(), frame=st.integers(-3, 3000) | st.none(),
       count=st.integers(-3, 2_000_000) | st.none())
def test_every_provenance_a_writer_accepts_is_one_its_reader_accepts(rows, dim, value, name,
                                                                     seed, digit, frame,
                                                                     count):
    """Writers embed provenance through ``Provenance.to_json``: it either refuses in one line
    (UsageError) or writes a record ``from_json`` reads back as the same record."""
    from genai_studio.core.errors import UsageError
    from genai_studio.core.export.provenance import Provenance, from_json

    latent = np.full((rows, dim), value, dtype=np.float32)
    try:
        prov = Provenance(model_name=name, model_sha256="a" * 64, latent=latent, seed=seed,
                          digit=digit, frame=frame, sample_count=count)
        text = prov.to_json()
    except UsageError:
        return
    assert from_json(text) == prov


@fuzz(60)
@given(fmt=st.sampled_from(["gif", "apng", "webp", "frames", "sprite"]),
       frames=st.integers(2, 30), size=st.integers(1, 600),
       resampling=st.sampled_from(["nearest", "lanczos", "ink"]),
       transparent=st.booleans(), invert=st.booleans(),
       fps=st.floats(0.1, 100), playback=st.sampled_from(["once", "loop", "ping-pong"]),
       easing=st.sampled_from(["linear", "ease-in-out"]), colour=st.booleans())
def test_every_animation_an_export_writes_is_one_the_studio_reads(fmt, frames, size,
                                                                  resampling, transparent,
                                                                  invert, fps, playback,
                                                                  easing, colour):
    """The export writers over their option space: refused in one line, or every file they
    write opens through the guarded opener and carries provenance its reader accepts."""
    import shutil

    from genai_studio.core.data.image_input import open_image
    from genai_studio.core.errors import OutputError, UsageError
    from genai_studio.core.export import writers
    from genai_studio.core.export.imagemeta import read_provenance
    from genai_studio.core.export.options import ExportStyle, Timing
    from genai_studio.core.export.provenance import Provenance

    shape = (frames, 8, 8, 3) if colour else (frames, 8, 8)
    images = np.random.default_rng(frames).random(shape).astype(np.float32)
    prov = Provenance(model_name="m", model_sha256="b" * 64,
                      latent=np.zeros((frames, 2), np.float32), kind="morph")
    folder = _TMP / "anim"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    target = folder / {"gif": "a.gif", "apng": "a.png", "webp": "a.webp", "frames": "f",
                       "sprite": "s.png"}[fmt]
    try:
        style = ExportStyle(size=size, resampling=resampling, transparent=transparent,
                            invert=invert)
        done = writers.run(writers.export_animation(target, images, prov, style,
                                                    Timing(fps, playback, easing), fmt))
    except (UsageError, OutputError):
        assert not any(p.suffix in (".gif", ".png", ".webp") for p in folder.rglob("*"))
        return
    for path in done.paths:
        if path.suffix == ".json":
            continue
        read_provenance(path)
        open_image(path)
