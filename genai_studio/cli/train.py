"""``genai-studio train {vae,gan,judge}``: train a model with a live progress line on stderr."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from pathlib import Path

from genai_studio.cli import EXIT_INTERRUPTED, add_threads_option, positive_float, positive_int
from genai_studio.cli.progress import ProgressLine, format_duration, format_losses
from genai_studio.core.defaults import (
    DEFAULT_BATCH,
    DEFAULT_EPOCHS,
    DEFAULT_LATENT,
    DEFAULT_LR,
    DEVICE_CHOICES,
    TRAINABLE_KINDS,
    default_model_name,
)
from genai_studio.core.errors import UsageError


def hidden_sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected widths like 400 or 512,256, got {text!r}") \
            from None
    if not sizes or min(sizes) <= 0:
        raise argparse.ArgumentTypeError(f"hidden widths must be positive, got {text!r}")
    return sizes


def non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be zero or more, got {text}")
    return value


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "train", help="train a VAE, a GAN or the quality judge on MNIST",
        description="Train a model on the bundled MNIST training set. Writes the model to --out "
        "and, every epoch and on Ctrl-C, a resume checkpoint beside it (NAME.ckpt.safetensors).",
    )
    p.add_argument("kind", choices=TRAINABLE_KINDS,
                   help="model kind (judge: the digit classifier that scores generators)")
    p.add_argument("--conditional", action="store_true",
                   help="condition on the digit label (CVAE / cGAN)")
    p.add_argument("--arch", choices=("mlp", "conv"), default="mlp",
                   help="VAE architecture (default mlp; the GAN is always convolutional)")
    p.add_argument("--hidden", type=hidden_sizes, default=None, metavar="H",
                   help="VAE hidden widths, e.g. 400 or 512,256 (default 400 for mlp, 256 for "
                   "conv)")
    p.add_argument("--channels", type=positive_int, default=None, metavar="C",
                   help="conv VAE / GAN / judge base channels (default 32 / 64 / 32)")
    p.add_argument("--latent-dim", type=positive_int, default=None, metavar="D",
                   help=f"latent size (default {DEFAULT_LATENT['vae']} for a VAE, "
                   f"{DEFAULT_LATENT['gan']} for a GAN)")
    p.add_argument("--epochs", type=positive_int, default=None, metavar="N",
                   help=f"passes over the data (default {DEFAULT_EPOCHS}; with --resume, the "
                   "checkpoint's)")
    p.add_argument("--batch-size", type=positive_int, default=DEFAULT_BATCH, metavar="B",
                   help=f"images per step (default {DEFAULT_BATCH})")
    p.add_argument("--lr", type=positive_float, default=None, metavar="LR",
                   help=f"Adam learning rate (default {DEFAULT_LR['vae']:g} VAE and judge, "
                   f"{DEFAULT_LR['gan']:g} GAN)")
    p.add_argument("--beta", type=non_negative_float, default=1.0, metavar="B",
                   help="VAE: weight of the KL term; 1 trains the true ELBO (default 1)")
    p.add_argument("--kl-warmup", type=non_negative_float, default=0.0, metavar="EPOCHS",
                   help="VAE: ramp beta up from 0 over this many epochs (default 0: off)")
    p.add_argument("--binarize", choices=("dynamic", "none"), default=None,
                   help="dynamic: a fresh Bernoulli sample of each image every time it is used "
                   "(the protocol behind published likelihoods; default for VAEs); none: grey "
                   "levels (default for GANs)")
    p.add_argument("--limit", type=positive_int, default=None, metavar="N",
                   help="train on the first N images only")
    p.add_argument("--data", type=Path, default=None, metavar="DIR",
                   help="folder holding the four MNIST IDX files (default: the bundled copy)")
    p.add_argument("--seed", type=int, default=0, metavar="S",
                   help="random seed; the same seed on the CPU gives the same weights "
                   "(default 0)")
    p.add_argument("--device", choices=DEVICE_CHOICES, default="auto",
                   help="compute device; auto takes CUDA, then MPS, then the CPU")
    p.add_argument("--out", type=Path, default=None, metavar="FILE",
                   help="where to write the model (default: your GenAI Studio models folder)")
    p.add_argument("--resume", type=Path, default=None, metavar="FILE",
                   help="continue from a .ckpt.safetensors checkpoint (model options are taken "
                   "from it)")
    add_threads_option(p)
    p.set_defaults(handler=run)


def model_config_from_args(args: argparse.Namespace):
    from genai_studio.core.models import GANConfig, VAEConfig

    if args.kind == "judge":
        return judge_config_from_args(args)
    if args.kind == "vae":
        hidden = args.hidden or ((400,) if args.arch == "mlp" else (256,))
        return VAEConfig(arch=args.arch, latent_dim=args.latent_dim or DEFAULT_LATENT["vae"],
                         hidden=hidden, channels=args.channels or 32,
                         conditional=args.conditional)
    if args.hidden is not None or args.arch != "mlp":
        raise UsageError("--hidden and --arch apply to VAEs only")
    return GANConfig(latent_dim=args.latent_dim or DEFAULT_LATENT["gan"],
                     channels=args.channels or 64, conditional=args.conditional)


def judge_config_from_args(args: argparse.Namespace):
    from genai_studio.core.models import JudgeConfig

    # The judge is a fixed-shape classifier: refuse generator options rather than ignore them.
    foreign = {"--conditional": args.conditional, "--arch": args.arch != "mlp",
               "--hidden": args.hidden is not None, "--latent-dim": args.latent_dim is not None,
               "--beta": args.beta != 1.0, "--kl-warmup": args.kl_warmup != 0.0}
    given = [name for name, is_set in foreign.items() if is_set]
    if given:
        raise UsageError(f"{', '.join(given)} do not apply to the judge")
    return JudgeConfig(channels=args.channels or 32)


def default_out_path(kind: str, conditional: bool, latent_dim: int | None = None) -> Path:
    from genai_studio.core.resources import user_models_dir

    folder = user_models_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return folder / default_model_name(kind, conditional, latent_dim)


def run(args: argparse.Namespace) -> int:
    from genai_studio.core.checkpoints import read_metadata
    from genai_studio.core.data import load_mnist
    from genai_studio.core.devices import resolve_device
    from genai_studio.core.events import Finished
    from genai_studio.core.files import check_writable
    from genai_studio.core.training import TrainConfig, train

    device = resolve_device(args.device)
    model_config, epochs = None, args.epochs or DEFAULT_EPOCHS
    if args.resume is not None:
        metadata = read_metadata(args.resume)
        saved = metadata.get("training_state")
        if saved is None:
            raise UsageError(f"{args.resume.name} is not a resume checkpoint (.ckpt.safetensors)")
        if metadata["kind"] != args.kind:
            raise UsageError(f"{args.resume.name} is a {metadata['kind'].upper()} checkpoint, "
                             f"not a {args.kind.upper()}")
        epochs = args.epochs or saved["train_config"]["epochs"]
    else:
        try:
            model_config = model_config_from_args(args)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    config = TrainConfig(epochs=epochs, batch_size=args.batch_size, lr=args.lr, beta=args.beta,
                         kl_warmup_epochs=args.kl_warmup, binarize=args.binarize,
                         limit=args.limit, seed=args.seed)
    out = args.out or default_out_path(args.kind, args.conditional, args.latent_dim)
    check_writable(out)
    data = load_mnist("train", root=args.data)

    cancel = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: cancel.set())
    line = ProgressLine(sys.stderr)
    started = time.perf_counter()
    try:
        events = train(model_config, config, data, device, out, cancel=cancel,
                       resume_from=args.resume)
        for event in events:
            line.update(event)
            if isinstance(event, Finished):
                finished = event
    finally:
        signal.signal(signal.SIGINT, previous)
        line.close()
    s = finished.summary
    if finished.cancelled:
        print(f"interrupted after {s['steps']} steps; resume with: genai-studio train "
              f"{args.kind} --resume {finished.checkpoint}", file=sys.stderr)
        return EXIT_INTERRUPTED
    print(f"trained {args.kind.upper()} for {s['epochs']} epochs ({s['steps']} steps) in "
          f"{format_duration(time.perf_counter() - started)} on {s['device']}, "
          f"{s['images_per_s'] or 0:,.0f} images/s; final {format_losses(s['final_losses'])}",
          file=sys.stderr)
    if args.kind == "judge":
        record_judge_accuracy(finished.path, device)
    print(f"model: {finished.path}\ncheckpoint: {finished.checkpoint}", file=sys.stderr)
    return 0


def record_judge_accuracy(path: Path, device) -> float:
    """Score a freshly trained judge on the MNIST test set and keep the figure in its file."""
    from genai_studio.core.checkpoints import load_model, write_metrics
    from genai_studio.core.data import load_mnist
    from genai_studio.core.metrics import judge_accuracy

    test_set = load_mnist("test", device)
    accuracy = judge_accuracy(load_model(path, device, expect_kind="judge").model, test_set)
    write_metrics(path, {"test_accuracy": round(accuracy, 6), "test_images": len(test_set)})
    print(f"judge test accuracy: {100 * accuracy:.2f}% on {len(test_set)} MNIST test digits",
          file=sys.stderr)
    return accuracy
