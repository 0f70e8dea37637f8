"""The engine and the headless CLI run with Qt made unimportable (docs/architecture.md, Layers)."""

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import importlib, pkgutil, sys
    sys.path.insert(0, {root!r})
    from tests.core.qt_blocker import install_qt_blocker
    install_qt_blocker()
    import genai_studio.core as core
    for info in pkgutil.walk_packages(core.__path__, "genai_studio.core."):
        importlib.import_module(info.name)
    from genai_studio.cli import main
    out = {out!r}
    assert main(["train", "vae", "--hidden", "32", "--epochs", "1", "--limit", "256",
                 "--out", out]) == 0
    assert main(["sample", out, "--n", "4", "--seed", "0", "--npy", out + ".npy"]) == 0
    assert main(["info", out]) == 0
    try:
        import PySide6  # noqa: F401
    except ImportError:
        pass
    else:
        raise SystemExit("the blocker let PySide6 through")
    assert not [m for m in sys.modules if m.startswith(("PySide6", "shiboken6", "pyqtgraph"))]
    print("NO-QT-OK")
    """
)


def test_core_and_cli_need_no_qt(tmp_path):
    script = SCRIPT.format(root=str(ROOT), out=str(tmp_path / "m.safetensors"))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "NO-QT-OK" in proc.stdout
