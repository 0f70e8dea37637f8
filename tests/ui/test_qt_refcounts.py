"""The installed Qt bindings must not leak references to None/True (PySide6 6.12.0 on CPython
3.11 did: every void call took one from None, every emit() one from True, and the process
aborted with 'Fatal Python error: none_dealloc' after ~1000 signals). pyproject pins it out."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import os, sys
os.environ['QT_QPA_PLATFORM'] = 'offscreen'
from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
class A(QObject):
    s = Signal(int)
    @Slot(int)
    def f(self, value): pass
a = A(); a.s.connect(a.f); label = QLabel()
none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
for i in range(5000):
    label.setText('x'); a.s.emit(i)
print(sys.getrefcount(None) - none_before, sys.getrefcount(True) - true_before)
"""


def test_void_calls_and_emits_keep_singleton_refcounts():
    result = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-1000:]
    none_delta, true_delta = (int(v) for v in result.stdout.split())
    assert abs(none_delta) < 100 and abs(true_delta) < 100
