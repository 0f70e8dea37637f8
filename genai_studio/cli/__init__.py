"""``genai-studio``: the studio window with no arguments, or a headless command.

Every command drives ``genai_studio.core`` directly. Everything a file, a flag or the
environment can cause (a hostile file, a full disk, a missing folder, too little memory) is
printed as one line and exits with status 2, with nothing half-written; a traceback (in the
crash log, with one line naming it) is left for real bugs. Ctrl-C exits 130, SIGTERM and SIGHUP
128 + the signal's number, after the same clean-up (training checkpoints first).
"""

from __future__ import annotations

import argparse
import errno
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import NoReturn

from genai_studio import __version__, crash
from genai_studio.core.errors import GenAIError

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
# Signals that end a run like Ctrl-C does (a logout, `kill`, a closed terminal).
TERMINATING_SIGNALS: tuple[int, ...] = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))
MAX_SEED = 2**63 - 1  # what torch and NumPy generators take
_MAX_MESSAGE = 400


class Terminated(BaseException):
    """SIGTERM or SIGHUP outside training: unwinds like Ctrl-C, so temp files are removed."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def exit_status_for(signum: int) -> int:
    """130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP: the shell's convention."""
    return 128 + int(signum)


def _raise_terminated(signum: int, _frame: object) -> None:
    raise Terminated(signum)


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad option is one line on stderr (and exit 2), not usage + message."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {value}")
    return value


