"""The VAE-GAN (Larsen et al. 2016): shapes, which loss trains which network, and training."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from genai_studio.core.errors import ModelFileError
from genai_studio.core.latent.sampling import sample
from genai_studio.core.models.registry import VAEGAN, VAEGANConfig, config_from_dict
from genai_studio.core.models.vae import gaussian_kl
from genai_studio.core.store.checkpoints import load_model, read_metadata
from genai_studio.core.train.adversarial import VAEGANTask
from genai_studio.core.train.events import Finished, Progress
from genai_studio.core.train.loop import train
from genai_studio.core.train.run import TrainConfig

CPU = torch.device("cpu")
TINY = VAEGANConfig(latent_dim=4, channels=4, hidden=16)


@pytest.mark.parametrize("conditional", [False, True])
@torch.no_grad()
def test_shapes_and_ranges(conditional):
    torch.manual_seed(0)
    model = VAEGAN(VAEGANConfig(latent_dim=6, channels=4, hidden=16, conditional=conditional))
    model.eval()
    x = torch.rand(5, 1, 28, 28)
    labels = torch.arange(5) if conditional else None
    mu, logvar = model.encode(x, labels)
    assert mu.shape == logvar.shape == (5, 6)
    images = model.decode(mu, labels)
    assert images.shape == (5, 28, 28) and 0 <= float(images.min()) <= float(images.max()) <= 1
    assert model.reconstruct(x, labels).shape == (5, 28, 28)
    verdict = model.discriminate(images, labels)
    assert verdict.shape == (5,) and bool(((verdict > 0) & (verdict < 1)).all())
    drawn = sample(model, 12, seed=3)
    assert drawn.images.shape == (12, 28, 28) and drawn.latents.shape == (12, 6)


def test_config_checks_its_values():
    with pytest.raises(ModelFileError):
        config_from_dict("vaegan", {"gamma": 0.0})
    with pytest.raises(ModelFileError):
        config_from_dict("vaegan", {"adversarial": "wasserstein"})
    assert config_from_dict("vaegan", TINY.to_dict()) == TINY


def _objectives(model, x, labels, generator, adversarial):
    """Larsen et al.'s three objectives, written out plainly, from the same random draws."""
    cond = labels if model.conditional else None

    def rep(n):
        return None if cond is None else cond.repeat(n)

    mu, logvar = model.encode(x, cond)
    z = mu + torch.exp(0.5 * logvar) * torch.randn(mu.shape, generator=generator)
    z_p = torch.randn(mu.shape, generator=generator)
    x_rec = model.generate(z, cond)
    fakes = model.generate(torch.cat([z, z_p]), rep(2))
    real = x * 2 - 1
    _, features = model.discriminator.logits_and_features(torch.cat([real, x_rec]), rep(2))
    b = x.shape[0]
    l_real, l_rec, l_prior = model.discriminator(torch.cat([real, fakes]), rep(3)).split(b)
    llike = 0.5 * (features[:b] - features[b:]).pow(2).sum(1).mean()
    prior = gaussian_kl(mu, logvar).mean()
    l_gan = F.softplus(-l_real).mean() + F.softplus(l_rec).mean() + F.softplus(l_prior).mean()
    if adversarial == "minimax":  # the decoder descends -L_GAN (its fake terms)
        dec_gan = -(F.softplus(l_rec).mean() + F.softplus(l_prior).mean())
    else:
        dec_gan = F.softplus(-l_rec).mean() + F.softplus(-l_prior).mean()
    return prior + llike, model.config.gamma * llike + dec_gan, l_gan


