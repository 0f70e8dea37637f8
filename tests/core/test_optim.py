"""LeanAdam: Adam's exact update without importing torch._dynamo."""

import copy
import subprocess
import sys

import torch

from genai_studio.core.train.optim import LeanAdam, adam, lean_supported


def _train(model, optimizer, steps=4):
    for i in range(steps):
        x = torch.randn(8, 6, generator=torch.Generator().manual_seed(i))
        optimizer.zero_grad(set_to_none=True)
        model(x).pow(2).mean().backward()
        optimizer.step()


def test_lean_adam_updates_exactly_like_torch_adam(torch_threads):
    assert lean_supported(), "this torch's Adam internals changed: LeanAdam is falling back"
    torch.manual_seed(0)
    ours = torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
    ref = copy.deepcopy(ours)
    lean = adam(ours.parameters(), 1e-2, torch.device("cpu"), betas=(0.5, 0.999))
    assert isinstance(lean, LeanAdam)
    _train(ours, lean)
    _train(ref, torch.optim.Adam(ref.parameters(), lr=1e-2, betas=(0.5, 0.999), fused=True))
    for a, b in zip(ours.parameters(), ref.parameters(), strict=True):
        assert torch.equal(a, b)
    # Its state round-trips like Adam's.
    again = LeanAdam(copy.deepcopy(ours).parameters(), lr=1e-2)
    again.load_state_dict(lean.state_dict())
    assert again.state_dict()["state"][0]["step"] == lean.state_dict()["state"][0]["step"]


def test_a_training_step_never_imports_torch_dynamo():
    code = """
import sys, torch
from genai_studio.core.models.registry import VAEConfig, build_model
from genai_studio.core.train.tasks import make_task
task = make_task(build_model(VAEConfig(hidden=(8,))), None, torch.device("cpu"), 1.0)
x = torch.rand(4, 1, 28, 28)
task.step(x, torch.zeros(4, dtype=torch.long), torch.Generator(), 1.0)
task.optimizers["vae"].load_state_dict(task.optimizers["vae"].state_dict())
print(sorted(m for m in sys.modules if m.startswith("torch._dynamo")))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True).stdout.strip()
    assert out == "[]"
