"""Untrusted images in, prepared the way a model's data was."""

import os

import numpy as np
import pytest
from PIL import Image, ImageDraw

from genai_studio.core.data.image_input import ImageRefused, open_image
from genai_studio.core.data.prepare import (
    MNIST_SPEC,
    BlankImage,
    PrepareSpec,
    prepare,
    prepare_with_hole,
    spec_for_model,
    stroke_width,
)
from genai_studio.core.errors import UsageError
from tests.core.byo_files import (
    animated_gif,
    digit_drawing,
    encoded,
    png_with_header_size,
)


def centre_of_mass(image):
    rows, cols = np.indices(image.shape)
    mass = image.sum()
    return (rows * image).sum() / mass, (cols * image).sum() / mass


def test_a_drawing_is_prepared_as_mnist_was():
    out = prepare(digit_drawing((400, 300)), MNIST_SPEC)
    assert out.shape == (28, 28) and out.dtype == np.float32
    assert out.max() == pytest.approx(1.0) and out[0].max() == 0 and out[:, 0].max() == 0
    rows, cols = np.nonzero(out > 0.1)
    extent = max(np.ptp(rows), np.ptp(cols)) + 1
    assert extent <= 21, "ink fits the 20 x 20 box"
    assert extent >= 18, "and fills it along its longer side"
    cy, cx = centre_of_mass(out)
    assert abs(cy - 14) <= 0.75 and abs(cx - 14) <= 0.75, "centred by mass at MNIST's 14, 14"


def test_polarity_alpha_and_size_do_not_change_the_result_much():
    reference = prepare(digit_drawing((300, 300)), MNIST_SPEC)
    variants = [
        digit_drawing((300, 300), ink=255, paper=0),  # light on dark: not inverted
        digit_drawing((300, 300), ink=(0, 0, 0, 255), paper=(0, 0, 0, 0), mode="RGBA"),
        digit_drawing((300, 300), ink=(255, 255, 255, 255), paper=(255, 255, 255, 0),
                      mode="RGBA"),  # white ink on transparency stays visible
        digit_drawing((300, 300), ink=(20, 40, 200), paper=(250, 240, 200), mode="RGB"),
        digit_drawing((1200, 1200)),
    ]
    for image in variants:
        out = prepare(image, MNIST_SPEC)
        assert np.abs(out - reference).mean() < 0.05, image.mode


def test_thin_strokes_are_thickened_to_mnist_width():
    thin = Image.new("L", (600, 600), 255)
    from PIL import ImageDraw

    ImageDraw.Draw(thin).line([(300, 60), (300, 540)], fill=0, width=2)
    ImageDraw.Draw(thin).line([(200, 60), (300, 60)], fill=0, width=2)
    out = prepare(thin, MNIST_SPEC)
    assert stroke_width(out) >= 1.3, "a hairline at 600 px would vanish at 28 px"


def test_blank_images_have_nothing_to_centre():
    with pytest.raises(BlankImage):
        prepare(Image.new("L", (50, 50), 255), MNIST_SPEC)


@pytest.mark.parametrize("fit", ["crop", "pad"])
@pytest.mark.parametrize("colour", ["grey", "rgb"])
def test_crop_and_pad_fits_give_the_asked_size_and_colour(fit, colour):
    image = digit_drawing((200, 100), ink=(200, 30, 30), paper=(30, 30, 200), mode="RGB")
    out = prepare(image, PrepareSpec(32, colour, fit))
    assert out.shape == ((32, 32) if colour == "grey" else (32, 32, 3))
    if colour == "rgb":
        corner = out[0, 0] if fit == "pad" else out[-1, -1]
        assert corner[2] > 0.5 and corner[0] < 0.3, "the blue paper stays blue"


def test_digit_fit_is_grey_only_and_options_are_checked():
    with pytest.raises(UsageError, match="grey"):
        PrepareSpec(28, "rgb", "digit")
    with pytest.raises(UsageError):
        PrepareSpec(28, "grey", "stretch")


def test_models_prepare_as_their_data_was():
    assert spec_for_model((1, 28, 28), None) == MNIST_SPEC
    assert spec_for_model((3, 64, 64), {"name": "x"}) == PrepareSpec(64, "rgb", "crop")
    recorded = {"options": {"size": 32, "colour": "grey", "fit": "pad"}}
    assert spec_for_model((1, 32, 32), recorded) == PrepareSpec(32, "grey", "pad")


