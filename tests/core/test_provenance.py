"""Provenance records: they round-trip exactly, and damaged or hostile ones are refused."""

from __future__ import annotations

import io
import json
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from genai_studio.core.errors import ImageFileError
from genai_studio.core.export import imagemeta
from genai_studio.core.export.provenance import (
    MAX_JSON_BYTES,
    Provenance,
    check_model,
    from_json,
)

SHA = "0123456789abcdef" * 4


def record(**changes) -> Provenance:
    rng = np.random.default_rng(3)
    fields = dict(model_name="vae-32d", model_sha256=SHA,
                  latent=rng.standard_normal((1, 32)).astype(np.float32), kind="tile", seed=42,
                  sample_count=64, tile_index=5, digit=7, labels=(7,))
    return Provenance(**{**fields, **changes})


def test_json_round_trip_is_exact_for_float32_latents():
    prov = record(path=np.array([[0.1, 0.9], [0.5, 0.5]], np.float32),
                  corners=np.ones((4, 32), np.float32),
                  animation={"frames": 8, "fps": 12.0, "duration_ms": 83, "playback": "loop",
                             "easing": "linear"})
    back = from_json(prov.to_json())
    assert back == prov
    np.testing.assert_array_equal(back.latent, prov.latent)
    assert back.latent.dtype == np.float32
    data = json.loads(prov.to_json())
    for key in ("model_sha256", "seed", "latent", "app_version", "model_name", "tile_index"):
        assert key in data
    assert "seed 42" in prov.summary() and "tile 6 of 64" in prov.summary()


def _json_with(**changes) -> str:
    data = json.loads(record().to_json())
    data.update(changes)
    return json.dumps(data)


@pytest.mark.parametrize(("changes", "fragment"), [
    ({"seed": "42"}, "'seed' must be a whole number"),
    ({"seed": True}, "'seed' must be a whole number"),
    ({"seed": -1}, "'seed' must be between"),
    ({"latent": [[0.5] * 31]}, "wrong length"),
    ({"latent": [[0.5] * 32, [0.5] * 33]}, "wrong length"),
    ({"latent": "zzz"}, "'latent' must be a list"),
    ({"latent": [[None] * 32]}, "not a finite number"),
    ({"latent_dim": 10**9}, "'latent_dim' must be between"),
    ({"tile_index": 64}, "'tile_index' must be between 0 and 63"),
    ({"model_sha256": "abc"}, "64 lower-case hex"),
    ({"kind": "virus"}, "'kind' must be one of"),
    ({"labels": [7, 8]}, "one per latent"),
    ({"path": [[0.5, 7.0]]}, "on the pad"),
    ({"animation": {"frames": 1e9}}, "'frames' must be a whole number"),
    ({"style": {"ink": ["#fff"]}}, "'style'"),
    ({"version": 99}, "newer GenAI Studio"),
    ({"format": "something.else"}, "not a GenAI Studio provenance"),
])
def test_hostile_fields_are_refused_with_one_clear_line(changes, fragment):
    with pytest.raises(ImageFileError, match=fragment) as info:
        from_json(_json_with(**changes), "x.png")
    assert str(info.value).startswith("x.png: ") and "\n" not in str(info.value)


def test_nan_infinity_deep_nesting_and_junk_are_refused():
    text = record().to_json()
    nan = text.replace('"latent":[[', '"latent":[[NaN,', 1).replace('"latent_dim":32',
                                                                    '"latent_dim":33')
    with pytest.raises(ImageFileError, match="NaN is not allowed"):
        from_json(nan)
    with pytest.raises(ImageFileError, match="not a finite number"):
        from_json(_json_with(latent=[[1e400] * 32]).replace("Infinity", "1e400"))
    for junk in ("[" * 100_000, "{not json", b"\xff\xfe", "null", "[1, 2]"):
        with pytest.raises(ImageFileError, match="provenance"):
            from_json(junk)
    with pytest.raises(ImageFileError, match="too large"):
        from_json(" " * (MAX_JSON_BYTES + 1))


def test_latents_must_fit_the_model():
    with pytest.raises(ImageFileError, match="vae-32d, whose latents have 32 dimensions; this"):
        check_model(record(), 2)
    with pytest.raises(ImageFileError, match="different vae-32d"):
        check_model(record(), 32, sha256="f" * 64)
    check_model(record(), 32, sha256=SHA)


