"""One optimisation step of each model kind; the loop around them lives in ``training``.

A task owns its model's optimizers and turns a batch into one update. It returns its losses as
one detached tensor (no ``.item()``: a host sync per step would cost the CPU loop ~10%, and a
GPU loop far more); the loop reads them every ``log_every`` steps.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from genai_studio.core.accel import autocast
from genai_studio.core.defaults import DEFAULT_LR
from genai_studio.core.distributed import World, wrap
from genai_studio.core.models.gan import GAN, discriminator_loss, generator_loss
from genai_studio.core.models.judge import Judge
from genai_studio.core.models.vae import VAE, gaussian_kl, vae_loss
from genai_studio.core.models.vaegan import VAEGAN
from genai_studio.core.optim import adam as _adam


class TrainingTask:
    """The per-kind part of training: optimizers, one step, defaults."""

    loss_names: tuple[str, ...] = ()
    default_lr: float = 1e-3
    default_binarize: str = "none"
    # Whether the model draws images the loop can preview (generators do; the judge does not).
    makes_images: bool = True
    # Why the step cannot be captured as a CUDA graph or split across processes (None: it can).
    graph_blocker: str | None = None
    distributed_blocker: str | None = None

    def __init__(self, model: nn.Module, lr: float, device: torch.device) -> None:
        self.model = model
        self.device = device
        self.optimizers: dict[str, torch.optim.Optimizer] = {}
        self.precision = "fp32"
        # One process of several: it draws the noise of the whole global batch and keeps its
        # rows (``core.distributed``); None in a single process (the batch is the global one).
        self.global_batch: int | None = None
        self.rows = slice(None)
        self.net: nn.Module = model  # what the step calls: the model, or it under DDP

    def configure(self, world: World, global_batch: int, precision: str = "fp32") -> None:
        """Take this process's share of each batch and the forward pass's precision; wrap the
        trained modules for DistributedDataParallel when there are several processes."""
        self.precision = precision
        if world.distributed:
            self.global_batch, self.rows = global_batch, world.rows(global_batch)
        self._wrap(world)

    def _wrap(self, world: World) -> None:
        self.net = wrap(self.model, world)

    def amp(self):
        """The forward pass's autocast context (a no-op in fp32)."""
        return autocast(self.device, self.precision)

    def noise_rows(self, local: int) -> int:
        """How many rows of noise to draw for a local batch of ``local``: the global batch's."""
        return self.global_batch or local

    def make_capturable(self) -> None:
        """Rebuild the optimizers (before any state is loaded) so a CUDA graph can hold them."""
        for name, opt in self.optimizers.items():
            group = opt.param_groups[0]
            self.optimizers[name] = _adam(group["params"], group["lr"], self.device,
                                          betas=group["betas"], capturable=True)

    def check(self, losses: dict[str, float], steps: int) -> str | None:
        """Called with each window's mean losses (over ``steps`` steps): a reason to stop the
        run as diverged, or None. NaN and infinite losses are caught by the loop for all."""
        return None

    def before_save(self) -> None:
        """Called before the model is written (checkpoint or final file)."""

    def set_progress(self, step: int, total_steps: int) -> None:
        """Called by the loop before each step; a task with a schedule adapts to it here.

        The loop passes its own (checkpointed) step count, so a resumed run follows exactly the
        schedule of an uninterrupted one.
        """

    def step(
        self,
        x: torch.Tensor,
        labels: torch.Tensor,
        generator: torch.Generator,
        beta_scale: float,
    ) -> torch.Tensor:
        """One update from x (B, C, H, W) in [0, 1]; losses as a (len(loss_names),) tensor."""
        raise NotImplementedError


class VAETask(TrainingTask):
    # neg_elbo is the beta = 1 bound (what likelihood papers report), whatever beta is trained.
    loss_names = ("neg_elbo", "rec", "kl")
    default_lr = DEFAULT_LR["vae"]
    default_binarize = "dynamic"

    def __init__(self, model: VAE, lr: float, device: torch.device, beta: float = 1.0) -> None:
        super().__init__(model, lr, device)
        self.beta = beta
        self.optimizers["vae"] = _adam(model.parameters(), lr, device)

    def step(self, x, labels, generator, beta_scale):
        model: VAE = self.model  # type: ignore[assignment]
        eps = None
        if self.global_batch is not None:  # this process's rows of the whole batch's noise
            eps = torch.randn((self.global_batch, model.latent_dim), generator=generator,
                              device=x.device)[self.rows]
        with self.amp():
            out = self.net(x, labels if model.conditional else None, generator=generator,
                           eps=eps)
            loss, rec, kl = vae_loss(out, x, beta=self.beta * beta_scale)
        opt = self.optimizers["vae"]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return torch.stack([rec + kl, rec, kl]).detach()


