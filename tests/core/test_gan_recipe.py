"""The GAN recipe's parts (issue 18): R1 on real images, the minibatch-stddev layer, the EMA
copy that draws samples, and self-conditioning on clusters, whose file keeps only what its
config cannot rebuild."""

from __future__ import annotations

import torch

from genai_studio.core.latent.sampling import sample
from genai_studio.core.models.blocks import MinibatchStd
from genai_studio.core.models.gan import GAN, GANConfig, ema_update
from genai_studio.core.store.checkpoints import load_model, model_metadata, save_model
from genai_studio.core.train.adversarial import r1_penalty


def test_r1_is_half_gamma_times_the_squared_gradient_norm_on_real_images():
    real = torch.randn(8, 1, 4, 4, requires_grad=True)
    weight = torch.randn(16)
    logits = (real.flatten(1) ** 2) @ weight  # d/dx = 2 x w, known in closed form
    penalty = r1_penalty(logits, real, gamma=10.0)
    expected = 0.5 * 10.0 * ((2 * real.detach().flatten(1) * weight) ** 2).sum(1).mean()
    torch.testing.assert_close(penalty, expected)
    assert penalty.requires_grad  # it trains D's weights


def test_minibatch_stddev_sees_a_collapsed_batch():
    layer = MinibatchStd(group=4)
    same = torch.ones(8, 3, 2, 2)
    varied = torch.randn(8, 3, 2, 2)
    out_same, out_varied = layer(same), layer(varied)
    assert out_same.shape == (8, 4, 2, 2)
    assert float(out_same[:, 3].max()) < 1e-3  # copies: no spread at all
    assert float(out_varied[:, 3].min()) > 0.3
    torch.testing.assert_close(out_varied[:, :3], varied)


def test_the_ema_follows_the_weights_at_its_decay_and_draws_the_samples():
    torch.manual_seed(0)
    gan = GAN(GANConfig(latent_dim=4, channels=4, ema_decay=0.9))
    before = {k: v.clone() for k, v in gan.generator_ema.state_dict().items()}
    for p in gan.generator.parameters():
        p.data.add_(1.0)
    ema_update(gan.generator_ema, gan.generator, 0.9, step=10_000)  # past the warm-up
    for name, p in gan.generator.named_parameters():
        torch.testing.assert_close(gan.generator_ema.state_dict()[name],
                                   0.9 * before[name] + 0.1 * p.detach())
    assert gan.sampler is gan.generator_ema


def test_a_clustered_gan_keeps_its_cluster_shares_and_rebuilds_its_mixture(tmp_path):
    torch.manual_seed(0)
    gan = GAN(GANConfig(latent_dim=4, channels=4, clusters=3))
    images = torch.cat([torch.zeros(10, 1, 28, 28), torch.ones(20, 1, 28, 28),
                        torch.rand(30, 1, 28, 28) * 0.1 + 0.45])
    gan.fit_clusters(images)
    torch.testing.assert_close(gan.mixture.weights.sort().values,
                               torch.tensor([10.0, 20.0, 30.0]) / 60)
    path = save_model(tmp_path / "g.safetensors", gan, model_metadata(gan, training={}))
    saved = set(gan.state_dict())
    assert "mixture.weights" in saved and "mixture.scale_tril" not in saved
    loaded = load_model(path).model
    torch.testing.assert_close(loaded.mixture.means, gan.mixture.means)
    torch.testing.assert_close(loaded.mixture.scale_tril, gan.mixture.scale_tril)
    a, b = sample(gan, 16, 3), sample(loaded, 16, 3)
    torch.testing.assert_close(torch.from_numpy(a.latents), torch.from_numpy(b.latents))
    # Each draw sits at its cluster's one-hot: the generator is never unsure of the cluster.
    coords = torch.from_numpy(a.latents)[:, 4:]
    assert bool((coords.max(dim=1).values > 0.7).all())


def test_diffaugment_moves_cuts_out_and_recolours_with_the_gradient_passing_through():
    """DiffAugment (Zhao et al. 2020) for small datasets: translation, cutout of a square half
    the side, colour for RGB only; differentiable, so the generator learns through it."""
    from genai_studio.core.train.augment import diff_augment

    rgb = (torch.rand(8, 3, 32, 32) + 0.1).requires_grad_(True)  # no zero of its own
    seen = diff_augment(rgb, torch.Generator().manual_seed(1))
    assert seen.shape == rgb.shape
    holes = (seen == 0).all(dim=1).flatten(1).sum(1)
    assert bool((holes >= 16 * 16).all())  # at least the cutout's square in every image
    seen.sum().backward()
    assert rgb.grad is not None and float(rgb.grad.abs().sum()) > 0
    kept = seen[seen != 0].detach()
    assert not bool(torch.isin(kept, rgb.detach()).all())  # recoloured
    grey = torch.rand(8, 1, 32, 32) + 0.1
    looked = diff_augment(grey, torch.Generator().manual_seed(1))
    assert bool(torch.isin(looked[looked != 0], grey).all())  # only moved and cut
    assert not torch.equal(looked, grey)
    torch.testing.assert_close(looked, diff_augment(grey, torch.Generator().manual_seed(1)))
