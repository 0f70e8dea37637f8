"""Build the GenAI Studio installer: ``make package`` runs this with the system python3.

Steps: (1) set up a separate build venv (``.venv-build/``) from scratch when missing or when
its requirements changed, (2) run PyInstaller on ``packaging/genai-studio.spec`` into
``dist/GenAI-Studio/`` (skipped with ``--if-stale`` when no input changed), strip and shrink
its libraries, (3) smoke-run the frozen executable, (4) wrap it: on Linux x86-64
``dist/GenAI-Studio-<version>-linux-x86_64.tar.xz`` and ``dist/genai-studio_<version>_amd64.deb``
(``packaging/linux.py``), on Windows the Inno Setup ``setup.exe`` and on macOS the ``.dmg``
(``packaging/desktop.py``), (5) write sizes and timings to ``dist/build-info.json``.

Only the standard library is used here, so it runs before any venv exists.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "packaging"))

import desktop  # noqa: E402  (packaging/desktop.py, beside this file)
import icu  # noqa: E402
import linux  # noqa: E402

DIST = ROOT / "dist"
BUNDLE = DIST / "GenAI-Studio"
INFO = DIST / "build-info.json"
# Pinned like the Makefile: here it resolves to the local CPU wheel. On a machine that only sees
# PyPI, Linux wheels there are CUDA builds, so pass the CPU index, e.g.
#   make package TORCH_SPEC='torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu'
CPU_TORCH = "torch==2.13.0"
# PyPI's Linux torch wheel is the CUDA build (it pulls the nvidia-* wheels).
CUDA_TORCH = "torch==2.13.0"
PYINSTALLER = "pyinstaller>=6.10,<7"
# What the bundle is built from: any change here means a rebuild.
INPUT_GLOBS = ["genai_studio/**/*.py", "resources/**/*", "models/**/*", "packaging/*.py",
               "packaging/*.spec", "pyproject.toml"]


def version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]


def runtime_requirements() -> list[str]:
    """The app's dependencies, read from pyproject so the bundle never drifts from them."""
    return tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["dependencies"]


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def run(cmd: list[str], **kwargs: object) -> None:
    shown = " ".join(cmd) if len(cmd) < 12 else " ".join(cmd[:3]) + f" ... ({len(cmd)} args)"
    print("+", shown, flush=True)
    subprocess.run(cmd, check=True, **kwargs)  # type: ignore[call-overload]


def ensure_venv(venv: Path, torch_spec: str, cuda: bool) -> Path:
    """Create or refresh the build venv; a stamp records what it was installed with."""
    python = venv_python(venv)
    wanted = json.dumps({"torch": torch_spec, "deps": runtime_requirements(),
                         "pyinstaller": PYINSTALLER, "python": sys.version.split()[0]})
    stamp = venv / ".genai-build-stamp"
    if python.exists() and stamp.exists() and stamp.read_text("utf-8") == wanted:
        return python
    if not python.exists():
        run([sys.executable, "-m", "venv", str(venv)])
    pip = [str(python), "-m", "pip", "install", "--quiet"]
    # torch first and alone, so that its spec (and index) decides the flavour.
    run(pip + torch_spec.split())
    run(pip + runtime_requirements() + [PYINSTALLER])
    flavour = subprocess.run(
        [str(python), "-c", "import torch; print(torch.version.cuda or 'cpu')"],
        check=True, capture_output=True, text=True).stdout.strip()
    if cuda != (flavour != "cpu"):
        sys.exit(f"build.py: the build venv has a torch for {flavour!r} but a "
                 f"{'CUDA' if cuda else 'CPU'} build was asked for; set --torch-spec "
                 f"(TORCH_SPEC in make) to the right wheel index, or delete {venv}")
    stamp.write_text(wanted, "utf-8")
    return python


def inputs_digest(extra: str) -> str:
    digest = hashlib.sha256(extra.encode())
    for pattern in INPUT_GLOBS:
        for path in sorted(ROOT.glob(pattern)):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def tree_size(folder: Path) -> int:
    """Bytes of all regular files (symlinks counted once, as links)."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def executable() -> Path:
    return BUNDLE / ("genai-studio.exe" if os.name == "nt" else "genai-studio")


def build_bundle(python: Path, cuda: bool) -> float:
    # The Python archive at zlib's best level (PyInstaller's default is 6): ~1 MB less.
    env = dict(os.environ, GENAI_BUILD_CUDA="1" if cuda else "0",
               PYINSTALLER_ZLIB_COMPRESSION_LEVEL="9")
    start = time.perf_counter()
    run([str(python), "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
         "--distpath", str(DIST), "--workpath", str(ROOT / "build" / "pyinstaller"),
         str(ROOT / "packaging" / "genai-studio.spec")], env=env, cwd=ROOT)
    return time.perf_counter() - start


# Libraries that ship with symbols: torch's (~100 MB of them) and the Python build's own.
STRIP_GLOBS = ["torch/lib/*.so*", "libpython3*.so*", "python3*/lib-dynload/*.so",
               # issue 20: fontTools' compiled bezierTools 5.2 -> 0.5 MB, vtracer 2.6 -> 2.1 MB
               # (both import and run stripped: checked by hand)
               "fontTools/*/*.so", "vtracer/*.so"]


def strip_libs() -> int:
    """Strip the libraries of STRIP_GLOBS in the bundle; return the bytes saved.

    Only these: stripping auditwheel-patched libraries (numpy.libs, pillow.libs) breaks them
    ("ELF load command address/offset not page-aligned"), the Qt libraries in the PySide6
    wheels are stripped already, and the executable carries the Python archive at its end.
    """
    if not sys.platform.startswith("linux") or shutil.which("strip") is None:
        return 0
    internal = BUNDLE / "_internal"
    libs = sorted({p for pattern in STRIP_GLOBS for p in internal.glob(pattern)
                   if p.is_file() and not p.is_symlink()})
    before = sum(p.stat().st_size for p in libs)
    run(["strip", "--strip-unneeded", *map(str, libs)])
    return before - sum(p.stat().st_size for p in libs)


def shrink_icu() -> int:
    """Qt's ICU data down to what an English-only app uses (Linux; see packaging/icu.py)."""
    if not sys.platform.startswith("linux"):
        return 0
    libs = sorted((BUNDLE / "_internal" / "PySide6" / "Qt" / "lib").glob("libicudata.so.*"))
    return sum(icu.shrink(lib) for lib in libs if lib.is_file() and not lib.is_symlink())


