"""Scores in the library and status bar; the quality meter during training (DESIGN §8)."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest

from genai_studio.ui import guard
from genai_studio.ui.model_library import ModelLibrary
from genai_studio.ui.scores import headline

METRICS = {"class_shares": [0.1] * 9 + [0.09], "max_class_deviation": 0.021,
           "mean_confidence": 0.93, "judge_fd": 4.2, "neg_elbo_nats": 140.2,
           "nll_nats": 135.1, "k": 500, "n": 10000}


@pytest.fixture(scope="session")
def tiny_judge(tmp_path_factory) -> Path:
    """An untrained judge saved as a real file: the meter's numbers, not models/' content."""
    import torch

    from genai_studio.core.checkpoints import model_metadata, save_model
    from genai_studio.core.models import Judge, JudgeConfig

    torch.manual_seed(0)
    judge = Judge(JudgeConfig(channels=2, features=8))
    folder = tmp_path_factory.mktemp("judge")
    return save_model(folder / "judge.safetensors", judge,
                      model_metadata(judge, metrics={"test_accuracy": 0.1}))


@pytest.fixture
def shipped(tmp_path, model_files, tiny_judge) -> Path:
    """A shipped folder: a scored VAE, an unscored GAN and the judge."""
    from genai_studio.core.checkpoints import write_metrics

    folder = tmp_path / "shipped"
    folder.mkdir()
    shutil.copyfile(model_files["vae"], folder / "a-scored.safetensors")
    write_metrics(folder / "a-scored.safetensors", METRICS)
    shutil.copyfile(model_files["gan"], folder / "b-plain.safetensors")
    shutil.copyfile(tiny_judge, folder / "judge.safetensors")
    return folder


def test_library_shows_scores_or_not_scored_and_keeps_the_judge_apart(qtbot, shipped, tmp_path):
    lib = ModelLibrary(shipped, tmp_path / "user")
    qtbot.addWidget(lib)
    lib.refresh()
    lib.select_path(shipped / "a-scored.safetensors")
    text = lib.info.toPlainText()
    assert "confidence" in text and "0.93" in text and "2.1 pts" in text
    assert "135.1 nats" in text and "4.2" in text and "not scored" not in text
    lib.select_path(shipped / "b-plain.safetensors")
    assert "not scored yet" in lib.info.toPlainText()
    rows = [lib.list.item(r).text() for r in range(lib.list.count())]
    assert rows.index("TOOLS") < next(i for i, t in enumerate(rows) if "judge" in t)
    assert any("conf 0.93" in t for t in rows) and any("not scored" in t for t in rows)
    lib.select_path(shipped / "judge.safetensors")
    assert not lib.buttons["load"].isEnabled() and "does not draw" in lib.info.toPlainText()
    assert lib.first_usable() == shipped / "a-scored.safetensors"


def test_a_first_launch_opens_the_shipped_2d_vae(qtbot, shipped, tmp_path):
    (shipped / "a-scored.safetensors").rename(shipped / "vae-2d.safetensors")
    lib = ModelLibrary(shipped, tmp_path / "user")
    qtbot.addWidget(lib)
    lib.refresh()
    assert lib.first_usable() == shipped / "vae-2d.safetensors"


def test_headline_reads_scores_or_says_none():
    assert headline(METRICS) == "quality: confidence 0.93, balance ±2.1 pts, NLL 135.1 nats"
    assert headline({"mean_confidence": 0.9, "label_accuracy": 0.97}).endswith("on request 97%")
    assert headline({}) == "quality: not scored yet" == headline(None)


def test_status_bar_shows_the_active_models_headline(qtbot, tmp_path, shipped, make_window):
    w = make_window(qtbot, shipped, tmp_path)
    qtbot.waitUntil(lambda: w.generations > 0, timeout=30_000)
    assert w.handle.path.name == "a-scored.safetensors"  # the judge is never auto-loaded
    assert "confidence 0.93" in w.status["quality"].text()
    w.close()


def _train(window, qtbot, judge: Path | None, epochs: int, limit: int):
    t = window.training
    t.judge_path = judge
    t.limit = limit
    t.epochs.setValue(epochs)
    t.batch.setValue(64)
    t.start()
    return t


def test_quality_meter_updates_from_the_worker_thread(window, qtbot, tiny_judge, monkeypatch):
    from genai_studio.core import quality
    from genai_studio.workers import training as training_worker

    threads: list[threading.Thread] = []
    real = quality.quick_scores

    def recording(*args, **kwargs):
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(quality, "quick_scores", recording)
    monkeypatch.setattr(training_worker, "JUDGE_INTERVAL_S", 0.0)  # judge every preview
    t = window.training
    t.conditional.setChecked(True)  # label accuracy too
    before = guard.CALLS["TrainingPanel.on_quality"]
    _train(window, qtbot, tiny_judge, epochs=3, limit=3200)  # 50 steps/epoch: a preview each
    qtbot.waitUntil(lambda: t.meter.updates >= 2, timeout=60_000)
    assert t.meter.state == "live" and len(t.meter.trend.values) >= 2
    assert 0.0 <= t.meter.last.mean_confidence <= 1.0 and t.meter.last.n == 64
    assert t.meter.last.label_accuracy is not None and "% as asked" in t.meter.detail.text()
    assert t.meter.bar.format().startswith("confidence")
    t.cancel()
    qtbot.waitUntil(lambda: not t.is_running(), timeout=10_000)
    assert len(threads) == t.meter.updates  # one judge pass per meter update
    assert threads and all(th is not threading.main_thread() for th in threads)
    assert guard.CALLS["TrainingPanel.on_quality"] > before and guard.VIOLATIONS == []


@pytest.mark.parametrize("judge", ["missing", "broken"])
def test_training_goes_on_without_a_judge(window, qtbot, tmp_path, judge):
    path = tmp_path / "judge.safetensors"
    if judge == "broken":
        path.write_bytes(b"not a model at all" * 10)
    t = _train(window, qtbot, path, epochs=1, limit=128)
    qtbot.waitUntil(lambda: window.handle.path.parent == window.paths.user_models,
                    timeout=60_000)
    assert t.meter.state == "no judge" and t.meter.bar.format() == "no judge"
    assert t.meter.updates == 0 and t.preview.image is not None
    qtbot.waitUntil(lambda: not t.is_running(), timeout=5_000)


def test_judge_is_throttled_but_scores_the_finished_model(window, qtbot, tiny_judge,
                                                         monkeypatch):
    from genai_studio.workers import training as training_worker

    monkeypatch.setattr(training_worker, "JUDGE_INTERVAL_S", 3600.0)  # only first and last
    t = _train(window, qtbot, tiny_judge, epochs=4, limit=3200)  # 4 previews + the final one
    qtbot.waitUntil(lambda: window.handle.path.parent == window.paths.user_models,
                    timeout=60_000)
    qtbot.waitUntil(lambda: not t.is_running(), timeout=5_000)
    assert t.meter.updates == 2
    assert t.meter.last.step == t.last_progress.step == 200  # the finished model was judged


def test_meter_colour_wants_confidence_and_variety(qtbot):
    from genai_studio.core.quality import QuickScores
    from genai_studio.ui.quality_meter import FAIR, GOOD, QualityMeter, verdict_colour

    def scores(conf, digits, accuracy=None):
        return QuickScores(10, 64, conf, digits, 0.05, accuracy)

    assert verdict_colour(scores(0.95, 10)) == GOOD
    assert verdict_colour(scores(0.98, 1)) != GOOD  # one crisp digit, over and over
    assert verdict_colour(scores(0.85, 10)) == FAIR
    assert verdict_colour(scores(0.95, 3, accuracy=0.97)) == GOOD  # conditional: as asked
    meter = QualityMeter()
    qtbot.addWidget(meter)
    meter.show()
    meter.set_scores(scores(0.5, 4))
    meter.grab()  # paints the one-point trend
    assert meter.state == "live" and meter.bar.value() == 500