class AdversarialTask(TrainingTask):
    """What the GAN and VAE-GAN share: a discriminator that must not win outright."""

    # D(real) > 0.99 and D(fake) < 0.01 held this many steps in a row: the generator gets no
    # useful gradient any more (Goodfellow's saturation), and a longer run only wastes time.
    outright_steps = 300
    outright_margin = 0.01
    fake_key = "d_fake"  # the loss entry with D's mean verdict on generated images

    def __init__(self, model: nn.Module, lr: float, device: torch.device) -> None:
        super().__init__(model, lr, device)
        self._winning_steps = 0

    def check(self, losses, steps):
        real, fake = losses["d_real"], losses[self.fake_key]
        if real > 1 - self.outright_margin and fake < self.outright_margin:
            self._winning_steps += steps
        else:
            self._winning_steps = 0
        if self._winning_steps >= self.outright_steps:
            return (f"the discriminator won outright (D(real) {real:.3f}, D(fake) {fake:.3f} "
                    f"for {self._winning_steps} steps)")
        return None


class GANTask(AdversarialTask):
    loss_names = ("d_loss", "g_loss", "d_real", "d_fake")
    default_lr = DEFAULT_LR["gan"]
    default_binarize = "none"

    def __init__(self, model: GAN, lr: float, device: torch.device,
                 d_lr: float | None = None) -> None:
        super().__init__(model, lr, device)
        if model.config.loss == "hinge":  # other formulas, other names (core/loss_terms.py)
            self.loss_names = ("d_hinge", "g_hinge", "d_real", "d_fake")
        self._step = 0
        if model.generator_ema is not None:
            self.graph_blocker = "the moving average's decay ramps up with the step"
        # DCGAN's Adam settings: beta1 = 0.5 keeps the two players from oscillating. d_lr: the
        # discriminator's own rate (two time-scale update rule); by default the generator's.
        self.optimizers["discriminator"] = _adam(
            model.discriminator.parameters(), d_lr or lr, device, betas=(0.5, 0.999)
        )
        self.optimizers["generator"] = _adam(
            model.generator.parameters(), lr, device, betas=(0.5, 0.999)
        )
        self.g_net: nn.Module = model.generator
        self.d_net: nn.Module = model.discriminator

    def step(self, x, labels, generator, beta_scale):
        model: GAN = self.model  # type: ignore[assignment]
        loss = model.config.loss
        cond = labels if model.conditional else None
        real = x * 2.0 - 1.0  # the generator's tanh range
        z = torch.randn(self.noise_rows(x.shape[0]), model.latent_dim, generator=generator,
                        device=x.device)[self.rows]
        with self.amp():
            fake = self.g_net(z, cond)
            # Discriminator, with G held fixed (detach).
            real_logits = self.d_net(real, cond)
            fake_logits = self.d_net(fake.detach(), cond)
            d_loss = discriminator_loss(real_logits, fake_logits, loss)
        d_opt = self.optimizers["discriminator"]
        d_opt.zero_grad(set_to_none=True)
        d_loss.backward()
        d_opt.step()

        # Generator, through the just-updated discriminator. Its weights are frozen meanwhile:
        # their gradients would be thrown away (8% of the FLOPs).
        with self.amp():
            g_loss = self._generator_loss(model, fake, cond)
        g_opt = self.optimizers["generator"]
        g_opt.zero_grad(set_to_none=True)
        g_loss.backward()
        g_opt.step()
        model.update_ema(self._step)
        return torch.stack(
            [d_loss, g_loss, torch.sigmoid(real_logits).mean(), torch.sigmoid(fake_logits).mean()]
        ).detach()

    def set_progress(self, step: int, total_steps: int) -> None:
        self._step = step  # the loop's (checkpointed) count: a resumed run ramps the EMA alike

    def before_save(self) -> None:
        self.model.refresh_ema_statistics()

    def _wrap(self, world: World) -> None:
        # Two players, two DDP modules; the generator's loss goes through the plain
        # discriminator (its weights are frozen there: nothing of it to average).
        model: GAN = self.model  # type: ignore[assignment]
        self.g_net = wrap(model.generator, world)
        self.d_net = wrap(model.discriminator, world)

    @staticmethod
    def _generator_loss(model: GAN, fake: torch.Tensor, cond: torch.Tensor | None):
        params = list(model.discriminator.parameters())
        for p in params:
            p.requires_grad_(False)
        try:
            return generator_loss(model.discriminator(fake, cond), model.config.loss)
        finally:
            for p in params:
                p.requires_grad_(True)


