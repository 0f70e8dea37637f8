"""Time and paths for animations: easing, loop / ping-pong timing, morphs through anchors and
recorded pad paths resampled at constant speed. NumPy only: no torch, no Qt.

An animation is a function from frame index to a position ``s`` in [0, 1] along a chain of
latents, so every mode writes exactly the number of frames asked for:

* ``once``: s runs 0 -> 1 and the first and last frames are the two ends of the chain;
* ``loop``: the chain is closed back to its first anchor and s runs 0 -> 1 without repeating
  the first frame at the end, so a looping player shows no stutter at the seam;
* ``ping-pong``: s runs 0 -> 1 -> 0 (a triangle wave), again with no repeated frame at the seam.

Easing acts inside each segment between two anchors, so the motion rests a moment on every
anchor (``ease-in-out``) or moves evenly through them (``linear``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from genai_studio.core.defaults import EASINGS, MAX_ANIMATION_FRAMES, PLAYBACK
from genai_studio.core.errors import UsageError
from genai_studio.core.latent.pad import slerp

MAX_FRAMES = MAX_ANIMATION_FRAMES


def ease(u: np.ndarray | float, easing: str) -> np.ndarray:
    """Map local progress u in [0, 1] through the easing curve (ends stay at 0 and 1)."""
    u = np.clip(np.asarray(u, dtype=np.float64), 0.0, 1.0)
    if easing == "linear":
        return u
    if easing == "ease-in-out":
        return 0.5 - 0.5 * np.cos(math.pi * u)  # sine ease: zero speed at both ends
    raise UsageError(f"unknown easing {easing!r}; choose one of {', '.join(EASINGS)}")


def check_frames(frames: int) -> int:
    if not 2 <= int(frames) <= MAX_FRAMES:
        raise UsageError(f"an animation needs 2 to {MAX_FRAMES} frames, not {frames}")
    return int(frames)


def timeline(frames: int, playback: str) -> np.ndarray:
    """Position s in [0, 1] along the chain for each of ``frames`` frames."""
    frames = check_frames(frames)
    i = np.arange(frames, dtype=np.float64)
    if playback == "once":
        return i / (frames - 1)
    if playback == "loop":
        return i / frames
    if playback == "ping-pong":
        t = i / frames
        return 1.0 - np.abs(2.0 * t - 1.0)
    raise UsageError(f"unknown playback {playback!r}; choose one of {', '.join(PLAYBACK)}")


def chain_for(anchors: Sequence[np.ndarray], playback: str) -> list[np.ndarray]:
    """The anchors a morph passes through: closed back to the first one for ``loop``."""
    chain = [np.asarray(a, dtype=np.float32) for a in anchors]
    if len(chain) < 2:
        raise UsageError("a morph needs at least two anchors")
    if playback == "loop":
        chain.append(chain[0])
    return chain


def morph_latents(anchors: Sequence[np.ndarray], frames: int, playback: str = "once",
                  easing: str = "linear") -> np.ndarray:
    """Latents (frames, D) of a morph through ``anchors`` (slerp between neighbours)."""
    chain = chain_for(anchors, playback)
    segments = len(chain) - 1
    out = []
    for s in timeline(frames, playback):
        k = min(int(s * segments), segments - 1)
        u = float(ease(s * segments - k, easing))
        out.append(slerp(chain[k], chain[k + 1], u))
    return np.stack(out).astype(np.float32)


# ---- recorded pad paths ------------------------------------------------------------------

def _cumulative_length(points: np.ndarray) -> np.ndarray:
    steps = np.linalg.norm(np.diff(points, axis=0), axis=1)
    return np.concatenate([[0.0], np.cumsum(steps)])


def _interpolate(points: np.ndarray, lengths: np.ndarray, at: np.ndarray) -> np.ndarray:
    return np.stack([np.interp(at, lengths, points[:, d]) for d in range(points.shape[1])],
                    axis=1)


def _smooth(points: np.ndarray, sigma: float, closed: bool) -> np.ndarray:
    """Gaussian smoothing along the path; a closed path wraps, an open one keeps its ends."""
    radius = max(1, int(math.ceil(3 * sigma)))
    offsets = np.arange(-radius, radius + 1)
    weights = np.exp(-0.5 * (offsets / sigma) ** 2)
    weights /= weights.sum()
    n = len(points)
    if closed:
        index = (np.arange(n)[:, None] + offsets[None, :]) % n
    else:
        index = np.clip(np.arange(n)[:, None] + offsets[None, :], 0, n - 1)
    smoothed = np.einsum("nk,nkd->nd", np.broadcast_to(weights, index.shape), points[index])
    if not closed:  # a recorded stroke starts and ends where the artist put the pen
        smoothed[0], smoothed[-1] = points[0], points[-1]
    return smoothed


def resample_path(points: np.ndarray, count: int, smoothing: float = 0.0,
                  closed: bool = False) -> np.ndarray:
    """``count`` points at equal arc-length spacing along a recorded path (n, 2).

    ``smoothing`` is the Gaussian's width as a share of the path's length (0 = none; 0.02 takes
    out hand tremor, 0.1 rounds every corner). ``closed`` joins the end back to the start; the
    points then cover the loop without repeating the first one, so playback loops seamlessly.
    An open path's points include both ends.
    """
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[0] < 1 or pts.shape[1] < 1:
        raise UsageError(f"a path needs at least one point of shape (n, d), got {pts.shape}")
    if not np.all(np.isfinite(pts)):
        raise UsageError("a path point is not a finite number")
    count = check_frames(count) if count != 1 else 1
    keep = np.concatenate([[True], np.any(np.diff(pts, axis=0) != 0, axis=1)])
    pts = pts[keep]  # a pen that rests adds repeated points: they carry no length
    if closed and len(pts) > 1 and np.array_equal(pts[0], pts[-1]):
        pts = pts[:-1]
    if len(pts) == 1:
        return np.repeat(pts, count, axis=0)
    ring = np.vstack([pts, pts[:1]]) if closed else pts
    lengths = _cumulative_length(ring)
    total = lengths[-1]
    if smoothing > 0:
        # Resample densely first, so that the smoothing width is a length, not a point count.
        dense_n = max(256, 8 * len(ring))
        dense_at = np.linspace(0.0, total, dense_n, endpoint=not closed)
        dense = _interpolate(ring, lengths, dense_at)
        sigma = max(smoothing * dense_n, 0.5)
        dense = _smooth(dense, sigma, closed)
        ring = np.vstack([dense, dense[:1]]) if closed else dense
        lengths = _cumulative_length(ring)
        total = lengths[-1]
    at = np.linspace(0.0, total, count, endpoint=not closed)
    return _interpolate(ring, lengths, at)


def path_frames(path: np.ndarray, frames: int, playback: str = "once",
                easing: str = "linear") -> np.ndarray:
    """Per-frame points of an animation along an evenly resampled path (m, d).

    ``loop`` treats the path as closed (it runs on past its end back to its start); ``once``
    and ``ping-pong`` walk it from end to end. The whole path is one segment for the easing.
    """
    path = np.asarray(path, dtype=np.float64)
    ring = np.vstack([path, path[:1]]) if playback == "loop" else path
    at = ease(timeline(frames, playback), easing) * (len(ring) - 1)
    index = np.arange(len(ring), dtype=np.float64)
    return np.stack([np.interp(at, index, ring[:, d]) for d in range(ring.shape[1])], axis=1)
