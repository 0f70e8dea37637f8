"""Breeding: crossover and mutation, lineage that re-makes every child, lineage in provenance
(old records still read), and the ``attributes``, ``sample --set`` and ``breed`` commands."""

from __future__ import annotations

import json

import numpy as np
import pytest

from genai_studio.core.errors import ImageFileError, UsageError
from genai_studio.core.export.provenance import Provenance, from_json
from genai_studio.core.genes.breeding import Lineage, Parent, breed
from tests.core.test_cli import run_cli

SHA = "a" * 64


def _parents(k: int = 2, dim: int = 16, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((k, dim)).astype(np.float32)


def test_the_same_seed_breeds_the_same_children_and_the_first_n_stay():
    p = _parents(3)
    a, _ = breed(p, 10, 0.3, seed=7)
    b, _ = breed(p, 10, 0.3, seed=7)
    more, _ = breed(p, 25, 0.3, seed=7)
    other, _ = breed(p, 10, 0.3, seed=8)
    assert np.array_equal(a, b) and np.array_equal(more[:10], a) and not np.allclose(a, other)


def test_spread_zero_takes_every_coordinate_from_a_parent():
    p = _parents(2)
    children, _ = breed(p, 20, 0.0, seed=1)
    from_a, from_b = np.isclose(children, p[0]), np.isclose(children, p[1])
    assert np.all(from_a | from_b)
    assert 0.3 < from_a.mean() < 0.7  # about half from each
    assert not np.all(from_a.all(axis=1) | from_b.all(axis=1))  # mixed, not copies


def test_spread_keeps_the_prior_and_grows_the_distance_to_the_parents():
    p = _parents(2, dim=64)
    near, _ = breed(p, 400, 0.2, seed=2)
    far, _ = breed(p, 400, 0.9, seed=2)
    for kids in (near, far):
        assert kids.std() == pytest.approx(p.std(), rel=0.2)  # N(0, I) stays N(0, I)
    gap = [np.linalg.norm(k[:, None, :] - p[None], axis=2).min(axis=1).mean() for k in (near, far)]
    assert gap[0] < gap[1]


def test_cluster_coordinates_are_inherited_whole_and_digits_follow_a_parent():
    p = _parents(2, dim=8)
    free = np.array([1, 1, 1, 1, 1, 1, 0, 0])
    kids, labels = breed(p, 50, 0.5, seed=3, free=free, labels=np.array([4, 9]))
    tails = kids[:, 6:]
    assert all(np.allclose(t, p[0, 6:]) or np.allclose(t, p[1, 6:]) for t in tails)
    assert set(labels.tolist()) <= {4, 9}
    for tail, label in zip(tails, labels, strict=True):  # the digit comes with the cluster
        assert np.allclose(tail, p[0, 6:]) == (label == 4)


@pytest.mark.parametrize("call", [
    lambda: breed(_parents(1), 4, 0.3, 0),
    lambda: breed(_parents(2), 0, 0.3, 0),
    lambda: breed(_parents(2), 4, 1.5, 0),
    lambda: breed(np.full((2, 4), np.nan), 4, 0.3, 0),
])
def test_breeding_refuses_what_makes_no_sense(call):
    with pytest.raises(UsageError):
        call()


def _lineage(dim: int = 6, index: int | None = None) -> Lineage:
    p = _parents(2, dim)
    return Lineage((Parent(p[0], SHA, 11, None, "tile 1"), Parent(p[1], SHA, None, None, "x.png")),
                   seed=5, spread=0.25, count=9, index=index)


def test_a_lineage_remakes_its_children_and_round_trips_through_provenance():
    lineage = _lineage()
    kids, _ = lineage.children()
    prov = Provenance(model_name="m", model_sha256=SHA, latent=kids[2:3], kind="tile",
                      sample_count=9, tile_index=2, lineage=lineage.one(2))
    back = from_json(prov.to_json())
    assert back.lineage.index == 2 and back.lineage.seed == 5 and back.lineage.count == 9
    again, _ = back.lineage.children()
    assert np.array_equal(again, kids) and np.allclose(back.latent[0], kids[2])
    assert [p.seed for p in back.lineage.parents] == [11, None]
    assert json.loads(prov.to_json())["version"] == 2 and "bred" in prov.summary()


def test_records_without_lineage_stay_version_1_and_old_ones_still_read():
    old = Provenance(model_name="m", model_sha256=SHA, latent=np.zeros((1, 3), np.float32),
                     seed=3, sample_count=4, tile_index=0)
    data = json.loads(old.to_json())
    assert data["version"] == 1 and "lineage" not in data and "genes" not in data
    assert from_json(json.dumps(data)) == old
    steered = Provenance(model_name="m", model_sha256=SHA, latent=np.zeros((1, 3), np.float32),
                         genes={"slant": 1.5})
    assert from_json(steered.to_json()).genes == {"slant": 1.5}


@pytest.mark.parametrize("damage", [
    lambda d: d["lineage"].update(parents=[]),
    lambda d: d["lineage"].update(spread=2),
    lambda d: d["lineage"].update(count=10**9),
    lambda d: d["lineage"].update(index=99),
    lambda d: d["lineage"]["parents"][0].update(latent=[1.0]),
    lambda d: d["lineage"]["parents"][0].update(model_sha256="zz"),
    lambda d: d["lineage"]["parents"][0].update(seed=-1),
    lambda d: d.update(genes={"slant": "a lot"}),
    lambda d: d.update(version=3),
])
def test_a_damaged_lineage_is_one_clear_error(damage):
    lineage = _lineage()
    prov = Provenance(model_name="m", model_sha256=SHA, latent=lineage.children()[0][:1],
                      lineage=lineage)
    data = json.loads(prov.to_json())
    damage(data)
    with pytest.raises(ImageFileError):
        from_json(json.dumps(data))


# ---- the commands --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def model_copy(vae_file, tmp_path_factory):
    import shutil

    folder = tmp_path_factory.mktemp("genes-cli")
    return shutil.copy(vae_file, folder / "v.safetensors")


def test_attributes_lists_genes_as_json_and_keeps_them_beside_the_model(capsys, model_copy):
    from pathlib import Path

    code, out, err = run_cli(capsys, "attributes", model_copy, "--json", "--threads", "1")
    assert code == 0, err
    report = json.loads(out)
    assert report["genes"] and Path(report["sidecar"]).exists()
    for gene in report["genes"]:
        assert {"name", "unit", "how", "measured_effect", "held_to_the_digit"} <= set(gene)
    for gene in (g for g in report["genes"] if g["held_to_the_digit"] is not None):
        assert set(gene["held_to_the_digit"]["measured_effect"]) == {"+1", "+2", "-1", "-2"}
    code, out2, err2 = run_cli(capsys, "attributes", model_copy, "--threads", "1")
    assert code == 0 and "found" not in err2 and report["genes"][0]["name"] in out2


def test_sample_set_moves_every_sample_and_records_it(capsys, model_copy, tmp_path):
    from genai_studio.core.export.imagemeta import read_provenance
    from genai_studio.core.genes.genes import Steering
    from genai_studio.core.genes.record import from_json as genes_json
    from genai_studio.core.store.checkpoints import load_model

    run_cli(capsys, "attributes", model_copy, "--threads", "1")
    genes = genes_json(model_copy.with_name("v.genes.json").read_text())
    name = genes.genes[0].name
    plain, moved = tmp_path / "plain.png", tmp_path / "moved.png"
    assert run_cli(capsys, "sample", model_copy, "--n", "4", "--seed", "3", "--out", plain)[0] == 0
    code, _, err = run_cli(capsys, "sample", model_copy, "--n", "4", "--seed", "3", "--out", moved,
                           "--set", f"{name}=2")
    assert code == 0, err
    a, b = read_provenance(plain), read_provenance(moved)
    model = load_model(model_copy).model.eval()  # held to the digit where the gene holds
    assert np.allclose(b.latent, Steering(genes, ((name, 2.0),)).move(model, a.latent),
                       atol=1e-4)
    assert not np.allclose(b.latent, a.latent)
    assert b.genes == {name: 2.0} and a.genes is None
    for bad in (("--set", "nope=1"), ("--set", f"{name}=7"), ("--set", f"{name}=1", "--set",
                                                                  f"{name}=2")):
        assert run_cli(capsys, "sample", model_copy, "--out", tmp_path / "x.png", *bad)[0] == 2


def test_breed_writes_children_whose_lineage_remakes_them(capsys, model_copy, tmp_path):
    from genai_studio.core.export.imagemeta import read_provenance
    from genai_studio.core.export.provenance import file_sha256

    parents = []
    for seed in (1, 2):
        path = tmp_path / f"p{seed}.png"
        run_cli(capsys, "sample", model_copy, "--n", "1", "--seed", seed, "--out", path)
        parents.append(path)
    grid = tmp_path / "grid.png"
    run_cli(capsys, "sample", model_copy, "--n", "4", "--seed", "9", "--out", grid)
    kids = tmp_path / "kids.png"
    code, _, err = run_cli(capsys, "breed", model_copy, *parents, f"{grid}#3", "--n", "9",
                           "--spread", "0.4", "--seed", "21", "--out", kids)
    assert code == 0, err
    prov = read_provenance(kids)
    lineage = prov.lineage
    assert len(prov.latent) == 9 and prov.seed is None and lineage.spread == 0.4
    assert [p.seed for p in lineage.parents] == [1, 2, 9]
    assert {p.model_sha256 for p in lineage.parents} == {file_sha256(model_copy)}
    assert np.allclose(lineage.parents[2].latent, read_provenance(grid).latent[2])
    assert np.array_equal(lineage.children()[0], prov.latent)
    again = tmp_path / "again.png"
    run_cli(capsys, "breed", model_copy, *parents, f"{grid}#3", "--n", "9", "--spread", "0.4",
            "--seed", "21", "--out", again)
    assert again.read_bytes() == kids.read_bytes()  # the same parents and seed: the same file


def test_breed_refuses_unusable_parents_in_one_line(capsys, model_copy, tmp_path, gan_file):
    one, grid, other = tmp_path / "one.png", tmp_path / "grid.png", tmp_path / "other.png"
    run_cli(capsys, "sample", model_copy, "--n", "1", "--seed", "1", "--out", one)
    run_cli(capsys, "sample", model_copy, "--n", "4", "--seed", "1", "--out", grid)
    run_cli(capsys, "sample", gan_file, "--n", "1", "--seed", "1", "--out", other)
    out = tmp_path / "k.png"
    for parents in ((one,), (one, grid), (one, f"{grid}#9"), (one, other),
                    (one, tmp_path / "missing.png")):
        code, _, err = run_cli(capsys, "breed", model_copy, *parents, "--out", out)
        assert code == 2 and err.count("\n") == 1, err
    assert not out.exists()
