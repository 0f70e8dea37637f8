"""Replaying a recorded pad path: the pad's point walks the path as the export would play it
(the export dialog's frames, speed, easing, smoothing and loop), so the live preview shows the
animation before it is written. The pad itself records (``LatentPad.on_recording``)."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer

from genai_studio.ui.common.guard import gui_slot
from genai_studio.ui.studio.state import StudioState


class PathPlayer(QObject):
    def __init__(self, state: StudioState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.points: list[tuple[float, float]] = []
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._tick)
        state.pad.recording_changed.connect(self.on_recording)
        state.session.model_changed.connect(self.stop)

    @property
    def playing(self) -> bool:
        return self.timer.isActive()

    def replay(self) -> None:
        from genai_studio.core.latent.motion import path_frames, resample_path

        s = self.state
        path = s.pad.path
        if path is None or path.handle is not s.session.model:
            s.post("Record a path first: press Record, drag on the pad, press Record again")
            return
        if s.pad.recording:
            s.pad.recording = False
        e = s.takeout.settings
        even = resample_path(path.points, max(e.frames, 64), e.smoothing, e.closed)
        frames = path_frames(even, e.frames, e.timing.playback, e.timing.easing)
        self.points = [(float(u), float(v)) for u, v in frames.clip(0.0, 1.0)]
        self.timer.setInterval(max(10, round(1000 / e.timing.fps)))
        self.timer.start()
        s.post(f"Replaying the path: {len(self.points)} frames at {e.timing.fps:g} fps")

    @gui_slot()
    def _tick(self) -> None:
        if not self.points:
            self.timer.stop()
            return
        self.state.pad.point = self.points.pop(0)

    @gui_slot(object)
    def stop(self, *_args: object) -> None:
        self.timer.stop()
        self.points = []

    @gui_slot(bool)
    def on_recording(self, on: bool) -> None:
        if on:
            self.stop()
