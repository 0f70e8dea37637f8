"""The history's rules: back / forward, a new step drops the future, bounded by steps and bytes."""

from __future__ import annotations

from genai_studio.ui.studio.history import History


def test_back_forward_and_a_new_step_drops_the_future():
    h: History[str] = History()
    assert h.current is None and not h.can_back and h.back() is None
    for step in "abc":
        h.push(step)
    assert h.current == "c" and h.back() == "b" and h.back() == "a" and h.back() is None
    assert h.forward() == "b" and h.can_forward
    h.push("d")
    assert not h.can_forward and [h.back(), h.back()] == ["b", "a"]
    assert h.forward() == "b" and h.forward() == "d"
    h.replace("d*")
    assert h.current == "d*" and h.back() == "b" and h.forward() == "d*"


def test_bounded_by_steps_and_bytes_oldest_first():
    h: History[int] = History(size_of=lambda n: n, max_steps=5, max_bytes=100)
    for k in range(1, 9):
        h.push(k)
    assert len(h) == 5 and h.current == 8
    while h.back() is not None:
        pass
    assert h.current == 4
    h.push(90)  # 4 + 90 fit; with 5, 6, 7, 8 dropped as the future
    h.push(20)  # 4 + 90 + 20 > 100: 4 goes, then 90 + 20 > 100 again: 90 goes too
    assert len(h) == 1 and h.current == 20
