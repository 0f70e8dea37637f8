"""Genes whose step depends on the latent (a slope): how latents follow them, how they are
kept and checked, and how the slope is fitted from each sample's own transformed copies."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from genai_studio.core.errors import ModelFileError, UsageError
from genai_studio.core.genes import genes as genes_mod
from genai_studio.core.genes import record
from genai_studio.core.genes.genes import Gene, GeneSet, Steering
from genai_studio.core.genes.record import from_json


def _set(slope_scale: float = 0.1, dim: int = 3) -> GeneSet:
    centre = np.full(dim, 0.5, np.float32)
    sloped = Gene("slant", np.zeros(dim, np.float32), "u", "h", slope=slope_scale
                  * np.eye(dim, dtype=np.float32), centre=centre)
    straight = Gene("thickness", np.eye(dim, dtype=np.float32)[0], "u", "h")
    return GeneSet("0" * 64, dim, (sloped, straight))


def test_a_sloped_gene_moves_each_latent_by_its_own_step():
    """dz/dt = v W (z - c) with W = w I: each latent moves away from c in proportion to how
    far it is, (1 + v w / 8)^8 with the eight Euler steps, close to the flow's e^(v w)."""
    genes, w, v = _set(0.1), 0.1, 2.0
    z = np.array([[0.5, 0.5, 0.5], [1.5, 0.5, -0.5], [4.5, 0.5, 0.5]], np.float32)
    out = genes.apply(z, {"slant": v})
    growth = (1 + v * w / genes_mod.SLOPE_STEPS) ** genes_mod.SLOPE_STEPS
    assert np.allclose(out, 0.5 + (z - 0.5) * growth, atol=1e-5)
    assert np.allclose(out - 0.5, (z - 0.5) * np.exp(v * w), rtol=0.01, atol=1e-6)
    steps = out - z
    assert np.allclose(steps[0], 0) and not np.allclose(steps[1], steps[2])


def test_genes_without_a_slope_still_take_one_straight_step_together_with_sloped_ones():
    genes = _set(0.0)  # a zero slope: every latent the same step, as a straight gene's
    z = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    both = genes.apply(z, {"slant": 1.5, "thickness": -2.0})
    assert np.allclose(both, z + np.array([-2.0, 0, 0]), atol=1e-5)
    straight = genes.apply(z, {"thickness": 1.0})
    assert np.array_equal(straight, z + np.eye(3, dtype=np.float32)[0])
    assert np.allclose(Steering(genes, (("thickness", 1.0),))(z), straight)


def test_latents_of_another_size_or_an_unknown_gene_are_refused():
    genes = _set()
    with pytest.raises(UsageError, match="latent of 3 numbers"):
        genes.apply(np.zeros((2, 4), np.float32), {"slant": 1.0})
    with pytest.raises(UsageError, match="no gene called"):
        genes.apply(np.zeros((2, 3), np.float32), {"curl": 1.0})


def test_a_slope_survives_the_sidecar_and_a_damaged_one_is_one_clear_error(monkeypatch):
    genes = _set(0.123456)
    back = from_json(genes.to_json())
    assert np.allclose(back.get("slant").slope, genes.get("slant").slope)
    assert np.allclose(back.get("slant").centre, 0.5) and back.get("thickness").slope is None
    z = np.random.default_rng(1).standard_normal((4, 3)).astype(np.float32)
    assert np.allclose(back.apply(z, {"slant": 2.0}), genes.apply(z, {"slant": 2.0}))
    good = json.loads(genes.to_json())
    good["model_sha256"] = "a" * 64
    for damage in (lambda g: g.update(slope=g["slope"][:2]),
                   lambda g: g.update(slope=[[1.0, 2.0]] * 3),
                   lambda g: g.update(slope=[["x"] * 3] * 3),
                   lambda g: g.update(slope=[[1e9] * 3] * 3),
                   lambda g: g.update(slope=[[100.0] * 3] * 3),  # finite, but far too large
                   lambda g: g.update(slope=7),
                   lambda g: g.pop("centre"),
                   lambda g: g.update(centre=[0.0])):
        data = json.loads(json.dumps(good))
        damage(data["genes"][0])
        with pytest.raises(ModelFileError, match="slope|centre"):
            from_json(json.dumps(data))
    monkeypatch.setattr(record, "MAX_SLOPE_DIM", 2)  # a slope is D x D: large D refused
    with pytest.raises(ModelFileError, match="slope"):
        from_json(json.dumps(good))


