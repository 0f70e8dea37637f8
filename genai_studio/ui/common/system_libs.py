"""The system libraries Qt's X11 platform plugin needs, checked before the window is made.

The Qt wheels (and so the installers) carry Qt but not these: without, say, libxcb-cursor0 Qt
prints only "Could not load the Qt platform plugin "xcb"" and aborts. The studio checks first
and names the packages to install, in one line. The ``.deb`` declares the same libraries as
dependencies (packaging/linux.py).
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable

# soname -> Debian/Ubuntu package, for the libraries libqxcb.so loads itself (ldd of it).
XCB_LIBRARIES: dict[str, str] = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libdbus-1.so.3": "libdbus-1-3",
}


def _loadable(soname: str) -> bool:
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def uses_xcb(environ: dict[str, str] | None = None, platform: str = sys.platform) -> bool:
    """True when Qt will pick its X11 plugin: Linux, no other platform asked for, and no
    Wayland session (Qt 6 prefers Wayland there)."""
    env = os.environ if environ is None else environ
    asked = env.get("QT_QPA_PLATFORM", "")
    if not platform.startswith("linux") or (asked and not asked.startswith("xcb")):
        return False
    return asked.startswith("xcb") or not env.get("WAYLAND_DISPLAY")


def missing_packages(loadable: Callable[[str], bool] | None = None) -> list[str]:
    """The packages whose libraries cannot be loaded, in the table's order."""
    loadable = loadable or _loadable
    return [package for soname, package in XCB_LIBRARIES.items() if not loadable(soname)]


def check_qt_libraries(environ: dict[str, str] | None = None, platform: str = sys.platform,
                       loadable: Callable[[str], bool] | None = None) -> None:
    """Raise a UsageError naming the packages to install, if the window could not open."""
    if not uses_xcb(environ, platform):
        return
    missing = missing_packages(loadable)
    if missing:
        from genai_studio.core.errors import UsageError

        raise UsageError(
            f"the window needs system libraries that are not installed: install them with "
            f"'sudo apt install {' '.join(missing)}' (Fedora: 'sudo dnf install "
            f"xcb-util-cursor xcb-util-wm xcb-util-keysyms xcb-util-image "
            f"xcb-util-renderutil libxkbcommon-x11')")
