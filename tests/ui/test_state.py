"""The studio state on its own: fields validate and signal once per real change, bindings go
both ways without echo, and the morph and pad rules hold."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QCheckBox, QComboBox, QSpinBox

from genai_studio.ui.canvas.state import MAX_SEED
from genai_studio.ui.common.bind import bind
from genai_studio.ui.common.fields import MAX_LABEL
from genai_studio.ui.common.theme import Theme
from genai_studio.ui.studio.kinds import Anchor, MorphEnd


def test_fields_validate_and_signal_only_on_change(state, qtbot):
    seen = []
    state.canvas.seed_changed.connect(seen.append)
    state.canvas.seed = 5
    state.canvas.seed = 5  # no change: no signal
    state.canvas.seed = -3  # clamped into range
    state.canvas.seed = 2**40
    assert seen == [5, 0, MAX_SEED]
    state.canvas.grid_size = 99
    assert state.canvas.grid_size == 10
    state.canvas.digit = 12  # a glyph model's 13th character; the studio keeps a model's range
    assert state.canvas.digit == 12
    state.canvas.digit = 5000
    assert state.canvas.digit == MAX_LABEL
    state.canvas.digit = None
    assert state.canvas.digit is None
    state.pad.point = (1.5, -2)
    assert state.pad.point == (1.0, 0.0)
    state.view.theme = "light"
    assert state.view.theme is Theme.LIGHT


def test_array_fields_never_ask_numpy_for_truth(state):
    seen = []
    state.morph.frames_changed.connect(seen.append)
    a = np.zeros((2, 28, 28), np.float32)
    state.morph.frames = a
    state.morph.frames = a.copy()  # equal values, another array: a change (no ValueError)
    state.morph.frames = None
    assert len(seen) == 3


def test_bindings_go_both_ways_without_echo(state, qtbot):
    spin, combo, check = QSpinBox(), QComboBox(), QCheckBox()
    spin.setRange(0, MAX_SEED)
    for n in (4, 8, 10):
        combo.addItem(str(n), n)
    for widget in (spin, combo, check):
        qtbot.addWidget(widget)
    bind(spin, state.canvas, "seed")
    bind(combo, state.canvas, "grid_size")
    bind(check, state.canvas, "seed_locked")
    assert spin.value() == state.canvas.seed and combo.currentData() == state.canvas.grid_size
    emitted = []
    state.canvas.seed_changed.connect(emitted.append)
    spin.setValue(77)  # the artist types
    assert state.canvas.seed == 77 and emitted == [77]
    state.canvas.seed = 99  # the studio changes it
    assert spin.value() == 99 and emitted == [77, 99]
    combo.setCurrentIndex(combo.findData(10))
    assert state.canvas.grid_size == 10
    state.canvas.grid_size = 4
    assert combo.currentData() == 4
    check.setChecked(True)
    assert state.canvas.seed_locked


def test_bindings_die_with_their_widget(state, qtbot):
    spin = QSpinBox()
    spin.setRange(0, MAX_SEED)
    bind(spin, state.canvas, "seed")
    signal = "2seed_changed(int)"  # Qt's SIGNAL() form, for receivers()
    assert state.canvas.receivers(signal) == 1
    spin.deleteLater()
    qtbot.waitUntil(lambda: state.canvas.receivers(signal) == 0, timeout=1000)
    state.canvas.seed = 42  # must not call into the deleted spin box
    assert state.canvas.seed == 42


def test_morph_ends_alternate_and_keep_their_digits(state, handle):
    state.session.model = handle("cvae")
    assert state.morph.next_end() is MorphEnd.START
    state.morph.set_anchor(MorphEnd.START, Anchor(np.zeros(2, np.float32), 3, "tile 4"))
    assert state.morph.next_end() is MorphEnd.END
    state.morph.set_anchor(MorphEnd.END, Anchor(np.ones(2, np.float32), 5, "tile 6"))
    assert state.morph.next_end() is MorphEnd.START
    assert state.morph.label() == 3  # a label cannot be interpolated: A's digit
    state.canvas.digit = 7
    assert state.morph.label() == 7  # the digit chosen in the toolbar wins


def test_pad_digit_is_the_toolbars_or_its_own(state, handle):
    state.session.model = handle("vae")
    assert state.pad.effective_digit is None  # unconditional: no digit at all
    state.session.model = handle("cvae")
    state.pad.digit = 4
    assert state.pad.effective_digit == 4  # "any digit": the pad's own, shown on the pad
    state.canvas.digit = 2
    assert state.pad.effective_digit == 2


def test_favourites_toggle(state):
    assert state.canvas.toggle_favourite(3) is True
    assert state.canvas.toggle_favourite(5) is True
    assert state.canvas.toggle_favourite(3) is False
    assert state.canvas.favourites == {5}
