"""The inside view's controller: keeps ``state.inside.result`` current while the view is open.

It looks at what the artist last touched (a canvas tile, the pad's point, or an image dropped
on the view), asks the inference worker to run it through the model (``core.inside``), and
writes the result to the state, which the view draws. At most one look is in flight and at
most ten are sent a second, so a fast pad drag costs the worker thread little and the GUI
thread nothing but a repaint (docs/architecture.md, Budgets).
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QObject, QTimer

from genai_studio.ui.common.guard import gui_slot
from genai_studio.ui.inside.state import InsideSource
from genai_studio.ui.studio.state import StudioState
from genai_studio.workers.inference import InferenceService
from genai_studio.workers.jobs import Job, JobRunner
from genai_studio.workers.messages import InsideRequest, InsideResult

MIN_INTERVAL_S = 0.1  # at most ten looks a second


class InsideLens(QObject):
    def __init__(self, state: StudioState, inference: InferenceService, jobs: JobRunner,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state, self.inference, self.jobs = state, inference, jobs
        self.sent = 0  # looks requested so far (tests and benchmarks count them)
        self._in_flight = False
        self._dirty = False
        self._last_sent = -1.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._send)
        s = state
        s.canvas.selected_changed.connect(self.on_tile)
        s.pad.point_changed.connect(self.on_pad)
        s.inside.image_changed.connect(self.on_image)
        for signal in (s.session.model_changed, s.canvas.grid_changed, s.pad.plane_changed,
                       s.pad.effective_digit_changed, s.inside.source_changed,
                       s.inside.open_changed):
            signal.connect(self.touch)
        inference.worker.inside_ready.connect(self.on_result)

    # ---------------------------------------------------------------- what to look at

    @gui_slot(int)
    def on_tile(self, index: int) -> None:
        if index >= 0:
            self.state.inside.source = InsideSource.TILE
        self.touch()

    @gui_slot(object)
    def on_pad(self, _point: object) -> None:
        self.state.inside.source = InsideSource.PAD
        self.touch()

    @gui_slot(object)
    def on_image(self, image: object) -> None:
        if image is not None:
            self.state.inside.source = InsideSource.IMAGE
        self.touch()

    def open_image(self, path: Path) -> None:
        """Read an image file on the jobs thread, prepared as the model's data was (the way
        the pad and the sketch panel take images), then look at it."""
        from genai_studio.core.data.image_input import WORK_SIDE, open_image
        from genai_studio.core.data.prepare import MNIST_SPEC, prepare, spec_for_model

        model = self.state.session.model
        spec = MNIST_SPEC if model is None else spec_for_model(model.model.image_shape,
                                                               model.metadata.get("dataset"))
        self.jobs.submit(Job(
            "Could not read this image",
            lambda _ctx: prepare(open_image(path, reduce_to=WORK_SIDE).image, spec),
            self._image_read))

    def _image_read(self, image: object) -> None:
        self.state.inside.image = image

    # ---------------------------------------------------------------- pacing

    @gui_slot()
    def touch(self, *_args: object) -> None:
        """Something the view shows changed: look again, soon (never more than 10 times/s)."""
        if not self.state.inside.open:
            return
        self._dirty = True
        if not self._in_flight and not self._timer.isActive():
            wait = MIN_INTERVAL_S - (time.perf_counter() - self._last_sent)
            self._timer.start(max(0, int(1000 * wait)))

    @gui_slot()
    def _send(self) -> None:
        if self._in_flight or not self._dirty:
            return
        self._dirty = False
        request = self.request()
        if request is None:
            self.state.inside.result = None
            return
        self._in_flight, self._last_sent = True, time.perf_counter()
        self.sent += 1
        self.inference.request_inside.emit(request)

    @gui_slot(object)
    def on_result(self, result: InsideResult) -> None:
        self._in_flight = False
        if result.request.handle is self.state.session.model:
            self.state.inside.result = result
        if self._dirty:
            self._dirty = False
            self.touch()

    def request(self) -> InsideRequest | None:
        """The look the state asks for now, or None when there is nothing to look at. Only
        what belongs to the active model is looked at: while one model replaces another, the
        grid and the corners are still the previous model's for a moment."""
        s = self.state
        model = s.session.model
        if model is None:
            return None
        source, picked = s.inside.source, s.canvas.tile()
        if source is InsideSource.TILE and picked is not None and picked[0].handle is model:
            grid, i = picked
            label = grid.label_at(i)
            return InsideRequest(model, f"tile {i + 1}", image=grid.images[i],
                                 latent=grid.latents[i],
                                 label=label if label is not None else s.canvas.digit)
        latent = s.pad.latent()
        if source is InsideSource.IMAGE and s.inside.image is not None:
            return InsideRequest(model, "dropped image", image=s.inside.image, latent=latent,
                                 label=s.pad.effective_digit)
        if latent is None:
            return None
        return InsideRequest(model, "pad", latent=latent, label=s.pad.effective_digit)
