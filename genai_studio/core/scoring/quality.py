"""Quick quality scores of a small image batch (a training preview) by the judge.

The full scores of ``core.metrics`` need thousands of samples (the Frechet distance needs a
covariance of the judge's 128 features); a preview is 64 images, so the quality meter shows
only what 64 images can say: how sure the judge is, which digits appear and how evenly, and,
for conditional models, how often the digit asked for is the digit drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from genai_studio.core.scoring.metrics import judge_outputs


@dataclass(frozen=True)
class QuickScores:
    """Plain numbers (no tensors): safe to send across threads as they are."""

    step: int
    n: int
    mean_confidence: float  # mean top-class probability, 0..1
    digits_present: int  # distinct classes the judge sees in the batch
    max_class_deviation: float  # max_c |share_c - 1/C|, 0..1
    label_accuracy: float | None  # conditional models: share judged as the digit asked for


def load_judge(path: Path, device: torch.device | str = "cpu") -> nn.Module:
    """The judge classifier from ``path``; a ModelFileError if missing, broken or not a judge."""
    from genai_studio.core.errors import ModelFileError
    from genai_studio.core.store.checkpoints import load_model

    if not Path(path).is_file():
        raise ModelFileError(f"judge file not found: {path}")
    judge = load_model(path, device, expect_kind="judge").model
    return judge.eval()


def quick_scores(
    judge: nn.Module, images: np.ndarray, labels: np.ndarray | None = None, step: int = 0
) -> QuickScores:
    """Judge scores of ``images`` (N, 28, 28) in [0, 1]; ``labels`` = digits asked for."""
    probs, _ = judge_outputs(judge, torch.from_numpy(np.asarray(images, dtype=np.float32)))
    num_classes = probs.shape[1]
    predicted = probs.argmax(dim=1)
    counts = torch.bincount(predicted, minlength=num_classes).double()
    shares = counts / probs.shape[0]
    accuracy = None
    if labels is not None:
        asked = torch.as_tensor(np.asarray(labels), dtype=torch.long)
        accuracy = float((predicted == asked).double().mean())
    return QuickScores(
        step=step,
        n=int(probs.shape[0]),
        mean_confidence=float(probs.max(dim=1).values.mean()),
        digits_present=int((counts > 0).sum()),
        max_class_deviation=float((shares - 1.0 / num_classes).abs().max()),
        label_accuracy=accuracy,
    )
