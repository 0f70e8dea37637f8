"""The None/True reference guard for PySide6 6.12 on CPython < 3.12 (see ui/compat.py)."""

from __future__ import annotations

import subprocess
import sys


def test_many_void_calls_and_emits_do_not_abort_the_process():
    code = (
        "import os; os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from PySide6.QtCore import QObject, Signal, Slot\n"
        "from PySide6.QtWidgets import QApplication, QLabel\n"
        "from genai_studio.ui.compat import protect_singletons\n"
        "app = QApplication([])\n"
        "protect_singletons()\n"
        "class A(QObject):\n"
        "    s = Signal()\n"
        "    @Slot()\n"
        "    def f(self): pass\n"
        "a = A(); a.s.connect(a.f); label = QLabel()\n"
        "for _ in range(200_000):\n"
        "    label.setText('x'); a.s.emit()\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0 and "ok" in result.stdout, result.stderr[-1000:]
