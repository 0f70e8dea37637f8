# GenAI Studio's torch hook; it replaces pyinstaller-hooks-contrib's (hookspath hooks win).
#
# The stock hook bundles every torch submodule (collect_submodules) and their sources ("pyz+py"),
# which costs ~50 MB unpacked and ~20 MB compressed for code the app never runs (Inductor,
# distributed, ONNX, testing...). This one bundles the torch modules that real runs of the app
# imported (packaging/torch-modules.txt, written by packaging/trace_imports.py) plus, through
# PyInstaller's analysis, everything those import statically; bytecode only, as the app never
# uses TorchScript (which needs sources). A CUDA build (GENAI_BUILD_CUDA=1) keeps the stock
# behaviour, which also finds the nvidia-* libraries.
import os
import re
from pathlib import Path

from PyInstaller.utils.hooks import (
    PY_DYLIB_PATTERNS,
    collect_data_files,
    collect_dynamic_libs,
    collect_submodules,
    get_package_paths,
)

_LIST = Path(__file__).resolve().parents[1] / "torch-modules.txt"
_TORCH_DIR = Path(get_package_paths("torch")[1])


# Modules that read their own source at import time and so need their .py beside the bytecode:
# config modules (install_config_module -> inspect.getsource), and TorchScript overloads
# (@torch.jit._overload warns "Unable to retrieve source" on every start without it).
_NEEDS_SOURCE = re.compile(r"install_config_module\(|\b_overload(_method)?\b")


def _source_modules() -> list[str]:
    """Found by scanning, so that a torch upgrade that adds one is still covered."""
    found = []
    for path in _TORCH_DIR.rglob("*.py"):
        if _NEEDS_SOURCE.search(path.read_text("utf-8", errors="ignore")):
            rel = path.relative_to(_TORCH_DIR.parent).with_suffix("")
            parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
            # Not "torch" itself: a mode set on a package applies to all its submodules.
            if len(parts) > 1:
                found.append(".".join(parts))
    return found


module_collection_mode = {"torch": "pyz", **{name: "pyz+py" for name in _source_modules()}}
warn_on_missing_hiddenimports = False

datas = collect_data_files(
    "torch",
    excludes=["**/*.h", "**/*.hpp", "**/*.cuh", "**/*.lib", "**/*.cpp", "**/*.pyi",
              "**/*.cmake", "include/**", "share/**", "test/**"],
)
binaries = collect_dynamic_libs("torch", search_patterns=PY_DYLIB_PATTERNS + ["*.so.*"])
# Keep torch's libraries in torch/lib, without links at the top level (see the stock hook).
bindepend_symlink_suppression = ["**/torch/lib/*.so*"]

if os.environ.get("GENAI_BUILD_CUDA") == "1":
    hiddenimports = collect_submodules("torch")
    try:
        import packaging.requirements
        from _pyinstaller_hooks_contrib.compat import importlib_metadata
        from _pyinstaller_hooks_contrib.utils import nvidia_cuda

        _dist = importlib_metadata.distribution("torch")
        _reqs = [packaging.requirements.Requirement(r) for r in _dist.requires or []]
        hiddenimports += nvidia_cuda.infer_hiddenimports_from_requirements(
            [r.name for r in _reqs if r.marker is None or r.marker.evaluate()])
    except Exception as exc:  # noqa: BLE001 - same fallback as the stock hook
        print(f"hook-torch: could not infer the nvidia-* modules: {exc}")
else:
    hiddenimports = [
        line.strip() for line in _LIST.read_text("utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
