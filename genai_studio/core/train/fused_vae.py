"""The MLP VAE's training step written out by hand, for the CPU (issue 21).

The reference configuration (784-400-20, batch 128) spends ~70% of a CPU step in five matrix
products; the rest was autograd's bookkeeping and ~40 small operations, each its own parallel
region and allocation. This step computes the same forward pass, loss and gradients with the
products into buffers kept from step to step, the elementwise work in place, and no graph:

    forward   h_i = relu(h_{i-1} W_i^T + b_i) ...  mu, logvar = heads(h);  z = mu + e^{lv/2} eps
              logits = decoder(z);  loss = BCE_logits(logits, x)/B + beta KL(mu, lv)/B
    backward  d logits = (sigmoid(logits) - x) / B, back through the decoder's linears and
              ReLUs;  d mu = d z + beta mu / B;
              d lv = d z eps e^{lv/2} / 2 + beta (e^{lv} - 1) / 2B;
              through the heads and the encoder's linears and ReLUs

then hands the gradients to the same (fused) Adam. It draws the same noise from the same
generator as ``VAE.forward``, so a run follows the autograd step's trajectory (to rounding: a
test compares the two). Used for MLP VAEs that are not conditional, in fp32, in one process, on
the CPU; everything else takes the autograd step.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from genai_studio.core.models.vae import VAE


def linears(module: nn.Module) -> list[nn.Linear]:
    return [m for m in module.modules() if isinstance(m, nn.Linear)]


def eligible(model: nn.Module, device: torch.device, precision: str, distributed: bool) -> bool:
    if not isinstance(model, VAE) or distributed or precision != "fp32":
        return False
    config = model.config
    return config.arch == "mlp" and not config.conditional and device.type == "cpu"


class FusedMLPVAEStep:
    """One optimisation step of an MLP VAE without autograd; see the module docstring."""

    def __init__(self, model: VAE, optimizer: torch.optim.Optimizer) -> None:
        self.model, self.optimizer = model, optimizer
        self.encoder = linears(model.encoder_body)
        self.decoder = linears(model.decoder_body)
        self.heads = (model.mu_head, model.logvar_head)
        for p in model.parameters():  # the gradients live in buffers kept from step to step
            if p.grad is None or p.grad.shape != p.shape:
                p.grad = torch.zeros_like(p)

    @torch.no_grad()
    def step(self, x: torch.Tensor, generator: torch.Generator | None,
             beta: float) -> torch.Tensor:
        batch = x.shape[0]
        target = x.reshape(batch, -1)
        # Forward: keep each linear's input (after its ReLU) for the backward pass.
        inputs, h = [], target
        for layer in self.encoder:
            inputs.append(h)
            h = torch.addmm(layer.bias, h, layer.weight.t()).relu_()
        mu_head, lv_head = self.heads
        mu = torch.addmm(mu_head.bias, h, mu_head.weight.t())
        logvar = torch.addmm(lv_head.bias, h, lv_head.weight.t())
        eps = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=torch.float32)
        std = logvar.mul(0.5).exp_()
        z = torch.addcmul(mu, std, eps)
        dec_inputs, a = [], z
        for k, layer in enumerate(self.decoder):
            dec_inputs.append(a)
            a = torch.addmm(layer.bias, a, layer.weight.t())
            if k < len(self.decoder) - 1:
                a.relu_()
        logits = a
        rec = F.binary_cross_entropy_with_logits(logits, target, reduction="sum") / batch
        var = std * std
        kl = (mu.square().sum() + var.sum() - logvar.sum() - mu.numel()) * (0.5 / batch)
        # Backward through the decoder: d logits = (sigmoid(logits) - x) / B.
        grad = logits.sigmoid_().sub_(target).div_(batch)
        for k in range(len(self.decoder) - 1, -1, -1):
            layer, inp = self.decoder[k], dec_inputs[k]
            torch.mm(grad.t(), inp, out=layer.weight.grad)
            torch.sum(grad, 0, out=layer.bias.grad)
            grad = grad @ layer.weight
            if k > 0:
                grad.mul_(inp > 0)
        # Through the reparameterisation and the KL term (mean over the batch, times beta).
        d_mu = torch.add(grad, mu, alpha=beta / batch)
        d_lv = grad.mul_(eps).mul_(std).mul_(0.5).add_(var.sub_(1.0), alpha=0.5 * beta / batch)
        torch.mm(d_mu.t(), h, out=mu_head.weight.grad)
        torch.sum(d_mu, 0, out=mu_head.bias.grad)
        torch.mm(d_lv.t(), h, out=lv_head.weight.grad)
        torch.sum(d_lv, 0, out=lv_head.bias.grad)
        grad = torch.addmm(d_mu @ mu_head.weight, d_lv, lv_head.weight).mul_(h > 0)
        for k in range(len(self.encoder) - 1, -1, -1):
            layer, inp = self.encoder[k], inputs[k]
            torch.mm(grad.t(), inp, out=layer.weight.grad)
            torch.sum(grad, 0, out=layer.bias.grad)
            if k > 0:
                grad = (grad @ layer.weight).mul_(inp > 0)
        self.optimizer.step()
        rec, kl = rec.detach(), kl.detach()
        return torch.stack([rec + kl, rec, kl])
