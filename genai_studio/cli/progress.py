"""The live progress line of ``genai-studio train`` (stderr)."""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from genai_studio.core.train.events import Event


def format_duration(seconds: float) -> str:
    seconds = int(round(max(seconds, 0)))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def format_losses(losses: dict[str, float]) -> str:
    return " ".join(f"{k}={v:.4g}" for k, v in losses.items())


class ProgressLine:
    """Redraws one line in a terminal; in a log (not a tty), writes a line every few seconds."""

    def __init__(self, stream: TextIO | None, log_interval_s: float = 5.0) -> None:
        """``stream`` None: say nothing (the other ranks of a multi-process run)."""
        self.stream = stream if stream is not None else open(os.devnull, "w")  # noqa: SIM115
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.log_interval_s = log_interval_s
        self._last_log = 0.0
        self._width = 0

    def update(self, event: Event) -> None:
        # Imported here, not at module level: `genai-studio` with no command builds this
        # parser on its way to the window, which must paint before torch is imported.
        from genai_studio.core.train.events import Checkpoint, Progress, Started

        if isinstance(event, Started):
            resumed = f", resuming at step {event.start_step}" if event.start_step else ""
            # A timed run's step count is its epoch cap's, not what it will do.
            length = (f"for {format_duration(event.budget_s)}" if event.budget_s is not None
                      else f"{event.total_steps} steps")
            self._write_line(f"training on {event.device}: {event.num_images} images, "
                             f"{length}{resumed}")
        elif isinstance(event, Progress):
            pct = 100.0 * event.done
            text = (f"epoch {event.epoch}/{event.epochs} step {event.step}/{event.total_steps} "
                    f"{pct:5.1f}% {event.images_per_s:,.0f} img/s ETA "
                    f"{format_duration(event.eta_s)} {format_losses(event.losses)}")
            now = time.monotonic()
            if self.tty:
                pad = max(self._width - len(text), 0)
                self.stream.write("\r" + text + " " * pad)
                self.stream.flush()
                self._width = len(text)
            elif now - self._last_log >= self.log_interval_s or event.step == event.total_steps:
                self._write_line(text)
                self._last_log = now
        elif isinstance(event, Checkpoint) and not self.tty:
            self._write_line(f"checkpoint: {event.path} (step {event.step})")

    def _write_line(self, text: str) -> None:
        if self.tty and self._width:
            self.stream.write("\n")
            self._width = 0
        self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty and self._width:
            self.stream.write("\n")
            self.stream.flush()
            self._width = 0


class StatusLine:
    """A one-line status (scan, projection, repair) on stderr: redrawn on a terminal, written
    every few seconds and at the end in a log."""

    def __init__(self, stream: TextIO, log_interval_s: float = 5.0) -> None:
        self.stream = stream
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.log_interval_s = log_interval_s
        self._last = 0.0
        self._width = 0

    def show(self, text: str, final: bool = False) -> None:
        if self.tty:
            self.stream.write("\r" + text + " " * max(self._width - len(text), 0))
            self._width = len(text)
            if final:
                self.stream.write("\n")
                self._width = 0
            self.stream.flush()
            return
        now = time.monotonic()
        if final or now - self._last >= self.log_interval_s:
            self.stream.write(text + "\n")
            self.stream.flush()
            self._last = now
