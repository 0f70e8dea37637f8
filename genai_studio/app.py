"""Composition root: the QApplication, settings, paths and the window (docs/architecture.md).

Torch is not imported on the way to the first paint: the window shows, then the inference
worker imports torch, warms up training and loads the model. ``run``, ``self_test`` and
``screenshot`` each return a process exit code.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from genai_studio.ui.window.main_window import MainWindow

LAUNCH_T0 = time.perf_counter()


def _ensure_app(offscreen: bool = False) -> QApplication:
    if offscreen:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from genai_studio.core.runtime.threads import configure

    configure()  # before the workers import torch (a no-op after the CLI's own call)
    from PySide6.QtWidgets import QApplication

    from genai_studio.ui.common.settings import APPLICATION, ORGANISATION
    from genai_studio.ui.common.theme import apply_theme

    # The training thread's Python loop and the GUI share the GIL; a 1 ms switch interval
    # (default 5 ms) hands it back to the GUI thread sooner, keeping frames on time.
    sys.setswitchinterval(0.001)
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
        app.setOrganizationName(ORGANISATION)
        app.setApplicationName(APPLICATION)
        apply_theme(app)
    from genai_studio.ui.common import collector

    collector.install(app)  # cycles are collected on the GUI thread, never on a worker's
    return app


def create_main_window(
    shipped_dir: Path | None = None,
    user_dir: Path | None = None,
    settings: QSettings | None = None,
    compose_now: bool = True,
) -> MainWindow:
    """Build (not show) the studio window; tests pass temporary folders and settings.
    ``compose_now=False``: only its frame now, the studio on the frame's first paint."""
    _ensure_app()
    from genai_studio.core.store import resources
    from genai_studio.ui.common.settings import Preferences
    from genai_studio.ui.studio.paths import StudioPaths
    from genai_studio.ui.window.main_window import MainWindow

    paths = StudioPaths(
        shipped_models=Path(shipped_dir) if shipped_dir else resources.shipped_models_dir(),
        user_models=Path(user_dir) if user_dir else resources.user_models_dir(),
    )
    prefs = Preferences(settings) if settings is not None else Preferences.open()
    return MainWindow(paths, prefs, compose_now=compose_now)


def run() -> int:
    """Open the studio window and run until it closes."""
    import signal

    from PySide6.QtCore import QTimer

    from genai_studio.ui.common.system_libs import check_qt_libraries

    check_qt_libraries()  # one line naming the packages, not Qt's "could not load xcb"
    app = _ensure_app()
    window = create_main_window(compose_now=False)  # the frame maps first, as fast as a bare one
    window.show()
    # Ctrl+C in the terminal, SIGTERM (kill, a system shutdown) and SIGHUP (the terminal or the
    # session went away) close the window like its close button: training is cancelled and
    # checkpointed. Python only sees a signal when it runs, hence the idle ticker.
    caught: list[int] = []

    def close_on_signal(signum: int, _frame: object) -> None:
        caught.append(signum)
        # Closed from the event loop: a close before it runs would leave it running with no
        # window, deaf to every later signal.
        QTimer.singleShot(0, window.close)

    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), close_on_signal)
    from genai_studio.cli import EARLY_SIGNALS

    if EARLY_SIGNALS:  # a signal came while the window was starting
        close_on_signal(EARLY_SIGNALS[0], None)
    # A session logout asks the application to commit its data: do what closing does (the
    # run is checkpointed, settings saved), before the session manager ends the process.
    app.commitDataRequest.connect(lambda _manager: window.close())
    ticker = QTimer()
    ticker.timeout.connect(_idle)
    ticker.start(250)
    status = int(app.exec())
    if not caught:
        return status
    from genai_studio.cli import say, signal_name

    say(f"genai-studio: closed by {signal_name(caught[0])} (any training was checkpointed)")
    return 128 + caught[0]


def _idle() -> None:
    """Runs a little Python now and then so that signal handlers get their turn."""


def wait_until(condition: Callable[[], bool], timeout_s: float) -> bool:
    """Process events until ``condition()`` holds or the time is up."""
    from PySide6.QtWidgets import QApplication

    end = time.perf_counter() + timeout_s
    while time.perf_counter() < end:
        QApplication.processEvents()
        if condition():
            return True
        time.sleep(0.005)
    return condition()


def screenshot(path: str) -> int:
    """Write a PNG of the window as a user first sees it (their models, their settings)."""
    if Path(path).suffix.lower() != ".png":
        print(f"genai-studio: error: --screenshot writes a PNG: name it .png, not {path}",
              file=sys.stderr)
        return 2
    _ensure_app(offscreen=True)
    window = create_main_window()
    window.persist_settings = False
    window.show()
    wait_until(lambda: window.is_interactive, 60)
    pad = window.state.pad
    # The pad's atlas comes after the first grid (a model that has one): wait for it a while.
    wait_until(lambda: window.state.session.model is None or pad.background is not None, 10)
    wait_until(lambda: False, 0.3)  # let the previews land
    ok = window.grab().save(str(path))
    window.close()
    if not ok:
        print(f"genai-studio: could not write {path}", file=sys.stderr)
        return 1
    print(f"wrote {path}")
    return 0


def self_test() -> int:
    """Offscreen: build, generate, drag the pad, train a few steps, cancel; 0 or what failed."""
    _ensure_app(offscreen=True)
    from genai_studio.selftest import run_self_test

    with tempfile.TemporaryDirectory(prefix="genai-selftest-") as tmp:
        failures = run_self_test(Path(tmp))
    for failure in failures:
        print(f"self-test FAILED: {failure}", file=sys.stderr)
    if not failures:
        print("self-test passed")
    return 1 if failures else 0