@pytest.mark.parametrize("adversarial", ["minimax", "non-saturating"])
@pytest.mark.parametrize("conditional", [False, True])
def test_each_network_gets_the_gradient_of_its_own_objective(adversarial, conditional):
    """encoder: L_prior + L_llike; decoder: gamma L_llike - L_GAN; discriminator: L_GAN."""
    torch.manual_seed(1)
    config = VAEGANConfig(latent_dim=4, channels=4, hidden=16, gamma=0.3,
                          adversarial=adversarial, conditional=conditional)
    model = VAEGAN(config).train()
    reference = copy.deepcopy(model)
    x, labels = torch.rand(8, 1, 28, 28), torch.arange(8) % 10
    task = VAEGANTask(model, 1e-3, CPU)
    for opt in task.optimizers.values():
        opt.step = lambda *a, **k: None  # keep the gradients, change no weight
    task.step(x, labels, torch.Generator().manual_seed(5), 1.0)

    enc_obj, dec_obj, dis_obj = _objectives(reference, x, labels,
                                            torch.Generator().manual_seed(5), adversarial)
    ref_task = VAEGANTask(reference, 1e-3, CPU)
    for name, objective in (("encoder", enc_obj), ("decoder", dec_obj),
                            ("discriminator", dis_obj)):
        expected = torch.autograd.grad(objective, ref_task.groups[name], retain_graph=True)
        scale = max(float(g.abs().max()) for g in expected)
        for param, grad in zip(task.groups[name], expected, strict=True):
            assert param.grad is not None, name
            assert float((param.grad - grad).abs().max()) <= 1e-5 * scale, name


def test_trains_resumes_exactly_and_reports_its_loss_terms(tiny_train_set, tmp_path):
    config = TrainConfig(epochs=2, batch_size=32, log_every=2, seed=2, preview_every=4)
    straight = tmp_path / "straight.safetensors"
    events = list(train(TINY, config, tiny_train_set.head(128), CPU, straight))
    progress = [e for e in events if isinstance(e, Progress)]
    assert set(progress[0].losses) == {"llike", "kl", "l_gan", "dec_gan", "d_real", "d_prior"}
    assert all(np.isfinite(list(p.losses.values())).all() for p in progress)
    meta = read_metadata(straight)
    assert meta["kind"] == "vaegan" and meta["dataset"]["binarize"] == "none"

    split = tmp_path / "split.safetensors"
    first = list(train(TINY, TrainConfig(**{**config.__dict__, "epochs": 1}),
                       tiny_train_set.head(128), CPU, split))
    assert isinstance(first[-1], Finished)
    list(train(None, config, tiny_train_set.head(128), CPU, split,
               resume_from=first[-1].checkpoint))
    a, b = load_model(straight).model.state_dict(), load_model(split).model.state_dict()
    for key in a:
        assert torch.equal(a[key], b[key]), key


@torch.no_grad()
def test_a_vaegan_started_from_a_vae_encodes_and_draws_as_the_vae_did(tmp_path):
    """--init-from (Ham et al. 2020): the run starts from the VAE's encoder and decoder (and
    its EMA decoder from the same weights); a VAE of other sizes is refused in one line."""
    from genai_studio.core.errors import UsageError
    from genai_studio.core.models.registry import VAEConfig, build_model
    from genai_studio.core.store.checkpoints import model_metadata, save_model
    from genai_studio.core.train.run import warm_start

    torch.manual_seed(0)
    vae = build_model(VAEConfig(latent_dim=4, hidden=(24, 16))).eval()
    path = save_model(tmp_path / "vae.safetensors", vae,
                      model_metadata(vae, dataset={"name": "mnist"}, training={}))
    config = VAEGANConfig(arch="mlp", mlp_hidden=(24, 16), latent_dim=4, channels=4,
                          ema_decay=0.999)
    vaegan = VAEGAN(config).eval()
    x, z = torch.rand(6, 1, 28, 28), torch.randn(6, 4)
    assert not torch.allclose(vaegan.decode(z), vae.decode(z))  # a fresh start draws noise
    record = warm_start(vaegan, path)
    assert record["name"] == "vae.safetensors" and len(record["sha256"]) == 64
    torch.testing.assert_close(vaegan.encode(x)[0], vae.encode(x)[0])
    torch.testing.assert_close(vaegan.decode(z), vae.decode(z))  # through the EMA decoder
    other = VAEGAN(VAEGANConfig(arch="mlp", mlp_hidden=(32,), latent_dim=4, channels=4))
    with pytest.raises(UsageError, match="hidden"):
        warm_start(other, path)
