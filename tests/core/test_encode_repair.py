"""Images into latent space (VAE encoder, GAN projection) and repair of masked pixels."""

from pathlib import Path

import numpy as np
import pytest
import torch

from genai_studio.core.data.mnist import load_mnist_arrays
from genai_studio.core.errors import UsageError
from genai_studio.core.latent.encoding import UNLIKE_RMSE, Encoded, encode, encode_vae, project
from genai_studio.core.latent.fit import FitProgress
from genai_studio.core.latent.repair import Repair, best_repairs, repair
from genai_studio.core.store.checkpoints import load_model

MODELS = Path(__file__).resolve().parents[2] / "models"


@pytest.fixture(scope="module")
def vae32(torch_threads):
    return load_model(MODELS / "vae-32d.safetensors").model


@pytest.fixture(scope="module")
def digits():
    images, labels = load_mnist_arrays("test")
    return images[:16].astype(np.float32) / 255.0, labels[:16]


def last(events):
    *_, result = events
    return result


def test_a_vae_encodes_to_its_mean_and_notes_what_is_unlike_its_data(vae32, digits):
    images, _ = digits
    noise = np.random.default_rng(0).random((2, 28, 28), dtype=np.float32)
    encoded = encode_vae(vae32, np.concatenate([images[:4], noise]))
    with torch.no_grad():
        mu, _ = vae32.encode(torch.from_numpy(images[:4]).unsqueeze(1))
    assert np.allclose(np.stack([e.latent for e in encoded[:4]]), mu.numpy(), atol=1e-5)
    assert all(e.note is None and e.error < UNLIKE_RMSE for e in encoded[:4])
    assert all(e.note and "unlike" in e.note for e in encoded[4:])
    assert encoded[0].reconstruction.shape == (28, 28) and encoded[0].method == "encoder mean"
    with pytest.raises(UsageError, match="takes"):
        encode_vae(vae32, np.zeros((1, 32, 32), np.float32))


def test_a_conditional_vae_picks_the_most_likely_digit(cvae_file, digits):
    model = load_model(cvae_file).model
    images, _ = digits
    chosen = encode_vae(model, images[:4])
    assert all(0 <= e.label <= 9 for e in chosen)
    assert [e.label for e in encode_vae(model, images[:4], label=3)] == [3, 3, 3, 3]


def test_gan_projection_reports_progress_lowers_the_error_and_is_seeded(gan_file, digits):
    model = load_model(gan_file).model
    image = digits[0][0]
    events = list(project(model, image, seed=1, starts=4, steps=40))
    progress = [e for e in events if isinstance(e, FitProgress)]
    result = events[-1]
    assert isinstance(result, Encoded) and result.method == "projection"
    assert [p.step for p in progress] == [10, 20, 30, 40]
    assert result.error <= progress[0].error
    assert result.latent.shape == (8,) and not result.cancelled
    again = last(project(model, image, seed=1, starts=4, steps=40))
    assert np.array_equal(result.latent, again.latent)


def test_projection_stops_when_cancelled(gan_file, digits):
    model = load_model(gan_file).model

    class Cancel:
        calls = 0

        def is_set(self):
            self.calls += 1
            return self.calls > 3

    result = last(encode(model, digits[0][0], cancel=Cancel()))
    assert result.cancelled and np.isfinite(result.error)


def test_repair_keeps_the_visible_pixels_and_fills_the_hole_better_than_black(vae32, digits):
    images, _ = digits
    masks = np.zeros((8, 28, 28), bool)
    masks[:, 14:] = True
    damaged = np.where(masks, 0.0, images[:8]).astype(np.float32)
    repaired = best_repairs(vae32, damaged, masks, starts=2, steps=60)
    assert np.array_equal(repaired[~masks], images[:8][~masks]), "visible pixels untouched"
    error_repaired = np.sqrt(np.mean((repaired - images[:8])[masks] ** 2))
    error_damaged = np.sqrt(np.mean((damaged - images[:8])[masks] ** 2))
    assert error_repaired < 0.85 * error_damaged


def test_repair_gives_distinct_seeded_alternatives_best_first(vae32, digits):
    image = digits[0][0]
    mask = np.zeros((28, 28), bool)
    mask[8:20, 8:20] = True
    events = list(repair(vae32, image, mask, alternatives=3, seed=5, steps=40))
    result = events[-1]
    assert isinstance(result, Repair) and any(isinstance(e, FitProgress) for e in events)
    assert 1 <= len(result.images) <= 3 and np.all(np.diff(result.energy) >= 0)
    for i in range(len(result.images)):
        for j in range(i):
            assert np.abs(result.images[i] - result.images[j])[mask].max() > 0.02
    again = last(repair(vae32, image, mask, alternatives=3, seed=5, steps=40))
    assert np.array_equal(result.images, again.images)


def test_gan_repair_and_bad_masks(gan_file, digits):
    model = load_model(gan_file).model
    image = digits[0][0]
    mask = np.zeros((28, 28), bool)
    mask[:, :10] = True
    result = last(repair(model, image, mask, alternatives=2, steps=20))
    assert np.array_equal(result.images[0][~mask], image[~mask])
    for bad in (np.zeros((28, 28), bool), np.ones((28, 28), bool), np.zeros((10, 10), bool)):
        with pytest.raises(UsageError):
            last(repair(model, image, bad))
