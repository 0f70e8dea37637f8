"""Scores in the library and status bar; the quality meter during training."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget

from genai_studio.ui.common.guard import GUARD
from genai_studio.ui.library.scores import headline
from tests.ui.helpers import start_training

METRICS = {"class_shares": [0.1] * 9 + [0.09], "max_class_deviation": 0.021,
           "mean_confidence": 0.93, "judge_fd": 4.2, "neg_elbo_nats": 140.2,
           "nll_nats": 135.1, "k": 500, "n": 10000}


@pytest.fixture(scope="session")
def tiny_judge(tmp_path_factory) -> Path:
    """An untrained judge saved as a real file: the meter's numbers, not models/' content."""
    import torch

    from genai_studio.core.models.registry import Judge, JudgeConfig
    from genai_studio.core.store.checkpoints import model_metadata, save_model

    torch.manual_seed(0)
    judge = Judge(JudgeConfig(channels=2, features=8))
    folder = tmp_path_factory.mktemp("judge")
    return save_model(folder / "judge.safetensors", judge,
                      model_metadata(judge, metrics={"test_accuracy": 0.1}))


@pytest.fixture
def shipped(tmp_path, model_files, tiny_judge) -> Path:
    """A shipped folder: a scored VAE, an unscored GAN and the judge."""
    from genai_studio.core.store.checkpoints import write_metrics

    folder = tmp_path / "shipped"
    folder.mkdir()
    shutil.copyfile(model_files["vae"], folder / "a-scored.safetensors")
    write_metrics(folder / "a-scored.safetensors", METRICS)
    shutil.copyfile(model_files["gan"], folder / "b-plain.safetensors")
    shutil.copyfile(tiny_judge, folder / "judge.safetensors")
    return folder


def test_library_shows_scores_or_not_scored_and_keeps_the_judge_apart(qtbot, shipped, tmp_path,
                                                                    state):
    from genai_studio.ui.library.model_actions import scan_all
    from genai_studio.ui.library.models_panel import ModelLibrary
    from genai_studio.ui.window.actions import build_actions

    host = QWidget()
    qtbot.addWidget(host)
    lib = ModelLibrary(state, build_actions(host, _no_handlers()), host)
    state.library.snapshot = scan_all(shipped, tmp_path / "user")
    state.library.selection = shipped / "a-scored.safetensors"
    text = lib.info.toPlainText()
    assert "sharpness" in text and "0.93" in text and "2.1 pts" in text and "variety" in text
    assert "135.1 nats" in text and "4.2" in text and "not scored" not in text
    state.library.selection = shipped / "b-plain.safetensors"
    assert "not scored yet" in lib.info.toPlainText()
    assert "Score" in lib.info.toPlainText()  # the way to a score, in words an artist uses
    rows = [lib.list.item(r).text() for r in range(lib.list.count())]
    assert rows.index("TOOLS") < next(i for i, t in enumerate(rows) if "judge" in t)


def _no_handlers():
    from tests.ui.helpers import record_handlers

    return record_handlers()


def test_a_first_launch_opens_the_shipped_2d_vae_and_later_the_last_model(shipped, tmp_path):
    from genai_studio.ui.library.model_actions import first_usable, scan_all

    (shipped / "a-scored.safetensors").rename(shipped / "vae-2d.safetensors")
    snapshot = scan_all(shipped, tmp_path / "user")
    assert first_usable(snapshot, None) == shipped / "vae-2d.safetensors"
    plain = shipped / "b-plain.safetensors"
    assert first_usable(snapshot, plain) == plain
    # A last model that is gone, or the judge, is never opened.
    assert first_usable(snapshot, shipped / "judge.safetensors") == shipped / "vae-2d.safetensors"


def test_headline_reads_scores_or_says_none():
    assert headline(METRICS) == \
        "quality: sharpness 0.93, variety ±2.1 pts, knows its data 135.1 nats"
    assert headline({"mean_confidence": 0.9, "label_accuracy": 0.97}).endswith("on request 97%")
    assert headline({}) == "quality: not scored yet" == headline(None)


def test_status_bar_shows_the_active_models_headline(qtbot, tmp_path, shipped, make_window):
    w = make_window(qtbot, shipped, tmp_path)
    qtbot.waitUntil(lambda: w.generations > 0, timeout=30_000)
    assert w.handle.path.name == "a-scored.safetensors"  # the judge is never auto-loaded
    assert "sharpness 0.93" in w.status["quality"].text()
    w.close()


def _train(window, qtbot, judge: Path | None, epochs: int, limit: int):
    window.run.judge_path = judge
    return start_training(window, qtbot, epochs=epochs, limit=limit, wait=False)


def test_quality_meter_updates_from_the_worker_thread(window, qtbot, tiny_judge, monkeypatch):
    from genai_studio.core.scoring import quality
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
    _train(window, qtbot, tiny_judge, epochs=3, limit=3200)  # 50 steps/epoch: a preview each
    qtbot.waitUntil(lambda: t.meter.updates >= 2, timeout=60_000)
    assert t.meter.state == "live" and len(t.meter.trend.values) >= 2
    assert 0.0 <= t.meter.last.mean_confidence <= 1.0 and t.meter.last.n == 64
    assert t.meter.last.label_accuracy is not None and "% as asked" in t.meter.detail.text()
    assert t.meter.bar.format().startswith("quality")
    window.run.cancel()
    qtbot.waitUntil(lambda: not window.run.is_running(), timeout=10_000)
    assert len(threads) == t.meter.updates  # one judge pass per meter update
    assert threads and all(th is not threading.main_thread() for th in threads)
    assert GUARD.calls["QualityMeter.set_scores"] == t.meter.updates


@pytest.mark.parametrize("judge", ["missing", "broken"])
def test_training_goes_on_without_a_judge(window, qtbot, tmp_path, judge):
    path = tmp_path / "judge.safetensors"
    if judge == "broken":
        path.write_bytes(b"not a model at all" * 10)
    t = _train(window, qtbot, path, epochs=1, limit=128)
    qtbot.waitUntil(lambda: window.handle.path.parent == window.paths.user_models,
                    timeout=60_000)
    meter = window.training.meter
    assert meter.state == "no judge" and meter.bar.format() == "no judge"
    assert meter.updates == 0 and window.training.preview.image is not None
    qtbot.waitUntil(lambda: not t.is_running(), timeout=5_000)


def test_judge_is_throttled_but_scores_the_finished_model(window, qtbot, tiny_judge,
                                                         monkeypatch):
    from genai_studio.workers import training as training_worker

    monkeypatch.setattr(training_worker, "JUDGE_INTERVAL_S", 3600.0)  # only first and last
    t = _train(window, qtbot, tiny_judge, epochs=4, limit=3200)  # 4 previews + the final one
    qtbot.waitUntil(lambda: window.handle.path.parent == window.paths.user_models,
                    timeout=60_000)
    qtbot.waitUntil(lambda: not t.is_running(), timeout=5_000)
    meter = window.training.meter
    assert meter.updates == 2
    assert meter.last.step == window.state.training.progress.step == 200  # the finished model


def test_meter_headlines_quality_not_confidence(qtbot):
    from genai_studio.core.scoring.quality import QuickScores
    from genai_studio.ui.common import theme
    from genai_studio.ui.training.quality_meter import QualityMeter, quality, verdict_colour

    def scores(conf, digits, accuracy=None):
        return QuickScores(10, 64, conf, digits, 0.05, accuracy)

    assert verdict_colour(scores(0.95, 10)) == theme.GOOD
    assert verdict_colour(scores(0.98, 1)) != theme.GOOD  # one crisp digit, over and over
    assert verdict_colour(scores(0.85, 10)) == theme.FAIR
    assert verdict_colour(scores(0.95, 3, accuracy=0.97)) == theme.GOOD  # conditional: as asked
    # Noise in which one digit appears, confidently: the headline says 0.10, not 1.00.
    assert quality(scores(1.0, 1)) == pytest.approx(0.1)
    assert quality(scores(0.9, 3, accuracy=0.5)) == pytest.approx(0.45)
    meter = QualityMeter()
    qtbot.addWidget(meter)
    meter.show()
    meter.set_scores(scores(1.0, 1))
    meter.grab()  # paints the one-point trend
    assert meter.state == "live" and meter.bar.value() == 100
    assert meter.bar.format() == "quality 0.10" and "sharpness 1.00" in meter.detail.text()


def test_the_info_box_names_how_each_likelihood_was_estimated():
    from genai_studio.ui.library.scores import score_rows

    old = dict(score_rows({"nll_nats": 130.8017, "k": 500}))
    assert old["knows its data"] == "130.8 nats per image (test NLL, IWAE k=500; lower is " \
        "better)" and "… at most" not in old
    grid = dict(score_rows({"nll_nats": 126.5537, "nll_iwae_nats": 130.8017, "k": 500,
                            "nll_estimate": {"method": "grid", "n": 10000}}))
    assert grid["knows its data"].startswith("126.6 nats per image (test NLL, integrated over "
                                             "the plane")
    assert grid["… at most"] == "130.8 nats (IWAE bound, k=500)"
    refined = dict(score_rows({"nll_nats": 86.9686, "nll_iwae_nats": 88.2125, "k": 500,
                               "nll_estimate": {"method": "importance sampling", "k": 500}}))
    assert "87.0 nats per image (test NLL, refined importance sampling, k=500" \
        in refined["knows its data"]
    vaegan = dict(score_rows({"mean_confidence": 0.9, "reconstruction_accuracy": 0.9721}))
    assert vaegan["redraws"] == "97.2% of test digits as the same digit"
    assert "test NLL" not in vaegan


def test_the_library_list_reads_a_model_of_own_images_by_its_label_free_scores(tmp_path):
    from genai_studio.core.store.library import Entry
    from genai_studio.ui.library.models_panel import _detail

    meta = {"kind": "gan", "latent_dim": 64, "dataset": {"name": "shapes"},
            "metrics": {"ndb": 26, "ndb_bins": 30, "pixel_fd": 2.2895, "data": "shapes"}}
    line = _detail(Entry(tmp_path / "shapes-gan.safetensors", False, meta))
    assert line.endswith("variety 26/30 bins off") and "not scored" not in line
    meta["metrics"] = {}
    assert _detail(Entry(tmp_path / "x.safetensors", False, meta)).endswith("not scored")
