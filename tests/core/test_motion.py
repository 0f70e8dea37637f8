"""Animation timing and recorded pad paths: pure maths, checked against what it promises."""

from __future__ import annotations

import numpy as np
import pytest

from genai_studio.core.errors import UsageError
from genai_studio.core.latent import motion


@pytest.mark.parametrize("easing", motion.EASINGS)
def test_easing_keeps_its_ends_and_is_monotonic(easing):
    u = np.linspace(0, 1, 101)
    e = motion.ease(u, easing)
    assert e[0] == 0 and e[-1] == pytest.approx(1.0)
    assert np.all(np.diff(e) >= 0)


def test_ease_in_out_rests_at_both_ends():
    step = 1e-3
    e = motion.ease(np.array([0, step, 0.5 - step / 2, 0.5 + step / 2, 1 - step, 1]),
                    "ease-in-out")
    start, middle, end = e[1] - e[0], e[3] - e[2], e[5] - e[4]
    assert start < middle / 100 and end < middle / 100


def test_timelines_have_the_frames_asked_for_and_no_seam_repeat():
    once = motion.timeline(5, "once")
    assert once.tolist() == [0, 0.25, 0.5, 0.75, 1]
    loop = motion.timeline(4, "loop")
    assert loop.tolist() == [0, 0.25, 0.5, 0.75]  # frame 4 would repeat frame 0
    pp = motion.timeline(6, "ping-pong")
    assert len(pp) == 6 and pp[0] == 0 and pp.max() == pytest.approx(1.0)
    np.testing.assert_allclose(pp[1:], pp[1:][::-1])  # symmetric: back the way it came
    with pytest.raises(UsageError, match="frames"):
        motion.timeline(1, "once")
    with pytest.raises(UsageError, match="playback"):
        motion.timeline(4, "sideways")


def test_morph_passes_through_every_anchor():
    rng = np.random.default_rng(0)
    anchors = rng.standard_normal((3, 16)).astype(np.float32)
    z = motion.morph_latents(anchors, 9, "once", "linear")
    assert z.shape == (9, 16) and z.dtype == np.float32
    np.testing.assert_allclose(z[[0, 4, 8]], anchors, atol=1e-5)
    loop = motion.morph_latents(anchors, 12, "loop", "ease-in-out")
    np.testing.assert_allclose(loop[[0, 4, 8]], anchors, atol=1e-5)  # and back to the first
    assert not np.allclose(loop[-1], anchors[0])


def test_resampled_path_has_constant_speed():
    # An L-shaped stroke recorded with bunched-up points on the first leg.
    first = np.stack([np.linspace(0, 0.5, 50) ** 2 * 2, np.zeros(50)], axis=1)
    second = np.stack([np.full(5, 0.5), np.linspace(0, 0.5, 5)], axis=1)
    path = motion.resample_path(np.vstack([first, second]), 21)
    steps = np.linalg.norm(np.diff(path, axis=0), axis=1)
    np.testing.assert_allclose(steps, steps.mean(), rtol=0.25)  # corner cuts one step short
    np.testing.assert_allclose(path[0], [0, 0])
    np.testing.assert_allclose(path[-1], [0.5, 0.5])


def test_closed_path_loops_without_repeating_its_start():
    t = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    circle = np.stack([0.5 + 0.3 * np.cos(t), 0.5 + 0.3 * np.sin(t)], axis=1)
    path = motion.resample_path(circle, 10, closed=True)
    ring = np.vstack([path, path[:1]])
    steps = np.linalg.norm(np.diff(ring, axis=0), axis=1)
    np.testing.assert_allclose(steps, steps.mean(), rtol=0.02)


def test_smoothing_takes_out_tremor_but_keeps_the_ends():
    rng = np.random.default_rng(1)
    x = np.linspace(0, 1, 200)
    shaky = np.stack([x, 0.5 + 0.01 * rng.standard_normal(200)], axis=1)
    raw = motion.resample_path(shaky, 50)
    smooth = motion.resample_path(shaky, 50, smoothing=0.03)
    assert np.std(smooth[5:-5, 1]) < np.std(raw[5:-5, 1]) / 2
    np.testing.assert_allclose(smooth[0], shaky[0])
    np.testing.assert_allclose(smooth[-1], shaky[-1])


def test_degenerate_paths():
    still = motion.resample_path(np.array([[0.3, 0.4]] * 7), 5)
    assert still.shape == (5, 2) and np.all(still == [0.3, 0.4])
    with pytest.raises(UsageError, match="finite"):
        motion.resample_path(np.array([[0.1, np.nan], [0.2, 0.3]]), 5)
    with pytest.raises(UsageError, match="at least one point"):
        motion.resample_path(np.zeros((0, 2)), 5)


@pytest.mark.parametrize("playback", motion.PLAYBACK)
def test_path_frames_cover_the_path(playback):
    path = motion.resample_path(np.array([[0, 0], [1, 0]]), 11)
    frames = motion.path_frames(path, 8, playback, "linear")
    assert frames.shape == (8, 2)
    assert frames[0, 0] == 0
    if playback == "once":
        assert frames[-1, 0] == pytest.approx(1.0)
