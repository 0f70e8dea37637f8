import math

import pytest
import torch
from torch.distributions import Normal, kl_divergence

from genai_studio.core.errors import ModelFileError, UsageError
from genai_studio.core.models.gan import discriminator_loss, generator_loss
from genai_studio.core.models.registry import (
    GAN,
    VAE,
    GANConfig,
    VAEConfig,
    build_model,
    config_from_dict,
)
from genai_studio.core.models.vae import VAEOutput, bernoulli_nll, gaussian_kl, vae_loss


def test_mlp_vae_expresses_the_pytorch_examples_model_exactly():
    model = VAE(VAEConfig(latent_dim=20, hidden=(400,)))
    # fc1 784->400, fc21/fc22 400->20, fc3 20->400, fc4 400->784 (pytorch/examples vae/main.py)
    reference = (784 * 400 + 400) + 2 * (400 * 20 + 20) + (20 * 400 + 400) + (400 * 784 + 784)
    assert sum(p.numel() for p in model.parameters()) == reference
    shapes = sorted(tuple(p.shape) for p in model.parameters())
    assert (400, 784) in shapes and (784, 400) in shapes and shapes.count((20, 400)) == 2


@pytest.mark.parametrize(
    "config",
    [VAEConfig(), VAEConfig(hidden=(64, 32), latent_dim=5, conditional=True),
     VAEConfig(arch="conv", hidden=(32,), channels=4), VAEConfig(arch="conv", conditional=True,
                                                                 channels=4, hidden=(16,))],
)
def test_vae_shapes(config):
    torch.manual_seed(0)
    model = VAE(config)
    x = torch.rand(6, 1, 28, 28)
    labels = torch.arange(6) if config.conditional else None
    out = model(x, labels)
    assert out.logits.shape == (6, 1, 28, 28)
    assert out.mu.shape == out.logvar.shape == (6, config.latent_dim)
    with torch.no_grad():
        images = model.decode(torch.randn(3, config.latent_dim),
                              labels[:3] if labels is not None else None)
    assert images.shape == (3, 28, 28)
    assert 0.0 <= float(images.min()) and float(images.max()) <= 1.0


@pytest.mark.parametrize("conditional", [False, True])
def test_gan_shapes(conditional):
    model = GAN(GANConfig(latent_dim=16, channels=8, conditional=conditional))
    labels = torch.arange(5) if conditional else None
    fake = model.generator(torch.randn(5, 16), labels)
    assert fake.shape == (5, 1, 28, 28) and float(fake.detach().abs().max()) <= 1.0
    assert model.discriminator(fake, labels).shape == (5,)
    model.eval()
    assert model.sample(4, labels=labels[:4] if conditional else None).shape == (4, 28, 28)


def test_analytic_kl_matches_torch_distributions():
    torch.manual_seed(1)
    mu, logvar = torch.randn(7, 3), torch.randn(7, 3)
    expected = kl_divergence(Normal(mu, torch.exp(0.5 * logvar)), Normal(0.0, 1.0)).sum(dim=1)
    torch.testing.assert_close(gaussian_kl(mu, logvar), expected)
    assert torch.all(gaussian_kl(torch.zeros(2, 4), torch.zeros(2, 4)) == 0)


def test_bernoulli_nll_sums_bce_over_all_pixels_per_image():
    torch.manual_seed(2)
    logits, x = torch.randn(4, 1, 28, 28), torch.bernoulli(torch.full((4, 1, 28, 28), 0.3))
    p = torch.sigmoid(logits)
    expected = -(x * torch.log(p) + (1 - x) * torch.log(1 - p)).flatten(1).sum(1)
    torch.testing.assert_close(bernoulli_nll(logits, x), expected, rtol=1e-4, atol=1e-3)


def test_vae_loss_is_reconstruction_plus_beta_kl_per_image():
    torch.manual_seed(3)
    out = VAEOutput(torch.randn(5, 1, 28, 28), torch.randn(5, 2), torch.randn(5, 2))
    x = torch.bernoulli(torch.full((5, 1, 28, 28), 0.5))
    loss, rec, kl = vae_loss(out, x, beta=4.0)
    torch.testing.assert_close(rec, bernoulli_nll(out.logits, x).mean())
    torch.testing.assert_close(kl, gaussian_kl(out.mu, out.logvar).mean())
    torch.testing.assert_close(loss, rec + 4.0 * kl)


