"""The typefaces of a glyph model as points of its style latent: fonts as the pad's corners.

A conditional VAE trained on a fonts dataset (``core.data.fonts``) separates the character
(its label) from the style (its latent). A font's style point is the mean of the encoder's
means over that font's glyphs, each encoded as its own character: the point where the model
draws that font. ``font_corners`` picks four fonts that lie far apart (farthest-point order,
starting from the font farthest from the average style), so the pad morphs between typefaces
as different as the dataset holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from genai_studio.core.errors import DataError, UsageError


@dataclass(frozen=True)
class FontStyle:
    name: str  # the font, as the dataset names it
    latent: np.ndarray  # (D,) float32


def style_latents(model: Any, images: np.ndarray, labels: np.ndarray, styles: np.ndarray,
                  names: list[str], batch: int = 512) -> list[FontStyle]:
    """Each style's mean encoder mean over its glyphs (uint8 (N, H, W) images)."""
    import torch

    from genai_studio.core.models.base import from_studio_layout

    if not hasattr(model, "encode") or not getattr(model, "conditional", False):
        raise UsageError("fonts as corners need a conditional VAE (a model with an encoder) "
                         "trained on a fonts dataset")
    device = next(model.parameters()).device
    model.eval()
    means = []
    with torch.inference_mode():
        for start in range(0, len(images), batch):
            x = torch.from_numpy(images[start:start + batch].astype(np.float32) / 255.0)
            x = from_studio_layout(x).contiguous().to(device)
            y = torch.from_numpy(labels[start:start + batch]).to(device)
            means.append(model.encode(x, y)[0].float().cpu().numpy())
    mu = np.concatenate(means)
    return [FontStyle(name, mu[styles == k].mean(axis=0).astype(np.float32))
            for k, name in enumerate(names) if np.any(styles == k)]


def spread(latents: np.ndarray, k: int = 4) -> list[int]:
    """Indices of ``k`` points far apart: the one farthest from the mean, then each next the
    farthest from those already chosen."""
    latents = np.asarray(latents, np.float64)
    chosen = [int(np.argmax(np.linalg.norm(latents - latents.mean(axis=0), axis=1)))]
    while len(chosen) < min(k, len(latents)):
        d = np.min([np.linalg.norm(latents - latents[c], axis=1) for c in chosen], axis=0)
        chosen.append(int(np.argmax(d)))
    return chosen


def font_dataset_for(metadata: dict[str, Any], folder: Path) -> Path:
    """The fonts dataset a model was trained on, in ``folder`` (by the file name its record
    keeps); refused when it is gone or is not a fonts dataset."""
    dataset = metadata.get("dataset") if isinstance(metadata, dict) else None
    name = dataset.get("file") if isinstance(dataset, dict) else None
    if not isinstance(name, str) or not dataset.get("styles") or Path(name).name != name:
        raise UsageError("this model was not trained on a fonts dataset")
    path = Path(folder) / name
    if not path.is_file():
        raise DataError(f"the fonts dataset this model was trained on ({name}) is not in "
                        f"{folder}")
    return path


def font_corners(model: Any, metadata: dict[str, Any], folder: Path,
                 count: int = 4) -> list[FontStyle]:
    """Four fonts of the model's own dataset, far apart in its style latent."""
    from genai_studio.core.data.datasets import load_dataset_arrays, load_dataset_labels

    path = font_dataset_for(metadata, folder)
    info, images = load_dataset_arrays(path)
    found = load_dataset_labels(path)
    classes = info.metadata.get("classes")
    if found is None or found[1] is None or classes != metadata["dataset"].get("classes"):
        raise DataError(f"{path.name} is not the fonts dataset this model was trained on")
    labels, styles = found
    if int(labels.max()) >= int(model.num_classes):
        raise DataError(f"{path.name} has characters the model does not draw")
    fonts = style_latents(model, images, labels, styles, info.metadata["styles"])
    if len(fonts) < 2:
        raise UsageError("the dataset holds fewer than two fonts")
    picks = spread(np.stack([f.latent for f in fonts]), count)
    while len(picks) < count:  # fewer fonts than corners: repeat the last
        picks.append(picks[-1])
    return [fonts[i] for i in picks]
