"""The shipped models: within their size budget, and each carries the scores it ships with."""

from __future__ import annotations

from pathlib import Path

import pytest

from genai_studio.core.defaults import GENERATOR_KINDS
from genai_studio.core.store.checkpoints import read_metadata

MODELS = Path(__file__).resolve().parents[2] / "models"
SHIPPED = sorted(MODELS.glob("*.safetensors"))
GENERATORS = [p for p in SHIPPED if read_metadata(p)["kind"] in GENERATOR_KINDS]


def test_models_folder_stays_within_its_budget():
    assert sum(p.stat().st_size for p in SHIPPED) <= 25_000_000


def test_every_kind_ships():
    kinds = {read_metadata(p)["kind"] for p in SHIPPED}
    assert {"vae", "gan", "vaegan", "judge"} <= kinds


@pytest.mark.parametrize("path", GENERATORS, ids=lambda p: p.stem)
def test_each_generator_carries_its_scores(path):
    meta = read_metadata(path)
    metrics = meta["metrics"]
    assert metrics["n"] == 10_000 and 0 < metrics["mean_confidence"] <= 1
    if meta["kind"] == "vae" and not meta["conditional"]:
        # The converging estimate, with the plain IWAE bound beside it (issue 11).
        assert metrics["nll_estimate"]["n"] == 10_000
        assert metrics["nll_nats"] < metrics["nll_iwae_nats"]
    if meta["kind"] == "vaegan":
        assert "nll_nats" not in metrics and metrics["reconstruction_n"] == 10_000
