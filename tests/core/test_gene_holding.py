"""Holding the digit (``core.genes.holding``): a gene with a transformation moves a latent by
its step, then the latent is pulled to the model's own drawing of the digit it started from,
transformed by the slider's amount; what that does is measured with the gene and kept."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from genai_studio.core.errors import ModelFileError
from genai_studio.core.genes import holding
from genai_studio.core.genes.finding import artist_gene, find_genes
from genai_studio.core.genes.genes import HOLDABLE, Gene, GeneSet, Steering
from genai_studio.core.genes.measures import measure
from genai_studio.core.genes.paired import TRANSFORMS
from genai_studio.core.genes.record import from_json
from genai_studio.core.latent.sampling import decode, sample
from tests.core.test_genes import LeanAndKind

BLOB = (slice(3, 10), slice(19, 26))  # where LeanAndKind draws its kind of digit


@pytest.fixture(scope="module")
def leaky():
    """LeanAndKind with its slant found across samples: a step that leans the stroke *and*
    grows the blob (slanted samples more often have one), as a fragile model's genes do."""
    torch.manual_seed(0)
    model = LeanAndKind().eval()
    genes = find_genes(model, n=800, calibration=200, pairs=0)
    return model, genes


def _blob(images: np.ndarray) -> np.ndarray:
    return images[:, BLOB[0], BLOB[1]].mean(axis=(1, 2))


def test_holding_keeps_the_kind_of_digit_the_step_alone_changes(leaky):
    model, genes = leaky
    slant = genes.get("slant")
    assert slant.holds() and abs(slant.vector[1]) > 0.2 * abs(slant.vector[0])
    z = np.zeros((24, 4), np.float32)
    z[:, 0] = np.linspace(-1.0, 1.0, 24)
    z[:, 1] = -1.0  # a faint blob: the kind of digit that must stay
    steering = Steering(genes, (("slant", 2.0),))
    base, path = decode(model, z), decode(model, steering(z))
    held = decode(model, steering.move(model, z))
    assert _blob(path).mean() - _blob(base).mean() > 0.1  # the step alone grows the blob
    assert abs(_blob(held).mean() - _blob(base).mean()) < 0.3 * (_blob(path).mean()
                                                                 - _blob(base).mean())
    leaned = (measure(held)["slant"] - measure(base)["slant"]).mean() / slant.sigma
    assert leaned > 1.0  # and the stroke still leans, as far as +2 asked (within the model)


def test_what_a_held_gene_does_is_measured_and_is_what_the_panel_reads(leaky):
    _model, genes = leaky
    slant = genes.get("slant")
    assert len(slant.held) == 4 and slant.held[0] > 0.5 and slant.held[2] < -0.5
    assert slant.measured(1.0) == pytest.approx(slant.held[0])
    assert slant.measured(-2.0) == pytest.approx(slant.held[3])
    assert f"measured {slant.held[0]:+.2f}" in slant.describe_effect(1.0)


def test_strengths_move_the_measure_by_their_units_on_the_models_samples(leaky):
    model, genes = leaky
    slant = genes.get("slant")
    images = sample(model, 200, seed=5).images
    s = holding.strengths_for("slant", images, slant.sigma)
    assert s[0] > 0 > s[2] and abs(s[1]) > abs(s[0]) and abs(s[3]) > abs(s[2])
    x = torch.from_numpy(images)[:, None]
    moved = TRANSFORMS["slant"][0](x, torch.full((len(x),), s[1]))[:, 0].numpy()
    change = (measure(moved)["slant"] - measure(images)["slant"]).mean() / slant.sigma
    assert change == pytest.approx(2.0, abs=0.05)
    assert holding.strength_at(slant, 0.5) == pytest.approx(slant.strengths[0] / 2)


def test_genes_without_a_transformation_move_along_their_step_alone(leaky):
    model, genes = leaky
    z = np.random.default_rng(2).standard_normal((8, 4)).astype(np.float32)
    mine = genes.with_gene(artist_gene("mine", np.ones((2, 4)), np.zeros((2, 4)),
                                       np.random.default_rng(1).standard_normal((50, 4))))
    steering = Steering(mine, (("mine", 1.5),))
    assert np.array_equal(steering.move(model, z), steering(z))
    assert not mine.get("mine").holds()


def test_sampling_with_genes_returns_the_held_latents(leaky):
    model, genes = leaky
    steering = Steering(genes, (("slant", 1.5),))
    drawn = sample(model, 6, seed=9, steer=steering)
    assert np.allclose(drawn.latents, steering.move(model, drawn.base), atol=1e-5)
    assert not np.allclose(drawn.latents, steering(drawn.base), atol=1e-3)


def _held_slant(path, step: float):  # noqa: ANN001, ANN202
    """(a model file's model, slant +1 on a made-up held gene of it)."""
    from genai_studio.core.store.checkpoints import load_model

    model = load_model(path).model.eval()
    dim = model.latent_dim
    slant = Gene("slant", np.full(dim, step, np.float32), "", "", sigma=10.0,
                 strengths=(0.3, 0.6, -0.3, -0.6), held=(1.0, 2.0, -1.0, -2.0))
    return model, Steering(GeneSet("0" * 64, dim, (slant,)), (("slant", 1.0),))


def test_holding_works_inside_inference_mode_and_leaves_no_gradients(gan_file):
    """The window decodes in inference mode with the same model on other threads."""
    model, steering = _held_slant(gan_file, 0.1)
    z = sample(model, 4, seed=3).latents
    with torch.inference_mode():
        moved = steering.move(model, z)
    assert moved.shape == z.shape and np.isfinite(moved).all()
    assert not np.allclose(moved, steering(z), atol=1e-4)  # held: not the step alone
    assert all(p.grad is None for p in model.parameters())


