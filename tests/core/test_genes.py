"""Genes: the image measures, finding named directions on a generator whose latents are known
to steer slant, thickness and height, the units, the sidecar, the artist's genes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from genai_studio.core.errors import ModelFileError, UsageError
from genai_studio.core.genes.finding import artist_gene, find_genes, free_coordinates
from genai_studio.core.genes.genes import GeneSet, parse_setting
from genai_studio.core.genes.measures import colour_measures, difference, measure
from genai_studio.core.genes.record import MAX_JSON_BYTES, from_json
from genai_studio.core.latent.sampling import decode, sample
from genai_studio.core.models.base import Generator

SIDE = 28


def bar(lean: float = 0.0, half: float = 1.5, length: float = 9.0) -> np.ndarray:
    """A stroke through the centre, leaning right by ``lean`` px per px of height."""
    y, x = np.mgrid[0:SIDE, 0:SIDE].astype(np.float64)
    line = 14 - lean * (y - 14)
    image = (np.abs(x - line) <= half) & (np.abs(y - 14) <= length)
    return image.astype(np.float32)


def test_slant_is_positive_leaning_right_and_zero_upright():
    m = measure(np.stack([bar(0.4), bar(0.0), bar(-0.4)]))
    assert m["slant"][0] > 15 and abs(m["slant"][1]) < 1 and m["slant"][2] < -15


def test_thickness_reads_the_stroke_width_in_pixels():
    widths = (1, 3, 5, 7)
    m = measure(np.stack([bar(half=w / 2) for w in widths]))["thickness"]
    assert np.all(np.diff(m) > 0.8)  # each 2 px wider reads about 1-2 px thicker
    for width, read in zip(widths[1:], m[1:], strict=True):  # the caps make it read thinner
        assert width - 2 < read <= width + 0.5


def test_height_width_ink_and_roundness_order_shapes_as_an_eye_would():
    tall, short = bar(length=11), bar(length=5)
    m = measure(np.stack([tall, short]))
    assert m["height"][0] > m["height"][1] and m["ink"][0] > m["ink"][1]
    y, x = np.mgrid[0:SIDE, 0:SIDE]
    ring = (np.abs(np.hypot(x - 14, y - 14) - 8) <= 1.5).astype(np.float32)
    r = measure(np.stack([ring, tall]))
    assert r["roundness"][0] > 0.8 > 0.3 > r["roundness"][1]
    assert r["width"][0] > 3 * r["width"][1]


def test_colour_measures_read_hue_brightness_and_saturation():
    shape = bar(half=3)[..., None]
    red, green, blue = (shape * np.array(c, np.float32) for c in
                        ((1, 0, 0), (0, 1, 0), (0, 0, 1)))
    dim_red, pale_red = shape * np.array((0.5, 0, 0), np.float32), \
        shape * np.array((1, 0.6, 0.6), np.float32)
    m = colour_measures(np.stack([red, green, blue, dim_red, pale_red]))
    assert m["hue"][:3] == pytest.approx([0, 120, 240], abs=1)
    assert m["brightness"][0] == pytest.approx(2 * m["brightness"][3], rel=0.01)
    assert m["saturation"][0] == pytest.approx(100) and m["saturation"][4] < 50
    assert difference("hue", np.array([350.0]), np.array([10.0]))[0] == pytest.approx(-20)


@dataclass(frozen=True)
class _BarsConfig:
    latent_dim: int = 4
    conditional: bool = False
    num_classes: int = 10
    image_shape: tuple[int, int, int] = (1, SIDE, SIDE)


class Bars(Generator):
    """z0 leans the stroke, z1 thickens it, z2 lengthens it, z3 does nothing."""

    def __init__(self) -> None:
        super().__init__(_BarsConfig())
        self.unused = nn.Parameter(torch.zeros(1))

    def decode_images(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        y, x = torch.meshgrid(torch.arange(SIDE, dtype=torch.float32),
                              torch.arange(SIDE, dtype=torch.float32), indexing="ij")
        lean = 0.3 * torch.tanh(z[:, 0] / 2)[:, None, None]
        half = (1.3 + 0.9 * torch.sigmoid(z[:, 1]))[:, None, None]
        length = (8 + 2 * torch.tanh(z[:, 2] / 2))[:, None, None]
        across = (x[None] - (14 - lean * (y[None] - 14))).abs()
        image = torch.sigmoid((half - across) * 3) * torch.sigmoid((length - (y[None] - 14).abs())
                                                                   * 3)
        return image[:, None]


@pytest.fixture(scope="module")
def bars_genes():
    torch.manual_seed(0)
    model = Bars().eval()
    return model, find_genes(model, n=1500, calibration=300)


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def test_genes_find_the_latents_that_steer_each_measure(bars_genes):
    _model, genes = bars_genes
    names = genes.names()
    assert {"slant", "thickness", "height"} <= set(names)
    assert _cos(genes.get("slant").vector, np.eye(4)[0]) > 0.9
    assert abs(genes.get("thickness").vector[1]) > abs(genes.get("thickness").vector[0])
    assert abs(genes.get("height").vector[2]) == max(abs(genes.get("height").vector))
    for gene in genes.genes:  # z3 draws nothing: no gene leans on it
        assert abs(gene.vector[3]) < 0.3 * np.abs(gene.vector).max()


def test_one_unit_is_one_standard_deviation_of_the_models_samples(bars_genes):
    model, genes = bars_genes
    fresh = sample(model, 600, seed=99)  # not the samples the genes were found on
    before = measure(fresh.images)
    slant = genes.get("slant")
    after = measure(decode(model, genes.apply(fresh.latents, {"slant": 1.0})))
    assert slant.sigma == pytest.approx(np.std(before["slant"]), rel=0.15)
    change = difference("slant", after["slant"], before["slant"]).mean() / slant.sigma
    assert 0.75 < change < 1.25 and 0.75 < slant.effect[0] < 1.25
    assert slant.effect[1] > slant.effect[0] > 0 > slant.effect[2] > slant.effect[3]
    thick = difference("thickness", after["thickness"], before["thickness"]).mean()
    assert abs(thick) / genes.get("thickness").sigma < 0.35  # little cross-talk
    assert abs(slant.cross["thickness"]) < 0.35


def test_shift_adds_the_genes_and_refuses_unknown_names(bars_genes):
    _model, genes = bars_genes
    both = genes.shift({"slant": 1.0, "height": -2.0})
    expected = genes.get("slant").vector - 2 * genes.get("height").vector
    assert np.allclose(both, expected, atol=1e-6)
    with pytest.raises(UsageError, match="no gene called 'curl'"):
        genes.shift({"curl": 1.0})


@pytest.mark.parametrize("held", [False, True])
def test_measured_effect_reads_between_the_measured_points(bars_genes, held):
    from dataclasses import replace

    slant = bars_genes[1].get("slant")
    slant = replace(slant, strengths=(0.3, 0.6, -0.3, -0.6), held=(0.8, 1.9, -1.1, -2.2)) \
        if held else replace(slant, strengths=(), held=())
    effect = slant.held if held else slant.effect  # what the grid shows: held where it holds
    assert slant.measured(1.0) == pytest.approx(effect[0])
    assert slant.measured(1.5) == pytest.approx((effect[0] + effect[1]) / 2)
    assert slant.measured(-2.0) == pytest.approx(effect[3])
    assert f"measured {effect[0]:+.2f}" in slant.describe_effect(1.0)


def test_a_flat_measure_is_left_out_with_a_note():
    class Blank(Bars):
        def decode_images(self, z, labels=None):  # noqa: ANN001
            return torch.zeros(z.shape[0], 1, SIDE, SIDE) + 0 * z[:, :1, None, None]

    genes = find_genes(Blank().eval(), n=200, calibration=50)
    assert genes.genes == () and any("same" in note for note in genes.notes)


def test_a_clustered_gans_cluster_coordinates_are_never_moved():
    from genai_studio.core.models.gan import GAN, GANConfig

    model = GAN(GANConfig(latent_dim=6, channels=4, clusters=3))
    free = free_coordinates(model)
    assert free.tolist() == [1] * 6 + [0] * 3
    genes = find_genes(model.eval(), n=300, calibration=50)
    for gene in genes.genes:
        assert np.all(gene.vector[-3:] == 0)


def test_the_artists_gene_points_from_lacking_to_having_in_sample_units():
    rng = np.random.default_rng(0)
    samples = rng.standard_normal((500, 6))
    having = samples[:20] + np.array([2, 0, 0, 0, 0, 0])
    lacking = samples[20:40]
    gene = artist_gene("curly", having, lacking, samples)
    assert _cos(gene.vector, np.eye(6)[0]) > 0.9
    assert np.linalg.norm(gene.vector) == pytest.approx(1.0, rel=0.15)  # one sample sd
    assert gene.effect[0] == pytest.approx(2.0, rel=0.35) and gene.source == "artist"
    with pytest.raises(UsageError):
        artist_gene("curly", having[:0], lacking, samples)
    with pytest.raises(UsageError):
        artist_gene("no/slashes", having, lacking, samples)


def test_settings_parse_and_refuse_out_of_range_values():
    assert parse_setting("slant=1.5") == ("slant", 1.5)
    for bad in ("slant", "slant=x", "slant=4", "slant=nan", "slant=inf"):
        with pytest.raises(UsageError):
            parse_setting(bad)


def test_gene_sets_round_trip_through_json(bars_genes):
    _model, genes = bars_genes
    genes = genes.with_gene(artist_gene("mine", np.ones((2, 4)), np.zeros((2, 4)),
                                        np.random.default_rng(1).standard_normal((50, 4))))
    back = from_json(genes.to_json())
    assert back.names() == genes.names() and back.latent_dim == 4
    for a, b in zip(back.genes, genes.genes, strict=True):
        assert np.allclose(a.vector, b.vector) and a.effect == pytest.approx(b.effect, abs=1e-4)
        assert a.source == b.source
    with pytest.raises(UsageError, match="measured gene"):
        genes.with_gene(artist_gene("slant", np.ones((1, 4)), np.zeros((1, 4)), np.eye(4)))


@pytest.mark.parametrize("damage", [
    lambda d: d.update(version=99),
    lambda d: d.update(format="nope"),
    lambda d: d.update(latent_dim=0),
    lambda d: d.update(model_sha256="XYZ"),
    lambda d: d["genes"][0].update(vector=[1.0]),
    lambda d: d["genes"][0].update(vector=["a"] * 4),
    lambda d: d["genes"][0].update(name="../../etc"),
    lambda d: d["genes"][0].update(source="evil"),
    lambda d: d.update(genes=[{}] * 100),
    lambda d: d["genes"].append(dict(d["genes"][0])),
])
def test_a_damaged_or_hostile_genes_file_is_one_clear_error(bars_genes, damage):
    data = json.loads(bars_genes[1].to_json())
    data["model_sha256"] = "a" * 64
    damage(data)
    with pytest.raises(ModelFileError):
        from_json(json.dumps(data))


def test_a_nan_or_huge_genes_file_is_refused_before_parsing():
    with pytest.raises(ModelFileError):
        from_json('{"format": "genai-studio.genes", "version": 1, "x": NaN}')
    with pytest.raises(ModelFileError, match="refused"):
        from_json(" " * (MAX_JSON_BYTES + 1))


def test_the_sidecar_fits_its_model_by_sha_and_falls_back_to_the_cache(bars_genes, tmp_path,
                                                                        monkeypatch):
    from dataclasses import replace

    from genai_studio.core.store import sidecar

    genes = replace(bars_genes[1], model_sha256="b" * 64)
    model = tmp_path / "m.safetensors"
    model.write_bytes(b"x")
    path = sidecar.save_genes(model, genes)
    assert path == tmp_path / "m.genes.json"
    assert sidecar.load_genes(model, "b" * 64).names() == genes.names()
    assert sidecar.load_genes(model, "c" * 64) is None  # another file of that name: stale
    monkeypatch.setenv("GENAI_STUDIO_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(sidecar.os, "access", lambda *_a: False)  # a read-only models folder
    elsewhere = tmp_path / "shipped"
    elsewhere.mkdir()
    (elsewhere / "m.safetensors").write_bytes(b"x")
    kept = sidecar.save_genes(elsewhere / "m.safetensors", genes)
    assert kept.parent == tmp_path / "cache" / "genes" and not (elsewhere / "m.genes.json").exists()
    assert sidecar.load_genes(elsewhere / "m.safetensors", "b" * 64).names() == genes.names()


def test_the_library_carries_the_sidecar(tmp_path, vae_file):
    from genai_studio.core.store import library, sidecar

    user = tmp_path / "user"
    (vae_file.parent / "vae.genes.json").write_text("{}")
    try:
        imported = library.import_model(vae_file, user)
        assert sidecar.beside(imported).read_text() == "{}"
        renamed = library.rename_model(imported, "other")
        assert sidecar.beside(renamed).exists() and not sidecar.beside(imported).exists()
        (tmp_path / "out").mkdir()
        exported = library.export_model(renamed, tmp_path / "out" / "x.safetensors")
        assert sidecar.beside(exported).exists()
        library.delete_model(renamed)
        assert not sidecar.beside(renamed).exists()
    finally:
        (vae_file.parent / "vae.genes.json").unlink()


def test_genes_for_finds_once_then_reads_the_sidecar(vae_file, tmp_path):
    import shutil

    from genai_studio.core.export.provenance import file_sha256
    from genai_studio.core.genes.finding import genes_for
    from genai_studio.core.store.checkpoints import load_model

    path = Path(shutil.copy(vae_file, tmp_path / "v.safetensors"))
    model = load_model(path).model
    sha = file_sha256(path)
    first, found = genes_for(model, path, sha)
    assert found and (tmp_path / "v.genes.json").exists() and first.model_sha256 == sha
    again, found_again = genes_for(model, path, sha)
    assert not found_again and again.names() == first.names()
    (tmp_path / "v.genes.json").write_text("{broken")
    fresh, found = genes_for(model, path, sha)  # a damaged sidecar: fresh genes beside it
    assert found and from_json((tmp_path / "v.genes.json").read_text()).names() == fresh.names()
    # ...and the damaged one kept aside, as is a second (it may hold the artist's genes)
    assert (tmp_path / "v.genes.json.unreadable").read_text() == "{broken"
    (tmp_path / "v.genes.json").write_text('{"format": "genai-studio.genes", "version": 99}')
    genes_for(model, path, sha)
    assert (tmp_path / "v.genes.json.unreadable").read_text() == "{broken"
    assert "99" in (tmp_path / "v.genes.json.unreadable-2").read_text()


@pytest.mark.parametrize("method", [None, 1, "2", 0, -1, 2.0, True, 1001, 1e20])
def test_genes_found_by_an_older_or_unknown_method_are_found_again_keeping_the_artists(
        vae_file, tmp_path, method):
    import dataclasses
    import json
    import shutil

    from genai_studio.core.export.provenance import file_sha256
    from genai_studio.core.genes.finding import METHOD, genes_for
    from genai_studio.core.genes.genes import ARTIST, Gene
    from genai_studio.core.store.checkpoints import load_model
    from genai_studio.core.store.sidecar import save_genes

    path = Path(shutil.copy(vae_file, tmp_path / "v.safetensors"))
    model, sha = load_model(path).model, file_sha256(path)
    first, _ = genes_for(model, path, sha)
    assert first.method == METHOD
    mine = Gene("curly", np.ones(model.latent_dim, np.float32), "a step", "my tiles",
                source=ARTIST)
    old = dataclasses.replace(first.with_gene(mine), method=1)
    save_genes(path, old)
    record = json.loads((tmp_path / "v.genes.json").read_text())
    if method is None:
        del record["method"]  # as an older studio wrote it
    else:
        record["method"] = method  # hand-edited: nothing the artist made may be lost
    (tmp_path / "v.genes.json").write_text(json.dumps(record))
    again, found = genes_for(model, path, sha)
    assert found and again.method == METHOD and again.get("curly") is not None
    assert from_json((tmp_path / "v.genes.json").read_text()).method == METHOD


def test_gene_set_apply_leaves_latents_alone_without_values(bars_genes):
    z = np.ones((3, 4), np.float32)
    out = bars_genes[1].apply(z, {})
    assert np.array_equal(out, z) and out is not z
    assert isinstance(bars_genes[1], GeneSet)


# --- Paired genes: the same digit transformed (core.genes.paired) ---------------------------

def test_the_transformations_move_their_measure_as_documented():
    from genai_studio.core.genes import paired

    upright = torch.from_numpy(np.stack([bar(0.0, half=2.0)] * 3))[:, None]
    t = torch.tensor([-0.3, 0.0, 0.3])
    slant = measure(paired.shear(upright, t)[:, 0].numpy())["slant"]
    assert slant == pytest.approx(np.degrees(np.arctan([-0.3, 0.0, 0.3])), abs=2.0)
    thick = measure(paired.thicken(upright, torch.tensor([-0.5, 0.0, 1.0]))[:, 0].numpy())
    assert thick["thickness"][0] < thick["thickness"][1] - 0.2 < thick["thickness"][2] - 1.0
    wide = measure(paired.stretch(upright, torch.tensor([0.0, 0.0, 1.0]), 0)[:, 0].numpy())
    assert wide["width"][2] == pytest.approx(2 * wide["width"][1], rel=0.2)
    assert wide["height"][2] == pytest.approx(wide["height"][1], rel=0.05)
    red = upright[:, 0, :, :, None] * torch.tensor([0.8, 0.1, 0.1])  # (n, H, W, 3)
    turned = paired.turn_hue(red.permute(0, 3, 1, 2), torch.tensor([0.0, 60.0, 120.0]))
    hue = colour_measures(turned.permute(0, 2, 3, 1).numpy())["hue"]
    assert difference("hue", hue, np.zeros(3)) == pytest.approx([0, 60, 120], abs=3)
    darker = paired.brighten(red.permute(0, 3, 1, 2), torch.tensor([-1.0, 0.0, 0.0]))
    b = colour_measures(darker.permute(0, 2, 3, 1).numpy())["brightness"]
    assert b[0] == pytest.approx(b[1] / 2, rel=0.02)


class LeanAndKind(Bars):
    """z0 leans the stroke; z1 is the kind of digit: a blob at the top right, which reads as
    slant across samples but is no slanting of *a* digit; z2 and z3 draw nothing."""

    def decode_images(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        y, x = torch.meshgrid(torch.arange(SIDE, dtype=torch.float32),
                              torch.arange(SIDE, dtype=torch.float32), indexing="ij")
        lean = 0.3 * torch.tanh(z[:, 0] / 2)[:, None, None]
        across = (x[None] - (14 - lean * (y[None] - 14))).abs()
        stroke = torch.sigmoid((1.5 - across) * 3) * torch.sigmoid((8 - (y[None] - 14).abs()) * 3)
        blob = ((x >= 19) & (x <= 25) & (y >= 3) & (y <= 9)).float()[None]
        kind = torch.sigmoid(2 * z[:, 1])[:, None, None]
        return torch.clamp(stroke + kind * blob, 0, 1)[:, None]


def test_a_paired_gene_follows_the_transformation_not_the_kind_of_digit():
    torch.manual_seed(0)
    model = LeanAndKind().eval()
    across = find_genes(model, n=800, calibration=200, pairs=0).get("slant")
    same_digit = find_genes(model, n=800, calibration=200, pairs=60).get("slant")
    assert abs(across.vector[1]) > 0.2 * abs(across.vector[0])  # the blob leaks in
    assert _cos(same_digit.vector, np.eye(4)[0]) > 0.95  # the shear is the lean alone
    assert abs(same_digit.vector[1]) < 0.1 * abs(same_digit.vector[0])
    assert "sheared" in same_digit.how and "sheared" not in across.how
    assert 0.75 < same_digit.effect[0] < 1.25  # the units are measured, as for every gene


def test_inverting_a_gan_leaves_its_parameters_without_gradients(gan_file):
    """The window decodes with the same model on other threads: finding a GAN's genes
    inverts images through it, and nothing may gather in its parameters' .grad."""
    import torch

    from genai_studio.core.genes.finding import free_coordinates
    from genai_studio.core.genes.paired import invert
    from genai_studio.core.latent.sampling import sample
    from genai_studio.core.store.checkpoints import load_model

    model = load_model(gan_file).model.eval()
    drawn = sample(model, 4, seed=3)
    z0 = torch.from_numpy(drawn.latents)
    targets = torch.from_numpy(drawn.images).float()
    targets = targets[:, None] if targets.ndim == 3 else targets.permute(0, 3, 1, 2)
    targets = torch.flip(targets, dims=(3,))  # mirrored: a target the latents must move to
    z = invert(model, targets, z0, None, torch.from_numpy(free_coordinates(model)), steps=3)
    assert z.shape == z0.shape and not torch.equal(z, z0)
    assert all(p.grad is None for p in model.parameters())


def test_scores_written_into_a_model_keep_the_artists_genes(vae_file, tmp_path):
    """``eval --write`` (and the library's Score) rewrite the model file with the same weights:
    its sha256 changes, and the sidecar, keyed by it, must follow, or the next look at the
    genes found them afresh over the sidecar and the artist's named genes were gone."""
    import shutil

    from genai_studio.core.export.provenance import file_sha256
    from genai_studio.core.genes.finding import genes_for
    from genai_studio.core.genes.genes import ARTIST, Gene
    from genai_studio.core.store.checkpoints import load_model, write_metrics
    from genai_studio.core.store.sidecar import load_genes, save_genes

    path = Path(shutil.copy(vae_file, tmp_path / "v.safetensors"))
    model, sha = load_model(path).model, file_sha256(path)
    first, _ = genes_for(model, path, sha)
    mine = Gene("curly", np.ones(model.latent_dim, np.float32), "a step", "my tiles",
                source=ARTIST)
    save_genes(path, first.with_gene(mine))
    write_metrics(path, {"fid": 1.0})
    new_sha = file_sha256(path)
    assert new_sha != sha
    assert load_genes(path, new_sha).get("curly") is not None
    again, found = genes_for(model, path, new_sha)
    assert not found and again.get("curly") is not None
