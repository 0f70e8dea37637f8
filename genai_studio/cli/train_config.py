"""``genai-studio train``'s model and training settings from its parsed options.

Options of one model kind only are refused when given to another, not ignored; a resumed run
takes the checkpoint's settings, and only the options in ``RESUME_OPTIONS`` may still be given.
"""

from __future__ import annotations

import argparse

from genai_studio.core.defaults import (
    DEFAULT_BATCH,
    DEFAULT_EPOCHS,
    DEFAULT_LATENT,
    default_batch,
    scaled_lr,
)
from genai_studio.core.errors import UsageError

# Options of one model kind only: given to another kind they are refused, not ignored.
GAN_OPTIONS = ("--loss", "--mbstd", "--clusters", "--betas")
VAEGAN_OPTIONS = ("--gamma", "--adversarial", "--init-from", "--llike-variance")
ADVERSARIAL_OPTIONS = ("--d-lr", "--d-norm", "--d-channels", "--ema", "--r1")
# With --resume the checkpoint's settings hold; these may still be given (and apply).
RESUME_OPTIONS = ("--epochs", "--minutes", "--device", "--out", "--data",
                  "--allow-data-change", "--precision", "--cuda-graph", "--checkpoint-every",
                  "--threads", "--rendezvous-timeout")


def model_config_from_args(args: argparse.Namespace,
                           image_shape: tuple[int, int, int] = (1, 28, 28)):
    from genai_studio.core.models.registry import GANConfig, VAEConfig

    if args.kind == "judge":
        return judge_config_from_args(args)
    if args.kind == "vae":
        _refuse("a VAE", args, GAN_OPTIONS + VAEGAN_OPTIONS + ADVERSARIAL_OPTIONS)
        arch = args.arch or "mlp"
        hidden = args.hidden or ((400,) if arch == "mlp" else (256,))
        return VAEConfig(arch=arch, latent_dim=args.latent_dim or DEFAULT_LATENT["vae"],
                         hidden=hidden, channels=args.channels or 32,
                         conditional=args.conditional, image_shape=image_shape)
    if args.kind == "vaegan":
        return vaegan_config_from_args(args, image_shape)
    if args.arch is not None:
        raise UsageError("--arch applies to VAEs and VAE-GANs only")
    if args.hidden is not None:
        raise UsageError("--hidden applies to VAE-GANs and VAEs only")
    _refuse("a GAN", args, VAEGAN_OPTIONS)
    return GANConfig(latent_dim=args.latent_dim or DEFAULT_LATENT["gan"],
                     channels=args.channels or 64, conditional=args.conditional,
                     image_shape=image_shape, loss=args.loss or "bce",
                     norm=args.d_norm or "batch", ema_decay=args.ema or 0.0,
                     d_channels=args.d_channels, mbstd=bool(args.mbstd),
                     r1_gamma=args.r1 or 0.0, clusters=args.clusters or 0,
                     betas=args.betas or (0.5, 0.999))


def vaegan_config_from_args(args: argparse.Namespace,
                            image_shape: tuple[int, int, int] = (1, 28, 28)):
    from genai_studio.core.models.registry import VAEGANConfig

    _refuse("a VAE-GAN", args, GAN_OPTIONS)
    arch = args.arch or "conv"
    if arch == "conv" and args.hidden is not None and len(args.hidden) != 1:
        raise UsageError("a conv VAE-GAN's encoder has one hidden layer: give one width to "
                         "--hidden")
    defaults = VAEGANConfig()
    mlp = arch == "mlp"
    return VAEGANConfig(
        arch=arch, mlp_hidden=args.hidden if mlp and args.hidden else defaults.mlp_hidden,
        ema_decay=args.ema or 0.0, r1_gamma=args.r1 or 0.0,
        llike_variance=args.llike_variance or defaults.llike_variance,
        latent_dim=args.latent_dim or DEFAULT_LATENT["vaegan"],
        channels=args.channels or defaults.channels, d_channels=args.d_channels,
        hidden=args.hidden[0] if args.hidden and not mlp else defaults.hidden,
        conditional=args.conditional, gamma=args.gamma or defaults.gamma,
        adversarial=args.adversarial or defaults.adversarial,
        norm=args.d_norm or defaults.norm, image_shape=image_shape,
    )


def _given(args: argparse.Namespace, options: tuple[str, ...]) -> list[str]:
    return [o for o in options if getattr(args, o[2:].replace("-", "_")) is not None]


def _refuse(what: str, args: argparse.Namespace, options: tuple[str, ...]) -> None:
    """Options that do not apply to ``what`` are refused rather than silently ignored."""
    given = _given(args, options)
    if given:
        raise UsageError(f"{', '.join(given)} do not apply to {what}")


