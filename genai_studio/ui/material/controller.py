"""The artist's own material in the studio: images opened or dropped, the sketch, repairs.

:class:`MaterialController` sends every image to the inference worker (a file is untrusted and
is opened there, never on the GUI thread), which prepares it the way the model's data was and
encodes it (a VAE's encoder mean, a GAN's projection with progress and cancel). The result is
``state.material.current``, which the material panel draws, and it lands where the artist sent
it: the pad's point, a pad corner, or a morph end. The sketch is encoded live: one request in
flight, and the newest drawing goes next when it comes back, so strokes never queue up.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from genai_studio.ui.common import ask
from genai_studio.ui.common.guard import gui_slot
from genai_studio.ui.material.state import Material, Target, TargetKind
from genai_studio.ui.studio.state import StudioState
from genai_studio.workers.jobs import Job
from genai_studio.workers.messages import (
    EncodeProgress,
    EncodeRequest,
    EncodeResult,
    RepairRequest,
    RepairResult,
)

if TYPE_CHECKING:
    import numpy as np

    from genai_studio.ui.studio.controller import Studio

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.webp *.bmp *.gif);;All files (*)"
EXPORT_SIZE = 448  # px of an exported repair (16x MNIST, nearest neighbour)


class MaterialController(QObject):

    def __init__(self, state: StudioState, studio: Studio, dialog_parent: QWidget,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state, self.studio, self.dialog_parent = state, studio, dialog_parent
        self.current: EncodeRequest | None = None  # the newest non-live request
        self.live_in_flight = False
        self.pending_sketch: np.ndarray | None = None
        self.sketch_latent: np.ndarray | None = None
        self.sketch_target = Target(TargetKind.PAD)  # where each stroke's latent goes
        self.repair_cancel: threading.Event | None = None
        w = studio.inference.worker
        w.encoded.connect(self.on_encoded)
        w.encode_failed.connect(self.on_encode_failed)
        w.encode_progress.connect(self.on_progress)
        w.repaired.connect(self.on_repaired)
        w.repair_progress.connect(self.on_repair_progress)
        state.session.model_changed.connect(self.on_model)

    def connect_panel(self, panel: Any) -> None:
        """The material panel's intents."""
        panel.sketch_changed.connect(self.sketch_changed)
        panel.sketch_cleared.connect(self.sketch_cleared)
        panel.open_requested.connect(self.open_image)
        panel.send_requested.connect(self.send)
        panel.stop_requested.connect(self.cancel)
        panel.repair_requested.connect(self.repair_material)

    # ---------------------------------------------------------------- bringing images in

    def open_image(self) -> None:
        path = ask.open_path(self.dialog_parent, "Open an image", Path.home(), IMAGE_FILTER,
                             session=self.state.session)
        if path is not None:
            self.import_image(path, Target(TargetKind.PAD))

    @gui_slot(object, int)
    def on_dropped_on_pad(self, path: Path, corner: int) -> None:
        target = Target(TargetKind.CORNER, corner) if corner >= 0 else Target(TargetKind.PAD)
        self.import_image(path, target)

    @gui_slot(object)
    def on_dropped_on_canvas(self, path: Path) -> None:
        self.import_image(path, Target(TargetKind.MORPH, end=self.state.morph.next_end()))

    def import_image(self, path: Path, target: Target) -> None:
        self._send(EncodeRequest(self.state.session.model, Path(path).name, path=Path(path),
                                 target=target, plane=self.state.pad.plane,
                                 cancel=threading.Event()))

    def encode_pixels(self, pixels: np.ndarray, source: str, target: Target,
                      prepared: bool = False) -> None:
        self._send(EncodeRequest(self.state.session.model, source, pixels=pixels,
                                 prepared=prepared, target=target, plane=self.state.pad.plane,
                                 cancel=threading.Event()))

    def _send(self, request: EncodeRequest) -> None:
        if request.handle is None:
            self.state.post("Load a model first: images are prepared and encoded for it")
            return
        if self.current is not None and self.current.cancel is not None:
            self.current.cancel.set()  # the newest image wins
        self.current = request
        self.state.material.encoding = not hasattr(request.handle.model, "encode")
        self.studio.inference.request_encode.emit(request)

    def cancel(self) -> None:
        if self.current is not None and self.current.cancel is not None:
            self.current.cancel.set()

    # ---------------------------------------------------------------- the sketch, live

    @gui_slot(object)
    def sketch_changed(self, pixels: np.ndarray) -> None:
        if self.state.session.model is None:
            return
        if self.live_in_flight:
            self.pending_sketch = pixels
            return
        self.live_in_flight = True
        self.studio.inference.request_encode.emit(EncodeRequest(
            self.state.session.model, "sketch", pixels=pixels, live=True,
            init=self.sketch_latent, target=self.sketch_target, plane=self.state.pad.plane))

    @gui_slot()
    def sketch_cleared(self) -> None:
        self.pending_sketch, self.sketch_latent = None, None
        current = self.state.material.current
        if current is not None and current.source == "sketch":
            self.state.material.current = None

    # ---------------------------------------------------------------- results

    @gui_slot(object)
    def on_encoded(self, result: EncodeResult) -> None:
        request = result.request
        if request.live:
            self.live_in_flight = False
            self.sketch_latent = result.latent
            if self.pending_sketch is not None:
                pixels, self.pending_sketch = self.pending_sketch, None
                self.sketch_changed(pixels)
        elif request is self.current:
            self.current = None
            self.state.material.encoding = False
        if request.handle is not self.state.session.model or (result.cancelled and request.live):
            return
        self.state.material.current = Material(
            request.handle, result.prepared, request.source, result.latent, result.label,
            result.reconstruction, result.error, result.note, result.framed)
        self._land(request.target, result.label, result.pad_point)
        if not request.live:
            note = f" ({result.note})" if result.note else ""
            stopped = "stopped early: " if result.cancelled else ""
            self.state.post(f"{request.source}: {stopped}in latent space, reconstruction "
                            f"error {result.error:.3f}{note}", 8000)

    def _land(self, target: Target | None, label: int | None,
              pad_point: tuple[float, float] | None) -> None:
        s = self.state
        anchor = s.material.current.anchor() if s.material.current is not None else None
        if anchor is None or target is None:
            return
        if s.session.conditional and label is not None and s.canvas.digit is None:
            s.pad.digit = label
        if target.kind is TargetKind.CORNER and s.pad.corners is not None:
            corners = list(s.pad.corners)
            corners[target.index] = anchor
            s.pad.corners = tuple(corners)
        elif target.kind is TargetKind.MORPH and target.end is not None:
            s.morph.set_anchor(target.end, anchor)
        elif target.kind in (TargetKind.PAD, TargetKind.CORNER) and pad_point is not None:
            s.pad.point = pad_point

    @gui_slot(object, str)
    def on_encode_failed(self, request: EncodeRequest, message: str) -> None:
        if request.live:
            self.live_in_flight = False
            if "blank" not in message:
                self.state.post(f"The sketch could not be encoded: {message}")
            return
        if request is self.current:
            self.current = None
            self.state.material.encoding = False
        self.state.report_error(f"Could not bring {request.source} in", message)

    @gui_slot(object)
    def on_progress(self, event: EncodeProgress) -> None:
        if not event.request.live:
            self.state.material.progress = (event.step, event.steps, event.error)

    @gui_slot(object)
    def on_model(self, _handle: object) -> None:
        self.cancel()
        self.state.material.current = None
        self.sketch_latent = None

    # ---------------------------------------------------------------- sending it on

    def send(self, target: Target) -> None:
        """The current material to the pad, a corner or a morph end."""
        s = self.state
        material = s.material.current
        if material is None or material.latent is None:
            s.post("Open, drop or sketch an image first")
            return
        if target.kind is TargetKind.CORNER and s.pad.corners is None:
            s.post("A 2-D model's pad is its latent plane: it has no corners to set")
            return
        point, plane = None, s.pad.plane
        if target.kind is TargetKind.PAD and plane is not None:
            point = plane.point_of(material.latent, fine=17)  # NumPy only, a few ms
        self._land(target, material.label, point)

    # ---------------------------------------------------------------- repair

    def repair_tile(self) -> None:
        picked = self.state.canvas.tile()
        if picked is None:
            self.state.post("Select a tile to repair")
            return
        grid, index = picked
        self.open_repair(grid.images[index], f"tile {index + 1}")

    def repair_material(self) -> None:
        material = self.state.material.current
        if material is None:
            self.state.post("Open, drop or sketch an image first")
            return
        # Framed as the file is, not centred on what ink is left (as the CLI's repair).
        framed = material.framed if material.framed is not None else material.prepared
        self.open_repair(framed, material.source)

    def open_repair(self, image: np.ndarray, source: str) -> Any:
        from PySide6.QtCore import Qt

        from genai_studio.ui.material.repair_dialog import RepairDialog

        if self.state.session.model is None:
            self.state.post("Load a model first")
            return
        dialog = RepairDialog(self.state, image, source, self.dialog_parent)
        dialog.repair_requested.connect(self.repair)
        dialog.stop_requested.connect(self.cancel_repair)
        dialog.export_requested.connect(self.export)
        dialog.use_requested.connect(self.use_repair)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def repair(self, image: np.ndarray, hole: np.ndarray, alternatives: int, seed: int) -> None:
        if self.state.session.model is None:
            self.state.post("Load a model first")
            return
        self.cancel_repair()
        self.repair_cancel = threading.Event()
        self.state.material.repairing = True
        self.studio.inference.request_repair.emit(RepairRequest(
            self.state.session.model, image, hole, alternatives, seed, self.repair_cancel))

    def cancel_repair(self) -> None:
        if self.repair_cancel is not None:
            self.repair_cancel.set()

    @gui_slot(int, int)
    def on_repair_progress(self, step: int, steps: int) -> None:
        self.state.material.repair_progress = (step, steps)

    @gui_slot(object)
    def on_repaired(self, result: RepairResult) -> None:
        if result.request.cancel is not self.repair_cancel:
            return  # an older repair, replaced by a newer one
        self.repair_cancel = None
        self.state.material.repairing = False
        self.state.material.repair = result

    def use_repair(self, image: np.ndarray, source: str, target: Target) -> None:
        """A chosen repair becomes the material, encoded and sent like any image."""
        self.encode_pixels(image, source, target, prepared=True)

    def export(self, image: np.ndarray, name: str) -> None:
        path = ask.save_path(self.dialog_parent, "Export the repaired image",
                             Path.home() / f"{name}.png", "PNG images (*.png)",
                             session=self.state.session)
        if path is None:
            return
        from genai_studio.ui.common.imaging import to_uint8, upscale_nearest

        pixels = upscale_nearest(to_uint8(image), EXPORT_SIZE)
        model = self.state.session.model
        inputs = () if model is None else (Path(model.path),)
        self.studio.jobs.submit(Job("Could not export the image",
                                    lambda _ctx: _write_png(path, pixels, inputs),
                                    done=lambda p: self.state.post(f"Exported {p}")))


def _write_png(path: Path, pixels: Any, inputs: tuple[Path, ...] = ()) -> Path:
    """The jobs thread's write, under the one rule for writers (``core/store/outputs.py``)."""
    from genai_studio.core.export.render import save_png
    from genai_studio.core.store.outputs import check_outputs

    check_outputs({"the export": path}, inputs)
    save_png(path, pixels, inputs)
    return path