# ---- in files ----------------------------------------------------------------------------

def _png_with_chunks(*chunks: tuple[bytes, bytes]) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (4, 4)).save(buffer, format="PNG")
    data = buffer.getvalue()
    ihdr_end = 8 + 8 + 13 + 4
    extra = b"".join(struct.pack(">I", len(body)) + ctype + body
                     + struct.pack(">I", zlib.crc32(ctype + body)) for ctype, body in chunks)
    return data[:ihdr_end] + extra + data[ihdr_end:]


def _itxt(text: bytes, compressed: bool = False) -> tuple[bytes, bytes]:
    payload = zlib.compress(text) if compressed else text
    return b"iTXt", imagemeta.KEY.encode() + b"\0" + bytes([compressed, 0]) + b"\0\0" + payload


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "GIF"])
def test_each_container_carries_the_record(tmp_path, fmt):
    prov = record()
    image = Image.new("L", (8, 8), 128)
    extra = {"PNG": {"pnginfo": imagemeta.png_info(prov)},
             "WEBP": {"xmp": imagemeta.webp_xmp(prov), "lossless": True},
             "GIF": {"comment": imagemeta.gif_comment(prov)}}[fmt]
    path = tmp_path / f"x.{fmt.lower()}"
    image.save(path, format=fmt, **extra)
    assert imagemeta.read_provenance(path) == prov
    if fmt == "PNG":
        assert imagemeta.read_texts(path)[1] == prov.summary()


def test_oversized_compressed_and_corrupt_chunks_are_refused(tmp_path):
    good = record().to_json().encode()
    cases = {
        "bomb.png": (_png_with_chunks(_itxt(b" " * (MAX_JSON_BYTES * 4), compressed=True)),
                     "too large"),
        "huge.png": (_png_with_chunks(_itxt(b" " * (MAX_JSON_BYTES + 10))), "too large"),
        "nan.png": (_png_with_chunks(_itxt(good.replace(b"[[", b"[[NaN,", 1))), "NaN"),
        "notutf8.png": (_png_with_chunks(_itxt(b"\xff" * 10)), "not UTF-8"),
        "plain.png": (_png_with_chunks(), "carries no GenAI Studio provenance"),
        "text.txt": (b"hello", "not a PNG, WebP, GIF"),
    }
    bad_crc = bytearray(_png_with_chunks(_itxt(good)))
    bad_crc[100] ^= 0xFF  # inside the JSON text
    cases["crc.png"] = (bytes(bad_crc), "checksum")
    claims = _png_with_chunks(_itxt(good))
    cases["claims.png"] = (claims[:33] + struct.pack(">I", 2**31) + claims[37:], "past the end")
    for name, (data, fragment) in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(ImageFileError, match=fragment):
            imagemeta.read_provenance(tmp_path / name)
    with pytest.raises(ImageFileError, match="not found"):
        imagemeta.read_provenance(tmp_path / "missing.png")


def test_someone_elses_large_text_is_skipped_not_refused(tmp_path):
    prov = record()
    other = (b"tEXt", b"Comment\0" + b"x" * (MAX_JSON_BYTES + 5))
    data = _png_with_chunks(other, _itxt(prov.to_json().encode()))
    (tmp_path / "a.png").write_bytes(data)
    assert imagemeta.read_provenance(tmp_path / "a.png") == prov


def test_random_damage_never_escapes_as_anything_but_one_clear_error(tmp_path):
    buffer = io.BytesIO()
    Image.new("L", (8, 8)).save(buffer, format="PNG", pnginfo=imagemeta.png_info(record()))
    data = buffer.getvalue()
    rng = np.random.default_rng(7)
    path = tmp_path / "fuzz.png"
    outcomes = set()
    for _ in range(300):
        damaged = bytearray(data)
        for at in rng.integers(0, len(data), size=rng.integers(1, 4)):
            damaged[at] = rng.integers(0, 256)
        if rng.random() < 0.2:
            damaged = damaged[:rng.integers(0, len(damaged))]
        path.write_bytes(bytes(damaged))
        try:
            outcomes.add(imagemeta.read_provenance(path) == record())
        except ImageFileError as exc:
            assert "\n" not in str(exc)
            outcomes.add("refused")
    assert "refused" in outcomes
