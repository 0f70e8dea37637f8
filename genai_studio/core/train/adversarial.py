"""The training steps of the adversarial kinds: the GAN and the VAE-GAN.

Both keep a discriminator that must not win outright (``AdversarialTask.check``: the loop
stops a run whose discriminator is near-certain for hundreds of steps, as it does one whose
losses turn NaN). Losses are returned as one detached tensor, as every task's are.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from genai_studio.core.defaults import DEFAULT_LR
from genai_studio.core.models.gan import GAN, discriminator_loss, generator_loss
from genai_studio.core.models.vae import gaussian_kl
from genai_studio.core.models.vaegan import VAEGAN
from genai_studio.core.train.distributed import World, wrap
from genai_studio.core.train.optim import adam as _adam
from genai_studio.core.train.tasks import TrainingTask


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

    def seen(self, images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """What the discriminator is shown: the images, or their DiffAugment."""
        if self.augment != "diff":
            return images
        from genai_studio.core.train.augment import diff_augment

        return diff_augment(images, generator)

    def check(self, losses, steps):
        real, fake = losses["d_real"], losses[self.fake_key]
        if "d_hinge" in losses:
            # A hinge discriminator's scores stop at its margin (no gradient past +-1), so
            # the logistic of them never nears 1 and 0: it has won when its loss is ~0,
            # every real digit above +1 and every generated one below -1.
            winning = losses["d_hinge"] < self.outright_margin
        else:
            winning = real > 1 - self.outright_margin and fake < self.outright_margin
        if winning:
            self._winning_steps += steps
        else:
            self._winning_steps = 0
        if self._winning_steps >= self.outright_steps:
            return (f"the critic tells every made image from a real one, so the generator "
                    f"has nothing left to learn from (the discriminator won outright: D(real) "
                    f"{real:.3f}, D(fake) {fake:.3f} for {self._winning_steps} steps)")
        return None


class GANTask(AdversarialTask):
    loss_names = ("d_loss", "g_loss", "d_real", "d_fake")
    default_lr = DEFAULT_LR["gan"]
    default_binarize = "none"
    augments = ("diff",)

    def __init__(self, model: GAN, lr: float, device: torch.device,
                 d_lr: float | None = None) -> None:
        super().__init__(model, lr, device)
        if model.config.loss == "hinge":  # other formulas, other names (core/train/loss_terms.py)
            self.loss_names = ("d_hinge", "g_hinge", "d_real", "d_fake")
        self._step = 0
        if model.generator_ema is not None:
            self.graph_blocker = "the moving average's decay ramps up with the step"
        if model.config.r1_gamma > 0:
            self.graph_blocker = "the lazy R1 penalty runs on some steps only"
        # Adam's betas from the config: DCGAN's (0.5, 0.999) by default; StyleGAN's (0, 0.99)
        # with R1. d_lr: the discriminator's own rate (two time-scale update rule); by default
        # the generator's.
        betas = tuple(model.config.betas)
        self.optimizers["discriminator"] = _adam(
            model.discriminator.parameters(), d_lr or lr, device, betas=betas
        )
        self.optimizers["generator"] = _adam(model.generator.parameters(), lr, device,
                                             betas=betas)
        self.g_net: nn.Module = model.generator
        self.d_net: nn.Module = model.discriminator

    def prepare_data(self, images: torch.Tensor, seed: int) -> None:
        """Before a new run: a GAN with clusters splits its training images into them."""
        model: GAN = self.model  # type: ignore[assignment]
        if model.mixture is not None:
            model.fit_clusters(images, seed)

    def step(self, x, labels, generator, beta_scale):
        model: GAN = self.model  # type: ignore[assignment]
        config = model.config
        cond = labels if model.conditional else None
        real = x * 2.0 - 1.0  # the generator's tanh range
        rows = self.noise_rows(x.shape[0])
        if model.mixture is not None:  # clusters stand in for labels, in D only
            z, drawn = model.mixture.draw(rows, generator)
            z, d_fake = z[self.rows].to(x.device), drawn[self.rows].to(x.device)
            d_real = model.cluster_of(x)
        else:
            z = torch.randn(rows, model.latent_dim, generator=generator,
                            device=x.device)[self.rows]
            d_real = d_fake = cond
        lazy_r1 = config.r1_gamma > 0 and self._step % config.r1_every == 0
        if lazy_r1:
            real = real.detach().requires_grad_(True)
        with self.amp():
            fake = self.g_net(z, cond)
            # Discriminator, with G held fixed (detach); with DiffAugment it sees every image
            # through a random, differentiable transformation (R1 is taken on the real image).
            real_logits = self.d_net(self.seen(real, generator), d_real)
            fake_logits = self.d_net(self.seen(fake.detach(), generator), d_fake)
            d_loss = discriminator_loss(real_logits, fake_logits, config.loss)
        if lazy_r1:
            d_loss = d_loss + r1_penalty(real_logits, real, config.r1_gamma * config.r1_every)
        d_opt = self.optimizers["discriminator"]
        d_opt.zero_grad(set_to_none=True)
        d_loss.backward()
        d_opt.step()

        # Generator, through the just-updated discriminator. Its weights are frozen meanwhile:
        # their gradients would be thrown away (8% of the FLOPs).
        with self.amp():
            g_loss = self._generator_loss(model, self.seen(fake, generator), cond, d_fake)
        g_opt = self.optimizers["generator"]
        g_opt.zero_grad(set_to_none=True)
        g_loss.backward()
        g_opt.step()
        model.update_ema(self._step)
        return torch.stack(
            [d_loss.detach(), g_loss, torch.sigmoid(real_logits).mean(),
             torch.sigmoid(fake_logits).mean()]
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
    def _generator_loss(model: GAN, fake: torch.Tensor, cond: torch.Tensor | None,
                        d_cond: torch.Tensor | None):
        params = list(model.discriminator.parameters())
        for p in params:
            p.requires_grad_(False)
        try:
            return generator_loss(model.discriminator(fake, d_cond), model.config.loss)
        finally:
            for p in params:
                p.requires_grad_(True)


def feature_llike(f_real: torch.Tensor, f_rec: torch.Tensor, variance: str
                  ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """L_llike = -log N(Dis_l(x) | Dis_l(x~), sigma^2 I), averaged over the batch, without the
    constant (F/2) log 2 pi; returns (its value, the squared error 1/2 ||d||^2, sigma^2).

    ``variance="unit"``: sigma^2 = 1 (Larsen et al.): the value is 1/2 ||d||^2.
    ``"fitted"``: sigma^2 is its maximum-likelihood value for the batch, the mean squared
    feature error (a constant in the gradient; Rybkin et al. 2021's calibrated decoder): the
    value is ||d||^2 / (2 sigma^2) + (F/2) log sigma^2. Its gradient no longer shrinks with
    the scale of the discriminator's features, so the encoder cannot trade the reconstruction
    for a smaller KL: with sigma = 1 and a regularised discriminator the features are small
    and it did (KL 0.04 nats, 10% of reconstructions recognisable). The task gives the encoder
    this term and the decoder Larsen's gamma-weighted unit-variance one."""
    sq = 0.5 * (f_real - f_rec).pow(2).sum(dim=1).mean()
    if variance == "unit":
        return sq, sq, torch.ones((), device=sq.device)
    features = f_real.shape[1]
    var = (2.0 * sq / features).detach().clamp(min=1e-12)
    return sq / var + 0.5 * features * torch.log(var), sq, var


def r1_penalty(real_logits: torch.Tensor, real: torch.Tensor, gamma: float) -> torch.Tensor:
    """gamma / 2 * E_x ||grad_x D(x)||^2 over the real batch (Mescheder et al. 2018, eq. 9),
    differentiable in D's weights (``create_graph``)."""
    (grad,) = torch.autograd.grad(real_logits.sum(), real, create_graph=True)
    return 0.5 * gamma * grad.pow(2).flatten(1).sum(dim=1).mean()


class _ScaleGradient(torch.autograd.Function):
    """Identity forward; multiplies the gradient flowing back by ``scale``, a 0-d tensor read
    at backward time (so it may be set after the forward pass)."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
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
    scaled by 1/(gamma sigma^2), so one backward pass of  L_prior + gamma * L_llike + L_G
    (L_llike with sigma = 1) gives the decoder gamma * dL_llike + dL_G and the encoder
    dL_prior + dL_llike / sigma^2, and no GAN gradient reaches the encoder; sigma^2 is 1, or,
    with ``llike_variance="fitted"``, its per-batch maximum-likelihood value
    (:func:`feature_llike`). The discriminator's gradient of L_GAN is taken from the same logits,
    alone.
    """

    loss_names = ("llike", "kl", "l_gan", "dec_gan", "d_real", "d_prior")
    fake_key = "d_prior"
    default_lr = DEFAULT_LR["vaegan"]
    default_binarize = "none"
    augments = ("diff",)
    # Each network's gradient is taken on its own (torch.autograd.grad), which DDP's hooks do
    # not follow; a CUDA graph has not been tried on it.
    graph_blocker = "the VAE-GAN's three-network step is not captured"
    distributed_blocker = "the VAE-GAN trains in one process"

    def set_progress(self, step: int, total_steps: int) -> None:
        self._step = step  # the EMA's ramp and the lazy R1's turns follow the loop's count

    def __init__(self, model: VAEGAN, lr: float, device: torch.device, beta: float = 1.0,
                 d_lr: float | None = None) -> None:
        super().__init__(model, lr, device)
        self.beta = beta
        if model.config.adversarial == "non-saturating":
            self.loss_names = ("llike", "kl", "l_gan", "dec_gan_ns", "d_real", "d_prior")
        betas = (0.5, 0.999)  # DCGAN's, as for the GAN
        self._step = 0
        self.groups = {"encoder": model.encoder_parameters(),
                       "decoder": list(model.decoder.parameters()),
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
        config = model.config
        lazy_r1 = config.r1_gamma > 0 and self._step % config.r1_every == 0
        if lazy_r1:
            real = real.detach().requires_grad_(True)
        with self.amp():
            mu, logvar = model.encode(x, cond)
            eps = torch.randn(mu.shape, generator=generator, device=x.device)
            z = mu + torch.exp(0.5 * logvar) * eps
            z_p = torch.randn(mu.shape, generator=generator, device=x.device)
            # Two decoder passes (and two discriminator passes) rather than one: BatchNorm's
            # batch statistics couple the samples of a pass, and would carry GAN gradient
            # (times 1/gamma) into the encoder through the reconstruction branch.
            encoder_scale = torch.full((), 1.0 / gamma, device=x.device)
            x_rec = model.generate(_ScaleGradient.apply(z, encoder_scale), cond)
            fakes = model.generate(torch.cat([z.detach(), z_p]), cond2)  # x~ and x_p
            _, features = model.discriminator.logits_and_features(torch.cat([real, x_rec]),
                                                                  cond2)
            f_real, f_rec = features[:b].detach(), features[b:]
            logits = model.discriminator(self.seen(torch.cat([real, fakes]), generator), cond3)
            l_real, l_rec, l_prior = logits.split(b)
            kl = gaussian_kl(mu, logvar).mean()
            llike, sq, var = feature_llike(f_real, f_rec, config.llike_variance)
            # The decoder descends gamma * 1/2 ||d||^2; the encoder, through the scaled
            # branch, (1/2 ||d||^2) / sigma^2: the fitted likelihood's gradient.
            encoder_scale.copy_(1.0 / (gamma * var))
            # L_GAN: the discriminator's cross-entropy on x (real), x~ and x_p (fake).
            d_loss = (F.softplus(-l_real).mean() + F.softplus(l_rec).mean()
                      + F.softplus(l_prior).mean())
            if model.config.adversarial == "minimax":
                g_loss = -(F.softplus(l_rec).mean() + F.softplus(l_prior).mean())
            else:
                g_loss = F.softplus(-l_rec).mean() + F.softplus(-l_prior).mean()
        d_params = self.groups["discriminator"]
        d_objective = d_loss
        if lazy_r1:
            d_objective = d_loss + r1_penalty(l_real, real, config.r1_gamma * config.r1_every)
        d_grads = torch.autograd.grad(d_objective, d_params, retain_graph=True)
        for opt in self.optimizers.values():
            opt.zero_grad(set_to_none=True)
        torch.autograd.backward(self.beta * beta_scale * kl + gamma * sq + g_loss,
                                inputs=self.groups["encoder"] + self.groups["decoder"])
        for param, grad in zip(d_params, d_grads, strict=True):
            param.grad = grad
        for opt in self.optimizers.values():
            opt.step()
        model.update_ema(self._step)
        return torch.stack([llike, kl, d_loss, g_loss, torch.sigmoid(l_real).mean(),
                            torch.sigmoid(l_prior).mean()]).detach()
