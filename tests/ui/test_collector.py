"""Cyclic garbage is collected on the GUI thread, never on a worker's."""

from __future__ import annotations

import gc
import threading

from genai_studio.ui.common import collector


class Cycle:
    """Records the thread its finaliser ran on."""

    threads: list[str] = []

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        Cycle.threads.append(threading.current_thread().name)


def test_workers_never_collect_and_the_gui_thread_does(qapp, qtbot):
    collector.install(qapp)
    assert not gc.isenabled()
    Cycle.threads.clear()
    for _ in range(5):
        Cycle()

    def allocate() -> None:  # enough allocation to cross every threshold, on a worker
        junk = [[object() for _ in range(100)] for _ in range(200)]
        del junk

    worker = threading.Thread(target=allocate, name="worker")
    worker.start()
    worker.join()
    assert Cycle.threads == []  # the worker allocated a lot, but collected nothing
    gc_done = collector.install(qapp)
    gc_done.threshold = (0, 0, 0)  # due at the next tick
    qtbot.waitUntil(lambda: len(Cycle.threads) == 5, timeout=5_000)
    assert set(Cycle.threads) == {threading.main_thread().name}
    gc_done.threshold = gc.get_threshold()
