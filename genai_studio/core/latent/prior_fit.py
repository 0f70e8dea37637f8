"""Fit a mixture prior to a trained VAE's (or VAE-GAN's) encoded training set.

The model's weights do not change: its config gains ``prior_components`` and its file the
mixture's buffers (``fitted_prior.*``), so ``sample --prior fitted`` and the studio's Prior
choice can draw from where the encoder put the data rather than from N(0, I)
(``core.models.prior``).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import torch

from genai_studio.core.defaults import DEFAULT_PRIOR_COMPONENTS as DEFAULT_COMPONENTS
from genai_studio.core.defaults import MAX_PRIOR_COMPONENTS
from genai_studio.core.errors import UsageError
from genai_studio.core.models.registry import build_model
from genai_studio.core.store.checkpoints import LoadedModel, remade_metadata

ENCODE_BATCH = 1000


@torch.inference_mode()
def encoded_means(model: torch.nn.Module, data: Any, binarize: bool, seed: int = 0
                  ) -> torch.Tensor:
    """The encoder's means mu(x) (N, D) of every image of ``data`` (an ImageSet), on the CPU.
    ``binarize``: the images binarised once with ``seed``, as a model trained on dynamically
    binarised digits saw them."""
    model.eval()
    device = next(model.parameters()).device
    generator = torch.Generator(device=device).manual_seed(seed)
    labels_needed = bool(getattr(model, "conditional", False))
    out = []
    for start in range(0, len(data), ENCODE_BATCH):
        index = torch.arange(start, min(start + ENCODE_BATCH, len(data)), device=data.device)
        x, labels = data.batch(index, "dynamic" if binarize else "none", generator)
        mu, _ = model.encode(x.to(device), labels.to(device) if labels_needed else None)
        out.append(mu.float().cpu())
    return torch.cat(out)


def with_fitted_prior(loaded: LoadedModel, data: Any, components: int = DEFAULT_COMPONENTS,
                      seed: int = 0) -> tuple[torch.nn.Module, dict[str, Any]]:
    """A copy of ``loaded``'s model whose config has a fitted prior of ``components`` parts,
    fitted by EM to its encoder's means of ``data``; and the metadata to write with it."""
    if not hasattr(loaded.model, "encode"):
        raise UsageError(f"only a model with an encoder (a VAE or a VAE-GAN) can have a fitted "
                         f"prior; {loaded.path.name} is a {loaded.kind.upper()}")
    if not 1 <= components <= MAX_PRIOR_COMPONENTS:
        raise UsageError(f"the prior's components must be 1 to {MAX_PRIOR_COMPONENTS}, "
                         f"not {components}")
    from genai_studio.core.train.run import check_data_fits

    check_data_fits(loaded.config, data)  # its size and colour; labels for a conditional one
    if len(data) < 2 * components:
        raise UsageError(f"{components} components need at least {2 * components} training "
                         f"images; the data has {len(data)}")
    dataset = loaded.metadata.get("dataset") or {}
    binarize = isinstance(dataset, dict) and dataset.get("binarize") == "dynamic"
    z = encoded_means(loaded.model, data, binarize, seed)
    config = dataclasses.replace(loaded.config, prior_components=components)
    model = build_model(config)
    own = {k: v for k, v in loaded.model.state_dict().items()
           if not k.startswith("fitted_prior.")}
    missing, unexpected = model.load_state_dict(own, strict=False)
    assert not unexpected and all(k.startswith("fitted_prior.") for k in missing)
    mean_ll = model.fitted_prior.fit(z, seed=seed)
    model.eval()
    record = {"components": components, "points": int(z.shape[0]), "seed": seed,
              "fitted_to": "the encoder's means of the dataset's images",
              "dataset": getattr(data, "name", None),  # the images fitted to, not trained on
              "mean_log_likelihood": round(mean_ll, 4)}
    return model, remade_metadata(model, loaded.metadata, fitted_prior=record)


def fit_prior_file(path: Path, out: Path, data: Any, components: int = DEFAULT_COMPONENTS,
                   seed: int = 0) -> dict[str, Any]:
    """Fit a prior to the model at ``path`` and write the model with it to ``out``
    (atomically; ``out`` may be ``path``)."""
    from genai_studio.core.store.checkpoints import load_model, save_model

    loaded = load_model(path, "cpu")
    if loaded.has_training_state:
        raise UsageError(f"{Path(path).name} is a resume checkpoint; fit the prior to the "
                         f"finished model")
    model, metadata = with_fitted_prior(loaded, data, components, seed)
    save_model(Path(out), model, metadata)
    return metadata["fitted_prior"]
