"""Pad <-> latent maths for the latent pad (docs/architecture.md, The latent pad).
NumPy only: no torch, no Qt.

Pad coordinates are (u, v) in [0, 1]^2 with (0, 0) at the top left. Two mappings:

* A 2-D latent: the pad *is* the latent plane, seen through the inverse normal CDF, so that each
  equal area of the pad holds an equal share of the prior's mass (a linear map would spend most
  of the pad on empty tails).
* Larger latents: the pad spans a curved plane through four corner anchors (top-left, top-right,
  bottom-left, bottom-right). We interpolate with slerp, not lerp: the midpoint of two Gaussian
  samples has ~0.7x their norm, far inside the shell where the prior lives, so lerped morphs
  wash out to a grey average digit in the middle.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

# The pad reaches +-PAD_SIGMA standard deviations: beyond that the prior holds 0.3% of its mass.
PAD_SIGMA = 3.0
_NORMAL = NormalDist()
_P_EDGE = _NORMAL.cdf(-PAD_SIGMA)


def _clip_unit(value: float) -> float:
    return min(max(float(value), 0.0), 1.0)


def pad_to_latent_2d(u: float, v: float) -> np.ndarray:
    """Pad point -> 2-D latent (2,) float32; v grows downwards, latent y grows upwards."""
    pu = _P_EDGE + _clip_unit(u) * (1.0 - 2.0 * _P_EDGE)
    pv = _P_EDGE + (1.0 - _clip_unit(v)) * (1.0 - 2.0 * _P_EDGE)
    return np.array([_NORMAL.inv_cdf(pu), _NORMAL.inv_cdf(pv)], dtype=np.float32)


def latent_2d_to_pad(z: np.ndarray, clip: bool = True) -> np.ndarray:
    """Inverse of :func:`pad_to_latent_2d` for many points: z (n, 2) -> (n, 2) pad coords.

    With ``clip=False`` points beyond the pad's +-3 sigma come back outside [0, 1], so a
    caller can drop them instead of piling them up on the border.
    """
    z = np.asarray(z, dtype=np.float64).reshape(-1, 2)
    # Phi(x) = (1 + erf(x / sqrt 2)) / 2, vectorised without SciPy.
    cdf = 0.5 * (1.0 + np.vectorize(math.erf)(z / math.sqrt(2.0)))
    span = 1.0 - 2.0 * _P_EDGE
    pad = (cdf - _P_EDGE) / span
    pad[:, 1] = 1.0 - pad[:, 1]
    return (np.clip(pad, 0.0, 1.0) if clip else pad).astype(np.float32)


def atlas_latents_2d(n: int) -> np.ndarray:
    """Latents (n*n, 2) at the centres of an n x n grid of pad cells, row by row."""
    centres = (np.arange(n) + 0.5) / n
    return np.stack([pad_to_latent_2d(u, v) for v in centres for u in centres])


def slerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """Spherical interpolation from a (t=0) to b (t=1), also interpolating the norm.

    The direction moves along the great circle; the norm moves linearly between |a| and |b|,
    so anchors of different norms still meet exactly at the ends.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na < 1e-12 or nb < 1e-12:
        return ((1 - t) * a + t * b).astype(np.float32)
    ua, ub = a / na, b / nb
    omega = math.acos(float(np.clip(np.dot(ua, ub), -1.0, 1.0)))
    if omega < 1e-6:  # (nearly) parallel: lerp is exact enough and avoids 0/0
        direction = (1 - t) * ua + t * ub
    else:
        direction = (math.sin((1 - t) * omega) * ua + math.sin(t * omega) * ub) / math.sin(omega)
    direction /= max(np.linalg.norm(direction), 1e-12)
    return (direction * ((1 - t) * na + t * nb)).astype(np.float32)


def pad_to_latent_corners(corners: np.ndarray, u: float, v: float) -> np.ndarray:
    """Point on the plane through four anchors (4, D): top-left, top-right, bottom-left,
    bottom-right; slerp along the top and bottom edges, then between them."""
    corners = np.asarray(corners)
    if corners.ndim != 2 or corners.shape[0] != 4:
        raise ValueError(f"expected four corner latents (4, D), got {corners.shape}")
    u, v = _clip_unit(u), _clip_unit(v)
    top = slerp(corners[0], corners[1], u)
    bottom = slerp(corners[2], corners[3], u)
    return slerp(top, bottom, v)


