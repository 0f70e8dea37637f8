"""Linux x86-64 installers of a built bundle: a ``.tar.xz`` and a ``.deb`` (via dpkg-deb).

The ``.deb`` installs the bundle under ``/opt/genai-studio``, a launcher ``/usr/bin/genai-studio``,
a ``.desktop`` entry and the icon in the hicolor theme. Icon and menu caches are refreshed by the
dpkg triggers of hicolor-icon-theme and desktop-file-utils, so no maintainer scripts are needed.
Standard library only (build.py runs before any venv exists).
"""

from __future__ import annotations

import platform
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

PACKAGE = "genai-studio"
# System libraries behind Qt's xcb platform plugin (the PySide6 wheels do not ship them): `ldd`
# of the bundle's libqxcb.so. A superset on purpose: PyInstaller bundles most of them from the
# build machine, but GL/EGL never, and libxcb-icccm4/keysyms1/cursor0 only where installed there.
DEB_DEPENDS = [
    "libstdc++6", "libgl1", "libegl1", "libfontconfig1", "libfreetype6",
    "libglib2.0-0 | libglib2.0-0t64", "libdbus-1-3", "libx11-6", "libx11-xcb1", "libxkbcommon0",
    "libxkbcommon-x11-0", "libxcb1", "libxcb-cursor0", "libxcb-icccm4", "libxcb-image0",
    "libxcb-keysyms1", "libxcb-randr0", "libxcb-render-util0", "libxcb-shape0", "libxcb-xfixes0",
    "libxcb-xkb1", "libxcb-shm0", "libxcb-sync1", "libxcb-render0", "libexpat1", "zlib1g",
]
DESKTOP_ENTRY = """[Desktop Entry]
Type=Application
Name=GenAI Studio
GenericName=Generative Image Studio
Comment=Generate, steer and train VAE and GAN image models offline
Exec=genai-studio
Icon=genai-studio
Terminal=false
Categories=Graphics;Education;Science;
Keywords=VAE;GAN;MNIST;generative;
StartupWMClass=genai-studio
"""
LAUNCHER = """#!/bin/sh
# GenAI Studio launcher: the app lives in /opt/genai-studio (a PyInstaller one-folder bundle).
exec /opt/genai-studio/genai-studio "$@"
"""


def is_linux_x86_64() -> bool:
    return sys.platform.startswith("linux") and platform.machine() in ("x86_64", "AMD64")


def libc_dependency() -> str:
    """The bundle runs on the build machine's glibc or newer (Python and system libraries are
    linked against it), so the package says so."""
    name, version = platform.libc_ver()
    return f"libc6 (>= {version})" if name == "glibc" and version else "libc6"


def _root_owned(info: tarfile.TarInfo) -> tarfile.TarInfo:
    # Reproducible, owner-neutral archive: the unpacking user owns the files.
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    return info


def archive_name(version: str) -> str:
    return f"GenAI-Studio-{version}-linux-x86_64.tar.xz"


def make_tarball(bundle: Path, dist: Path, version: str) -> Path:
    """``GenAI-Studio-<v>-linux-x86_64.tar.xz`` unpacking to ``GenAI-Studio-<v>/genai-studio``.

    xz at level 9: a third smaller than gzip -6 for this bundle (libtorch_cpu alone: 107 MB
    gzip, 67 MB xz), unpacked by any ``tar xf``. Compressed by the ``xz`` program on every
    core when it is there (``-T0``), else by Python's single-threaded lzma.
    """
    out = dist / archive_name(version)
    tmp = out.with_name(out.name + ".tmp")
    arcname = f"GenAI-Studio-{version}"
    xz = shutil.which("xz")
    if xz is None:
        with tarfile.open(tmp, "w:xz", preset=9) as tar:
            tar.add(bundle, arcname=arcname, filter=_root_owned)
    else:
        with tmp.open("wb") as sink:
            proc = subprocess.Popen([xz, "-9", "-T0", "-c"], stdin=subprocess.PIPE, stdout=sink)
            try:
                with tarfile.open(fileobj=proc.stdin, mode="w|") as tar:
                    tar.add(bundle, arcname=arcname, filter=_root_owned)
            finally:
                proc.stdin.close()
                if proc.wait() != 0:
                    raise RuntimeError(f"xz failed (exit {proc.returncode})")
    tmp.replace(out)
    return out


