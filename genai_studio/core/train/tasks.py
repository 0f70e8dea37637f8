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

from genai_studio.core.defaults import DEFAULT_LR
from genai_studio.core.errors import UsageError
from genai_studio.core.models.gan import GAN
from genai_studio.core.models.judge import Judge
from genai_studio.core.models.vae import VAE, vae_loss
from genai_studio.core.models.vaegan import VAEGAN
from genai_studio.core.train.accel import autocast
from genai_studio.core.train.distributed import World, wrap
from genai_studio.core.train.fused_vae import FusedMLPVAEStep
from genai_studio.core.train.fused_vae import eligible as fused_eligible
from genai_studio.core.train.optim import adam as _adam


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
    augments: tuple[str, ...] = ()  # the augmentations this kind can train with
    augment = "none"

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

    def prepare_data(self, images: torch.Tensor, seed: int) -> None:
        """Called once before a new (not a resumed) run with all its training images
        (N, C, H, W) in [0, 1]: a task that learns something from the data set as a whole
        (a GAN's clusters) does it here."""

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
    augments = ("shift",)

    def __init__(self, model: VAE, lr: float, device: torch.device, beta: float = 1.0) -> None:
        super().__init__(model, lr, device)
        self.beta = beta
        self.optimizers["vae"] = _adam(model.parameters(), lr, device)
        self.fused: FusedMLPVAEStep | None = None

    def configure(self, world: World, global_batch: int, precision: str = "fp32") -> None:
        super().configure(world, global_batch, precision)
        # An MLP VAE on the CPU takes the step written out by hand (core/train/fused_vae.py).
        self.fused = (FusedMLPVAEStep(self.model, self.optimizers["vae"])
                      if fused_eligible(self.model, self.device, precision, world.distributed)
                      else None)

    def step(self, x, labels, generator, beta_scale):
        if self.fused is not None:
            return self.fused.step(x, generator, self.beta * beta_scale)
        model: VAE = self.model  # type: ignore[assignment]
        if self.augment == "shift":
            from genai_studio.core.train.augment import shift

            x = shift(x, generator)
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
    d_lr: float | None = None, augment: str = "none",
) -> TrainingTask:
    """The task for ``model``; ``augment`` (``core.train.augment``): "shift" for a VAE,
    "diff" for a GAN or a VAE-GAN, refused for a kind it does not apply to."""
    from genai_studio.core.train.adversarial import GANTask, VAEGANTask

    task: TrainingTask
    if isinstance(model, Judge):
        task = JudgeTask(model, lr or JudgeTask.default_lr, device)
    elif isinstance(model, VAE):
        task = VAETask(model, lr or VAETask.default_lr, device, beta=beta)
    elif isinstance(model, GAN):
        task = GANTask(model, lr or GANTask.default_lr, device, d_lr)
    elif isinstance(model, VAEGAN):
        task = VAEGANTask(model, lr or VAEGANTask.default_lr, device, beta, d_lr)
    else:
        raise TypeError(f"no training task for {type(model).__name__}")
    if augment not in ("none", *task.augments):
        raise UsageError(f"augment {augment!r} does not apply to a {model.config.kind}; "
                         f"it takes {', '.join(('none', *task.augments))}")
    task.augment = augment
    return task


def default_binarize(kind: str) -> str:
    from genai_studio.core.train.adversarial import GANTask, VAEGANTask

    defaults = {"vae": VAETask.default_binarize, "gan": GANTask.default_binarize,
                "vaegan": VAEGANTask.default_binarize, "judge": JudgeTask.default_binarize}
    return defaults.get(kind, "none")