def test_the_holdable_genes_are_those_with_a_transformation():
    assert set(HOLDABLE) == set(TRANSFORMS)


def test_held_genes_round_trip_through_their_file(leaky):
    _model, genes = leaky
    back = from_json(genes.to_json()).get("slant")
    assert back.strengths == pytest.approx(genes.get("slant").strengths, abs=1e-4)
    assert back.held == pytest.approx(genes.get("slant").held, abs=1e-4)


@pytest.mark.parametrize("damage", [
    lambda g: g.update(strengths=[0.1, 0.2]),
    lambda g: g.update(strengths=[0.1, 0.2, -0.1, 1e9]),
    lambda g: g.update(strengths=[0.1, 0.2, -0.1, -5.0]),  # a shear's tan of 5: no digit
    lambda g: g.update(strengths=[0.1, -0.2, -0.1, -0.2]),  # +2 the other way from +1
    lambda g: g.update(strengths=[0.1, 0.2, 0.1, 0.2]),  # both sides the same way
    lambda g: g.update(held=["a", 1, 1, 1]),
    lambda g: g.update(held=[1, 2, -1, -900]),
    lambda g: g.pop("strengths"),  # a held effect with nothing to hold it by
    lambda g: g.update(name="ink"),  # no transformation to hold it by
    lambda g: g.update(source="artist"),
    lambda g: g.update(name="brightness", strengths=[100.0, 200.0, -100.0, -200.0]),  # 2^200
])
def test_a_damaged_hold_in_a_genes_file_is_one_clear_error(leaky, damage):
    data = json.loads(leaky[1].to_json())
    data["model_sha256"] = "a" * 64
    data["genes"] = [g for g in data["genes"] if g["name"] == "slant"]
    damage(data["genes"][0])
    with pytest.raises(ModelFileError):
        from_json(json.dumps(data))




def test_attributes_report_what_a_held_gene_does_and_the_strengths_it_holds_by(leaky, tmp_path):
    from genai_studio.cli.genes import attributes_report

    _model, genes = leaky
    rows = {r["name"]: r for r in attributes_report(genes, tmp_path / "m.genes.json")["genes"]}
    held = rows["slant"]["held_to_the_digit"]
    assert held["measured_effect"]["+2"] == pytest.approx(genes.get("slant").held[1])
    assert held["strengths"] == pytest.approx(list(genes.get("slant").strengths))


def test_a_side_whose_held_digits_keep_their_class_less_often_than_the_steps_is_not_held(leaky):
    """With the judge, each side is held only where its held digits at +-2 keep their class
    at least as often as the step's own: here a judge that knows the step's digits at -2 (and
    the digits before) as one class, and anything else as another."""
    from genai_studio.core.genes.holding import HELD_SAMPLES, with_hold

    model, genes = leaky
    slant = genes.get("slant")
    drawn = sample(model, 200, seed=11)
    z = drawn.latents[:HELD_SAMPLES]
    known = {x.tobytes() for x in decode(model, z)} | {
        x.tobytes() for x in decode(model, GeneSet("0" * 64, 4, (slant,)).apply(
            z, {"slant": -2.0}))}

    def judge(images: np.ndarray) -> np.ndarray:
        return np.eye(2)[[0 if x.tobytes() in known else 1 for x in images]]

    held = with_hold(model, slant, drawn.images, drawn.latents, None, judge)
    assert held.strengths[0] > 0 and held.strengths[2:] == (0.0, 0.0)
    assert held.held[2:] == slant.effect[2:]  # that side moves, and is measured, by its step
    assert held.holds(1.0) and not held.holds(-1.0)
    one = GeneSet("0" * 64, 4, (held,))
    assert np.array_equal(holding.hold(model, one, {"slant": -1.0}, z),
                          one.apply(z, {"slant": -1.0}))
    assert not np.allclose(holding.hold(model, one, {"slant": 1.0}, z),
                           one.apply(z, {"slant": 1.0}), atol=1e-3)


def test_a_conditional_model_is_held_with_its_labels_and_refused_without(cvae_file):
    from genai_studio.core.errors import UsageError

    model, steering = _held_slant(cvae_file, 0.3)
    drawn = sample(model, 6, seed=2, label=7)
    assert np.isfinite(steering.move(model, drawn.latents, drawn.labels)).all()
    with pytest.raises(UsageError, match="labels"):
        steering.move(model, drawn.latents)
    held = sample(model, 6, seed=2, label=7, steer=steering)
    assert np.allclose(held.latents, steering.move(model, held.base, held.labels), atol=1e-4)


def test_a_colour_gene_on_a_grey_model_moves_along_its_step(leaky):
    model, _genes = leaky
    hue = Gene("hue", np.array([0.5, 0, 0, 0], np.float32), "", "", sigma=30.0,
               strengths=(30.0, 60.0, -30.0, -60.0), held=(1.0, 2.0, -1.0, -2.0))
    genes = GeneSet("0" * 64, 4, (hue,))
    z = np.zeros((3, 4), np.float32)
    assert np.array_equal(holding.hold(model, genes, {"hue": 1.0}, z),
                          genes.apply(z, {"hue": 1.0}))


def test_holding_a_large_grid_can_be_cancelled_between_chunks(leaky):
    model, genes = leaky
    calls = []

    def check() -> None:
        calls.append(1)
        if len(calls) > 1:
            raise InterruptedError

    z = np.zeros((holding.CHUNK + 5, 4), np.float32)
    with pytest.raises(InterruptedError):
        Steering(genes, (("slant", 1.0),)).move(model, z, check=check)
    assert len(calls) == 2