def morph_path(a: np.ndarray, b: np.ndarray, frames: int) -> np.ndarray:
    """``frames`` latents (frames, D) from a to b inclusive, evenly spaced along the slerp."""
    if frames < 2:
        raise ValueError("a morph needs at least two frames")
    return np.stack([slerp(a, b, i / (frames - 1)) for i in range(frames)])


def atlas_latents_corners(corners: np.ndarray, n: int) -> np.ndarray:
    """Latents (n*n, D) at the centres of an n x n grid of pad cells on the corner plane."""
    centres = (np.arange(n) + 0.5) / n
    return np.stack([pad_to_latent_corners(corners, u, v) for v in centres for u in centres])


def _slerp_many(a: np.ndarray, b: np.ndarray, ts: np.ndarray) -> np.ndarray:
    """:func:`slerp` from a to b at every t of ``ts``: (len(ts), D), float64."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    ts = np.asarray(ts, np.float64)[:, None]
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na < 1e-12 or nb < 1e-12:
        return (1 - ts) * a + ts * b
    ua, ub = a / na, b / nb
    omega = math.acos(float(np.clip(np.dot(ua, ub), -1.0, 1.0)))
    if omega < 1e-6:
        direction = (1 - ts) * ua + ts * ub
    else:
        direction = (np.sin((1 - ts) * omega) * ua + np.sin(ts * omega) * ub) / math.sin(omega)
    direction /= np.maximum(np.linalg.norm(direction, axis=1, keepdims=True), 1e-12)
    return direction * ((1 - ts) * na + ts * nb)


def nearest_pad_point(corners: np.ndarray, z: np.ndarray, n: int = 33) -> tuple[float, float]:
    """The pad point (u, v) whose latent on the corner plane is nearest to ``z`` (a latent
    that need not lie on the plane, such as an encoded image): the best of an n x n grid,
    then of a grid as fine again around it."""
    corners = np.asarray(corners, np.float64)
    z = np.asarray(z, np.float64)
    us = vs = np.linspace(0.0, 1.0, n)
    for _ in range(2):
        top = _slerp_many(corners[0], corners[1], us)
        bottom = _slerp_many(corners[2], corners[3], us)
        # distance[i, j]: pad point (us[i], vs[j])
        distance = np.stack([((_slerp_many(t, b, vs) - z) ** 2).sum(axis=1)
                             for t, b in zip(top, bottom, strict=True)])
        i, j = np.unravel_index(int(np.argmin(distance)), distance.shape)
        u, v = float(us[i]), float(vs[j])
        half = 1.0 / (n - 1)
        us = np.clip(np.linspace(u - half, u + half, n), 0.0, 1.0)
        vs = np.clip(np.linspace(v - half, v + half, n), 0.0, 1.0)
    return u, v


class PadPlane:
    """The plane the pad shows, in one place for every front end: a 2-D model's own latent
    plane (``corners`` None), or the curved plane through four corner anchors (4, D).
    ``latent_at`` maps a pad point to its latent; ``point_of`` a latent to the pad point that
    shows it (exactly on a 2-D plane, the nearest point of a corner plane)."""

    def __init__(self, latent_dim: int, corners: np.ndarray | None = None) -> None:
        if corners is None and latent_dim != 2:
            raise ValueError(f"a {latent_dim}-D latent needs four corners to span a pad")
        if corners is not None:
            corners = np.asarray(corners, np.float32)
            if corners.shape != (4, latent_dim):
                raise ValueError(f"expected four corner latents (4, {latent_dim}), "
                                 f"got {corners.shape}")
        self.latent_dim, self.corners = latent_dim, corners

    @property
    def is_latent_plane(self) -> bool:
        return self.corners is None

    def latent_at(self, u: float, v: float) -> np.ndarray:
        """The latent (D,) float32 under pad point (u, v)."""
        if self.corners is None:
            return pad_to_latent_2d(u, v)
        return pad_to_latent_corners(self.corners, u, v)

    def latents_at(self, points: np.ndarray) -> np.ndarray:
        """Latents (m, D) for pad points (m, 2)."""
        return np.stack([self.latent_at(float(u), float(v)) for u, v in np.asarray(points)])

    def point_of(self, z: np.ndarray, fine: int = 33) -> tuple[float, float]:
        """The pad point whose latent is ``z`` (2-D), or nearest to it (corner plane; ``fine``
        sets the search grid)."""
        if self.corners is None:
            u, v = latent_2d_to_pad(np.asarray(z)[None, :])[0]
            return float(u), float(v)
        return nearest_pad_point(self.corners, z, n=fine)
