"""The house's rules, read off the source: layers import one way, features talk through the
state, package __init__ files stay cheap, no folder outgrows a room."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "genai_studio"
MAX_MODULES = 15


def _imports(path: Path) -> list[str]:
    modules = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules.append(node.module)
        elif isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
    return modules


def test_core_never_imports_qt_the_ui_or_the_workers():
    for path in (PACKAGE / "core").rglob("*.py"):
        for module in _imports(path):
            assert not module.startswith(("PySide6", "genai_studio.ui", "genai_studio.workers",
                                          "pyqtgraph")), f"{path}: {module}"


def test_workers_never_import_the_ui():
    for path in (PACKAGE / "workers").rglob("*.py"):
        for module in _imports(path):
            assert not module.startswith("genai_studio.ui"), f"{path}: {module}"


def test_features_talk_through_the_state():
    """A feature may import the common kit, the studio (state, kinds) and another feature's
    state module (its kinds), never another feature's widgets or controllers; the window
    composes them all."""
    ui = PACKAGE / "ui"
    for path in ui.rglob("*.py"):
        feature = path.parent.name
        if feature in ("ui", "window", "studio"):
            continue
        for module in _imports(path):
            parts = module.split(".")
            if parts[:2] != ["genai_studio", "ui"] or len(parts) < 3:
                continue
            other = parts[2]
            allowed = other in (feature, "common", "studio") or parts[3:4] == ["state"]
            assert allowed, f"{path.relative_to(PACKAGE)} imports {module}"


def test_the_studio_imports_only_states_of_features():
    for path in (PACKAGE / "ui" / "studio").glob("*.py"):
        for module in _imports(path):
            parts = module.split(".")
            if parts[:2] == ["genai_studio", "ui"] and len(parts) > 3 \
                    and parts[2] not in ("studio", "common"):
                assert parts[3] == "state", f"{path.name} imports {module}"


def test_package_inits_are_cheap():
    """An __init__ is a docstring (and at most a few names): importing a package costs
    nothing, and the window paints before torch loads."""
    for path in PACKAGE.rglob("__init__.py"):
        tree = ast.parse(path.read_text())
        heavy = [m for m in _imports(path) if m.startswith(("torch", "numpy", "PySide6"))]
        assert not heavy, f"{path}: {heavy}"
        assert ast.get_docstring(tree), f"{path} says nothing about its package"


def test_no_folder_holds_more_than_a_room_of_modules():
    for folder in [PACKAGE, *[p for p in PACKAGE.rglob("*") if p.is_dir()]]:
        modules = [p for p in folder.glob("*.py") if p.name != "__init__.py"]
        assert len(modules) <= MAX_MODULES, f"{folder}: {len(modules)} modules"
