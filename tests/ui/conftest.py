"""pytest-qt fixtures for the studio: offscreen, isolated settings, no stray threads, and no
fault left unreported (every test fails on a slot fault or a slot run off the GUI thread)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path):
    """Keep every test away from the user's real settings."""
    folder = tmp_path / "qsettings"
    folder.mkdir()
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(folder))
    yield folder


@pytest.fixture(autouse=True)
def guard_checks(monkeypatch):
    """Each test starts with empty fault records and checking on; any fault a slot raised, or
    any slot that ran off the GUI thread, fails the test."""
    from genai_studio.ui.common.guard import GUARD

    GUARD.reset()
    monkeypatch.setattr(GUARD, "checking", True)
    monkeypatch.setattr(GUARD, "report", GUARD.report)  # a window replaces it; undo that
    yield GUARD
    faults, violations = list(GUARD.faults), list(GUARD.violations)
    GUARD.reset()
    assert not faults, f"slots raised: {faults}"
    assert not violations, f"slots ran off the GUI thread: {violations}"


@pytest.fixture(autouse=True)
def no_threads_left(qapp):
    """Fail a test that leaves a worker QThread running (and stop it, so Qt does not abort);
    then collect the test's garbage here, on the GUI thread (docs: ui/common/collector.py)."""
    import gc

    from genai_studio.ui.common import collector
    from genai_studio.workers.threads import running_threads

    collector.install(qapp)
    yield
    gc.collect()
    left = running_threads()
    for thread in left:
        thread.quit()
        thread.wait(5000)
    assert not left, f"test left QThreads running: {[t.objectName() for t in left]}"


@pytest.fixture(scope="session")
def model_files(tmp_path_factory) -> dict[str, Path]:
    """Untrained tiny models saved as real model files: no dependence on models/."""
    import torch

    from genai_studio.core.models.registry import GANConfig, JudgeConfig, VAEConfig, build_model
    from genai_studio.core.store.checkpoints import model_metadata, save_model

    folder = tmp_path_factory.mktemp("models")
    out = {}
    torch.manual_seed(0)
    for name, config in (("vae", VAEConfig(latent_dim=2, hidden=(32,))),
                         ("vae8", VAEConfig(latent_dim=8, hidden=(32,))),
                         ("gan", GANConfig(latent_dim=8, channels=8)),
                         ("cvae", VAEConfig(latent_dim=2, hidden=(32,), conditional=True)),
                         ("cgan", GANConfig(latent_dim=8, channels=8, conditional=True)),
                         ("judge", JudgeConfig(channels=4)),
                         ("glyphs", VAEConfig(latent_dim=4, hidden=(32,), conditional=True,
                                              num_classes=3))):
        model = build_model(config)
        sub = folder / name
        sub.mkdir()
        dataset = GLYPH_DATASET if name == "glyphs" else {"name": "none"}
        out[name] = save_model(sub / f"tiny-{name}.safetensors", model,
                               model_metadata(model, dataset=dataset, training={}))
    return out


# A glyph model's record (a conditional model trained on ``dataset fonts ... --chars abc``).
GLYPH_DATASET = {"name": "fonts", "file": "fonts.safetensors", "classes": ["a", "b", "c"],
                 "styles": ["One", "Two", "Three"],
                 "glyphs": {"size": 28, "em": 22.4, "baseline": 21.0},
                 "options": {"size": 28, "colour": "grey", "fit": "pad"}}


def _make_window(qtbot, shipped: Path, tmp_path: Path, settings: QSettings | None = None,
                 size: tuple[int, int] = (1280, 800)):
    from genai_studio.app import create_main_window

    settings = settings or QSettings(str(tmp_path / "studio.ini"), QSettings.Format.IniFormat)
    w = create_main_window(shipped, tmp_path / "user", settings)
    qtbot.addWidget(w)
    w.resize(*size)
    w.show()
    return w


@pytest.fixture
def make_window():
    """``make_window(qtbot, shipped_dir, tmp_path, settings=None)`` -> a shown window."""
    return _make_window


def _ready(qtbot, w):
    qtbot.waitUntil(lambda: w.generations > 0, timeout=90_000)
    return w


@pytest.fixture
def window(qtbot, tmp_path, model_files):
    """The studio on the tiny 2-D VAE, with its first grid on screen."""
    w = _ready(qtbot, _make_window(qtbot, model_files["vae"].parent, tmp_path))
    yield w
    w.close()


@pytest.fixture
def gan_window(qtbot, tmp_path, model_files):
    w = _ready(qtbot, _make_window(qtbot, model_files["gan"].parent, tmp_path))
    yield w
    w.close()


@pytest.fixture
def cvae_window(qtbot, tmp_path, model_files):
    w = _ready(qtbot, _make_window(qtbot, model_files["cvae"].parent, tmp_path))
    yield w
    w.close()


@pytest.fixture
def state(qapp):
    """A studio state on its own: widgets under test bind to it, no window, no threads."""
    from genai_studio.ui.studio.state import StudioState

    return StudioState()


@pytest.fixture
def handle(model_files):
    """``handle(name)`` -> a ModelHandle of a tiny model, loaded on the CPU."""
    from genai_studio.core.store.checkpoints import load_model
    from genai_studio.workers.messages import ModelHandle

    def make(name: str) -> ModelHandle:
        loaded = load_model(model_files[name], "cpu")
        return ModelHandle(loaded.model, model_files[name], loaded.metadata, "cpu")

    return make
