"""The studio state on its own: fields validate and signal once per real change, bindings go
both ways without echo, and the morph and pad rules hold."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QCheckBox, QComboBox, QSpinBox

from genai_studio.ui.bind import bind_check, bind_combo_data, bind_spin
from genai_studio.ui.state import MAX_SEED, Anchor, MorphEnd, Theme


def test_fields_validate_and_signal_only_on_change(state, qtbot):
    seen = []
    state.seed_changed.connect(seen.append)
    state.seed = 5
    state.seed = 5  # no change: no signal
    state.seed = -3  # clamped into range
    state.seed = 2**40
    assert seen == [5, 0, MAX_SEED]
    state.grid_size = 99
    assert state.grid_size == 10
    state.digit = 12
    assert state.digit == 9
    state.digit = None
    assert state.digit is None
    state.pad_point = (1.5, -2)
    assert state.pad_point == (1.0, 0.0)
    state.theme = "light"
    assert state.theme is Theme.LIGHT


def test_array_fields_never_ask_numpy_for_truth(state):
    seen = []
    state.morph_frames_changed.connect(seen.append)
    a = np.zeros((2, 28, 28), np.float32)
    state.morph_frames = a
    state.morph_frames = a.copy()  # equal values, another array: a change (no ValueError)
    state.morph_frames = None
    assert len(seen) == 3


def test_bindings_go_both_ways_without_echo(state, qtbot):
    spin, combo, check = QSpinBox(), QComboBox(), QCheckBox()
    spin.setRange(0, MAX_SEED)
    for n in (4, 8, 10):
        combo.addItem(str(n), n)
    for widget in (spin, combo, check):
        qtbot.addWidget(widget)
    bind_spin(spin, state, "seed")
    bind_combo_data(combo, state, "grid_size")
    bind_check(check, state, "seed_locked")
    assert spin.value() == state.seed and combo.currentData() == state.grid_size
    emitted = []
    state.seed_changed.connect(emitted.append)
    spin.setValue(77)  # the artist types
    assert state.seed == 77 and emitted == [77]
    state.seed = 99  # the studio changes it
    assert spin.value() == 99 and emitted == [77, 99]
    combo.setCurrentIndex(combo.findData(10))
    assert state.grid_size == 10
    state.grid_size = 4
    assert combo.currentData() == 4
    check.setChecked(True)
    assert state.seed_locked


def test_bindings_die_with_their_widget(state, qtbot):
    spin = QSpinBox()
    spin.setRange(0, MAX_SEED)
    bind_spin(spin, state, "seed")
    spin.deleteLater()
    qtbot.wait(10)
    state.seed = 42  # must not call into the deleted spin box


def test_morph_ends_alternate_and_keep_their_digits(state, handle):
    state.model = handle("cvae")
    assert state.next_morph_end() is MorphEnd.START
    state.set_morph_anchor(MorphEnd.START, Anchor(np.zeros(2, np.float32), 3, "tile 4"))
    assert state.next_morph_end() is MorphEnd.END
    state.set_morph_anchor(MorphEnd.END, Anchor(np.ones(2, np.float32), 5, "tile 6"))
    assert state.next_morph_end() is MorphEnd.START
    assert state.morph_label() == 3  # a label cannot be interpolated: A's digit
    state.digit = 7
    assert state.morph_label() == 7  # the digit chosen in the toolbar wins


def test_pad_digit_is_the_toolbars_or_its_own(state, handle):
    state.model = handle("vae")
    assert state.effective_pad_digit is None  # unconditional: no digit at all
    state.model = handle("cvae")
    state.pad_digit = 4
    assert state.effective_pad_digit == 4  # "any digit": the pad's own, shown on the pad
    state.digit = 2
    assert state.effective_pad_digit == 2


def test_favourites_toggle(state):
    assert state.toggle_favourite(3) is True
    assert state.toggle_favourite(5) is True
    assert state.toggle_favourite(3) is False
    assert state.favourites == {5}
