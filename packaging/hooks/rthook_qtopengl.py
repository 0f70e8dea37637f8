"""Runtime hook of the frozen app: a stand-in for PySide6.QtOpenGL, which the bundle leaves out.

pyqtgraph imports QtOpenGL at module level (its curves and meshes can draw through OpenGL) but
uses it only when its ``useOpenGL`` option is on, which the studio never turns on. The binding
is 8.9 MB of the installer's 575 MB budget. The stand-in lets pyqtgraph import, and any use of
it fails with an ImportError that names the missing module, never silently.
"""

import importlib.util
import sys
import types


class _LeftOut(types.ModuleType):
    def __getattr__(self, name: str) -> object:
        if name.startswith("__"):
            raise AttributeError(name)
        raise ImportError(f"PySide6.QtOpenGL.{name}: OpenGL drawing is not part of this build")


def _install() -> None:
    try:
        present = importlib.util.find_spec("PySide6.QtOpenGL") is not None
    except (ImportError, ValueError):
        present = False
    if not present:
        sys.modules["PySide6.QtOpenGL"] = _LeftOut("PySide6.QtOpenGL")


_install()
