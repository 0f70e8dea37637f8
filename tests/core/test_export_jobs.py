"""The studio's export requests, reopening images and the gallery scan (Qt-free)."""

from __future__ import annotations

import io
import shutil
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from genai_studio.core.errors import ImageFileError, ModelFileError, UsageError
from genai_studio.core.export import gallery, imagemeta
from genai_studio.core.export import jobs as export_jobs
from genai_studio.core.export import writers as export
from genai_studio.core.export.jobs import ExportJob, Source
from genai_studio.core.export.options import ExportStyle, Timing
from genai_studio.core.export.provenance import model_identity
from genai_studio.core.export.restore import locate_model, plan_restore


@pytest.fixture(scope="module")
def vae(vae_file):
    from genai_studio.core.store.checkpoints import load_model

    return load_model(vae_file).model


def _source(vae_file, vae, kind, **fields):
    from genai_studio.core.latent.sampling import sample

    name, sha = model_identity(vae_file)
    drawn = sample(vae, 16, seed=5)
    return Source(kind, name, sha, seed=5, images=drawn.images, latents=drawn.latents,
                  **fields)


def test_tile_sheet_morph_path_and_batch_jobs(tmp_path, vae_file, vae):
    style = ExportStyle(scale=2)
    tile = export.run(export_jobs.run_job(ExportJob(
        _source(vae_file, vae, "tile", tile_index=3), tmp_path / "t.png", "png", style)))
    assert imagemeta.read_provenance(tile.paths[0]).tile_index == 3
    sheet = export.run(export_jobs.run_job(ExportJob(
        _source(vae_file, vae, "grid"), tmp_path / "s.png", "sheet", style, gutter=3,
        captions=True)))
    with Image.open(sheet.paths[0]) as im:
        assert im.width == 4 * 56 + 5 * 3 and im.height > im.width  # captions under rows
    anchors = np.array([[-1, -1], [1, 1], [1, -1]], np.float32)
    morph = ExportJob(_source(vae_file, vae, "morph", anchors=anchors), tmp_path / "m.gif",
                      "gif", style, Timing(fps=10, playback="loop"), frames=9)
    prov = imagemeta.read_provenance(export.run(export_jobs.run_job(morph, vae)).paths[0])
    assert len(prov.latent) == 9 and prov.kind == "morph"
    np.testing.assert_allclose(prov.latent[[0, 3, 6]], anchors, atol=1e-5)
    stroke = np.array([[0.1, 0.1], [0.5, 0.5], [0.9, 0.2]])
    path = ExportJob(_source(vae_file, vae, "path", path=stroke), tmp_path / "p.webp", "webp",
                     style, Timing(playback="once"), frames=6, smoothing=0.02)
    prov = imagemeta.read_provenance(export.run(export_jobs.run_job(path, vae)).paths[0])
    np.testing.assert_allclose(prov.path, stroke, atol=1e-6)
    np.testing.assert_allclose(prov.latent[0], export_jobs.path_latents(stroke[:1], None)[0],
                               atol=1e-5)
    (tmp_path / "batch").mkdir()
    batch = ExportJob(_source(vae_file, vae, "batch", batch_count=5), tmp_path / "batch",
                      "batch", style)
    events = list(export_jobs.run_job(batch, vae))
    assert len(events[-1].paths) == 5 and events[0].total == 6
    last = imagemeta.read_provenance(tmp_path / "batch" / "vae-seed5-0005.png")
    assert (last.tile_index, last.sample_count, last.seed) == (4, 5, 5)


def test_path_on_a_corner_plane_and_bad_requests(tmp_path, vae_file, vae):
    corners = np.eye(4, 2, dtype=np.float32) * 2
    latents = export_jobs.path_latents(np.array([[0.0, 0.0], [1.0, 1.0]]), corners)
    np.testing.assert_allclose(latents, corners[[0, 3]], atol=1e-5)
    with pytest.raises(UsageError, match="both ends"):
        export.run(export_jobs.run_job(ExportJob(_source(vae_file, vae, "morph"),
                                                 tmp_path / "m.gif", "gif"), vae))
    with pytest.raises(UsageError, match="record a path"):
        export.run(export_jobs.run_job(ExportJob(_source(vae_file, vae, "path"),
                                                 tmp_path / "m.gif", "gif"), vae))
    with pytest.raises(UsageError, match="unknown export source"):
        Source("poster", "m", "0" * 64)
    assert list(tmp_path.iterdir()) == []


def test_reopening_finds_the_model_by_hash_not_by_name(tmp_path, vae_file, cvae_file, vae):
    export.run(export_jobs.run_job(ExportJob(
        _source(vae_file, vae, "tile", tile_index=7), tmp_path / "t.png", "png")))
    renamed = tmp_path / "my-favourite-model.safetensors"
    shutil.copy(vae_file, renamed)
    impostor = tmp_path / "vae.safetensors"  # the same name, other weights
    shutil.copy(cvae_file, impostor)
    assert locate_model(imagemeta.read_provenance(tmp_path / "t.png"),
                        [impostor, renamed]) == renamed
    with pytest.raises(ModelFileError, match=r"not in the library: vae \(sha256 [0-9a-f]{16}"):
        plan_restore(tmp_path / "t.png", [impostor])
    plan = plan_restore(tmp_path / "t.png", [impostor, renamed])
    assert plan.grid_size == 4 and plan.tile_index == 7 and plan.pad_point is not None
    from genai_studio.core.latent.pad import pad_to_latent_2d
    np.testing.assert_allclose(pad_to_latent_2d(*plan.pad_point), plan.prov.latent[0],
                               atol=1e-3)


def _png_claiming(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunk = lambda t, d: (struct.pack(">I", len(d)) + t + d  # noqa: E731
                          + struct.pack(">I", zlib.crc32(t + d)))
    return (imagemeta.PNG_SIGNATURE + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\0" * 10)) + chunk(b"IEND", b""))


def test_gallery_scan_shows_provenance_problems_and_refuses_bombs(tmp_path, vae_file, vae):
    export.run(export_jobs.run_job(ExportJob(
        _source(vae_file, vae, "tile", tile_index=0), tmp_path / "fav.png", "png")))
    Image.new("RGB", (50, 20), "red").save(tmp_path / "plain.png")
    (tmp_path / "bomb.png").write_bytes(_png_claiming(60_000, 60_000))
    (tmp_path / "notes.txt").write_text("not an image")
    buffer = io.BytesIO()
    Image.new("L", (8, 8)).save(buffer, format="GIF")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "x.gif").write_bytes(buffer.getvalue())
    items = {i.path.name: i for i in gallery.scan([tmp_path], [elsewhere / "x.gif"], thumb=32)}
    assert set(items) == {"fav.png", "plain.png", "bomb.png", "x.gif"}
    assert items["fav.png"].prov is not None and items["fav.png"].thumbnail.shape == (32, 32, 4)
    assert "no GenAI Studio provenance" in items["plain.png"].problem
    assert items["plain.png"].thumbnail.shape == (13, 32, 4)
    assert items["bomb.png"].thumbnail is None
    with pytest.raises(ImageFileError, match="too large"):
        gallery.thumbnail(tmp_path / "bomb.png")
    gallery.delete(tmp_path / "plain.png")
    gallery.delete(tmp_path / "plain.png")  # already gone: nothing to do
    assert not (tmp_path / "plain.png").exists()
