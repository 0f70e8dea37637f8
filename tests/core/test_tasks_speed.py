"""Speed changes to the training steps change no number."""

import copy

import torch

from genai_studio.core.models.gan import discriminator_loss, generator_loss
from genai_studio.core.models.registry import GANConfig, build_model
from genai_studio.core.train.tasks import make_task


def _reference_gan_step(model, d_opt, g_opt, x, generator):
    """The GAN step as it was: the generator's backward also fills the discriminator's grads."""
    real = x * 2.0 - 1.0
    z = torch.randn(x.shape[0], model.latent_dim, generator=generator)
    fake = model.generator(z, None)
    d_loss = discriminator_loss(model.discriminator(real, None),
                                model.discriminator(fake.detach(), None))
    d_opt.zero_grad(set_to_none=True)
    d_loss.backward()
    d_opt.step()
    g_loss = generator_loss(model.discriminator(fake, None))
    g_opt.zero_grad(set_to_none=True)
    g_loss.backward()
    g_opt.step()


def test_frozen_discriminator_in_the_generator_step_changes_no_weight(torch_threads):
    torch.manual_seed(0)
    model = build_model(GANConfig(latent_dim=8, channels=8))
    reference = copy.deepcopy(model)
    task = make_task(model, None, torch.device("cpu"), 1.0)
    ref_task = make_task(reference, None, torch.device("cpu"), 1.0)
    gen_a, gen_b = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    for i in range(3):
        x = torch.rand(16, 1, 28, 28, generator=torch.Generator().manual_seed(i))
        task.step(x, torch.zeros(16, dtype=torch.long), gen_a, 1.0)
        _reference_gan_step(reference, ref_task.optimizers["discriminator"],
                            ref_task.optimizers["generator"], x, gen_b)
    for a, b in zip(model.state_dict().values(), reference.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    assert all(p.requires_grad for p in model.parameters())
