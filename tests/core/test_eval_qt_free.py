"""The judge, the metrics and the eval command import no Qt (docs/architecture.md, Layers)."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import sys
sys.modules["PySide6"] = None  # any 'import PySide6' now raises ImportError
import genai_studio.core.scoring.metrics, genai_studio.core.models.judge, genai_studio.cli.eval
from genai_studio.cli import build_parser
build_parser()
assert not any(name.startswith("PySide6") for name in sys.modules if sys.modules[name])
"""


def test_eval_modules_import_without_qt():
    result = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
