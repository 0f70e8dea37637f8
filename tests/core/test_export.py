"""Exports round-trip (frames, size, timing, loop flag, provenance), reproduce their pixels
from the model, and leave no partial file behind when they fail or are cancelled."""

from __future__ import annotations

import errno
import json
import os

import numpy as np
import pytest
from PIL import Image

from genai_studio.core.errors import OutputError, UsageError
from genai_studio.core.export import imagemeta, stills
from genai_studio.core.export import writers as export
from genai_studio.core.export.options import ExportStyle, Timing
from genai_studio.core.export.provenance import Provenance, grid_provenance

SHA = "ab" * 32


@pytest.fixture
def frames():
    rng = np.random.default_rng(0)
    images = np.zeros((6, 28, 28), np.float32)
    for k in range(6):  # a bar that moves: consecutive frames differ
        images[k, 6:22, 4 + 3 * k:8 + 3 * k] = 1.0
    latents = rng.standard_normal((6, 8)).astype(np.float32)
    prov = Provenance("gan", SHA, latents, kind="morph", seed=9, anchors=latents[[0, 5]])
    return images, prov


def _read_animation(path):
    """(frame count, size, per-frame durations, loop flag or None) as a viewer sees them."""
    with Image.open(path) as im:
        durations = []
        for i in range(im.n_frames):
            im.seek(i)
            im.load()
            durations.append(im.info.get("duration"))
        return im.n_frames, im.size, durations, im.info.get("loop")


@pytest.mark.parametrize("fmt", ["gif", "apng", "webp"])
@pytest.mark.parametrize("playback", ["once", "loop", "ping-pong"])
def test_animations_round_trip(tmp_path, frames, fmt, playback):
    images, prov = frames
    target = tmp_path / f"anim.{ {'gif': 'gif', 'apng': 'png', 'webp': 'webp'}[fmt] }"
    timing = Timing(fps=10, playback=playback)
    style = ExportStyle(size=64, resampling="nearest", ink="#202020", paper="#e0e0e0")
    events = list(export.export_animation(target, images, prov, style, timing))
    assert isinstance(events[-1], export.ExportDone) and events[-1].paths == (target,)
    assert [e.done for e in events[:-1]] == sorted(e.done for e in events[:-1])
    count, size, durations, loop = _read_animation(target)
    assert count == 6 and size == (64, 64)
    assert all(d == 100 for d in durations), durations
    if fmt == "gif":
        assert loop == (None if playback == "once" else 0)
    else:
        assert loop == (1 if playback == "once" else 0)
    back = imagemeta.read_provenance(target)
    assert back.animation == {"frames": 6, "fps": 10.0, "duration_ms": 100,
                              "playback": playback, "easing": "linear"}
    assert back.style == style.to_dict()
    np.testing.assert_array_equal(back.latent, prov.latent)
    np.testing.assert_array_equal(back.anchors, prov.anchors)
    assert (back.model_name, back.model_sha256, back.seed) == ("gan", SHA, 9)


def test_frame_sequence_and_sprite_sheet_round_trip(tmp_path, frames):
    images, prov = frames
    style = ExportStyle(scale=2, transparent=True, ink="#ff0000")
    timing = Timing(fps=25, playback="loop")
    paths = export.run(export.export_animation(f"{tmp_path}/seq/", images, prov, style,
                                               timing)).paths
    assert [p.name for p in paths] == [f"frame_{i:04d}.png" for i in range(6)]
    for i, path in enumerate(paths):
        with Image.open(path) as im:
            assert im.size == (56, 56) and im.mode == "RGBA"
        own = imagemeta.read_provenance(path)
        assert own.frame == i and own.animation["duration_ms"] == 40
        np.testing.assert_array_equal(own.latent, prov.latent[i:i + 1])
    sheet = export.run(export.export_animation(tmp_path / "sprites.png", images, prov, style,
                                               timing, fmt="sprite")).paths
    assert [p.name for p in sheet] == ["sprites.png", "sprites.json"]
    frame_map = json.loads(sheet[1].read_text())
    assert len(frame_map["frames"]) == 6 and frame_map["meta"]["image"] == "sprites.png"
    with Image.open(sheet[0]) as im:
        pixels = np.asarray(im)
        f = frame_map["frames"][4]
        crop = pixels[f["y"]:f["y"] + f["h"], f["x"]:f["x"] + f["w"]]
        with Image.open(paths[4]) as frame:
            np.testing.assert_array_equal(crop, np.asarray(frame))
    assert imagemeta.read_provenance(sheet[0]).animation["frames"] == 6