def test_the_slope_is_fitted_from_each_sources_own_step():
    """Sources whose own step is b + W (z_g - centre): the fit finds W against where each
    source was drawn (ridge shrinks it by about 1 / (1 + lambda) for latents of unit
    spread)."""
    from genai_studio.core.genes.paired import SLOPE_RIDGE, _slope

    rng = np.random.default_rng(2)
    dim, sources, strengths = 4, 400, np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    where = rng.standard_normal((sources, dim))
    true_w = rng.standard_normal((dim, dim)) * 0.3
    own = np.array([1.0, 0, 0, 0]) + where @ true_w.T  # (sources, D) per unit of the measure
    z = (where[None] + strengths[:, None, None] * own[None]).reshape(-1, dim)
    m = np.repeat(strengths, sources)
    groups = np.tile(np.arange(sources), len(strengths))
    zc = z - where[groups]
    sources = where + 0.1 * rng.standard_normal(where.shape)  # drawn near their copies
    w, centre = _slope(sources, zc, m, groups, np.ones(dim))
    assert np.allclose(centre, sources.mean(axis=0), atol=1e-6)
    assert np.allclose(w * (1 + SLOPE_RIDGE), true_w, atol=0.06)


def test_a_gene_that_keeps_the_norm_moves_latents_over_their_sphere():
    """A GAN's latents lie near the sphere of radius sqrt(D): such a gene turns them over it,
    leaving coordinates no gene moves (a clustered GAN's cluster coordinates) as they were."""
    dim = 6
    vector = np.array([1.0, 0.5, -0.5, 0.0, 0.0, 0.0], np.float32)
    genes = GeneSet("0" * 64, dim, (Gene("slant", vector, "u", "h", keep_norm=True),))
    z = np.random.default_rng(3).standard_normal((5, dim)).astype(np.float32)
    z[:, -1] = [0.0, 1.0, 0.0, 1.0, 0.0]  # a cluster coordinate: no gene moves it
    out = genes.apply(z, {"slant": 2.0})
    moves = vector != 0
    assert np.allclose(np.linalg.norm(out[:, moves], axis=1),
                       np.linalg.norm(z[:, moves], axis=1), rtol=1e-5)
    assert np.all(np.abs(out[:, moves] - z[:, moves]).max(axis=1) > 0.1)
    assert np.array_equal(out[:, ~moves], z[:, ~moves])  # coordinates it does not move stay
    straight = GeneSet("0" * 64, dim, (Gene("slant", vector, "u", "h"),))
    assert not np.allclose(straight.apply(z, {"slant": 2.0}), out)
    back = from_json(genes.to_json())
    assert back.get("slant").keep_norm and np.allclose(back.apply(z, {"slant": 2.0}), out)
    data = json.loads(genes.to_json())
    data["model_sha256"] = "a" * 64
    data["genes"][0]["keep_norm"] = "yes"
    with pytest.raises(ModelFileError, match="keep_norm"):
        from_json(json.dumps(data))


def test_a_norm_keeping_gene_leaves_the_other_genes_steps_alone():
    """Moved together, a gene that keeps the norm turns the latent and a straight gene still
    lengthens it by its own step (rescaling the whole latent took the straight gene's effect
    away); at the origin, where no sphere passes, the turning gene steps off it."""
    # it moves (and so turns the latent on) the first two coordinates; the third is a cluster's
    turning = Gene("slant", np.array([0.01, 1.0, 0.0], np.float32), "u", "h", keep_norm=True)
    outward = Gene("ink", np.array([1.0, 0.0, 0.0], np.float32), "u", "h")
    genes = GeneSet("0" * 64, 3, (turning, outward))
    z = np.array([[3.0, 0.0, 0.0]], np.float32)
    alone = genes.apply(z, {"slant": 1.0})
    assert np.linalg.norm(alone[0, :2]) == pytest.approx(3.0, rel=1e-5)
    assert alone[0, 1] > 0.9  # turned towards +y by about one unit
    both = genes.apply(z, {"slant": 1.0, "ink": 1.0})
    assert np.linalg.norm(both[0, :2]) > 3.8  # ink's unit of length is still there
    origin = genes.apply(np.zeros((1, 3), np.float32), {"slant": 1.0})
    assert origin[0, 1] > 0.1 and origin[0, 2] == 0.0


