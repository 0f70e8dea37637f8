"""The frozen app: build it (or reuse an up-to-date build) and run it as a user would.

Slow (a first build takes many minutes on 2 cores), so it only runs with
``GENAI_PACKAGING_TESTS=1`` (``make test-packaging``). Every run of the executable happens in a
temporary working folder, with a throw-away HOME, and, where ``unshare -n`` works (root or user
namespaces), with networking disabled: the bundle must need neither the source tree nor the
network.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "dist"
EXE = DIST / "GenAI-Studio" / ("genai-studio.exe" if os.name == "nt" else "genai-studio")
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]
MB = 1_000_000

if os.environ.get("GENAI_PACKAGING_TESTS") != "1":
    # One skip line for the whole module in `make test`, not one per test.
    pytest.skip("slow packaging tests: set GENAI_PACKAGING_TESTS=1 (make test-packaging)",
                allow_module_level=True)
pytestmark = pytest.mark.packaging


def _unshare_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0


OFFLINE = ["unshare", "-n"] if _unshare_works() else []


def _up_to_date() -> dict | None:
    """The last build's record, if it was built from exactly these inputs and every installer
    it lists is still there (compressing them again takes most of a build)."""
    info_path = DIST / "build-info.json"
    if not info_path.exists() or not EXE.exists():
        return None
    import importlib.util

    loader = importlib.util.spec_from_file_location("genai_build", ROOT / "packaging" / "build.py")
    build = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(build)
    info = json.loads(info_path.read_text("utf-8"))
    spec = f"{build.CPU_TORCH}|cuda=False"
    files = [info[key]["path"] for key in ("archive", "deb", "setup", "dmg") if key in info]
    if info.get("inputs") != build.inputs_digest(spec) or not all(
            (ROOT / path).exists() for path in files):
        return None
    return info


@pytest.fixture(scope="session")
def build_info() -> dict:
    """Build through the same script as `make package`, reusing an up-to-date build."""
    info = _up_to_date()
    if info is not None:
        return info
    subprocess.run([sys.executable, str(ROOT / "packaging" / "build.py"), "--if-stale"],
                   check=True, cwd=ROOT)
    return json.loads((DIST / "build-info.json").read_text("utf-8"))


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    return home


def frozen(args: list[str], cwd: Path, home: Path | str, exe: Path = EXE,
           extra_env: dict[str, str] | None = None,
           timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run the frozen executable offline, from ``cwd``, with a clean environment."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
           "QT_QPA_PLATFORM": "offscreen"}
    env.update(extra_env or {})
    env = {k: v for k, v in env.items() if v is not None}
    return subprocess.run([*OFFLINE, str(exe), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def assert_clean(result: subprocess.CompletedProcess[str]) -> None:
    """A user never sees a raw traceback, whatever the exit status."""
    assert "Traceback" not in result.stderr + result.stdout, result.stderr


def test_runs_here_are_offline() -> None:
    """The wrapper every frozen run goes through leaves the process no network but loopback,
    so the runs below prove the bundle needs none (no packet is sent to find out)."""
    if not OFFLINE:
        pytest.skip("unshare -n is not allowed here: runs below still work but are not proven "
                    "offline")
    probe = "import socket; print(sorted(name for _, name in socket.if_nameindex()))"
    result = subprocess.run([*OFFLINE, sys.executable, "-c", probe], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['lo']"


def test_help_and_version(build_info: dict, tmp_path: Path, home: Path) -> None:
    result = frozen(["--help"], tmp_path, home)
    assert result.returncode == 0, result.stderr
    for command in ("train", "sample", "info"):
        assert command in result.stdout
    result = frozen(["--version"], tmp_path, home)
    assert result.returncode == 0 and VERSION in result.stdout


def test_train_sample_info(build_info: dict, tmp_path: Path, home: Path) -> None:
    """A real training step, sampling and metadata from the frozen torch, MNIST from the bundle."""
    model = tmp_path / "x.safetensors"
    result = frozen(["train", "vae", "--limit", "2000", "--epochs", "1", "--out", str(model)],
                    tmp_path, home)
    assert result.returncode == 0, result.stderr
    assert model.stat().st_size > 10_000
    grid = tmp_path / "grid.png"
    result = frozen(["sample", str(model), "--n", "16", "--seed", "0", "--out", str(grid)],
                    tmp_path, home)
    assert result.returncode == 0, result.stderr
    assert grid.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    result = frozen(["info", str(model)], tmp_path, home)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["kind"] == "vae"


def test_bad_input_is_one_line(build_info: dict, tmp_path: Path, home: Path) -> None:
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"not a model")
    result = frozen(["info", str(bad)], tmp_path, home)
    assert result.returncode == 2
    assert_clean(result)
    assert len(result.stderr.strip().splitlines()) == 1


def test_no_display_is_a_clear_message(build_info: dict, tmp_path: Path, home: Path) -> None:
    result = frozen([], tmp_path, home, extra_env={"QT_QPA_PLATFORM": None})  # type: ignore[dict-item]
    assert result.returncode == 2
    assert_clean(result)
    assert "no display" in result.stderr


def test_unwritable_home(build_info: dict, tmp_path: Path) -> None:
    """HOME that is not a folder at all: training to an explicit path still works."""
    model = tmp_path / "y.safetensors"
    result = frozen(["train", "vae", "--limit", "500", "--epochs", "1", "--out", str(model)],
                    tmp_path, "/dev/null/home")
    assert_clean(result)
    assert result.returncode == 0, result.stderr


def test_self_test_offline(build_info: dict, tmp_path: Path, home: Path) -> None:
    result = frozen(["--self-test"], tmp_path, home)
    assert result.returncode == 0, result.stdout + result.stderr
    assert_clean(result)


def test_unwritable_home_window(build_info: dict, tmp_path: Path) -> None:
    """The window with a HOME that cannot hold settings, models or logs: still no traceback."""
    shot = tmp_path / "shot.png"
    result = frozen(["--screenshot", str(shot)], tmp_path, "/dev/null/home")
    assert_clean(result)
    assert result.returncode == 0, result.stderr
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_corrupt_settings(build_info: dict, tmp_path: Path, home: Path) -> None:
    """A garbled settings file (QSettings INI in the config folder): the window still opens."""
    config = home / ".config" / "GenAI Studio"
    config.mkdir(parents=True)
    (config / "GenAI Studio.ini").write_bytes(b"\x00\xff[General\ngrid=@ByteArray(\x01\n" * 50)
    shot = tmp_path / "shot.png"
    result = frozen(["--screenshot", str(shot)], tmp_path, home)
    assert_clean(result)
    assert result.returncode == 0, result.stderr
    assert shot.exists()


@pytest.mark.skipif(shutil.which("Xvfb") is None, reason="needs Xvfb (apt-get install xvfb)")
def test_real_x11_window(build_info: dict, tmp_path: Path, home: Path) -> None:
    """The bundled xcb platform plugin and its libraries load on a real X server."""
    display = ":73"
    server = subprocess.Popen(["Xvfb", display, "-screen", "0", "1600x1000x24", "-nolisten",
                               "tcp"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.5)
        shot = tmp_path / "x11.png"
        # No `unshare -n` here: the X server's socket is in this network namespace.
        env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
               "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
        result = subprocess.run([str(EXE), "--screenshot", str(shot)], cwd=tmp_path, env=env,
                                capture_output=True, text=True, timeout=600)
        assert_clean(result)
        assert result.returncode == 0, result.stderr
        assert shot.exists()
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_carries_models_and_data(build_info: dict) -> None:
    """Every shipped model (and the judge) and the MNIST files are inside the bundle."""
    internal = EXE.parent / "_internal"
    for name in ("train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        assert (internal / "resources" / "mnist" / name).is_file()
    models = ROOT / "models"
    shipped = [p for p in models.rglob("*.safetensors")
               if not p.name.endswith(".ckpt.safetensors")] if models.is_dir() else []
    for model in shipped:
        assert (internal / "models" / model.relative_to(models)).is_file(), model


# Budgets of the Linux CPU build (issue 21): unpacked, the archive, the shipped models.
BUNDLE_BUDGET, ARCHIVE_BUDGET, MODELS_BUDGET = 575 * MB, 170 * MB, 25 * MB


def test_size_budget(build_info: dict) -> None:
    assert build_info["bundle_bytes"] <= BUNDLE_BUDGET, build_info["bundle_bytes"] / MB
    if sys.platform.startswith("linux"):
        assert build_info["archive"]["bytes"] <= ARCHIVE_BUDGET, build_info["archive"]
    models = EXE.parent / "_internal" / "models"
    assert sum(p.stat().st_size for p in models.rglob("*.safetensors")) <= MODELS_BUDGET


def test_cut_libraries_stay_out(build_info: dict) -> None:
    """What issue 21 cut stays cut: a dependency bump that brings one back shows here."""
    internal = EXE.parent / "_internal"
    for pattern in ("libglib-2.0*", "PySide6/Qt/lib/libQt6Network*", "libssl*",
                    "libcrypto*", "libsqlite3*", "PySide6/Qt/translations/*", "torch/include/*",
                    "PySide6/Qt/plugins/imageformats/libqjpeg*", "libdbus-1*", "libsystemd*"):
        assert not list(internal.glob(pattern)), pattern
    if sys.platform.startswith("linux"):
        (icu_data,) = [p for p in internal.glob("PySide6/Qt/lib/libicudata.so.*")
                       if not p.is_symlink()]
        assert icu_data.stat().st_size < 8 * MB  # shrunk from 32 MB (packaging/icu.py)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux installers only")
def test_tarball_unpacks_to_one_runnable_folder(build_info: dict, tmp_path: Path,
                                                 home: Path) -> None:
    with tarfile.open(ROOT / build_info["archive"]["path"]) as tar:
        tops = {Path(name).parts[0] for name in tar.getnames()}
        assert tops == {f"GenAI-Studio-{VERSION}"}
    unpacked = tmp_path / "unpacked"
    unpacked.mkdir()
    start = time.perf_counter()  # what an artist waits for: `tar xf` of the download
    subprocess.run(["tar", "-xf", str(ROOT / build_info["archive"]["path"]), "-C",
                    str(unpacked)], check=True)
    print(f"unpacked in {time.perf_counter() - start:.1f} s")
    exe = unpacked / f"GenAI-Studio-{VERSION}" / "genai-studio"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = frozen(["--version"], elsewhere, home, exe=exe)
    assert result.returncode == 0 and VERSION in result.stdout, result.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux installers only")
def test_runs_from_paths_with_spaces_and_accents(build_info: dict, tmp_path: Path) -> None:
    """Unpacked under a folder with spaces and accents, for a user whose name (and so HOME)
    has them too: the self-test, training, sampling and a bad file all behave."""
    place = tmp_path / "Program Files" / "Zoë Ångström's apps"
    place.mkdir(parents=True)
    subprocess.run(["tar", "-xf", str(ROOT / build_info["archive"]["path"]), "-C", str(place)],
                   check=True)
    exe = place / f"GenAI-Studio-{VERSION}" / "genai-studio"
    home = tmp_path / "home" / "Jürgen Müller-Łukasz 山田"
    home.mkdir(parents=True)
    work = home / "My Models (ü)"
    work.mkdir()
    result = frozen(["--self-test"], work, home, exe=exe)
    assert result.returncode == 0, result.stdout + result.stderr
    assert_clean(result)
    model = work / "ein schönes Modell.safetensors"
    result = frozen(["train", "vae", "--limit", "500", "--epochs", "1", "--out", str(model)],
                    work, home, exe=exe)
    assert result.returncode == 0, result.stderr
    grid = work / "Gitter ö.png"
    result = frozen(["sample", str(model), "--n", "4", "--out", str(grid)], work, home, exe=exe)
    assert result.returncode == 0 and grid.read_bytes()[:4] == b"\x89PNG", result.stderr
    bad = work / "kaputt ✗.safetensors"
    bad.write_bytes(b"not a model")
    result = frozen(["info", str(bad)], work, home, exe=exe)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert_clean(result)


@pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="needs dpkg-deb")
def test_deb_layout(build_info: dict, tmp_path: Path, home: Path) -> None:
    deb = ROOT / build_info["deb"]["path"]
    field = subprocess.run(["dpkg-deb", "-f", str(deb), "Version", "Package"], check=True,
                           capture_output=True, text=True).stdout
    assert f"Version: {VERSION}" in field and "Package: genai-studio" in field
    root = tmp_path / "root"
    subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    launcher = (root / "usr/bin/genai-studio").read_text()
    assert "/opt/genai-studio/genai-studio" in launcher
    desktop = (root / "usr/share/applications/genai-studio.desktop").read_text()
    assert "Exec=genai-studio" in desktop and "Icon=genai-studio" in desktop
    assert (root / "usr/share/icons/hicolor/256x256/apps/genai-studio.png").is_file()
    assert (root / "opt/genai-studio/_internal/resources/mnist").is_dir()
    result = frozen(["--version"], tmp_path, home, exe=root / "opt/genai-studio/genai-studio")
    assert result.returncode == 0 and VERSION in result.stdout, result.stderr
