"""The MLP VAE's hand-written CPU step trains the weights the autograd step trains."""

from __future__ import annotations

import copy

import pytest
import torch

from genai_studio.core.models.vae import VAE, VAEConfig
from genai_studio.core.train.distributed import SINGLE, World
from genai_studio.core.train.tasks import make_task


def _pair(config: VAEConfig, beta: float = 1.0):
    torch.manual_seed(3)
    model = VAE(config)
    tasks = []
    for m in (model, copy.deepcopy(model)):
        task = make_task(m, 1e-3, torch.device("cpu"), beta)
        task.configure(SINGLE, 32)
        tasks.append(task)
    fused, plain = tasks
    plain.fused = None  # the autograd step
    return fused, plain


@pytest.mark.parametrize("hidden, beta", [((400,), 1.0), ((48, 24), 0.5)])
def test_fused_step_follows_the_autograd_step(torch_threads, hidden, beta):
    fused, plain = _pair(VAEConfig(latent_dim=6, hidden=hidden), beta)
    assert fused.fused is not None
    data = torch.rand(5, 32, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    gens = [torch.Generator().manual_seed(11), torch.Generator().manual_seed(11)]
    labels = torch.zeros(32, dtype=torch.long)
    for step, x in enumerate(data):
        a = fused.step(x, labels, gens[0], 0.5 + 0.1 * step)  # a KL warm-up's beta scale
        b = plain.step(x, labels, gens[1], 0.5 + 0.1 * step)
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-4)
        if step == 0:  # the gradients themselves, before Adam hides their scale
            for p, q in zip(fused.model.parameters(), plain.model.parameters(), strict=True):
                torch.testing.assert_close(p.grad, q.grad, rtol=1e-4, atol=1e-6)
    for p, q in zip(fused.model.parameters(), plain.model.parameters(), strict=True):
        torch.testing.assert_close(p, q, rtol=1e-4, atol=1e-5)
    # Both drew the same noise: the generators end in the same state.
    assert torch.equal(gens[0].get_state(), gens[1].get_state())


@pytest.mark.parametrize("config, precision, world", [
    (VAEConfig(arch="conv", latent_dim=4, channels=4), "fp32", SINGLE),
    (VAEConfig(latent_dim=4, hidden=(16,), conditional=True), "fp32", SINGLE),
    (VAEConfig(latent_dim=4, hidden=(16,)), "bf16", SINGLE),
    (VAEConfig(latent_dim=4, hidden=(16,)), "fp32", World(rank=0, size=2)),
])
def test_other_vaes_take_the_autograd_step(torch_threads, config, precision, world):
    task = make_task(VAE(config), 1e-3, torch.device("cpu"), 1.0)
    task._wrap = lambda _world: None  # no process group here; only the choice is tested
    task.configure(world, 32, precision)
    assert task.fused is None
