"""The guard shows what a slot raised and catches a slot run off the GUI thread: shown to
fail here, so that its silence elsewhere means something."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal

from genai_studio.core.errors import OutputError
from genai_studio.ui.common.guard import GUARD, gui_slot


class Target(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    @gui_slot(int)
    def fails(self, value: int) -> None:
        raise ValueError(f"broken {value}")

    @gui_slot()
    def user_error(self) -> None:
        raise OutputError("the disk is full")

    @gui_slot()
    def counts(self) -> None:
        self.calls += 1


class Emitter(QObject):
    ping = Signal(int)


def test_a_failing_slot_is_shown_and_recorded_not_raised(qapp, monkeypatch):
    shown = []
    monkeypatch.setattr(GUARD, "report", lambda title, text: shown.append((title, text)))
    target, emitter = Target(), Emitter()
    emitter.ping.connect(target.fails)
    emitter.ping.emit(7)
    target.user_error()
    assert shown == [("Something went wrong", "ValueError: broken 7"),
                     ("Something went wrong", "the disk is full")]
    assert list(GUARD.faults) == ["Target.fails: ValueError: broken 7"]  # not the user error
    GUARD.reset()  # this test's faults were the point


def test_a_slot_run_off_the_gui_thread_is_recorded(qapp):
    target = Target()
    worker = threading.Thread(target=target.counts)
    worker.start()
    worker.join()
    assert target.calls == 1
    assert list(GUARD.violations) == ["Target.counts"]
    GUARD.reset()


def test_records_are_bounded_and_off_unless_checking(qapp, monkeypatch):
    target = Target()
    monkeypatch.setattr(GUARD, "checking", False)
    for _ in range(3):
        target.counts()
    assert GUARD.calls["Target.counts"] == 0  # the shipped app keeps no per-call records
    monkeypatch.setattr(GUARD, "checking", True)
    monkeypatch.setattr(GUARD, "report", lambda *_: None)
    for k in range(500):
        target.fails(k)
    assert len(GUARD.faults) == GUARD.faults.maxlen
    GUARD.reset()
