"""Quick judge scores of a preview batch (the quality meter's numbers) and judge loading."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from genai_studio.core.errors import ModelFileError
from genai_studio.core.models.registry import Judge, JudgeConfig, VAEConfig, build_model
from genai_studio.core.scoring.quality import load_judge, quick_scores
from genai_studio.core.store.checkpoints import model_metadata, save_model


class BrightnessJudge(nn.Module):
    """Says 'digit k' where k is an image's first pixel times 10: verdicts we control."""

    def __init__(self) -> None:
        super().__init__()
        self.unused = nn.Parameter(torch.zeros(1))

    def logits_and_features(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        k = (x.reshape(x.shape[0], -1)[:, 0] * 10).long().clamp(0, 9)
        logits = torch.full((x.shape[0], 10), -20.0)
        logits[torch.arange(x.shape[0]), k] = 20.0  # near-certain
        return logits, logits


def _images(digits: list[int]) -> np.ndarray:
    images = np.zeros((len(digits), 28, 28), np.float32)
    images[:, 0, 0] = (np.array(digits) + 0.5) / 10
    return images


def test_quick_scores_count_digits_balance_and_requests():
    digits = [0, 1, 2, 3, 3, 3, 3, 3]  # four digits present, 3 holds 5/8 of the batch
    scores = quick_scores(BrightnessJudge(), _images(digits), np.array([0, 1, 2, 3, 4, 5, 6, 7]),
                          step=42)
    assert scores.step == 42 and scores.n == 8
    assert scores.digits_present == 4
    assert scores.max_class_deviation == pytest.approx(5 / 8 - 0.1)
    assert scores.mean_confidence > 0.99
    assert scores.label_accuracy == pytest.approx(4 / 8)
    assert quick_scores(BrightnessJudge(), _images(digits)).label_accuracy is None


def test_load_judge_refuses_missing_broken_and_generator_files(tmp_path):
    judge = Judge(JudgeConfig(channels=2, features=8))
    good = save_model(tmp_path / "judge.safetensors", judge, model_metadata(judge))
    assert isinstance(load_judge(good), Judge) and not load_judge(good).training
    (tmp_path / "garbage.safetensors").write_bytes(b"\x00" * 100)
    vae = build_model(VAEConfig(latent_dim=2, hidden=(8,)))
    save_model(tmp_path / "vae.safetensors", vae, model_metadata(vae))
    for name in ("missing.safetensors", "garbage.safetensors", "vae.safetensors"):
        with pytest.raises(ModelFileError):
            load_judge(tmp_path / name)
