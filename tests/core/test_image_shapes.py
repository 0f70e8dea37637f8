"""Image-shape generic models: (channels, height, width) through models, training, files."""

import json

import numpy as np
import pytest
import torch

from genai_studio.core.data.mnist import ImageSet
from genai_studio.core.errors import ModelFileError, UsageError
from genai_studio.core.export.render import png_bytes, tile_grid
from genai_studio.core.latent.sampling import decode, sample
from genai_studio.core.models.base import conv_levels
from genai_studio.core.models.registry import (
    GAN,
    VAE,
    GANConfig,
    VAEConfig,
    build_model,
    config_from_dict,
)
from genai_studio.core.store.checkpoints import load_model, save_model
from genai_studio.core.train.events import Finished, Preview
from genai_studio.core.train.loop import train
from genai_studio.core.train.run import TrainConfig

SHAPES = [(1, 28, 28), (3, 32, 32), (1, 64, 64), (3, 64, 64)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("make", [
    lambda s: VAEConfig(arch="conv", image_shape=s, latent_dim=3, channels=4, hidden=(16,)),
    lambda s: VAEConfig(arch="mlp", image_shape=s, latent_dim=3, hidden=(16,)),
    lambda s: GANConfig(image_shape=s, latent_dim=3, channels=4),
])
def test_generators_make_and_read_images_of_their_shape(shape, make):
    torch.manual_seed(0)
    model = build_model(make(shape)).eval()
    c, h, w = shape
    z = torch.randn(2, 3)
    with torch.no_grad():
        chw = model.decode_images(z)
    assert chw.shape == (2, c, h, w)
    # The studio's layout: (n, H, W) grey, (n, H, W, 3) channels-last colour.
    assert model.decode(z).shape == ((2, h, w) if c == 1 else (2, h, w, 3))
    assert 0.0 <= float(chw.min()) and float(chw.max()) <= 1.0
    with torch.no_grad():
        if isinstance(model, VAE):
            mu, logvar = model.encode(chw)
            assert mu.shape == logvar.shape == (2, 3)
        else:
            assert model.discriminator(chw * 2 - 1).shape == (2,)


def test_conv_levels_take_the_sizes_to_about_eight_pixels():
    assert [conv_levels(s, s) for s in (28, 32, 64)] == [2, 2, 3]


def test_28px_models_keep_the_old_parameter_names_and_sizes():
    """Files written before shapes existed must still load with strict=True."""
    for config in (VAEConfig(arch="conv", channels=8, hidden=(16,)), GANConfig(channels=8)):
        names = {k: tuple(v.shape) for k, v in build_model(config).state_dict().items()}
        if isinstance(config, VAEConfig):
            assert names["encoder_conv.0.weight"] == (8, 1, 4, 4)
            assert names["encoder_conv.2.weight"] == (16, 8, 4, 4)
            assert names["decoder_conv.0.weight"] == (16, 8, 4, 4)
            assert names["decoder_conv.2.weight"] == (8, 1, 4, 4)
            assert names["decoder_fc.2.weight"] == (16 * 49, 16)
        else:
            assert names["generator.project.0.weight"] == (16 * 49, 64)
            assert names["generator.upsample.3.weight"] == (8, 1, 4, 4)
            assert names["discriminator.features.2.weight"] == (16, 8, 4, 4)


def test_a_config_without_a_shape_is_mnist_and_bad_shapes_are_refused():
    assert config_from_dict("vae", {"latent_dim": 2}).image_shape == (1, 28, 28)
    assert config_from_dict("gan", {"image_shape": [3, 64, 64]}).image_shape == (3, 64, 64)
    for bad in ([2, 28, 28], [1, 4, 4], [3, 30, 30], [1, 100000, 100000], "rgb", [1, 28]):
        with pytest.raises(ModelFileError):
            config_from_dict("gan", {"image_shape": bad})
    # A 30 px MLP is fine (no stride-2 steps); a 30 px conv model is not.
    assert config_from_dict("vae", {"image_shape": [1, 30, 30]}).image_shape == (1, 30, 30)


def test_old_model_files_without_a_shape_load_as_1x28x28(tmp_path):
    model = VAE(VAEConfig(latent_dim=2, hidden=(8,)))
    metadata = {"kind": "vae", "config": {"arch": "mlp", "latent_dim": 2, "hidden": [8],
                                          "channels": 32, "conditional": False,
                                          "num_classes": 10}}
    path = save_model(tmp_path / "old.safetensors", model, metadata)
    loaded = load_model(path)
    assert loaded.model.image_shape == (1, 28, 28)
    assert sample(loaded.model, 3, seed=0).images.shape == (3, 28, 28)


def colour_set(n=64, side=32, seed=0):
    """Red discs on blue, at random places: a small RGB image set."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:side, :side]
    images = np.zeros((n, side, side, 3), np.uint8)
    images[..., 2] = 160
    for i in range(n):
        cy, cx = rng.integers(8, side - 8, 2)
        disc = (yy - cy) ** 2 + (xx - cx) ** 2 < 36
        images[i][disc] = (230, 40, 40)
    return ImageSet(torch.from_numpy(images), torch.zeros(n, dtype=torch.long), "discs",
                    "all", has_labels=False, info={"options": {"size": side, "colour": "rgb",
                                                               "fit": "crop"}})


@pytest.mark.parametrize("config", [
    VAEConfig(arch="conv", image_shape=(3, 32, 32), latent_dim=4, channels=4, hidden=(16,)),
    GANConfig(image_shape=(3, 32, 32), latent_dim=4, channels=4),
])
def test_rgb_models_train_preview_save_load_and_sample_in_colour(config, tmp_path, torch_threads):
    out = tmp_path / "rgb.safetensors"
    events = list(train(config, TrainConfig(epochs=1, batch_size=16, preview_count=8,
                                            preview_every=2), colour_set(), torch.device("cpu"),
                        out))
    previews = [e for e in events if isinstance(e, Preview)]
    assert previews and previews[-1].images.shape == (8, 32, 32, 3)
    assert isinstance(events[-1], Finished) and events[-1].path == out
    loaded = load_model(out)
    assert loaded.model.image_shape == (3, 32, 32)
    assert loaded.metadata["config"]["image_shape"] == [3, 32, 32]
    dataset = loaded.metadata["dataset"]
    assert dataset["name"] == "discs" and dataset["options"]["colour"] == "rgb"
    if isinstance(loaded.model, VAE):
        assert dataset["binarize"] == "none", "colour channels are never binarised"
    images = sample(loaded.model, 5, seed=1).images
    assert images.shape == (5, 32, 32, 3) and images.dtype == np.float32
    assert np.array_equal(images, decode(loaded.model, sample(loaded.model, 5, 1).latents))
    grid = tile_grid(images, columns=5, scale=2)
    assert grid.shape == (2 + 66, 2 + 5 * 66, 3) and grid.dtype == np.uint8
    assert png_bytes(grid)[:8] == b"\x89PNG\r\n\x1a\n"


def test_training_refuses_data_the_model_cannot_take(torch_threads, tmp_path):
    data = colour_set()
    cases = [
        (VAEConfig(image_shape=(1, 28, 28), hidden=(8,)), "32x32 RGB"),
        (GANConfig(image_shape=(3, 32, 32), conditional=True, channels=4), "no labels"),
    ]
    for config, words in cases:
        with pytest.raises(UsageError, match=words):
            next(iter(train(config, TrainConfig(epochs=1), data, torch.device("cpu"),
                            tmp_path / "x.safetensors")))
    one = ImageSet(data.images[:1], data.labels[:1], "one", "all", has_labels=False)
    with pytest.raises(UsageError, match="at least 2"):
        next(iter(train(GANConfig(image_shape=(3, 32, 32), channels=4), TrainConfig(epochs=1),
                        one, torch.device("cpu"), tmp_path / "x.safetensors")))
    with pytest.raises(UsageError, match="colour"):
        next(iter(train(VAEConfig(image_shape=(3, 32, 32), hidden=(8,)),
                        TrainConfig(epochs=1, binarize="dynamic"), data, torch.device("cpu"),
                        tmp_path / "x.safetensors")))
    assert not any(tmp_path.iterdir()), "nothing written"


def test_the_judge_refuses_to_score_other_shapes():
    from genai_studio.core.scoring.metrics import check_judgeable

    check_judgeable(GAN(GANConfig(channels=4)))
    with pytest.raises(UsageError, match="32x32 RGB"):
        check_judgeable(GAN(GANConfig(channels=4, image_shape=(3, 32, 32))))


def test_image_set_layout_and_batches():
    data = colour_set(n=4)
    assert data.image_shape == (3, 32, 32)
    x, _ = data.batch(torch.arange(4))
    assert x.shape == (4, 3, 32, 32)
    assert torch.allclose(x[0, :, 0, 0], torch.tensor([0, 0, 160 / 255]))
    json.dumps(data.info)
