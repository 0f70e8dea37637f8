"""The window fits every screen from 1024x640 to 2560x1440: no dock covers another, the canvas
keeps a usable size and grows with the window, and the help fits a laptop screen."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QDialog

SIZES = [(1024, 640), (1280, 800), (1366, 768), (1920, 1080), (2560, 1440)]


def _rect(widget) -> QRect:  # noqa: ANN001
    return QRect(widget.mapTo(widget.window(), widget.rect().topLeft()), widget.size())


@pytest.fixture
def studio(qtbot, tmp_path, model_files, make_window):
    w = make_window(qtbot, model_files["vae"].parent, tmp_path)
    qtbot.waitUntil(lambda: w.generations > 0, timeout=30_000)
    yield w
    w.close()


def test_the_window_can_shrink_to_a_small_laptop(studio):
    hint = studio.minimumSizeHint()
    assert hint.width() <= 1024 and hint.height() <= 640, hint


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_docks_do_not_overlap_and_the_canvas_is_usable(studio, qtbot, size):
    studio.resize(*size)
    studio.reset_layout()
    qtbot.wait(50)
    assert (studio.width(), studio.height()) == size
    visible = [d for d in studio.docks.values()
               if d.isVisible() and not d.visibleRegion().isEmpty()]
    assert {d.objectName() for d in visible} >= {"library_dock", "latent_pad_dock", "morph_dock"}
    rects = [_rect(d) for d in visible] + [_rect(studio.centralWidget())]
    for i, a in enumerate(rects):
        for b in rects[i + 1:]:
            assert not a.intersects(b), f"{a} overlaps {b}"
    canvas = studio.canvas
    side = min(canvas.width(), canvas.height())
    assert side >= 0.55 * min(size), f"canvas {canvas.size()} at {size}"
    assert canvas.width() * canvas.height() >= 0.2 * size[0] * size[1]
    cell = canvas.tile_rect(0)
    assert cell.width() >= 36  # an 8x8 grid's tiles stay big enough to see
    for name in ("library", "pad"):
        dock = studio.docks[name]
        assert dock.width() <= 0.3 * size[0] + 10  # the side panels never crowd the canvas


def test_the_canvas_grows_with_the_window(studio, qtbot):
    studio.resize(1366, 768)
    studio.reset_layout()
    qtbot.wait(50)
    small = studio.canvas.size()
    studio.resize(1920, 1080)
    qtbot.wait(50)
    large = studio.canvas.size()
    assert large.width() > small.width() + 300 and large.height() > small.height() + 200


def test_the_help_scrolls_and_fits_800_px(studio, qtbot):
    studio.actions["shortcuts"].trigger()
    dialog = studio.findChild(QDialog, "helpDialog")
    qtbot.waitUntil(lambda: dialog is not None and dialog.isVisible(), timeout=5_000)
    assert dialog.height() <= 800 and dialog.width() <= 800
    dialog.close()


def test_a_window_grown_past_the_screen_edge_is_brought_back_on_screen(qtbot):
    from PySide6.QtWidgets import QMainWindow

    from genai_studio.ui.window.window_state import keep_on_screen

    window = QMainWindow()
    qtbot.addWidget(window)
    window.show()
    available = window.screen().availableGeometry()
    window.resize(available.width() // 2, available.height() // 2)
    window.move(available.right() - 100, available.bottom() - 100)  # mostly off the screen
    qtbot.wait(50)
    keep_on_screen(window)
    qtbot.wait(50)
    assert available.contains(window.frameGeometry()), (window.frameGeometry(), available)
    assert window.width() == available.width() // 2  # moved, not shrunk
    window.resize(available.width() * 2, available.height())  # larger than the screen
    qtbot.wait(50)
    keep_on_screen(window)
    qtbot.wait(50)
    assert available.contains(window.frameGeometry()), (window.frameGeometry(), available)


@pytest.mark.parametrize("size", [(1024, 640), (1366, 768), (1920, 1080)],
                         ids=["1024x640", "1366x768", "1920x1080"])
def test_no_panel_is_clipped_sideways(studio, qtbot, size):
    """A panel in a scroll area has no horizontal scroll bar: content wider than its dock
    would be cut off (the sketch's send buttons, the training form's Cancel were)."""
    from PySide6.QtWidgets import QScrollArea

    studio.resize(*size)
    studio.reset_layout()
    clipped = []
    for name, dock in studio.docks.items():
        if name == "inside":
            continue
        dock.show()
        dock.raise_()
        qtbot.wait(30)
        for area in dock.findChildren(QScrollArea):
            inner = area.widget()
            if inner is not None and inner.minimumSizeHint().width() > area.viewport().width():
                clipped.append((name, inner.minimumSizeHint().width(), area.viewport().width()))
    assert clipped == []


@pytest.mark.parametrize("size", [(1024, 640), (1366, 768), (1920, 1080)],
                         ids=["1024x640", "1366x768", "1920x1080"])
def test_the_morph_strips_frames_are_at_least_48_px(studio, qtbot, size):
    s = studio.state
    s.canvas.selected = 3
    studio.actions["morph_start"].trigger()
    s.canvas.selected = 12
    studio.actions["morph_end"].trigger()
    qtbot.waitUntil(lambda: s.morph.frames is not None, timeout=10_000)
    studio.resize(*size)
    studio.reset_layout()
    qtbot.wait(100)
    rows, columns, side = studio.morph.row.layout_grid()
    assert rows * columns >= len(s.morph.frames) == 16
    assert side >= 48, (size, rows, columns, side)


@pytest.mark.parametrize("size", [(1024, 640), (1366, 768), (1920, 1080)],
                         ids=["1024x640", "1366x768", "1920x1080"])
def test_every_dock_tab_title_reads_in_full(studio, qtbot, size):
    """The panels that share a side as tabs show their whole names (the left side's five
    were cut to two letters at 1366 px when their tabs ran under the dock)."""
    from PySide6.QtWidgets import QTabBar

    studio.resize(*size)
    studio.reset_layout()
    qtbot.wait(50)
    titles = {dock.windowTitle() for dock in studio.docks.values()}
    cut = []
    for bar in studio.findChildren(QTabBar):
        if not bar.isVisible() or bar.count() == 0 or bar.tabText(0) not in titles:
            continue
        for i in range(bar.count()):
            rect, text = bar.tabRect(i), bar.tabText(i)
            room = max(rect.width(), rect.height())  # a tab along a side runs vertically
            if room < bar.fontMetrics().horizontalAdvance(text) or not bar.rect().contains(rect):
                cut.append((text, room))
    assert cut == []


def _tab_groups_on_screen(window) -> list[tuple[list[str], set[str]]]:  # noqa: ANN001
    """(titles on each visible tab bar of the window, the docks now grouped with its first)."""
    from PySide6.QtWidgets import QDockWidget, QTabBar

    docks = {d.windowTitle(): d for d in window.findChildren(QDockWidget)}
    out = []
    for bar in window.findChildren(QTabBar):
        if bar.parent() is window and bar.isVisible() and bar.count():
            first = docks[bar.tabText(0)]
            live = {d.windowTitle() for d in (first, *window.tabifiedDockWidgets(first))
                    if not d.isHidden()}
            out.append(([bar.tabText(i) for i in range(bar.count())], live))
    return out


def test_no_stale_tab_bar_is_left_on_screen(studio, qtbot, tmp_path, model_files,
                                            make_window):
    """Qt leaves the bar of a tab group that grew or was re-docked on screen (half-hidden
    titles over the toolbar or the canvas): after start-up, Reset layout and a restored
    layout, every tab bar shown is a group that exists."""
    from PySide6.QtCore import QSettings

    groups = _tab_groups_on_screen(studio)
    assert groups and all(set(titles) == live for titles, live in groups), groups
    studio.resize(1366, 768)
    studio.actions["reset_layout"].trigger()
    qtbot.wait(50)
    groups = _tab_groups_on_screen(studio)
    assert all(set(titles) == live for titles, live in groups), groups
    settings = QSettings(str(tmp_path / "studio.ini"), QSettings.Format.IniFormat)
    studio.close()  # saves its layout
    again = make_window(qtbot, model_files["vae"].parent, tmp_path, settings)
    qtbot.waitUntil(lambda: again.updatesEnabled(), timeout=5_000)
    groups = _tab_groups_on_screen(again)
    assert all(set(titles) == live for titles, live in groups), groups
    again.close()


@pytest.mark.parametrize("size", [(1024, 640), (1366, 768)], ids=["1024x640", "1366x768"])
def test_the_training_progress_reads_in_full_in_its_side_dock(studio, qtbot, size):
    """The progress bar's words fit the bar ("41%" and "second" were cut off at 1366x768);
    what does not fit is in its tooltip (and the status bar)."""
    from genai_studio.core.train.events import RunState
    from genai_studio.ui.training.state import TrainingStatus

    studio.resize(*size)
    studio.reset_layout()
    studio.docks["training"].show()
    studio.docks["training"].raise_()
    qtbot.wait(50)
    detail = "41%  ·  1:06 left  ·  1,199 images a second"
    studio.state.training.status = TrainingStatus(RunState.TRAINING, 0.41, detail)
    bar = studio.training.progress_bar
    room = bar.contentsRect().width()
    assert bar.fontMetrics().horizontalAdvance(bar.text()) <= room, (bar.text(), room)
    assert bar.text().startswith("41%  ·  1:06 left")
    assert bar.toolTip() == detail


def test_the_loss_curves_are_in_view_without_scrolling_at_1366x768(studio, qtbot):
    """A GAN's run (four curves, the longest legend) in the side dock at 1366x768: the plot,
    its step axis included, lies inside the dock's visible area with the panel scrolled to the
    top (pyqtgraph's natural ~500 px height put most of it below the fold)."""
    from PySide6.QtWidgets import QScrollArea

    from genai_studio.core.train.events import RunState
    from genai_studio.ui.training.state import TrainingStatus

    studio.resize(1366, 768)
    studio.reset_layout()
    studio.docks["training"].show()
    studio.docks["training"].raise_()
    panel = studio.training
    studio.state.training.status = TrainingStatus(RunState.TRAINING, 0.3, "30%")
    panel.losses.start_run()
    for step in range(1, 40):
        panel.losses.add(step, {"d_loss": 1.3, "g_loss": 0.7, "d_real": 0.6, "d_fake": 0.4})
    panel.losses.redraw()
    qtbot.wait(100)
    area = panel.parentWidget()
    while not isinstance(area, QScrollArea):
        area = area.parentWidget()
    area.verticalScrollBar().setValue(0)
    viewport, plot = area.viewport(), panel.losses.plot
    assert plot.isVisible() and plot.height() >= 150
    top = plot.mapTo(viewport, plot.rect().topLeft()).y()
    bottom = plot.mapTo(viewport, plot.rect().bottomLeft()).y()
    assert 0 <= top and bottom <= viewport.height(), (top, bottom, viewport.height())