def test_reopened_tile_and_sheet_reproduce_their_pixels_from_the_model(tmp_path, cvae_file):
    from genai_studio.core.latent.sampling import sample
    from genai_studio.core.store.checkpoints import load_model

    model = load_model(cvae_file).model
    drawn = sample(model, 16, seed=11, label=None)
    style = ExportStyle(scale=4, resampling="ink", ink="#000000", paper="#ffffff")
    tile = stills.write_still(tmp_path / "t.png", drawn.images[5], style,
                              grid_provenance(cvae_file, drawn, None, tile_index=5))
    sheet = stills.write_sheet(tmp_path / "s.png", drawn.images, style,
                               grid_provenance(cvae_file, drawn, None), gutter=2)
    for path, pick in ((tile, lambda imgs: imgs[5]), (sheet, None)):
        prov = imagemeta.read_provenance(path)
        again = sample(model, prov.sample_count, prov.seed, prov.digit).images
        saved_style = ExportStyle.from_dict(prov.style)
        redone = (stills.still_png(pick(again), saved_style, prov) if pick else
                  stills.sheet_png(again, saved_style, prov, gutter=2))
        with Image.open(path) as a, Image.open(__import__("io").BytesIO(redone)) as b:
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    prov = imagemeta.read_provenance(tile)
    assert prov.labels == (5,) and prov.tile_index == 5 and prov.kind == "tile"
    np.testing.assert_array_equal(prov.latent[0], drawn.latents[5])


def test_batch_writes_every_file_with_progress(tmp_path, frames):
    images, prov = frames
    items = [(f"gan-seed9-{k:03d}.png", images[k], prov) for k in range(6)]
    events = list(stills.export_stills(tmp_path, items, ExportStyle(scale=1)))
    assert [e.done for e in events[:-1]] == list(range(1, 8))
    assert sorted(p.name for p in tmp_path.iterdir()) == [n for n, _, _ in items]


def _nothing_but(folder, names=()):
    return sorted(p.name for p in folder.iterdir()) == sorted(names)


def test_cancel_leaves_nothing(tmp_path, frames):
    images, prov = frames
    for make in (lambda: stills.export_stills(tmp_path, [(f"{k}.png", images[k], prov)
                                                         for k in range(6)], ExportStyle()),
                 lambda: export.export_animation(tmp_path / "a.gif", images, prov,
                                                 ExportStyle(), Timing()),
                 lambda: export.export_animation(tmp_path / "seq", images, prov,
                                                 ExportStyle(), Timing(), "frames")):
        events = make()
        next(events), next(events)
        events.close()  # what the studio's worker does on Cancel
        assert _nothing_but(tmp_path)


def test_a_full_disk_leaves_no_partial_file(tmp_path, frames, monkeypatch):
    images, prov = frames
    real_fsync, calls = os.fsync, []

    def fsync_fails_on_the_third_file(fd):
        calls.append(fd)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync_fails_on_the_third_file)
    with pytest.raises(OutputError, match="No space left"):
        export.run(export.export_animation(tmp_path / "seq", images, prov, ExportStyle(),
                                           Timing(), "frames"))
    assert _nothing_but(tmp_path), "the frames already written and the new folder are gone"
    calls.clear()
    monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(
        OSError(errno.ENOSPC, "No space left on device")))
    with pytest.raises(OutputError, match="No space left"):
        export.run(export.export_animation(tmp_path / "a.webp", images, prov, ExportStyle(),
                                           Timing()))
    assert _nothing_but(tmp_path)


def test_bad_targets_are_refused_before_any_work(tmp_path, frames):
    images, prov = frames
    cases = [(tmp_path / "missing" / "a.gif", OutputError, "does not exist"),
             (tmp_path / "a.bmp", UsageError, "write .gif"),
             (tmp_path / "full/", UsageError, "not empty")]
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    for target, error, fragment in cases:
        with pytest.raises(error, match=fragment):
            export.run(export.export_animation(str(target) + ("/" if target.name == "full"
                                                              else ""),
                                               images, prov, ExportStyle(), Timing()))
    assert _nothing_but(tmp_path, ["full"]) and _nothing_but(tmp_path / "full", ["keep.txt"])
    with pytest.raises(UsageError, match="too much"):
        export.run(export.export_animation(tmp_path / "big.gif", np.zeros((2000, 28, 28)),
                                           Provenance("g", SHA, np.zeros((2000, 8))),
                                           ExportStyle(size=1024), Timing()))