def int_in(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < low:
            below = "must be positive" if low == 1 else f"must be at least {low}"
            raise argparse.ArgumentTypeError(f"{below}, got {value}")
        if value > high:
            raise argparse.ArgumentTypeError(f"must be at most {high:,}, got {value}")
        return value

    parse.__name__ = "whole number"  # argparse names the type in its messages
    return parse


def seed_int(text: str) -> int:
    """An argparse type: any whole number, as a seed (``core.validate.seed_value``: 0 to
    2**63 - 1 as they are, anything else taken modulo 2**63)."""
    from genai_studio.core.validate import seed_value

    try:
        return seed_value(int(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text[:40]!r}") from None


seed_int.__name__ = "seed"
SEED_HELP = ("any whole number; outside 0 to 2**63-1 it is taken modulo 2**63, and the seed "
             "used is what provenance records")


def float_in(low: float, high: float) -> Callable[[str], float]:
    """An argparse type: a number from ``low`` to ``high`` (NaN and infinities refused)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not low <= value <= high:  # NaN fails too
            raise argparse.ArgumentTypeError(f"must be from {low:g} to {high:g}, got {text}")
        return value

    parse.__name__ = "number"  # argparse names the type in its messages
    return parse


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be positive, got {text}")
    return value


def add_threads_option(parser: argparse.ArgumentParser) -> None:
    """``--threads N``: a command's CPU threads (see ``core.threads`` for the default)."""
    from genai_studio.core.runtime.threads import ENV_VAR, MAX_THREADS

    parser.add_argument("--threads", type=int_in(1, MAX_THREADS), default=None, metavar="N",
                        help=f"CPU threads for torch (default: the {ENV_VAR} environment "
                        "variable, else OMP_NUM_THREADS, else the cores other programs are "
                        "not using right now); OpenMP threads wait passively either way")


def build_parser() -> argparse.ArgumentParser:
    from genai_studio.cli import (
        animate,
        dataset,
        encode,
        font,
        genes,
        info,
        prior,
        repair,
        sample,
        train,
    )
    from genai_studio.cli import eval as eval_command

    parser = OneLineParser(
        prog="genai-studio",
        description="GenAI Studio: generate, steer and train VAE and GAN image models offline. "
        "With no command, opens the studio window.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--self-test", action="store_true",
                        help="build the window offscreen, generate, drag the pad, train a few "
                        "steps, cancel; exit 0 or print what failed")
    parser.add_argument("--screenshot", metavar="FILE",
                        help="write a PNG of the window as a user first sees it, then exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    for module in (train, sample, animate, info, eval_command, encode, repair, dataset, font,
                   prior, genes):
        module.register(commands)
    return parser


def window_launch(argv: Sequence[str]) -> argparse.Namespace | None:
    """The arguments of a plain window launch, or None for anything else.

    Building the full parser imports every command's module and so torch (~2 s on the 2-core
    machine); the window must paint before torch loads (docs/architecture.md, Budgets), so
    its launches skip it.
    """
    screenshot = None
    if list(argv) in ([], ["--self-test"]):
        pass
    elif len(argv) == 2 and argv[0] == "--screenshot" and not argv[1].startswith("-"):
        screenshot = argv[1]
    else:
        return None
    return argparse.Namespace(command=None, self_test=list(argv) == ["--self-test"],
                              screenshot=screenshot)


# SIGTERM or SIGHUP that came while an artist's window was starting, before it could close on
# them: raised in the middle of Qt's imports, they left its enums half made. ``app.run``
# takes them over and closes the window as soon as its event loop runs.
EARLY_SIGNALS: list[int] = []


def _remember_signal(signum: int, _frame: object) -> None:
    EARLY_SIGNALS.append(signum)


def main(argv: Sequence[str] | None = None) -> int:
    # Anything unexpected becomes one line + a crash log in the user log folder, not a traceback.
    crash.install()
    # Signal handlers belong to the main thread (a test may call main from another).
    in_main = threading.current_thread() is threading.main_thread()
    launch = window_launch(sys.argv[1:] if argv is None else argv)
    artist = launch is not None and not launch.self_test and not launch.screenshot
    handler = _remember_signal if artist else _raise_terminated
    EARLY_SIGNALS.clear()  # a second main() in one process (tests) starts afresh
    previous = {s: signal.signal(s, handler) for s in TERMINATING_SIGNALS if in_main}
    try:
        return _dispatch(argv)
    except GenAIError as exc:
        return fail(str(exc))
    except KeyboardInterrupt:
        say("genai-studio: interrupted")
        return EXIT_INTERRUPTED
    except Terminated as exc:
        say(f"genai-studio: stopped by {signal_name(exc.signum)}")
        return exit_status_for(exc.signum)
    except MemoryError:
        return fail("out of memory (try a smaller --n, --batch-size or model)")
    except OSError as exc:
        return fail(describe_os_error(exc))
    except RuntimeError as exc:
        if not _is_out_of_memory(exc):
            raise
        return fail("out of memory (try a smaller --n, --batch-size or model)")
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _dispatch(argv: Sequence[str] | None) -> int:
    args = window_launch(sys.argv[1:] if argv is None else argv)
    if args is None:
        args = build_parser().parse_args(argv)
        from genai_studio.cli.outputs import check_outputs

        check_outputs(args)  # before any work: an output's suffix names its format
    if args.command == "train" and os.environ.get("WORLD_SIZE", "1").strip() not in ("", "1"):
        # torch's C++ side prints a stack trace for every failed rendezvous try; the one line
        # that follows says what went wrong (core/train/distributed.py).
        os.environ.setdefault("TORCH_CPP_LOG_LEVEL", "FATAL")
    # Before anything imports torch: OpenMP reads its settings once, when torch loads it.
    from genai_studio.core.runtime.threads import configure

    configure(getattr(args, "threads", None))
    if args.command is None:
        crash.check_display(headless=bool(args.self_test or args.screenshot))
        from genai_studio.cli.gui import run_gui

        return run_gui(args)
    if not getattr(args, "computes", True):  # ``info`` reads headers only: no torch to load
        return args.handler(args)
    from genai_studio.core.runtime.threads import computing

    with computing():
        return args.handler(args)


def say(line: str) -> None:
    """A line on stderr that never raises (a closed terminal after SIGHUP has no stderr);
    control characters (a crafted name's terminal escapes) are printed escaped."""
    from genai_studio.core.validate import printable

    try:
        print("\n".join(printable(part) for part in str(line).split("\n")), file=sys.stderr,
              flush=True)
    except (OSError, ValueError):
        pass


def fail(message: str) -> int:
    """Print ``message`` as the one error line (newlines folded, cut if long); exit status 2."""
    text = " ".join(message.split())
    if len(text) > _MAX_MESSAGE:
        text = text[:_MAX_MESSAGE - 3] + "..."
    say(f"genai-studio: error: {text}")
    return EXIT_USAGE


def describe_os_error(exc: OSError) -> str:
    """An operating-system error a file or the environment caused, as one line."""
    reason = "the disk is full" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else (
        exc.strerror or type(exc).__name__)
    name = f": {exc.filename}" if exc.filename else ""
    return f"{reason}{name}"


def _is_out_of_memory(exc: RuntimeError) -> bool:
    text = str(exc).lower()
    return "out of memory" in text or ("allocate" in text and "memory" in text)


def exit_now(code: int) -> NoReturn:
    """Flush and end the process without the interpreter's teardown.

    Tearing down torch's modules took 0.6-1.5 s after every command; everything a command
    writes is already on disk (atomic writes, fsynced), so only the streams need flushing.
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing more can be said
            pass
    os._exit(code)


def finish(code: int) -> NoReturn:
    """End the process with ``code``; without the interpreter's teardown unless a window was
    shown to an artist (its own shutdown then runs as usual).

    --screenshot and --self-test have closed their window and joined its threads by now:
    tearing down the Qt objects left adds nothing (and crashed natively once in CI).
    """
    launch = window_launch(sys.argv[1:])
    if launch is None or launch.self_test or launch.screenshot:
        exit_now(code)
    sys.exit(code)


def console_main() -> NoReturn:
    """The ``genai-studio`` executable: :func:`main`, then :func:`finish`."""
    finish(main())


if __name__ == "__main__":
    console_main()