def test_only_a_set_with_curved_genes_is_written_as_version_2():
    """An older studio reads version 1 and would apply a slope as a straight step: a set with
    a slope (or a gene keeping the norm) is written as version 2, which it refuses."""
    assert json.loads(_set().to_json())["version"] == 2
    straight = GeneSet("0" * 64, 3, (Gene("thickness", np.ones(3, np.float32), "u", "h"),))
    assert json.loads(straight.to_json())["version"] == 1
    data = json.loads(_set().to_json())
    data["model_sha256"], data["version"] = "a" * 64, genes_mod.VERSION + 1
    with pytest.raises(ModelFileError, match="newer"):
        from_json(json.dumps(data))
    data["version"] = 2
    assert from_json(json.dumps(data)).get("slant").slope is not None


def test_a_damaged_slope_that_sends_latents_beyond_any_number_is_one_clear_error():
    dim = 3
    wild = Gene("slant", np.zeros(dim, np.float32), "u", "h",
                slope=np.full((dim, dim), 1e3, np.float32), centre=np.full(dim, -1e3, np.float32))
    genes = GeneSet("0" * 64, dim, (wild,))
    with pytest.raises(UsageError, match="beyond any number"):
        genes.apply(np.zeros((1, dim), np.float32), {"slant": 3.0})
    # from disk, a slope within every bound whose path still runs off is refused on load
    steep = Gene("slant", np.zeros(dim, np.float32), "u", "h",
                 slope=np.full((dim, dim), 16.0, np.float32),
                 centre=np.full(dim, -900.0, np.float32))
    data = json.loads(GeneSet("0" * 64, dim, (steep,)).to_json())
    data["model_sha256"] = "a" * 64
    with pytest.raises(ModelFileError, match="beyond any number"):
        from_json(json.dumps(data))


def test_how_a_gene_was_found_says_whether_it_has_a_slope_or_keeps_the_norm():
    from genai_studio.core.genes.finding import _paired_tries
    from genai_studio.core.genes.paired import PairedStep

    found = PairedStep(np.ones(3), 0.1 * np.eye(3), np.zeros(3), "sheared")
    tries = _paired_tries(found, np.zeros((3, 0)), np.ones(3))
    words = {(t.slope is not None, t.keep_norm): t.how for t in tries}
    assert set(words) == {(True, False), (False, False), (True, True), (False, True)}
    for (sloped, norm), how in words.items():
        assert ("changes across the latents" in how) == sloped
        assert ("kept at their length" in how) == norm


class _ApplyingProbe:
    """Calibration without a model: the measure is the latents' mean first coordinate, read
    from the latents the candidate moves them to (so a runaway path raises as it would)."""

    classes = None

    def __init__(self) -> None:
        self.z = np.random.default_rng(0).standard_normal((50, 3)).astype(np.float32)

    def change(self, name, candidate, value):  # noqa: ANN001, ANN201
        moved = GeneSet("0" * 64, 3, (candidate.gene(name),)).apply(self.z, {name: value})
        return {name: float((moved - self.z)[:, 0].mean())}


def test_a_found_step_whose_path_runs_off_is_passed_over_for_the_next():
    """A slope scaled up until its path sends latents beyond any number (a file holding it
    would be refused on load) is no gene: finding takes the next candidate instead of
    failing (it did, with "these genes move the latent beyond any number")."""
    from genai_studio.core.genes.calibration import Candidate, choose
    from genai_studio.core.genes.genes import path_runs_off

    step = np.array([1.0, 0.0, 0.0])
    runaway = Candidate(step, 40.0 * np.eye(3), np.zeros(3, np.float32), "sloped")
    plain = Candidate(step, None, None, "plain")
    assert path_runs_off(runaway.gene("slant"), 3)
    assert not path_runs_off(replace(runaway, slope=0.05 * np.eye(3)).gene("slant"), 3)
    gene = choose("slant", [runaway, plain], _ApplyingProbe(), 0.9, 1.0)
    assert gene is not None and gene.slope is None and gene.how.startswith("plain")
    assert choose("slant", [runaway], _ApplyingProbe(), 0.9, 1.0) is None