def test_a_hole_moves_with_its_image_which_keeps_its_framing():
    image = digit_drawing((300, 300))
    hole = np.zeros((300, 300), bool)
    hole[150:240, 90:210] = True
    prepared, out_hole = prepare_with_hole(image, hole, MNIST_SPEC)
    assert prepared.shape == out_hole.shape == (28, 28)
    rows, cols = np.nonzero(out_hole)  # scaled with the image: 300 px -> 28
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (14, 22, 8, 19)
    # What is left of a damaged digit is not re-centred or stretched to fill the box.
    corner = Image.new("L", (280, 280), 255)
    ImageDraw.Draw(corner).line([(20, 20), (20, 120)], fill=0, width=14)
    framed, _ = prepare_with_hole(corner, None, MNIST_SPEC)
    ink_rows, ink_cols = np.nonzero(framed > 0.5)
    assert ink_rows.max() < 14 and ink_cols.max() < 5  # still in the top-left corner
    small = digit_drawing((28, 28), ink=255, paper=0)
    same, same_hole = prepare_with_hole(small, np.eye(28, dtype=bool), MNIST_SPEC)
    assert np.array_equal(same_hole, np.eye(28, dtype=bool)), "model-sized: not moved"
    with pytest.raises(UsageError, match="same size"):
        prepare_with_hole(image, np.zeros((10, 10), bool), MNIST_SPEC)


@pytest.mark.parametrize("fmt,kwargs", [("PNG", {}), ("JPEG", {}), ("WEBP", {}), ("BMP", {}),
                                        ("GIF", {})])
def test_every_supported_format_opens(fmt, kwargs, tmp_path):
    path = tmp_path / f"x.{fmt.lower()}"
    path.write_bytes(encoded(digit_drawing((60, 50)).convert("RGB" if fmt == "JPEG" else "L"),
                             fmt, **kwargs))
    opened = open_image(path)
    assert opened.format == fmt and opened.size == (60, 50)
    assert opened.image.mode in ("L", "RGB", "LA", "RGBA")


def test_an_animated_gif_gives_its_first_frame_or_a_refusal(tmp_path):
    path = tmp_path / "anim.gif"
    path.write_bytes(animated_gif())
    assert open_image(path).frames == 3
    with pytest.raises(ImageRefused) as refused:
        open_image(path, allow_animated=False)
    assert refused.value.reason == "animated"


@pytest.mark.parametrize("data,reason", [
    (png_with_header_size(30000, 30000), "decompression bomb"),
    (png_with_header_size(7000, 7000), "decompression bomb"),
    (encoded(digit_drawing((300, 300)), "JPEG")[:600], "unreadable"),
    (encoded(digit_drawing((300, 300)), "PNG")[:300], "unreadable"),
    (b"GIF89a" + b"\x00" * 20, "not an image"),
    (b"%PDF-1.4 not an image", "not an image"),
    (b"", "not an image"),
])
def test_hostile_and_broken_files_are_refused_with_a_reason(data, reason, tmp_path):
    path = tmp_path / "bad.png"
    path.write_bytes(data)
    with pytest.raises(ImageRefused) as refused:
        open_image(path)
    assert refused.value.reason == reason, str(refused.value)


def test_non_files_are_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    for path in (fifo, tmp_path, tmp_path / "missing.png"):
        with pytest.raises(ImageRefused) as refused:
            open_image(path)
        assert refused.value.reason == "unreadable"


def test_a_palette_image_is_reduced_like_any_other(tmp_path):
    """Pillow's reduce refuses a palette image: every colour GIF the studio exports (a morph in
    ink and paper colours) was 'truncated or damaged' to the gallery's thumbnails."""
    from PIL import Image

    from genai_studio.core.data.image_input import open_image
    from genai_studio.core.export.gallery import thumbnail

    frames = [Image.new("RGB", (448, 448), (255, 248, 225)) for _ in range(3)]
    for k, frame in enumerate(frames):
        frame.paste((26, 35, 126), (100 + 20 * k, 100, 300, 350))
    path = tmp_path / "morph.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=80)
    with Image.open(path) as im:
        assert im.mode == "P"
    opened = open_image(path, allow_animated=True, reduce_to=96)
    assert opened.image.mode in ("RGB", "RGBA") and max(opened.image.size) < 448
    thumb = thumbnail(path)
    assert thumb.shape[2] == 4 and tuple(thumb[48, 48, :3]) != tuple(thumb[2, 2, :3])
