"""Windows and macOS installers of a built bundle (issue 21), as ``linux.py`` is for Linux.

- Windows: ``GenAI-Studio-<v>-windows-x64-setup.exe``, Inno Setup's compiler (``iscc``) run
  on ``packaging/windows/genai-studio.iss`` with the version, the bundle and the output folder
  passed as defines, so the script never needs editing.
- macOS: ``GenAI-Studio-<v>-macos-<arch>.dmg``, a compressed disk image (``hdiutil``) holding
  ``GenAI Studio.app`` and a link to /Applications to drag it onto.

The names are made here only; build.py, the workflow and the tests all take them from here.
Standard library only (build.py runs before any venv exists).
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from pathlib import Path

ISS = Path(__file__).resolve().parent / "windows" / "genai-studio.iss"
APP_NAME = "GenAI Studio.app"  # what the spec's BUNDLE makes in dist/


def setup_name(version: str) -> str:
    return f"GenAI-Studio-{version}-windows-x64-setup.exe"


def dmg_name(version: str, machine: str | None = None) -> str:
    arch = {"x86_64": "x86_64", "arm64": "arm64"}.get(machine or platform.machine(), "arm64")
    return f"GenAI-Studio-{version}-macos-{arch}.dmg"


def iscc_defines(bundle: Path, dist: Path, version: str) -> dict[str, str]:
    """What the .iss reads (``#ifndef`` defaults otherwise): absolute paths, so that the
    script's own folder does not matter."""
    return {"AppVersion": version, "SourceDir": str(bundle.resolve()),
            "OutputDir": str(dist.resolve()),
            "OutputBaseFilename": setup_name(version)[:-len(".exe")]}


def find_iscc() -> str | None:
    found = shutil.which("iscc") or shutil.which("ISCC")
    if found:
        return found
    for base in (os.environ.get("ProgramFiles(x86)"), os.environ.get("ProgramFiles")):
        if base and Path(base, "Inno Setup 6", "ISCC.exe").is_file():
            return str(Path(base, "Inno Setup 6", "ISCC.exe"))
    return None


def make_windows_setup(bundle: Path, dist: Path, version: str) -> Path | None:
    iscc = find_iscc()
    if iscc is None:
        print("build.py: Inno Setup (iscc) not found: no setup.exe (choco install innosetup)")
        return None
    defines = [f"/D{key}={value}" for key, value in iscc_defines(bundle, dist, version).items()]
    subprocess.run([iscc, "/Q", *defines, str(ISS)], check=True)
    return dist / setup_name(version)


def stage_dmg(app: Path, stage: Path) -> Path:
    """The disk image's contents: the app and a link to /Applications beside it."""
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    shutil.copytree(app, stage / APP_NAME, symlinks=True)
    (stage / "Applications").symlink_to("/Applications")
    return stage


def make_dmg(dist: Path, version: str) -> Path | None:
    app = dist / APP_NAME
    if shutil.which("hdiutil") is None or not app.is_dir():
        print(f"build.py: no .dmg (needs macOS's hdiutil and {app})")
        return None
    stage = stage_dmg(app, dist.parent / "build" / "dmg")
    out = dist / dmg_name(version)
    out.unlink(missing_ok=True)
    # ULMO (LZMA) is the smallest format, readable from macOS 10.15; the app needs 12.
    subprocess.run(["hdiutil", "create", "-volname", "GenAI Studio", "-srcfolder", str(stage),
                    "-ov", "-format", "ULMO", str(out)], check=True)
    shutil.rmtree(stage)
    return out


def make_installers(bundle: Path, dist: Path, version: str) -> dict[str, object]:
    """The platform's installer, if this is Windows or macOS; its path and size."""
    if os.name == "nt":
        key, made = "setup", make_windows_setup(bundle, dist, version)
    elif platform.system() == "Darwin":
        key, made = "dmg", make_dmg(dist, version)
    else:
        return {}
    if made is None:
        return {}
    return {key: {"path": str(made.relative_to(dist.parent)), "bytes": made.stat().st_size}}