def missing_x11_libs() -> list[str]:
    """Libraries Qt's X11 plugin needs that neither the bundle nor this machine has.

    PyInstaller can only bundle what the build machine has installed: without e.g.
    libxcb-icccm4 here, the tarball's window fails on an X11 desktop that lacks it too.
    """
    plugin = BUNDLE / "_internal" / "PySide6" / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    if not plugin.exists() or shutil.which("ldd") is None:
        return []
    env = dict(os.environ, LD_LIBRARY_PATH=f"{BUNDLE / '_internal'}:"
               f"{BUNDLE / '_internal' / 'PySide6' / 'Qt' / 'lib'}")
    out = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, env=env).stdout
    return sorted({line.split()[0] for line in out.splitlines() if "not found" in line})


def smoke_test() -> None:
    """The frozen executable must at least start and report its version."""
    out = subprocess.run([str(executable()), "--version"], capture_output=True, text=True,
                         cwd=DIST, timeout=120)
    if out.returncode != 0 or version() not in out.stdout:
        sys.exit(f"build.py: frozen smoke test failed (exit {out.returncode}):\n"
                 f"{out.stdout}{out.stderr}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the GenAI Studio installer.")
    parser.add_argument("--cuda", action="store_true",
                        help="bundle a CUDA torch (separate venv .venv-build-cuda; several GB)")
    parser.add_argument("--torch-spec", default=None,
                        help=f"pip arguments for torch (default {CPU_TORCH!r}, "
                        f"with --cuda {CUDA_TORCH!r})")
    parser.add_argument("--venv", type=Path, default=None,
                        help="build venv (default .venv-build, or .venv-build-cuda)")
    parser.add_argument("--if-stale", action="store_true",
                        help="reuse dist/GenAI-Studio when nothing it is built from changed")
    parser.add_argument("--no-installers", action="store_true",
                        help="stop after dist/GenAI-Studio (no .tar.xz / .deb / setup / .dmg)")
    args = parser.parse_args(argv)
    torch_spec = args.torch_spec or (CUDA_TORCH if args.cuda else CPU_TORCH)
    venv = args.venv or ROOT / (".venv-build-cuda" if args.cuda else ".venv-build")
    total_start = time.perf_counter()
    python = ensure_venv(venv.resolve(), torch_spec, args.cuda)

    digest = inputs_digest(f"{torch_spec}|cuda={args.cuda}")
    info = json.loads(INFO.read_text("utf-8")) if INFO.exists() else {}
    if args.if_stale and info.get("inputs") == digest and executable().exists():
        print(f"build.py: {BUNDLE.relative_to(ROOT)} is up to date")
        build_s = info.get("pyinstaller_s")
    else:
        INFO.unlink(missing_ok=True)
        build_s = round(build_bundle(python, args.cuda), 1)
        print(f"build.py: stripping saved {strip_libs() / 1e6:.0f} MB")
        print(f"build.py: shrinking ICU's data saved {shrink_icu() / 1e6:.0f} MB")
        smoke_test()

    info = {"version": version(), "inputs": digest, "cuda": args.cuda,
            "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "pyinstaller_s": build_s, "bundle_bytes": tree_size(BUNDLE),
            "bundle_files": sum(1 for _ in BUNDLE.rglob("*"))}
    missing = missing_x11_libs()
    if missing:
        info["missing_x11_libs"] = missing
        print(f"build.py: WARNING: the X11 plugin needs {', '.join(missing)}, absent here, so "
              "not bundled: `apt-get install libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0` "
              "and rebuild (the .deb depends on them, the .tar.xz needs them on the target)")
    if not args.no_installers and linux.is_linux_x86_64():
        info.update(linux.make_installers(BUNDLE, DIST, version(), ROOT / "resources" / "icons"))
    elif not args.no_installers:
        info.update(desktop.make_installers(BUNDLE, DIST, version()))
    info["total_s"] = round(time.perf_counter() - total_start, 1)
    INFO.write_text(json.dumps(info, indent=2) + "\n", "utf-8")
    mb = 1_000_000
    print(f"build.py: {BUNDLE.relative_to(ROOT)}: {info['bundle_bytes'] / mb:.0f} MB unpacked")
    for key in ("archive", "deb", "setup", "dmg"):
        if key in info:
            print(f"build.py: {info[key]['path']}: {info[key]['bytes'] / mb:.0f} MB")
    print(f"build.py: done in {info['total_s']:.0f} s")
    return 0


if __name__ == "__main__":
    if shutil.which("strip") is None and sys.platform.startswith("linux"):
        print("build.py: warning: `strip` (binutils) not found; torch stays unstripped (+100 MB)")
    sys.exit(main())
