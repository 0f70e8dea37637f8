"""Export styles: size, resampling, ink and paper, on grey and colour images of any size."""

from __future__ import annotations

import numpy as np
import pytest

from genai_studio.core.errors import UsageError
from genai_studio.core.export.options import ExportStyle
from genai_studio.core.export.render import contact_sheet, render, render_levels


@pytest.fixture
def stroke():
    """A 28x28 grey image: a bar of ink with soft edges, like a decoded digit."""
    image = np.zeros((28, 28), np.float32)
    image[8:20, 12:16] = 1.0
    image[8:20, 11] = image[8:20, 16] = 0.4
    return image


def test_sizes_from_scale_or_pixels(stroke):
    assert render(stroke, ExportStyle(scale=4)).size == (112, 112)
    assert render(stroke, ExportStyle(size=500)).size == (500, 500)
    wide = np.zeros((10, 20, 3), np.float32)
    assert render(wide, ExportStyle(size=100)).size == (100, 50)
    assert ExportStyle().scale == 8
    with pytest.raises(UsageError, match="either a scale"):
        ExportStyle(scale=4, size=100)
    with pytest.raises(UsageError, match="too large"):
        ExportStyle(scale=64).output_size(280, 280)


def test_nearest_keeps_square_pixels_exactly(stroke):
    out = np.asarray(render(stroke, ExportStyle(scale=8)))
    expected = (np.clip(stroke, 0, 1) * 255 + 0.5).astype(np.uint8).repeat(8, 0).repeat(8, 1)
    np.testing.assert_array_equal(out, expected)
    odd = np.asarray(render(stroke, ExportStyle(size=100)))  # not a whole multiple
    assert set(np.unique(odd)) <= set(np.unique(expected))


def test_lanczos_is_smooth_and_ink_is_clean(stroke):
    smooth = render_levels(stroke, ExportStyle(scale=16, resampling="lanczos"))
    ink = render_levels(stroke, ExportStyle(scale=16, resampling="ink"))
    grey = lambda a: np.mean((a > 0.05) & (a < 0.95))  # noqa: E731
    assert len(np.unique(smooth)) > 50
    assert grey(ink) < grey(smooth) / 3, "the soft threshold leaves thin anti-aliased edges"
    assert 0 < grey(ink), "but still some anti-aliasing"
    assert ink.min() >= 0 and ink.max() <= 1


def test_ink_and_paper_colours_invert_and_transparency(stroke):
    style = ExportStyle(scale=1, ink="#102030", paper="#f0e0d0")
    pixels = np.asarray(render(stroke, style))
    assert pixels.shape == (28, 28, 3)
    assert tuple(pixels[14, 13]) == (0x10, 0x20, 0x30) and tuple(pixels[0, 0]) == (0xF0, 0xE0, 0xD0)
    inverted = np.asarray(render(stroke, ExportStyle(scale=1, ink="#102030", paper="#f0e0d0",
                                                     invert=True)))
    assert tuple(inverted[0, 0]) == (0x10, 0x20, 0x30)
    clear = np.asarray(render(stroke, ExportStyle(scale=1, ink="#ff0000", transparent=True)))
    assert clear.shape == (28, 28, 4)
    np.testing.assert_array_equal(clear[..., 3], (stroke * 255 + 0.5).astype(np.uint8))
    assert np.all(clear[..., :3] == (255, 0, 0))
    grey = render(stroke, ExportStyle(scale=1, ink="#000000", paper="#ffffff"))
    assert grey.mode == "L" and np.asarray(grey)[14, 13] == 0
    with pytest.raises(UsageError, match="#rrggbb"):
        ExportStyle(ink="red")


def test_colour_images_keep_their_colours():
    rgb = np.zeros((12, 16, 3), np.float32)
    rgb[..., 0] = 1.0
    out = render(rgb, ExportStyle(scale=2, ink="#00ff00"))
    assert out.mode == "RGB" and out.size == (32, 24)
    assert tuple(np.asarray(out)[0, 0]) == (255, 0, 0)
    assert tuple(np.asarray(render(rgb, ExportStyle(scale=1, invert=True)))[0, 0]) == (0, 255, 255)
    with pytest.raises(UsageError, match="grey"):
        render(np.zeros((4, 4, 2)), ExportStyle())


def test_contact_sheet_layout_gutters_and_captions(stroke):
    images = np.stack([stroke * (k + 1) / 7 for k in range(7)])
    plain = contact_sheet(images, ExportStyle(scale=2), columns=3)
    assert plain.size == (3 * 56, 3 * 56)
    sheet = contact_sheet(images, ExportStyle(scale=2, ink="#000000", paper="#ffffff"),
                          columns=3, gutter=4)
    assert sheet.size == (3 * 56 + 4 * 4, 3 * 56 + 4 * 4)
    a = np.asarray(sheet)
    assert np.all(a[:4] == 255) and np.all(a[:, :4] == 255), "gutters are paper"
    tile = np.asarray(render(images[4], ExportStyle(scale=2, ink="#000000", paper="#ffffff")))
    np.testing.assert_array_equal(a[4 + 60:4 + 60 + 56, 4 + 60:4 + 60 + 56], tile)
    captioned = contact_sheet(images, ExportStyle(scale=2), columns=3, gutter=4,
                              captions=[f"#{k}" for k in range(7)])
    assert captioned.height > sheet.height
    band = np.asarray(captioned)[4 + 56:4 + 56 + (captioned.height - sheet.height) // 3]
    assert band.max() > 0, "caption text is drawn in ink under the tiles"
    with pytest.raises(UsageError, match="captions"):
        contact_sheet(images, ExportStyle(), captions=["a"])


def test_style_round_trips_through_settings():
    style = ExportStyle(size=640, resampling="ink", ink="#123456", invert=True)
    assert ExportStyle.from_dict({**style.to_dict(), "future_option": 1}) == style
    with pytest.raises(UsageError):
        ExportStyle.from_dict({"resampling": "bicubic"})
