"""``genai-studio train KIND``: train a model with a live progress line on stderr."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from genai_studio.cli import (
    EXIT_INTERRUPTED,
    TERMINATING_SIGNALS,
    add_threads_option,
    exit_status_for,
    float_in,
    int_in,
    positive_float,
    positive_int,
    say,
    seed_int,
    signal_name,
)
from genai_studio.cli.progress import ProgressLine, format_duration, format_losses
from genai_studio.cli.train_config import (
    RESUME_OPTIONS,
    model_config_from_args,
    plan_timed_run,
    resume_config_from_args,
    train_config_from_args,
)
from genai_studio.core.defaults import (
    D_NORMS,
    DEFAULT_BATCH,
    DEFAULT_BATCH_CUDA,
    DEFAULT_EPOCHS,
    DEFAULT_LATENT,
    DEFAULT_LR,
    DEVICE_CHOICES,
    GAN_LOSSES,
    MODEL_SUFFIX,
    TRAINABLE_KINDS,
    default_model_name,
)
from genai_studio.core.errors import UsageError

PRECISIONS = ("fp32", "bf16")  # core.accel's, without importing torch for --help

MAX_WIDTH = 65536  # a hidden layer, a latent size or a batch beyond this is a typo
MAX_LAYERS = 16
def hidden_sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected widths like 400 or 512,256, got {text!r}") \
            from None
    if not sizes or min(sizes) <= 0 or max(sizes) > MAX_WIDTH or len(sizes) > MAX_LAYERS:
        raise argparse.ArgumentTypeError(
            f"hidden widths must be 1 to {MAX_WIDTH}, at most {MAX_LAYERS} layers, got {text!r}")
    return sizes


non_negative_float = float_in(0.0, 1e6)


def adam_betas(text: str) -> tuple[float, float]:
    try:
        betas = tuple(float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected two numbers like 0,0.99, got {text!r}") \
            from None
    if len(betas) != 2 or not all(0 <= b < 1 for b in betas):
        raise argparse.ArgumentTypeError(f"expected two numbers in [0, 1) like 0,0.99, "
                                         f"got {text!r}")
    return betas  # type: ignore[return-value]


def ema_decay(text: str) -> float:
    value = non_negative_float(text)
    if value >= 1.0:
        raise argparse.ArgumentTypeError(f"the EMA decay must be below 1, got {text}")
    return value


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser(
        "train", help="train a VAE, a GAN, a VAE-GAN or the quality judge on MNIST or your "
        "own dataset",
        description="Train a model on the bundled MNIST training set, or on a dataset made with "
        "'genai-studio dataset create' (--data). Writes the model to --out and, every epoch "
        "and on Ctrl-C, SIGTERM or SIGHUP, a resume checkpoint beside it "
        "(NAME.ckpt.safetensors). A run whose losses turn NaN stops and keeps its last good "
        "checkpoint (and so does a GAN or VAE-GAN whose discriminator wins outright). Two runs "
        "never share an --out.",
    )
    p.add_argument("kind", choices=TRAINABLE_KINDS,
                   help="model kind (vaegan: Larsen et al.'s VAE-GAN; judge: the digit "
                   "classifier that scores generators)")
    p.add_argument("--conditional", action="store_true",
                   help="condition on the digit label (CVAE / cGAN)")
    p.add_argument("--arch", choices=("mlp", "conv"), default=None,
                   help="VAE and VAE-GAN architecture (default mlp for a VAE, conv for a "
                   "VAE-GAN; the GAN is always convolutional)")
    p.add_argument("--hidden", type=hidden_sizes, default=None, metavar="H",
                   help="VAE hidden widths, e.g. 400 or 512,256 (default 400 for mlp, 256 for "
                   "conv)")
    p.add_argument("--channels", type=int_in(1, 1024), default=None, metavar="C",
                   help="conv VAE / GAN / VAE-GAN / judge base channels (default 32 / 64 / 32 "
                   "/ 32)")
    p.add_argument("--latent-dim", type=int_in(1, 4096), default=None, metavar="D",
                   help=f"latent size (default {DEFAULT_LATENT['vae']} for a VAE, "
                   f"{DEFAULT_LATENT['gan']} for a GAN, {DEFAULT_LATENT['vaegan']} for a "
                   "VAE-GAN)")
    p.add_argument("--epochs", type=int_in(1, 100_000), default=None, metavar="N",
                   help=f"passes over the data (default {DEFAULT_EPOCHS}; with --resume, the "
                   "checkpoint's)")
    p.add_argument("--minutes", type=positive_float, default=None, metavar="M",
                   help="train for this many minutes, then finish and score the model "
                   "(instead of --epochs; a small dataset also gets smaller batches and "
                   "augmentation). The window's Quick, Good and Best are 2, 15 and 60")
    p.add_argument("--augment", choices=("none", "shift", "diff"), default=None,
                   help="augment the training images: shift (a VAE's images moved a few "
                   "pixels) or diff (DiffAugment for a GAN's or VAE-GAN's discriminator); "
                   "chosen for a small dataset with --minutes (default none)")
    p.add_argument("--batch-size", type=int_in(1, MAX_WIDTH), default=None, metavar="B",
                   help=f"images per step (default {DEFAULT_BATCH}; {DEFAULT_BATCH_CUDA} on "
                   "CUDA, with the default learning rate scaled by sqrt(batch / "
                   f"{DEFAULT_BATCH}); under torchrun, the global batch of all processes)")
    p.add_argument("--lr", type=positive_float, default=None, metavar="LR",
                   help=f"Adam learning rate (default {DEFAULT_LR['vae']:g} VAE and judge, "
                   f"{DEFAULT_LR['gan']:g} GAN and VAE-GAN)")
    p.add_argument("--d-lr", type=positive_float, default=None, metavar="LR",
                   help="GAN / VAE-GAN: the discriminator's own Adam rate (two time-scale update "
                   "rule, Heusel et al. 2017; default: the same as --lr)")
    p.add_argument("--d-norm", choices=D_NORMS, default=None,
                   help="GAN / VAE-GAN discriminator: batch (BatchNorm, DCGAN; the GAN's "
                   "default), spectral (spectral normalisation of every weight, Miyato et al. "
                   "2018; the VAE-GAN's default) or none (plain convolutions, for --r1)")
    p.add_argument("--d-channels", type=int_in(1, 1024), default=None, metavar="C",
                   help="GAN / VAE-GAN: discriminator base channels (default: --channels)")
    p.add_argument("--loss", choices=GAN_LOSSES, default=None,
                   help="GAN: bce (Goodfellow's cross-entropy, non-saturating generator loss; "
                   "default) or hinge (Miyato et al. 2018)")
    p.add_argument("--ema", type=ema_decay, default=None, metavar="DECAY",
                   help="GAN / VAE-GAN: sample from an exponential moving average of the "
                   "generator's (decoder's) weights with this decay per step, e.g. 0.999 "
                   "(default 0: off)")
    p.add_argument("--r1", type=non_negative_float, default=None, metavar="GAMMA",
                   help="GAN / VAE-GAN: the R1 penalty gamma/2 E||grad D(x)||^2 on real images "
                   "(Mescheder et al. 2018), every 16 discriminator steps (default 0: off)")
    p.add_argument("--mbstd", action="store_true", default=None,
                   help="GAN: a minibatch standard-deviation feature in the discriminator "
                   "(Karras et al. 2018)")
    p.add_argument("--clusters", type=int_in(1, 1000), default=None, metavar="K",
                   help="GAN: condition on K k-means clusters of the training images instead "
                   "of labels (self-conditioning); samples come from a K-part mixture prior")
    p.add_argument("--betas", type=adam_betas, default=None, metavar="B1,B2",
                   help="GAN: Adam's betas for both players (default 0.5,0.999, DCGAN's)")
    p.add_argument("--gamma", type=positive_float, default=None, metavar="G",
                   help="VAE-GAN: the decoder's weight of the feature-space reconstruction "
                   "against the GAN loss (Larsen et al.'s gamma; default 0.01)")
    p.add_argument("--init-from", type=Path, default=None, metavar="VAE_FILE",
                   help="VAE-GAN (--arch mlp): start from a trained MLP VAE's encoder and "
                   "decoder (the same --hidden and --latent-dim)")
    p.add_argument("--llike-variance", choices=("unit", "fitted"), default=None,
                   help="VAE-GAN: the variance of the feature-space reconstruction likelihood: "
                   "unit (Larsen et al.; default) or fitted (its maximum-likelihood value per "
                   "batch, which keeps the encoder from collapsing to the prior)")
    p.add_argument("--adversarial", choices=("minimax", "non-saturating"), default=None,
                   help="VAE-GAN: the decoder's GAN loss: minimax (the paper's -L_GAN; default) "
                   "or non-saturating (-log D)")
    p.add_argument("--beta", type=non_negative_float, default=None, metavar="B",
                   help="VAE: weight of the KL term; 1 trains the true ELBO (default 1)")
    p.add_argument("--kl-warmup", type=non_negative_float, default=None, metavar="EPOCHS",
                   help="VAE: ramp beta up from 0 over this many epochs (default 0: off)")
    p.add_argument("--binarize", choices=("dynamic", "none"), default=None,
                   help="dynamic: a fresh Bernoulli sample of each image every time it is used "
                   "(the protocol behind published likelihoods; default for VAEs); none: grey "
                   "levels (default for GANs)")
    p.add_argument("--limit", type=positive_int, default=None, metavar="N",
                   help="train on the first N images only")
    p.add_argument("--data", default=None, metavar="NAME_OR_PATH",
                   help="what to train on: a dataset's name (see 'genai-studio dataset list'), a "
                   "dataset file, a folder holding MNIST's IDX files, or mnist (the default: "
                   "the bundled copy). The model takes the dataset's image size and colour")
    p.add_argument("--seed", type=seed_int, default=None, metavar="S",
                   help="random seed; the same seed on the CPU gives the same weights "
                   "(default 0)")
    p.add_argument("--device", choices=DEVICE_CHOICES, default="auto",
                   help="compute device; auto takes CUDA, then MPS, then the CPU")
    p.add_argument("--out", type=Path, default=None, metavar="FILE",
                   help="where to write the model (default: a new name in your GenAI Studio "
                   "models folder; with --resume, the model beside the checkpoint); refused "
                   "while another run writes it")
    p.add_argument("--resume", type=Path, default=None, metavar="FILE",
                   help="continue from a .ckpt.safetensors checkpoint with its own settings; "
                   f"only {', '.join(RESUME_OPTIONS)} may be given with it")
    p.add_argument("--allow-data-change", action="store_true",
                   help="with --resume: continue even though the training data differs from "
                   "what the checkpoint trained on (refused by default)")
    p.add_argument("--precision", choices=PRECISIONS, default="fp32",
                   help="fp32 (default) or bf16: the forward pass under bfloat16 autocast "
                   "(CUDA, MPS or CPU; CUDA also uses TF32 matmuls either way)")
    p.add_argument("--cuda-graph", action="store_true",
                   help="CUDA: capture the whole training step as a CUDA graph after a few "
                   "steps and replay it (VAE and GAN, no --kl-warmup, one process); "
                   "elsewhere, or if capture fails, plain steps")
    p.add_argument("--checkpoint-every", type=non_negative_float, default=60.0,
                   metavar="SECONDS",
                   help="write the resume checkpoint at most this often, and at the end "
                   "(default 60; 0: at the end of every epoch)")
    p.add_argument("--rendezvous-timeout", type=positive_float, default=None,
                   metavar="SECONDS",
                   help="several processes (torchrun): how long each waits for the others to "
                   "join before saying which are missing (default: the "
                   "GENAI_STUDIO_RENDEZVOUS_TIMEOUT environment variable, else 60)")
    add_threads_option(p)
    p.set_defaults(handler=run, outputs={"out": (MODEL_SUFFIX,)})


def _lock_output(args: argparse.Namespace):
    """Hold the model path this run writes: explicit, beside the resumed checkpoint, or new."""
    from genai_studio.core.defaults import model_stem
    from genai_studio.core.store.output_lock import OutputLock, lock_new_output
    from genai_studio.core.store.resources import user_models_dir

    if args.out is not None:
        return OutputLock(args.out).acquire()
    if args.resume is not None:
        return OutputLock(args.resume.with_name(model_stem(args.resume) + MODEL_SUFFIX)).acquire()
    folder = user_models_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the models folder {folder}: {exc.strerror}") from None
    latent = args.latent_dim if args.kind != "judge" else None
    dataset = "mnist" if args.data is None else model_stem(Path(args.data))
    return lock_new_output(lambda: folder / default_model_name(
        args.kind, args.conditional, latent, folder=folder, dataset=dataset))


def _check_outputs(out: Path, args: argparse.Namespace) -> None:
    from genai_studio.core.data.datasets import training_data_files
    from genai_studio.core.defaults import checkpoint_path_for, is_checkpoint
    from genai_studio.core.store.outputs import check_outputs

    if is_checkpoint(out):
        raise UsageError(f"--out {out.name} names a checkpoint; give the model's file name "
                         f"(the checkpoint goes beside it)")
    inputs = [args.init_from, *training_data_files(args.data)]
    check_outputs({"--out": out}, [args.resume, *inputs])
    _check_no_unfinished_run(checkpoint_path_for(out), args)
    # Continuing a run rewrites its own checkpoint; any other input stays untouched.
    check_outputs({"the checkpoint": checkpoint_path_for(out)}, inputs)


def _check_no_unfinished_run(checkpoint: Path, args: argparse.Namespace) -> None:
    """A new run's checkpoint would replace an unfinished run's: hours of training lost."""
    from genai_studio.core.store.library import unfinished_run

    if args.resume is not None and _same_file(args.resume, checkpoint):
        return  # continuing that very run
    if (left := unfinished_run(checkpoint)) is not None:
        raise UsageError(f"{checkpoint.name} holds an unfinished {left.kind.upper()} run (step "
                         f"{left.step:,} of {left.total_steps:,}): continue it with "
                         f"'genai-studio train {left.kind} --resume {checkpoint}', or give "
                         "another --out")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def run(args: argparse.Namespace) -> int:
    from genai_studio.core.runtime.devices import resolve_device
    from genai_studio.core.train import distributed

    world = distributed.world_from_env()
    device = distributed.start(world, resolve_device(args.device), args.rendezvous_timeout)
    try:
        return _run(args, device, world)
    except RuntimeError as exc:
        if distributed.is_peer_failure(exc, world):
            raise UsageError(distributed.peer_failure_message(exc, world)) from None
        raise
    finally:
        distributed.stop(world)


def _run(args: argparse.Namespace, device, world) -> int:
    from genai_studio.core.data.datasets import load_training_data
    from genai_studio.core.train.run import with_data_classes

    if args.allow_data_change and args.resume is None:
        raise UsageError("--allow-data-change applies only with --resume")
    if args.resume is not None:
        model_config, config = None, resume_config_from_args(args)
    data = load_training_data(args.data)  # first: the model takes the data's image shape
    if args.resume is None and args.minutes is not None:
        note = plan_timed_run(args, len(data.head(args.limit)))
        if note and world.is_main:
            say(f"note: {note}")
    if args.resume is None:
        try:
            model_config = with_data_classes(model_config_from_args(args, data.image_shape),
                                             data)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        config = train_config_from_args(args, device.type)
    if not world.is_main:  # rank 0 checks, locks and writes the files; the others train
        out = args.out or Path("unwritten-by-this-rank.safetensors")
        finished, signum = _train_until_signal(args, model_config, config, data, device, out,
                                               world)
        return 0 if not finished.cancelled else EXIT_INTERRUPTED
    if args.out is not None:  # fail before locking: the clearest reason comes first
        _check_outputs(args.out, args)
    lock = _lock_output(args)
    try:
        _check_outputs(lock.path, args)
        started = time.perf_counter()
        finished, signum = _train_until_signal(args, model_config, config, data, device,
                                               lock.path, world)
    finally:
        lock.release()
    return _report(args, finished, signum, device, time.perf_counter() - started)


def _train_until_signal(args, model_config, config, data, device, out: Path,
                        world) -> tuple[Any, int]:
    """Run the training loop; Ctrl-C, SIGTERM and SIGHUP cancel it at the next step (the loop
    then writes its checkpoint). Returns the Finished event and the signal that came, or 0."""
    from genai_studio.core.train.accel import SpeedOptions
    from genai_studio.core.train.events import Finished
    from genai_studio.core.train.loop import train

    cancel, caught = threading.Event(), []

    def on_signal(signum: int, _frame: object) -> None:
        caught.append(signum)
        cancel.set()

    handled = (signal.SIGINT, *TERMINATING_SIGNALS)
    previous = {s: signal.signal(s, on_signal) for s in handled}
    line = ProgressLine(sys.stderr if world.is_main else None)
    speed = SpeedOptions(precision=args.precision, cuda_graph=args.cuda_graph,
                         checkpoint_every_s=args.checkpoint_every)
    finished = None
    try:
        for event in train(model_config, config, data, device, out, cancel=cancel,
                           resume_from=args.resume, allow_data_change=args.allow_data_change,
                           world=world, speed=speed, init_from=args.init_from):
            try:
                line.update(event)
            except OSError:  # the terminal went away (SIGHUP): keep training to the checkpoint
                pass
            if isinstance(event, Finished):
                finished = event
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        try:
            line.close()
        except OSError:
            pass
    return finished, (caught[0] if caught else 0)


def _report(args, finished, signum: int, device, seconds: float) -> int:
    s = finished.summary
    if finished.cancelled:
        how = "interrupted" if signum in (0, signal.SIGINT) else f"stopped by {signal_name(signum)}"
        say(f"{how} after {s['steps']} steps; checkpoint saved; resume with: genai-studio train "
            f"{args.kind} --resume {finished.checkpoint}")
        return EXIT_INTERRUPTED if signum in (0, signal.SIGINT) else exit_status_for(signum)
    for note in s.get("notes", []):
        say(f"note: {note}")
    processes = f" x {s['world_size']} processes" if s.get("world_size", 1) > 1 else ""
    epochs = s["epochs"] if args.minutes is None else f"{s['epochs_done']:.1f}"
    say(f"trained {args.kind.upper()} for {epochs} epochs ({s['steps']} steps) in "
        f"{format_duration(seconds)} on {s['device']}{processes}, "
        f"{s['images_per_s'] or 0:,.0f} images/s; "
        f"final {format_losses(s['final_losses'])}")
    from genai_studio.cli.eval import record_judge_accuracy, score_timed_run

    if args.kind == "judge":
        record_judge_accuracy(finished.path, device)
    elif args.minutes is not None:
        score_timed_run(finished.path, device, args.data)
    say(f"model: {finished.path}\ncheckpoint: {finished.checkpoint}")
    return 0
