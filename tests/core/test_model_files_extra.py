"""write_metrics, and safetensors headers that look like pickles in their first bytes."""

from __future__ import annotations

import pickle

import torch

from genai_studio.core.models.registry import Judge, JudgeConfig
from genai_studio.core.store.checkpoints import (
    _describe_foreign,
    load_model,
    model_metadata,
    read_metadata,
    save_model,
    write_metrics,
)


def test_safetensors_header_length_starting_0x80_is_not_a_pickle():
    # A header of 0x0480 bytes starts b"\\x80\\x04", as a protocol-4 pickle does.
    assert _describe_foreign(b"\x80\x04\x00\x00\x00\x00\x00\x00{") is None
    assert "pickle" in _describe_foreign(pickle.dumps({"a": 1}, protocol=4)[:64])
    assert "pickle" in _describe_foreign(pickle.dumps([1, 2], protocol=2)[:64])


def test_write_metrics_keeps_weights_metadata_and_state(tmp_path):
    torch.manual_seed(0)
    judge = Judge(JudgeConfig(channels=4, features=8))
    path = save_model(tmp_path / "j.safetensors", judge,
                      model_metadata(judge, training={"seed": 3}, metrics={"old": 1}),
                      state={"rng.noise": torch.arange(5, dtype=torch.uint8)})
    write_metrics(path, {"test_accuracy": 0.5})
    meta = read_metadata(path)
    assert meta["metrics"] == {"test_accuracy": 0.5} and meta["training"] == {"seed": 3}
    loaded = load_model(path, expect_kind="judge")
    assert torch.equal(loaded.state["rng.noise"], torch.arange(5, dtype=torch.uint8))
    for name, tensor in judge.state_dict().items():
        assert torch.equal(loaded.model.state_dict()[name], tensor), name