def _installed_kib(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*")
               if p.is_file() and not p.is_symlink()) // 1024 + 1


def make_deb(bundle: Path, dist: Path, version: str, icons: Path) -> Path:
    stage = dist.parent / "build" / "deb" / f"{PACKAGE}_{version}_amd64"
    shutil.rmtree(stage, ignore_errors=True)
    shutil.copytree(bundle, stage / "opt" / PACKAGE, symlinks=True)
    launcher = stage / "usr" / "bin" / PACKAGE
    launcher.parent.mkdir(parents=True)
    launcher.write_text(LAUNCHER)
    launcher.chmod(0o755)
    share = stage / "usr" / "share"
    (share / "applications").mkdir(parents=True)
    (share / "applications" / f"{PACKAGE}.desktop").write_text(DESKTOP_ENTRY)
    for size_dir, name in (("256x256", "genai-studio.png"), ("scalable", "genai-studio.svg")):
        target = share / "icons" / "hicolor" / size_dir / "apps" / name
        target.parent.mkdir(parents=True)
        shutil.copy2(icons / name, target)
    doc = share / "doc" / PACKAGE
    doc.mkdir(parents=True)
    (doc / "copyright").write_text(
        "GenAI Studio: MIT licence.\n"
        "Bundled MNIST data (resources/mnist): Yann LeCun, Corinna Cortes, Christopher J.C. "
        "Burges, CC BY-SA 3.0.\nBundled third-party libraries (Python, PyTorch, Qt for Python "
        "(LGPLv3), NumPy, Pillow, pyqtgraph, safetensors, platformdirs) keep their own licences; "
        "their license files are inside /opt/genai-studio/_internal.\n")
    control = stage / "DEBIAN" / "control"
    control.parent.mkdir()
    control.write_text(
        f"Package: {PACKAGE}\n"
        f"Version: {version}\n"
        "Architecture: amd64\n"
        "Maintainer: GenAI Studio <genai-studio@localhost>\n"
        f"Installed-Size: {_installed_kib(stage)}\n"
        f"Depends: {', '.join([libc_dependency(), *DEB_DEPENDS])}\n"
        "Section: graphics\n"
        "Priority: optional\n"
        "Description: offline studio for VAE and GAN image models\n"
        " GenAI Studio lets artists generate, steer and train small generative image\n"
        " models (VAEs and GANs on MNIST digits) with no internet connection. The\n"
        " package carries its own Python, PyTorch (CPU) and Qt, the MNIST data and the\n"
        " trained models.\n")
    out = dist / f"{PACKAGE}_{version}_amd64.deb"
    # xz is dpkg-deb's default; -T0 style threading is automatic in recent dpkg.
    subprocess.run(["dpkg-deb", "--root-owner-group", "-Zxz", "--build", str(stage), str(out)],
                   check=True, stdout=subprocess.DEVNULL)
    shutil.rmtree(stage)
    return out


def make_installers(bundle: Path, dist: Path, version: str, icons: Path) -> dict[str, object]:
    """Build both; return their paths, sizes and timings for build-info.json."""
    result: dict[str, object] = {}
    start = time.perf_counter()
    tarball = make_tarball(bundle, dist, version)
    result["archive"] = {"path": str(tarball.relative_to(dist.parent)),
                        "bytes": tarball.stat().st_size,
                        "seconds": round(time.perf_counter() - start, 1)}
    if shutil.which("dpkg-deb") is None:
        print("build.py: dpkg-deb not found; no .deb built (apt-get install dpkg)")
        return result
    start = time.perf_counter()
    deb = make_deb(bundle, dist, version, icons)
    result["deb"] = {"path": str(deb.relative_to(dist.parent)), "bytes": deb.stat().st_size,
                     "seconds": round(time.perf_counter() - start, 1)}
    return result