def judge_config_from_args(args: argparse.Namespace):
    from genai_studio.core.models.registry import JudgeConfig

    # The judge is a fixed-shape classifier: refuse generator options rather than ignore them.
    foreign = {"--conditional": args.conditional, "--arch": args.arch is not None,
               "--hidden": args.hidden is not None, "--latent-dim": args.latent_dim is not None,
               "--beta": args.beta is not None, "--kl-warmup": args.kl_warmup is not None}
    given = [name for name, is_set in foreign.items() if is_set]
    given += _given(args, GAN_OPTIONS + VAEGAN_OPTIONS + ADVERSARIAL_OPTIONS)
    if given:
        raise UsageError(f"{', '.join(given)} do not apply to the judge")
    return JudgeConfig(channels=args.channels or 32)


def plan_timed_run(args: argparse.Namespace, images: int) -> str:
    """A timed run (--minutes) sizes itself from its data: the options the artist left unset
    are filled from ``core.train.plan`` (batch, augmentation, learning rate, R1 for a GAN);
    returns the plan's note in plain words ("" for a large dataset)."""
    from genai_studio.core.defaults import default_lr
    from genai_studio.core.train.plan import EPOCH_CAP, check_minutes, plan_for

    if args.epochs is not None:
        raise UsageError("give --minutes or --epochs, not both")
    check_minutes(args.minutes)
    if args.kind == "judge":
        args.epochs = EPOCH_CAP
        return ""
    plan = plan_for(args.kind, images, args.batch_size or DEFAULT_BATCH)
    args.epochs = EPOCH_CAP
    if args.batch_size is None and plan.batch_size != DEFAULT_BATCH:
        args.batch_size = plan.batch_size
    if args.augment is None and plan.augment != "none":
        args.augment = plan.augment
    if args.lr is None and plan.lr_scale != 1.0:
        args.lr = default_lr(args.kind) * plan.lr_scale
    if args.r1 is None and plan.r1_gamma and args.kind in ("gan", "vaegan"):
        args.r1 = plan.r1_gamma
        if args.kind == "gan" and args.d_norm is None:
            args.d_norm = "none"  # as core.train.plan.with_r1: R1 on a plain discriminator
    return plan.note


def train_config_from_args(args: argparse.Namespace, device_type: str = "cpu"):
    from genai_studio.core.train.run import TrainConfig

    batch_size, lr = args.batch_size, args.lr
    if batch_size is None:  # the device's default batch, with its scaled learning rate
        batch_size = default_batch(device_type)
        if lr is None and batch_size != DEFAULT_BATCH:
            lr = scaled_lr(args.kind, batch_size)
    return TrainConfig(
        epochs=args.epochs or DEFAULT_EPOCHS, batch_size=batch_size,
        lr=lr, d_lr=args.d_lr, beta=1.0 if args.beta is None else args.beta,
        kl_warmup_epochs=args.kl_warmup or 0.0, binarize=args.binarize, limit=args.limit,
        seed=args.seed or 0, minutes=args.minutes, augment=args.augment or "none")


def resume_config_from_args(args: argparse.Namespace):
    """The settings of a resumed run: the checkpoint's, with --epochs if given."""
    from genai_studio.core.store.checkpoints import read_metadata
    from genai_studio.core.train.run import TrainConfig

    fixed = {"--conditional": args.conditional, "--arch": args.arch, "--hidden": args.hidden,
             "--channels": args.channels, "--latent-dim": args.latent_dim,
             "--batch-size": args.batch_size, "--lr": args.lr, "--beta": args.beta,
             "--kl-warmup": args.kl_warmup, "--binarize": args.binarize, "--limit": args.limit,
             "--seed": args.seed, "--augment": args.augment,
             **{o: getattr(args, o[2:].replace("-", "_"))
                for o in GAN_OPTIONS + VAEGAN_OPTIONS + ADVERSARIAL_OPTIONS}}
    given = [name for name, value in fixed.items() if value not in (None, False)]
    if given:
        raise UsageError(f"{', '.join(given)} cannot change when resuming (the checkpoint's "
                         f"settings continue); only {', '.join(RESUME_OPTIONS)} may be given")
    metadata = read_metadata(args.resume)
    saved = metadata.get("training_state")
    if not isinstance(saved, dict) or not isinstance(saved.get("train_config"), dict):
        raise UsageError(f"{args.resume.name} is not a resume checkpoint (.ckpt.safetensors)")
    if metadata["kind"] != args.kind:
        raise UsageError(f"{args.resume.name} is a {metadata['kind'].upper()[:20]} checkpoint, "
                         f"not a {args.kind.upper()}")
    epochs = args.epochs or saved["train_config"].get("epochs")
    if type(epochs) is not int or epochs < 1:
        raise UsageError(f"{args.resume.name}: damaged checkpoint (epochs)")
    # The core takes every other setting from the file (a new --minutes: a new time budget).
    return TrainConfig(epochs=epochs, minutes=args.minutes)