def test_reparameterisation_passes_gradients_and_has_the_right_spread():
    model = VAE(VAEConfig(latent_dim=2, hidden=(8,)))
    mu = torch.tensor([[1.0, -2.0]])
    logvar = torch.tensor([[math.log(0.25), math.log(4.0)]])  # sigma 0.5 and 2
    model.encode = lambda x, labels=None: (mu.expand(20000, 2), logvar.expand(20000, 2))
    seen = []
    model.decode_logits = lambda z, labels=None: seen.append(z) or torch.zeros(20000, 1, 28, 28)
    model(torch.zeros(20000, 1, 28, 28), generator=torch.Generator().manual_seed(0))
    z = seen[0]
    torch.testing.assert_close(z.mean(0), mu[0], atol=0.05, rtol=0)
    torch.testing.assert_close(z.std(0), torch.tensor([0.5, 2.0]), atol=0.05, rtol=0)


def test_gan_losses_are_goodfellow_with_non_saturating_generator():
    real, fake = torch.tensor([2.0, -1.0, 0.5]), torch.tensor([-3.0, 0.0, 1.0])
    d_real, d_fake = torch.sigmoid(real), torch.sigmoid(fake)
    expected_d = -torch.log(d_real).mean() - torch.log(1 - d_fake).mean()
    torch.testing.assert_close(discriminator_loss(real, fake), expected_d)
    torch.testing.assert_close(generator_loss(fake), -torch.log(d_fake).mean())
    # Non-saturating: where D confidently rejects the fake (D(G(z)) ~ 0), -log D still has a
    # strong gradient, while the minimax log(1 - D) has almost none.
    logit = torch.tensor([-8.0], requires_grad=True)
    generator_loss(logit).backward()
    ns_grad = abs(float(logit.grad))
    logit.grad = None
    torch.log(1 - torch.sigmoid(logit)).mean().backward()
    assert ns_grad > 0.99 and abs(float(logit.grad)) < 1e-3


def test_labels_are_checked_against_the_model():
    plain = VAE(VAEConfig(hidden=(8,)))
    with pytest.raises(UsageError, match="not conditional"):
        plain.sample(2, labels=torch.tensor([1, 2]))
    cond = VAE(VAEConfig(hidden=(8,), conditional=True))
    with pytest.raises(UsageError, match="needs a digit label"):
        cond.sample(2)
    with pytest.raises(UsageError, match="between 0 and 9"):
        cond.sample(2, labels=torch.tensor([1, 10]))
    with pytest.raises(UsageError, match="positive"):
        cond.sample(0, labels=torch.tensor([], dtype=torch.long))


def test_sampling_is_seeded_and_leaves_the_global_rng_alone():
    model = VAE(VAEConfig(hidden=(8,)))
    state = torch.get_rng_state()
    a = model.sample(4, generator=torch.Generator().manual_seed(5))
    b = model.sample(4, generator=torch.Generator().manual_seed(5))
    assert torch.equal(a, b)
    assert torch.equal(state, torch.get_rng_state())


def test_config_round_trips_through_dicts_and_rejects_nonsense():
    config = VAEConfig(arch="conv", latent_dim=7, hidden=(12, 6), conditional=True)
    again = config_from_dict("vae", config.to_dict())
    assert again == config and isinstance(build_model(again), VAE)
    with pytest.raises(ModelFileError, match="unknown vae config fields"):
        config_from_dict("vae", {"latent": 3})
    with pytest.raises(ModelFileError, match="invalid vae config"):
        config_from_dict("vae", {"arch": "transformer"})
    with pytest.raises(ModelFileError, match="unknown model kind"):
        config_from_dict("diffusion", {})
    with pytest.raises(ModelFileError, match="invalid gan config"):
        config_from_dict("gan", {"latent_dim": 0})


def test_gan_decode_maps_tanh_range_to_unit_interval():
    model = GAN(GANConfig(latent_dim=4, channels=4)).eval()
    z = torch.randn(3, 4)
    with torch.no_grad():
        images = model.decode(z)
        torch.testing.assert_close(images * 2 - 1, model.generator(z).squeeze(1))
    assert images.shape == (3, 28, 28)
    assert 0.0 <= float(images.min()) and float(images.max()) <= 1.0
