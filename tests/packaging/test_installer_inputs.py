"""What the installers are built from, checked without building them (fast; part of `make test`).

Windows and macOS builds run only in the installers workflow (.github/workflows/installers.yml):
here the spec is evaluated as PyInstaller would on each platform (with stand-ins for its build
classes), the Inno Setup script's inputs and the workflow's paths are checked against the names
build.py makes, and the Linux-side steps (ICU's data, the archive, the disk image's layout) run
on small inputs.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import tomllib
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "genai-studio.spec"
ISS = PACKAGING / "windows" / "genai-studio.iss"
WORKFLOW = ROOT / ".github" / "workflows" / "installers.yml"
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]

sys.path.insert(0, str(PACKAGING))
import desktop  # noqa: E402
import icu  # noqa: E402
import linux  # noqa: E402

# ---------------------------------------------------------------- the spec, on each platform


class Built:
    """Records what the spec asked PyInstaller to build."""

    def __init__(self) -> None:
        self.exes: list[dict] = []
        self.bundles: list[dict] = []
        self.analysis: dict = {}


def run_spec(platform: str, monkeypatch: pytest.MonkeyPatch, binaries: list[tuple]) -> Built:
    built = Built()

    class Analysis:
        def __init__(self, scripts, **kwargs):
            built.analysis = kwargs
            self.scripts, self.pure = scripts, []
            self.datas = list(kwargs["datas"])
            self.binaries = list(binaries)

    def exe(*_args, **kwargs):
        built.exes.append(kwargs)
        return kwargs

    def bundle(*_args, **kwargs):
        built.bundles.append(kwargs)

    hooks = types.ModuleType("PyInstaller.utils.hooks")
    hooks.collect_submodules = lambda package: [package]
    for name in ("PyInstaller", "PyInstaller.utils"):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    monkeypatch.setitem(sys.modules, "PyInstaller.utils.hooks", hooks)
    monkeypatch.setattr(sys, "platform", platform)
    namespace = {"SPECPATH": str(PACKAGING), "Analysis": Analysis, "PYZ": lambda pure: pure,
                 "EXE": exe, "COLLECT": lambda *args, **kwargs: kwargs, "BUNDLE": bundle,
                 "__name__": "__main__"}
    exec(compile(SPEC.read_text("utf-8"), str(SPEC), "exec"), namespace)
    built.analysis["binaries_kept"] = [entry[0] for entry in namespace["a"].binaries]
    return built


def test_spec_on_windows_makes_a_console_and_a_windowed_executable(monkeypatch):
    built = run_spec("win32", monkeypatch, [])
    names = {exe["name"]: exe for exe in built.exes}
    assert names["genai-studio"]["console"] is True
    assert names["GenAI Studio"]["console"] is False  # the Start menu's, no console window
    for exe in built.exes:
        assert Path(exe["icon"]).is_file() and exe["icon"].endswith(".ico")
        info = Path(exe["version"]).read_text("utf-8")
        numbers = ", ".join(VERSION.split(".")[:3])
        assert f"filevers=({numbers}, 0)" in info and f'"ProductVersion", "{VERSION}"' in info
    iss = ISS.read_text("utf-8")
    # The setup's shortcuts and uninstall icon name the windowed executable the spec makes.
    assert '"{app}\\GenAI Studio.exe"' in iss and "{app}\\GenAI Studio.exe" in iss
    assert not built.bundles


def test_spec_on_macos_makes_the_app_bundle(monkeypatch):
    built = run_spec("darwin", monkeypatch, [])
    (app,) = built.bundles
    assert app["name"] == desktop.APP_NAME
    assert Path(app["icon"]).is_file() and app["icon"].endswith(".icns")
    plist = app["info_plist"]
    assert plist["CFBundleShortVersionString"] == VERSION == app["version"]
    assert plist["NSHighResolutionCapable"] is True
    assert [exe["name"] for exe in built.exes] == ["genai-studio"]


def test_spec_carries_data_and_drops_what_the_app_never_loads(monkeypatch):
    kept = [("PySide6/Qt/lib/libQt6Core.so.6", "x", "BINARY"),
            ("PySide6/QtWidgets.abi3.so", "x", "EXTENSION"),
            ("PySide6/Qt/plugins/platforms/libqxcb.so", "x", "BINARY"),
            ("PySide6/Qt/plugins/imageformats/libqsvg.so", "x", "BINARY"),
            ("torch/lib/libtorch_cpu.so", "x", "BINARY"),
            ("PySide6/QtOpenGLWidgets.abi3.so", "x", "EXTENSION"),  # pyqtgraph's GL view base
            ("PySide6/QtTest.abi3.so", "x", "EXTENSION")]  # the self-test drives the window
    dropped = [("PySide6/Qt/lib/libQt6Network.so.6", "x", "BINARY"),
               ("PySide6/QtOpenGL.abi3.so", "x", "EXTENSION"),  # a runtime hook stands in
               ("PySide6/Qt/plugins/imageformats/libqjpeg.so", "x", "BINARY"),
               ("PySide6/Qt/plugins/generic/libqevdevmouseplugin.so", "x", "BINARY"),
               ("PySide6/Qt/translations/qt_de.qm", "x", "DATA"),
               ("pillow.libs/liblcms2-88eaba2f.so.2.0.19", "x", "BINARY"),
               ("libdbus-1.so.3", "x", "BINARY"), ("libfontconfig.so.1", "x", "BINARY"),
               ("libglib-2.0.so.0", "x", "BINARY")]
    built = run_spec("linux", monkeypatch, kept + dropped)
    assert built.analysis["binaries_kept"] == [entry[0] for entry in kept]
    destinations = {dest for _src, dest in built.analysis["datas"]}
    assert "resources" in destinations and "models" in destinations
    for module in ("ssl", "sqlite3", "PySide6.QtQml", "torch._inductor.codegen"):
        assert module in built.analysis["excludes"]
    assert "genai_studio" in built.analysis["hiddenimports"]


# ---------------------------------------------------------------- the Windows setup's inputs


def test_iss_takes_every_define_build_py_passes():
    iss = ISS.read_text("utf-8")
    defines = desktop.iscc_defines(ROOT / "dist" / "GenAI-Studio", ROOT / "dist", VERSION)
    for name in defines:
        assert f"#ifndef {name}" in iss, f"{name} would be redefined, not overridden"
        assert "{#" + name + "}" in iss, f"{name} is passed but never used"
    assert defines["OutputBaseFilename"] + ".exe" == desktop.setup_name(VERSION)
    # The script's own default (iscc run by hand) names the file the same way.
    default = re.search(r'#define OutputBaseFilename "([^"]+)" \+ AppVersion \+ "([^"]+)"', iss)
    assert default and default[1] + VERSION + default[2] == defines["OutputBaseFilename"]


def test_iss_paths_resolve_from_its_folder():
    iss = ISS.read_text("utf-8")
    icon = re.search(r"^SetupIconFile=(.+)$", iss, re.M)[1].strip()
    assert (ISS.parent / icon.replace("\\", "/")).resolve().is_file()
    source = re.search(r'#define SourceDir "([^"]+)"', iss)[1].replace("\\", "/")
    assert (ISS.parent / source).resolve() == (ROOT / "dist" / "GenAI-Studio").resolve()
    assert re.search(r"^PrivilegesRequired=lowest$", iss, re.M)  # no admin needed


# ---------------------------------------------------------------- the workflow


def _workflow() -> str:
    return WORKFLOW.read_text("utf-8")


def test_workflow_builds_every_desktop_and_tests_what_it_ships():
    text = _workflow()
    for runner in ("windows-latest", "macos-latest", "ubuntu-22.04"):
        assert re.search(rf"^\s+os: {runner}$", text, re.M), runner
    assert "python packaging/build.py" in text
    assert text.count("--self-test") >= 5  # the bundle, the .deb, the archive, setup, .dmg
    assert f"{desktop.APP_NAME}/Contents/MacOS/genai-studio" in text
    uploads = re.search(r"path: \|\n((?:\s+dist/.+\n)+)", text)[1].split()
    made = [linux.archive_name(VERSION), f"genai-studio_{VERSION}_amd64.deb",
            desktop.setup_name(VERSION), desktop.dmg_name(VERSION, "arm64"), "build-info.json"]
    for name in made:
        assert any(fnmatch.fnmatch(f"dist/{name}", pattern) for pattern in uploads), name
    # The install steps find the files build.py names.
    assert "GenAI-Studio-*-windows-x64-setup.exe" in text and "*-macos-arm64.dmg" in text
    assert fnmatch.fnmatch(linux.archive_name(VERSION), "GenAI-Studio-*-linux-x86_64.tar.xz")


@pytest.mark.skipif(shutil.which("actionlint") is None,
                    reason="actionlint not installed (CI's lint job runs it)")
def test_workflow_is_actionlint_clean():
    result = subprocess.run(["actionlint", str(WORKFLOW)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# ---------------------------------------------------------------- ICU's data


def _package(names: list[str]) -> bytes:
    header = struct.pack("<HBB", 32, 0xDA, 0x27) + struct.pack("<HHBBBB", 20, 0, 0, 0, 2, 0)
    header += b"CmnD" + bytes([1, 0, 0, 0, 3, 0, 0, 0])
    header += b"\0" * (32 - len(header))
    return icu.write_package(header, [(f"icudt73l/{n}", n.encode() * 3) for n in sorted(names)])


def test_icu_package_round_trips_and_keeps_what_qt_uses():
    names = ["root.res", "en.res", "en_GB.res", "de.res", "de_CH.res", "pool.res",
             "res_index.res", "uprops.icu", "ibm-37_P100-1995.cnv", "coll/root.res",
             "coll/ucadata.icu", "coll/de.res", "coll/de_.res", "coll/en.res",
             "brkitr/line.brk", "brkitr/thaidict.dict", "translit/root.res", "zone/fr.res"]
    blob = _package(names)
    header, items = icu.read_package(blob)
    assert icu.write_package(header, items) == blob
    _, kept = icu.read_package(icu.filtered(blob))
    kept_names = {name.split("/", 1)[1] for name, _ in kept}
    assert kept_names == {"root.res", "en.res", "en_GB.res", "pool.res", "res_index.res",
                          "uprops.icu", "coll/root.res", "coll/ucadata.icu", "coll/en.res",
                          "brkitr/line.brk"}
    for name, data in kept:  # each item's bytes, then the padding to 16 bytes
        expected = name.split("/", 1)[1].encode() * 3
        assert data[:len(expected)] == expected and set(data[len(expected):]) <= {0xAA}


def test_icu_refuses_what_is_not_a_package():
    with pytest.raises(ValueError):
        icu.read_package(b"\x20\x00PK" + b"\0" * 64)


def _qt_icu_data() -> Path | None:
    try:
        import PySide6
    except ImportError:
        return None
    found = sorted((Path(PySide6.__file__).parent / "Qt" / "lib").glob("libicudata.so.*"))
    return next((p for p in found if not p.is_symlink()), None)


@pytest.mark.skipif(_qt_icu_data() is None or shutil.which("readelf") is None,
                    reason="needs PySide6's libicudata (Linux wheels) and readelf")
def test_icu_filter_on_qts_own_data():
    lib = _qt_icu_data()
    _symbol, offset, size = icu._symbol(lib)
    blob = lib.read_bytes()[offset:offset + size]
    header, items = icu.read_package(blob)
    assert icu.write_package(header, items) == blob  # laid out exactly as ICU's tools do
    smaller = icu.filtered(blob)
    _, kept = icu.read_package(smaller)
    names = {name.split("/", 1)[1] for name, _ in kept}
    assert {"coll/root.res", "coll/ucadata.icu", "brkitr/line.brk", "root.res", "en.res",
            "cnvalias.icu"} <= names
    assert not any(name.endswith(".cnv") or name.startswith("translit/") for name in names)
    assert len(smaller) < len(blob) / 5


# ---------------------------------------------------------------- archives and disk images


@pytest.mark.parametrize("with_xz_program", [True, False])
def test_archive_is_one_owner_neutral_folder(tmp_path, monkeypatch, with_xz_program):
    if with_xz_program and shutil.which("xz") is None:
        pytest.skip("no xz program here")
    if not with_xz_program:
        monkeypatch.setattr(linux.shutil, "which", lambda _name: None)
    bundle = tmp_path / "GenAI-Studio"
    (bundle / "_internal").mkdir(parents=True)
    (bundle / "genai-studio").write_bytes(b"#!/bin/sh\n")
    (bundle / "genai-studio").chmod(0o755)
    (bundle / "_internal" / "Zoë Ångström.txt").write_text("ü", "utf-8")
    out = linux.make_tarball(bundle, tmp_path, VERSION)
    assert out.name == linux.archive_name(VERSION) and out.read_bytes()[:6] == b"\xfd7zXZ\0"
    with tarfile.open(out) as tar:
        members = tar.getmembers()
    top = f"GenAI-Studio-{VERSION}"
    assert {Path(m.name).parts[0] for m in members} == {top}
    assert all(m.uid == 0 and m.uname == "root" for m in members)
    exe = next(m for m in members if m.name == f"{top}/genai-studio")
    assert exe.mode & 0o111
    assert f"{top}/_internal/Zoë Ångström.txt" in {m.name for m in members}
    assert not list(tmp_path.glob("*.tmp"))


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks")
def test_dmg_holds_the_app_and_a_link_to_applications(tmp_path):
    app = tmp_path / "dist" / desktop.APP_NAME / "Contents" / "MacOS"
    app.mkdir(parents=True)
    (app / "genai-studio").write_bytes(b"x")
    (app.parent / "Frameworks").mkdir()
    (app.parent / "Frameworks" / "link").symlink_to("../MacOS/genai-studio")
    stage = desktop.stage_dmg(tmp_path / "dist" / desktop.APP_NAME, tmp_path / "stage")
    assert sorted(p.name for p in stage.iterdir()) == ["Applications", desktop.APP_NAME]
    assert (stage / "Applications").readlink() == Path("/Applications")
    assert (stage / desktop.APP_NAME / "Contents" / "Frameworks" / "link").is_symlink()
    assert desktop.dmg_name("1.2.3", "arm64") == "GenAI-Studio-1.2.3-macos-arm64.dmg"


def test_the_stand_in_for_qtopengl_lets_the_loss_plot_draw_and_refuses_opengl(tmp_path):
    """The bundle leaves PySide6.QtOpenGL out; its runtime hook stands in, so pyqtgraph (and
    the studio's loss plot) still import and draw, and any OpenGL use fails by name."""

    script = tmp_path / "check.py"
    script.write_text(f"""
import sys
sys.modules["PySide6.QtOpenGL"] = None  # as in the bundle: the import fails
exec(open({str(PACKAGING / "hooks" / "rthook_qtopengl.py")!r}).read())
from PySide6.QtWidgets import QApplication
app = QApplication([])
import pyqtgraph
from PySide6 import QtOpenGL
plot = pyqtgraph.PlotWidget()
plot.plot([1.0, 0.5, 0.25])
plot.resize(200, 100)
assert not plot.grab().isNull()
try:
    QtOpenGL.QOpenGLBuffer
except ImportError as exc:
    print("refused:", exc)
""", "utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "refused: PySide6.QtOpenGL.QOpenGLBuffer" in done.stdout
