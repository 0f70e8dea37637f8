"""The GAN's options beyond DCGAN: hinge loss, spectral norm, EMA generator, TTUR, old files."""

from __future__ import annotations

import pytest
import torch

from genai_studio.core.models.gan import discriminator_loss, generator_loss
from genai_studio.core.models.registry import GAN, GANConfig, config_from_dict
from genai_studio.core.store.checkpoints import load_model, model_metadata, save_model
from genai_studio.core.train.adversarial import GANTask
from genai_studio.core.train.loop import train
from genai_studio.core.train.run import TrainConfig

CPU = torch.device("cpu")
MODERN = GANConfig(latent_dim=8, channels=4, d_channels=8, loss="hinge", norm="spectral",
                   ema_decay=0.9)


def test_hinge_losses_are_the_published_ones():
    real, fake = torch.tensor([2.0, 0.5, -1.0]), torch.tensor([-2.0, 0.0, 1.5])
    # max(0, 1 - D(x)) + max(0, 1 + D(G(z))), batch means
    expected_d = (0 + 0.5 + 2.0) / 3 + (0 + 1.0 + 2.5) / 3
    assert float(discriminator_loss(real, fake, "hinge")) == pytest.approx(expected_d)
    assert float(generator_loss(fake, "hinge")) == pytest.approx(-(-2.0 + 0.0 + 1.5) / 3)


def test_a_config_without_the_new_options_is_read_as_the_dcgan_it_was():
    old = {"latent_dim": 8, "channels": 4, "conditional": False, "num_classes": 10}
    config = config_from_dict("gan", old)
    assert (config.loss, config.norm, config.ema_decay, config.d_channels) == (
        "bce", "batch", 0.0, None)


def test_a_format_1_file_loads_and_draws_what_it_drew(tmp_path):
    torch.manual_seed(0)
    model = GAN(GANConfig(latent_dim=8, channels=4)).eval()
    meta = model_metadata(model, training={}, metrics={})
    meta["config"] = {"latent_dim": 8, "channels": 4, "conditional": False, "num_classes": 10}
    path = save_model(tmp_path / "old.safetensors", model, meta)
    loaded = load_model(path).model
    z = torch.randn(5, 8)
    with torch.no_grad():
        torch.testing.assert_close(loaded.decode(z), model.decode(z))


def test_spectral_norm_bounds_every_discriminator_weight():
    model = GAN(MODERN).train()
    x = torch.randn(16, 1, 28, 28)
    for _ in range(30):  # power iterations converge as the discriminator is used
        model.discriminator(x)
    for name, module in model.discriminator.named_modules():
        if hasattr(module, "parametrizations"):
            w = module.weight.detach().reshape(module.weight.shape[0], -1)
            assert float(torch.linalg.matrix_norm(w, ord=2)) == pytest.approx(1.0, abs=0.05), name


def test_ema_ramps_up_then_follows_the_average():
    model = GAN(GANConfig(latent_dim=4, channels=4, ema_decay=0.99))
    g, ema = model.generator.project[0].weight, model.generator_ema.project[0].weight
    with torch.no_grad():
        ema.zero_()
        g.fill_(1.0)
    model.update_ema(0)  # decay (1 + 0) / (10 + 0) = 0.1: mostly the generator already
    assert float(ema[0, 0]) == pytest.approx(0.9)
    model.update_ema(10**6)  # the configured 0.99
    assert float(ema[0, 0]) == pytest.approx(0.9 + 0.01 * 0.1)
    assert not any(p.requires_grad for p in model.generator_ema.parameters())


def test_samples_come_from_the_moving_average():
    model = GAN(GANConfig(latent_dim=4, channels=4, ema_decay=0.5)).eval()
    z = torch.randn(3, 4)
    with torch.no_grad():
        for p in model.generator_ema.parameters():
            p.zero_()
        torch.testing.assert_close(model.decode(z), torch.full((3, 28, 28), 0.5))


def test_ema_statistics_are_recomputed_for_the_averaged_weights():
    model = GAN(GANConfig(latent_dim=4, channels=4, ema_decay=0.9))
    bn = model.generator_ema.project[1]
    bn.running_mean.fill_(123.0)
    model.refresh_ema_statistics(batches=2, batch_size=32)
    assert float(bn.running_mean.abs().max()) < 10  # the projection of N(0, 1) noise
    before = bn.running_mean.clone()
    model.refresh_ema_statistics(batches=2, batch_size=32)
    torch.testing.assert_close(bn.running_mean, before)  # seeded: the same every time


def test_two_time_scales_give_the_discriminator_its_own_rate():
    task = GANTask(GAN(MODERN), 1e-4, CPU, d_lr=4e-4)
    assert task.optimizers["generator"].param_groups[0]["lr"] == 1e-4
    assert task.optimizers["discriminator"].param_groups[0]["lr"] == 4e-4


def test_modern_gan_resumes_exactly(tiny_train_set, tmp_path):
    data = tiny_train_set.head(256)
    config = TrainConfig(epochs=2, batch_size=64, seed=4, d_lr=4e-4)
    list(train(MODERN, config, data, CPU, tmp_path / "straight.safetensors"))
    first = list(train(MODERN, TrainConfig(**{**config.__dict__, "epochs": 1}), data, CPU,
                       tmp_path / "split.safetensors"))
    list(train(None, config, data, CPU, tmp_path / "split.safetensors",
               resume_from=first[-1].checkpoint))
    a = load_model(tmp_path / "straight.safetensors").model.state_dict()
    b = load_model(tmp_path / "split.safetensors").model.state_dict()
    for key in a:
        assert torch.equal(a[key], b[key]), key
