"""The one sampling path: seeds, digit policy and decoding agree wherever they are used."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from genai_studio.core.errors import UsageError
from genai_studio.core.latent import sampling
from genai_studio.core.models.registry import GANConfig, VAEConfig, build_model


@pytest.fixture(scope="module")
def cvae():
    torch.manual_seed(0)
    return build_model(VAEConfig(latent_dim=3, hidden=(16,), conditional=True)).eval()


@pytest.fixture(scope="module")
def gan():
    torch.manual_seed(0)
    return build_model(GANConfig(latent_dim=8, channels=8)).eval()


def test_any_digit_cycles_through_every_class(cvae):
    labels = sampling.labels_for(cvae, 23)
    assert labels.tolist() == [k % 10 for k in range(23)]
    assert sampling.labels_for(cvae, 4, 7).tolist() == [7, 7, 7, 7]


def test_digit_rules_are_refused_clearly(cvae, gan):
    with pytest.raises(UsageError, match="not conditional"):
        sampling.labels_for(gan, 4, 3)
    with pytest.raises(UsageError, match="between 0 and 9"):
        sampling.labels_for(cvae, 4, 10)
    with pytest.raises(UsageError, match="positive"):
        sampling.sample(gan, 0, seed=1)
    with pytest.raises(UsageError, match="shape"):
        sampling.decode(gan, np.zeros((2, 5), np.float32))


def test_seed_gives_same_samples_and_prefixes_agree(gan):
    a = sampling.sample(gan, 600, seed=3)  # spans two chunks of SAMPLE_BATCH
    b = sampling.sample(gan, 600, seed=3)
    np.testing.assert_array_equal(a.images, b.images)
    small = sampling.sample(gan, 10, seed=3)
    np.testing.assert_array_equal(small.latents, a.latents[:10])
    assert a.images.shape == (600, 28, 28) and a.images.dtype == np.float32
    assert a.labels is None
    assert not np.array_equal(sampling.sample(gan, 10, seed=4).images, small.images)


def test_decode_reproduces_sampled_images_from_their_latents(cvae):
    drawn = sampling.sample(cvae, 12, seed=5)
    again = sampling.decode(cvae, drawn.latents, drawn.labels)
    np.testing.assert_array_equal(again, drawn.images)
    # Alone, a latent decodes through other matmul kernels than in a batch: equal to rounding.
    one = sampling.decode(cvae, drawn.latents[3:4], int(drawn.labels[3]))
    np.testing.assert_allclose(one[0], drawn.images[3], atol=1e-6)
