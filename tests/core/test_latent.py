"""Pad <-> latent maths: the mappings the latent pad relies on."""

import numpy as np
import pytest

from genai_studio.core.latent import pad as latent


def test_pad_centre_is_latent_origin_and_axes_point_the_right_way():
    assert np.allclose(latent.pad_to_latent_2d(0.5, 0.5), [0.0, 0.0], atol=1e-6)
    right_top = latent.pad_to_latent_2d(1.0, 0.0)
    assert right_top[0] == pytest.approx(latent.PAD_SIGMA, abs=1e-4)
    assert right_top[1] == pytest.approx(latent.PAD_SIGMA, abs=1e-4)  # top of the pad = +y


def test_inverse_cdf_spreads_prior_mass_evenly():
    # The pad's middle half holds the middle half of the prior: |z| <= 0.674 (the quartile).
    z = latent.pad_to_latent_2d(0.75, 0.5)
    assert abs(z[0]) == pytest.approx(0.6745 * 1.0, rel=0.02)


def test_round_trip_pad_latent_pad():
    pts = np.array([[0.1, 0.9], [0.5, 0.5], [0.33, 0.2]])
    z = np.stack([latent.pad_to_latent_2d(u, v) for u, v in pts])
    assert np.allclose(latent.latent_2d_to_pad(z), pts, atol=1e-4)


def test_atlas_grid_shape_and_order():
    z = latent.atlas_latents_2d(4)
    assert z.shape == (16, 2)
    assert z[0, 0] < z[1, 0]  # moving right along a row raises x
    assert z[0, 1] > z[4, 1]  # moving down a row lowers y


def test_slerp_keeps_norm_where_lerp_shrinks_it():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(64), rng.standard_normal(64)
    mid = latent.slerp(a, b, 0.5)
    lerp_mid = (a + b) / 2
    expected = (np.linalg.norm(a) + np.linalg.norm(b)) / 2
    assert np.linalg.norm(mid) == pytest.approx(expected, rel=1e-4)
    assert np.linalg.norm(lerp_mid) < 0.8 * expected
    assert np.allclose(latent.slerp(a, b, 0.0), a, atol=1e-5)
    assert np.allclose(latent.slerp(a, b, 1.0), b, atol=1e-5)


def test_slerp_parallel_vectors_do_not_divide_by_zero():
    a = np.ones(8)
    assert np.all(np.isfinite(latent.slerp(a, 2 * a, 0.5)))


def test_corner_plane_hits_each_anchor():
    corners = np.random.default_rng(1).standard_normal((4, 16)).astype(np.float32)
    for (u, v), k in zip([(0, 0), (1, 0), (0, 1), (1, 1)], range(4), strict=True):
        assert np.allclose(latent.pad_to_latent_corners(corners, u, v), corners[k], atol=1e-5)
    with pytest.raises(ValueError):
        latent.pad_to_latent_corners(corners[:3], 0.5, 0.5)


def test_morph_path_endpoints_and_length():
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal(8), rng.standard_normal(8)
    path = latent.morph_path(a, b, 5)
    assert path.shape == (5, 8)
    assert np.allclose(path[0], a, atol=1e-5) and np.allclose(path[-1], b, atol=1e-5)
    with pytest.raises(ValueError):
        latent.morph_path(a, b, 1)


def test_unclipped_inverse_marks_points_off_the_pad():
    far = np.array([[10.0, 0.0], [0.0, 0.0]])
    pad = latent.latent_2d_to_pad(far, clip=False)
    assert pad[0, 0] > 1.0 and 0.0 <= pad[1, 0] <= 1.0
    assert latent.latent_2d_to_pad(far)[0, 0] == 1.0
