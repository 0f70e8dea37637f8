"""genai_studio.crash: one line for the user, the traceback in a log file, never a raw traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from genai_studio import crash

ROOT = Path(__file__).resolve().parents[1]


def _raise(exc: BaseException) -> tuple[type[BaseException], BaseException, object]:
    try:
        raise exc
    except BaseException as caught:  # noqa: BLE001 - we want the real traceback object
        return type(caught), caught, caught.__traceback__


def test_report_writes_log_and_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("GENAI_STUDIO_LOG_DIR", str(tmp_path / "logs"))
    crash.report(*_raise(RuntimeError("boom\nsecond line")))  # type: ignore[arg-type]
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "RuntimeError: boom" in err and "Traceback" not in err
    (log,) = (tmp_path / "logs").glob("crash-*.log")
    assert log.name in err
    text = log.read_text()
    assert "Traceback" in text and "second line" in text and "_raise" in text


def test_unwritable_log_dir_falls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the log folder should be")
    monkeypatch.setenv("GENAI_STUDIO_LOG_DIR", str(blocker / "logs"))
    monkeypatch.setattr(crash.tempfile, "gettempdir", lambda: str(tmp_path / "tmp"))
    crash.report(*_raise(ValueError("x")))  # type: ignore[arg-type]
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert list((tmp_path / "tmp" / "genai-studio-logs").glob("crash-*.log"))


def test_no_writable_folder_still_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("GENAI_STUDIO_LOG_DIR", str(blocker / "a"))
    monkeypatch.setattr(crash.tempfile, "gettempdir", lambda: str(blocker / "b"))
    crash.report(*_raise(OSError("disk")))  # type: ignore[arg-type]
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no crash log could be written" in err


def test_user_errors_need_no_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("GENAI_STUDIO_LOG_DIR", str(tmp_path))
    crash.report(*_raise(crash.DisplayError("no display")))  # type: ignore[arg-type]
    assert capsys.readouterr().err == "genai-studio: error: no display\n"
    assert not list(tmp_path.iterdir())


def test_check_display(monkeypatch: pytest.MonkeyPatch) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("display detection is Linux-only")
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(crash.DisplayError, match="no display"):
        crash.check_display(headless=False)
    crash.check_display(headless=True)  # headless runs get the offscreen platform instead
    assert crash.os.environ["QT_QPA_PLATFORM"] == "offscreen"
    monkeypatch.delenv("QT_QPA_PLATFORM")
    monkeypatch.setenv("DISPLAY", ":0")
    crash.check_display(headless=False)


def test_uncaught_exception_in_a_process(tmp_path: Path) -> None:
    """End to end through sys.excepthook, as the frozen app would crash."""
    code = "from genai_studio import crash; crash.install(); raise KeyError('lost')"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, env={"GENAI_STUDIO_LOG_DIR": str(tmp_path),
                                           "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "internal error (KeyError: 'lost')" in result.stderr
    assert len(list(tmp_path.glob("crash-*.log"))) == 1


def test_main_without_display_is_one_line(monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("display detection is Linux-only")
    from genai_studio.cli import main

    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # main() installs the crash hook
    monkeypatch.setattr(crash.threading, "excepthook", crash.threading.excepthook)
    assert main([]) == 2
    assert "no display" in capsys.readouterr().err


def test_window_launch_skips_torch(tmp_path: Path) -> None:
    """A plain launch reaches the window code without importing torch (first paint first)."""
    from genai_studio.cli import window_launch

    assert window_launch([]) is not None
    assert window_launch(["--self-test"]).self_test  # type: ignore[union-attr]
    assert window_launch(["--screenshot", "a.png"]).screenshot == "a.png"  # type: ignore[union-attr]
    for other in (["train", "vae"], ["--help"], ["--screenshot"], ["--screenshot", "-x"]):
        assert window_launch(other) is None
    code = ("import sys; from genai_studio.cli import main; rc = main([]); "
            "print('torch' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, env={"PYTHONPATH": str(ROOT), "HOME": str(tmp_path)})
    assert "no display" in result.stderr
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize(("argv", "fast"), [
    (["info", "m.safetensors"], True), (["--screenshot", "a.png"], True),
    (["--self-test"], True), ([], False)])
def test_only_a_shown_window_pays_for_the_interpreter_teardown(
        monkeypatch: pytest.MonkeyPatch, argv: list[str], fast: bool) -> None:
    """Headless runs end with os._exit once their work is on disk; a window the artist used
    ends through sys.exit, after its own shutdown."""
    from genai_studio import cli

    class Ended(Exception):
        pass

    def ending(how: str):  # noqa: ANN202
        def end(code: int) -> None:
            raise Ended(how, code)
        return end

    monkeypatch.setattr(sys, "argv", ["genai-studio", *argv])
    monkeypatch.setattr(cli.os, "_exit", ending("os._exit"))
    monkeypatch.setattr(cli.sys, "exit", ending("sys.exit"))
    with pytest.raises(Ended) as ended:
        cli.finish(3)
    assert ended.value.args == ("os._exit" if fast else "sys.exit", 3)


def test_a_screenshot_named_other_than_png_is_refused_before_any_window(tmp_path: Path) -> None:
    """--screenshot writes a PNG: another name is one line and status 2, before any window."""
    result = subprocess.run([sys.executable, "-m", "genai_studio", "--screenshot",
                             str(tmp_path / "shot.txt")], capture_output=True, text=True,
                            cwd=ROOT, timeout=120,
                            env=dict(os.environ, HOME=str(tmp_path), QT_QPA_PLATFORM="offscreen"))
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.strip().splitlines()[-1].startswith("genai-studio: error: --screenshot")
    assert not (tmp_path / "shot.txt").exists()