class _ScaleGradient(torch.autograd.Function):
    """Identity forward; multiplies the gradient flowing back by ``scale``."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, scale: float) -> torch.Tensor:  # type: ignore[override]
        ctx.scale = scale
        return x.clone()

    @staticmethod
    def backward(ctx, grad: torch.Tensor):  # type: ignore[override]
        return grad * ctx.scale, None


class VAEGANTask(AdversarialTask):
    """One simultaneous update of encoder, decoder and discriminator from one forward pass
    (Larsen et al. 2016, Algorithm 1; the objectives are in core/models/vaegan.py).

    The decoder runs on z (the reconstruction for L_llike) and on [z.detach(), z_p] (the
    reconstruction and the prior sample for the GAN loss); the first branch's gradient into z is
    scaled by 1/gamma, so one backward pass of  L_prior + gamma * L_llike + L_G  gives the
    decoder gamma * dL_llike + dL_G and the encoder dL_prior + dL_llike, and no GAN gradient
    reaches the encoder. The discriminator's gradient of L_GAN is taken from the same logits,
    alone.
    """

    loss_names = ("llike", "kl", "l_gan", "dec_gan", "d_real", "d_prior")
    fake_key = "d_prior"
    default_lr = DEFAULT_LR["vaegan"]
    default_binarize = "none"
    # Each network's gradient is taken on its own (torch.autograd.grad), which DDP's hooks do
    # not follow; a CUDA graph has not been tried on it.
    graph_blocker = "the VAE-GAN's three-network step is not captured"
    distributed_blocker = "the VAE-GAN trains in one process"

    def __init__(self, model: VAEGAN, lr: float, device: torch.device, beta: float = 1.0,
                 d_lr: float | None = None) -> None:
        super().__init__(model, lr, device)
        self.beta = beta
        if model.config.adversarial == "non-saturating":
            self.loss_names = ("llike", "kl", "l_gan", "dec_gan_ns", "d_real", "d_prior")
        betas = (0.5, 0.999)  # DCGAN's, as for the GAN
        encoder = [*model.encoder.parameters(), *model.encoder_body.parameters(),
                   *model.mu_head.parameters(), *model.logvar_head.parameters()]
        self.groups = {"encoder": encoder, "decoder": list(model.decoder.parameters()),
                       "discriminator": list(model.discriminator.parameters())}
        for name, params in self.groups.items():
            rate = (d_lr or lr) if name == "discriminator" else lr
            self.optimizers[name] = _adam(params, rate, device, betas=betas)

    def step(self, x, labels, generator, beta_scale):
        model: VAEGAN = self.model  # type: ignore[assignment]
        gamma, b = model.config.gamma, x.shape[0]
        cond = labels if model.conditional else None
        cond2 = None if cond is None else cond.repeat(2)
        cond3 = None if cond is None else cond.repeat(3)
        real = x * 2.0 - 1.0
        with self.amp():
            mu, logvar = model.encode(x, cond)
            eps = torch.randn(mu.shape, generator=generator, device=x.device)
            z = mu + torch.exp(0.5 * logvar) * eps
            z_p = torch.randn(mu.shape, generator=generator, device=x.device)
            # Two decoder passes (and two discriminator passes) rather than one: BatchNorm's
            # batch statistics couple the samples of a pass, and would carry GAN gradient
            # (times 1/gamma) into the encoder through the reconstruction branch.
            x_rec = model.generate(_ScaleGradient.apply(z, 1.0 / gamma), cond)
            fakes = model.generate(torch.cat([z.detach(), z_p]), cond2)  # x~ and x_p
            _, features = model.discriminator.logits_and_features(torch.cat([real, x_rec]),
                                                                  cond2)
            f_real, f_rec = features[:b].detach(), features[b:]
            logits = model.discriminator(torch.cat([real, fakes]), cond3)
            l_real, l_rec, l_prior = logits.split(b)
            kl = gaussian_kl(mu, logvar).mean()
            llike = 0.5 * (f_real - f_rec).pow(2).sum(dim=1).mean()
            # L_GAN: the discriminator's cross-entropy on x (real), x~ and x_p (fake).
            d_loss = (F.softplus(-l_real).mean() + F.softplus(l_rec).mean()
                      + F.softplus(l_prior).mean())
            if model.config.adversarial == "minimax":
                g_loss = -(F.softplus(l_rec).mean() + F.softplus(l_prior).mean())
            else:
                g_loss = F.softplus(-l_rec).mean() + F.softplus(-l_prior).mean()
        d_params = self.groups["discriminator"]
        d_grads = torch.autograd.grad(d_loss, d_params, retain_graph=True)
        for opt in self.optimizers.values():
            opt.zero_grad(set_to_none=True)
        torch.autograd.backward(self.beta * beta_scale * kl + gamma * llike + g_loss,
                                inputs=self.groups["encoder"] + self.groups["decoder"])
        for param, grad in zip(d_params, d_grads, strict=True):
            param.grad = grad
        for opt in self.optimizers.values():
            opt.step()
        return torch.stack([llike, kl, d_loss, g_loss, torch.sigmoid(l_real).mean(),
                            torch.sigmoid(l_prior).mean()]).detach()


def random_shift(x: torch.Tensor, max_shift: int, generator: torch.Generator,
                 draw: int | None = None, rows: slice = slice(None)) -> torch.Tensor:
    """Each image of x (B, 1, H, W) moved by its own random whole-pixel offset in
    [-max_shift, max_shift] on both axes, filling with zeros (MNIST's background). ``draw``
    offsets are drawn (default B) and ``rows`` of them used: a process of a multi-process run
    draws the whole batch's.

    One gather over a zero-padded batch: no per-image Python loop, so it costs next to nothing.
    """
    b, _, h, w = x.shape
    padded = F.pad(x, (max_shift,) * 4)  # (B, 1, H + 2s, W + 2s)
    offsets = torch.randint(0, 2 * max_shift + 1, (2, draw or b), generator=generator,
                            device=generator.device)[:, rows].to(x.device)
    rows = offsets[0, :, None] + torch.arange(h, device=x.device)  # (B, H)
    cols = offsets[1, :, None] + torch.arange(w, device=x.device)  # (B, W)
    batch = torch.arange(b, device=x.device)[:, None, None]
    return padded[batch, 0, rows[:, :, None], cols[:, None, :]].unsqueeze(1)  # (B, 1, H, W)


class JudgeTask(TrainingTask):
    """Cross-entropy on labelled digits, each randomly shifted by up to 2 pixels: the shifts
    are cheap extra data that lift test accuracy past 99.3% in a few epochs."""

    loss_names = ("loss", "accuracy")
    default_lr = DEFAULT_LR["judge"]
    default_binarize = "none"
    makes_images = False
    max_shift = 2

    def __init__(self, model: Judge, lr: float, device: torch.device) -> None:
        super().__init__(model, lr, device)
        self.base_lr = lr
        self.optimizers["judge"] = _adam(model.parameters(), lr, device)

    def set_progress(self, step: int, total_steps: int) -> None:
        # Cosine decay to zero: the last epochs settle into a minimum instead of hopping around
        # it at full rate. (Resuming with a different --epochs stretches the remaining curve.)
        scale = 0.5 * (1.0 + math.cos(math.pi * min(step / max(total_steps, 1), 1.0)))
        for group in self.optimizers["judge"].param_groups:
            group["lr"] = self.base_lr * scale

    def step(self, x, labels, generator, beta_scale):
        x = random_shift(x, self.max_shift, generator, self.global_batch, self.rows)
        with self.amp():
            logits = self.net(x)
            loss = F.cross_entropy(logits, labels)
        opt = self.optimizers["judge"]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        accuracy = (logits.argmax(dim=1) == labels).float().mean()
        return torch.stack([loss, accuracy]).detach()


def make_task(
    model: nn.Module, lr: float | None, device: torch.device, beta: float,
    d_lr: float | None = None,
) -> TrainingTask:
    if isinstance(model, Judge):
        return JudgeTask(model, lr or JudgeTask.default_lr, device)
    if isinstance(model, VAE):
        return VAETask(model, lr or VAETask.default_lr, device, beta=beta)
    if isinstance(model, GAN):
        return GANTask(model, lr or GANTask.default_lr, device, d_lr)
    if isinstance(model, VAEGAN):
        return VAEGANTask(model, lr or VAEGANTask.default_lr, device, beta, d_lr)
    raise TypeError(f"no training task for {type(model).__name__}")


def default_binarize(kind: str) -> str:
    defaults = {"vae": VAETask.default_binarize, "gan": GANTask.default_binarize,
                "vaegan": VAEGANTask.default_binarize, "judge": JudgeTask.default_binarize}
    return defaults.get(kind, "none")
