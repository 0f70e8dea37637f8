"""The judge: model shapes, its training task, the loop without previews, and the CLI."""

from __future__ import annotations

import torch

from genai_studio.cli import main
from genai_studio.core.data.mnist import load_mnist
from genai_studio.core.models.registry import Judge, JudgeConfig
from genai_studio.core.store.checkpoints import load_model, read_metadata
from genai_studio.core.train.events import Finished, Preview
from genai_studio.core.train.loop import train
from genai_studio.core.train.run import TrainConfig
from genai_studio.core.train.tasks import JudgeTask, default_binarize, make_task, random_shift


def test_judge_shapes_and_features():
    judge = Judge(JudgeConfig(channels=4, features=16)).eval()
    x = torch.rand(5, 28, 28)
    logits, feats = judge.logits_and_features(x)
    assert logits.shape == (5, 10) and feats.shape == (5, 16)
    assert torch.allclose(judge(x.unsqueeze(1)), logits)
    assert torch.all(feats >= 0)  # post-ReLU activations


def test_random_shift_moves_whole_images_within_bounds():
    x = torch.zeros(64, 1, 28, 28)
    x[:, 0, 14, 14] = 1.0  # one lit pixel in the middle of each image
    shifted = random_shift(x, 2, torch.Generator().manual_seed(0))
    assert shifted.shape == x.shape
    assert torch.all(shifted.sum(dim=(1, 2, 3)) == 1.0)  # nothing lost, nothing added
    rows, cols = shifted[:, 0].nonzero()[:, 1], shifted[:, 0].nonzero()[:, 2]
    assert rows.min() >= 12 and rows.max() <= 16 and cols.min() >= 12 and cols.max() <= 16
    assert len(set(zip(rows.tolist(), cols.tolist(), strict=True))) > 10  # really random
    assert torch.equal(random_shift(x, 0, torch.Generator()), x)


def test_judge_task_learns_and_decays_its_rate():
    torch.manual_seed(0)
    judge = Judge(JudgeConfig(channels=8, features=32, dropout=0.0))
    task = make_task(judge, None, torch.device("cpu"), beta=1.0)
    assert isinstance(task, JudgeTask) and not task.makes_images
    assert default_binarize("judge") == "none"
    data = load_mnist("train", limit=64)
    x, labels = data.batch(torch.arange(64))
    gen = torch.Generator().manual_seed(0)
    first = task.step(x, labels, gen, 1.0)[0]
    for _ in range(40):
        last = task.step(x, labels, gen, 1.0)[0]
    assert last < 0.5 * first  # it learns, through the random shifts
    task.set_progress(50, 100)
    assert task.optimizers["judge"].param_groups[0]["lr"] == JudgeTask.default_lr * 0.5


def test_training_a_judge_yields_no_previews(tmp_path):
    data = load_mnist("train", limit=128)
    config = TrainConfig(epochs=1, batch_size=32, preview_every=1, seed=0)
    events = list(train(JudgeConfig(channels=4, features=8), config, data,
                        torch.device("cpu"), tmp_path / "judge.safetensors"))
    assert not any(isinstance(e, Preview) for e in events)
    assert isinstance(events[-1], Finished) and not events[-1].cancelled
    assert load_model(tmp_path / "judge.safetensors", expect_kind="judge").kind == "judge"


def test_cli_trains_a_judge_and_records_its_test_accuracy(tmp_path, capsys):
    out = tmp_path / "judge.safetensors"
    code = main(["train", "judge", "--channels", "4", "--epochs", "1", "--limit", "256",
                 "--out", str(out)])
    assert code == 0
    metrics = read_metadata(out)["metrics"]
    assert 0.0 <= metrics["test_accuracy"] <= 1.0 and metrics["test_images"] == 10000
    assert "judge test accuracy" in capsys.readouterr().err


def test_cli_refuses_generator_options_for_the_judge(tmp_path, capsys):
    for option in (["--conditional"], ["--latent-dim", "4"], ["--hidden", "8"], ["--beta", "2"]):
        code = main(["train", "judge", *option, "--out", str(tmp_path / "j.safetensors")])
        assert code == 2
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and "do not apply to the judge" in err


def test_the_judge_reads_a_coloured_digit_by_its_shape_whatever_its_colour():
    """Genes and their benchmark judge colour digits by the value (the largest channel): by
    luma a blue stroke read as a faint one, and turning a digit's hue changed its class."""
    from pathlib import Path

    import numpy as np

    from genai_studio.core.data.mnist import load_mnist_arrays
    from genai_studio.core.scoring.metrics import judge_classifier

    classify = judge_classifier(Path(__file__).resolve().parents[2] / "models"
                                / "judge.safetensors")
    digits = load_mnist_arrays("test")[0][:200].astype(np.float32) / 255.0
    grey = classify(digits)
    for colour in ((0.0, 0.0, 1.0), (1.0, 1.0, 0.0), (0.2, 1.0, 0.2)):
        coloured = digits[..., None] * np.array(colour, np.float32)
        assert np.allclose(classify(coloured), grey, atol=1e-6)
    assert (grey.argmax(axis=1) == load_mnist_arrays("test")[1][:200]).mean() > 0.95
    assert judge_classifier(None) is None
