"""Model loading, grid generation, morph frames and pad backdrops, off the GUI thread.

One long-lived worker thread serves every request in order; each slot handles one request and
emits one result (or one failure). Decoding goes through ``core.sampling``, the one path the
CLI and the training previews take too.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal, Slot

from genai_studio.crash import record_fault
from genai_studio.workers.jobs import one_line
from genai_studio.workers.messages import (
    BackgroundRequest,
    EncodeProgress,
    EncodeRequest,
    EncodeResult,
    GenerateRequest,
    GenerateResult,
    InsideRequest,
    InsideResult,
    LoadRequest,
    ModelHandle,
    MorphRequest,
    MorphResult,
    PadBackground,
    RepairRequest,
    RepairResult,
    StartupReport,
)
from genai_studio.workers.threads import track

log = logging.getLogger(__name__)


class InferenceWorker(QObject):
    """Lives on the inference thread."""

    started_up = Signal(StartupReport)
    warmed_up = Signal()
    model_loaded = Signal(ModelHandle, LoadRequest)
    load_failed = Signal(str, object)  # one-line message, LoadRequest
    generated = Signal(GenerateResult)
    morphed = Signal(MorphResult)
    background_ready = Signal(PadBackground)
    inside_ready = Signal(InsideResult)
    encode_progress = Signal(EncodeProgress)  # a GAN's projection
    encoded = Signal(EncodeResult)
    encode_failed = Signal(EncodeRequest, str)  # one-line message
    repair_progress = Signal(int, int)  # step, steps
    repaired = Signal(RepairResult)
    failed = Signal(str, str)  # title, one-line message

    @Slot()
    def start_up(self) -> None:
        """Import torch while the window is already on screen."""
        t0 = time.perf_counter()
        import torch

        from genai_studio.core.runtime.devices import available_devices
        from genai_studio.core.runtime.threads import prepare_compute

        prepare_compute()  # this thread's torch settings, before its first operation

        self.started_up.emit(StartupReport(torch.__version__, tuple(available_devices()),
                                           time.perf_counter() - t0))

    @Slot(str)
    def warm_up(self, device: str = "auto") -> None:
        """One throw-away training step on ``device`` (the studio's: where Train will run),
        so the first real one does not stall the GUI; on a GPU it also creates the context and
        the math libraries' handles, a second or more.

        Nothing that reads PySide6's types is imported here (the plotting library among them):
        see ``loss_plot.preload_plotting``.
        """
        from genai_studio.core.runtime.devices import resolve_device
        from genai_studio.core.train.stepping import warm_up

        try:
            warm_up(resolve_device(device))
        except Exception:  # noqa: BLE001 - an optimisation only; training reports real errors
            log.exception("training warm-up failed")
        self.warmed_up.emit()

    @Slot(object)
    def load(self, request: LoadRequest) -> None:
        from genai_studio.core.defaults import GENERATOR_KINDS
        from genai_studio.core.runtime.devices import resolve_device
        from genai_studio.core.store.checkpoints import load_model

        try:
            device = resolve_device(request.device)
            loaded = load_model(request.path, device, expect_kind=GENERATOR_KINDS)
        except Exception as exc:  # noqa: BLE001 - any failure must reach the artist
            if not _is_user_error(exc):
                log.exception("loading %s failed", request.path)
                record_fault(f"loading {request.path.name}", exc)
            self.load_failed.emit(one_line(exc), request)
            return
        handle = ModelHandle(loaded.model, Path(request.path), loaded.metadata, str(device))
        self.model_loaded.emit(handle, request)

    @Slot(object)
    def generate(self, request: GenerateRequest) -> None:
        from genai_studio.core.latent.sampling import sample

        t0 = time.perf_counter()
        try:
            drawn = sample(request.handle.model, request.count, request.seed, request.digit,
                           request.fitted, keep=request.keep, steer=request.steer)
        except Exception as exc:  # noqa: BLE001
            self._fail("Generation failed", exc)
            return
        self.generated.emit(GenerateResult(request, drawn.images, drawn.latents, drawn.labels,
                                           time.perf_counter() - t0, drawn.base))

    @Slot(object)
    def morph(self, request: MorphRequest) -> None:
        from genai_studio.core.genes.holding import held_ends
        from genai_studio.core.latent.pad import morph_path
        from genai_studio.core.latent.sampling import decode

        try:
            start, end = request.start, request.end
            if request.steer is not None:
                start, end = held_ends(request.handle.model, request.steer, start, end,
                                       request.label)
            z = morph_path(start, end, request.frames)
            images = decode(request.handle.model, z, request.label)
        except Exception as exc:  # noqa: BLE001
            self._fail("Morph failed", exc)
            return
        self.morphed.emit(MorphResult(request, images, z))

    @Slot(object)
    def background(self, request: BackgroundRequest) -> None:
        try:
            self.background_ready.emit(pad_background(request))
        except Exception as exc:  # noqa: BLE001
            self._fail("The pad's backdrop failed", exc)

    @Slot(object)
    def inside(self, request: InsideRequest) -> None:
        """The inside view: one image or latent through the model, every tensor kept. A GAN
        (no encoder) is shown the MNIST test digit nearest its sample, as the real image its
        discriminator judges."""
        from genai_studio.core.latent.inside import look_inside, nearest_real

        try:
            model, kind = request.handle.model, request.handle.kind
            real, index = None, None
            if kind == "gan" and request.source == "dropped image":
                real = request.image  # the artist's own digit is the real one D judges
            elif kind == "gan":
                generated = look_inside(model, kind, latent=request.latent, label=request.label)
                index, real = nearest_real(generated.x_out, request.label)
            inside = look_inside(model, kind, image=request.image, latent=request.latent,
                                 label=request.label, real=real, seed=request.seed)
        except Exception as exc:  # noqa: BLE001 - a look inside must never take the app down
            self._fail("The inside view failed", exc)
            return
        self.inside_ready.emit(InsideResult(request, inside, index))

    @Slot(object)
    def encode(self, request: EncodeRequest) -> None:
        from genai_studio.workers.material import encode_request

        try:
            result = encode_request(request, self.encode_progress.emit)
        except Exception as exc:  # noqa: BLE001 - a bad file is the artist's one-line message
            if not _is_user_error(exc):
                log.exception("encoding %s failed", request.source)
                record_fault(f"encoding {request.source}", exc)
            self.encode_failed.emit(request, one_line(exc))
            return
        self.encoded.emit(result)

    @Slot(object)
    def repair(self, request: RepairRequest) -> None:
        from genai_studio.workers.material import repair_request

        try:
            result = repair_request(request, self.repair_progress.emit)
        except Exception as exc:  # noqa: BLE001
            self._fail("Repair failed", exc)
            return
        self.repaired.emit(result)

    def _fail(self, title: str, exc: Exception) -> None:
        if not _is_user_error(exc):
            log.exception(title)
            record_fault(title, exc)
        self.failed.emit(title, one_line(exc))


def _is_user_error(exc: BaseException) -> bool:
    from genai_studio.core.errors import GenAIError

    return isinstance(exc, GenAIError)


def pad_background(request: BackgroundRequest) -> PadBackground:
    """A decoded atlas of the pad's plane and, for unconditional 2-D VAEs, encoded digits."""
    import numpy as np

    from genai_studio.core.export.render import tile_grid
    from genai_studio.core.latent.pad import atlas_latents_2d, atlas_latents_corners
    from genai_studio.core.latent.sampling import decode

    model, n = request.handle.model, request.atlas_cells
    if request.corners is None:
        latents = atlas_latents_2d(n)
    else:
        latents = atlas_latents_corners(np.asarray(request.corners, np.float32), n)
    atlas = tile_grid(decode(model, latents, request.label), columns=n, padding=0)
    if request.corners is not None or not hasattr(model, "encode") or model.conditional \
            or request.encoded_count <= 0 or not _knows_mnist(request.handle):
        return PadBackground(request, atlas)
    points, labels = _encoded_digits(model, request.encoded_count)
    return PadBackground(request, atlas, points, labels)


def _knows_mnist(handle: ModelHandle) -> bool:
    """The coloured dots are MNIST's test digits: only for models of MNIST's shape that were
    not trained on a dataset of the artist's (``core.datasets`` records its options)."""
    from genai_studio.core.models.base import MNIST_SHAPE

    dataset = handle.metadata.get("dataset") or {}
    return tuple(handle.model.image_shape) == MNIST_SHAPE and "options" not in dataset


def _encoded_digits(model, count: int):  # noqa: ANN001, ANN202 - torch types stay lazy
    """Pad coordinates and classes of the first ``count`` MNIST test digits' posterior means
    (those within the pad's +-3 sigma)."""
    import numpy as np
    import torch

    from genai_studio.core.data.mnist import load_mnist
    from genai_studio.core.latent.pad import PAD_SIGMA, latent_2d_to_pad
    from genai_studio.core.runtime.threads import use_inference_threads

    use_inference_threads()  # one thread while a training run shares the CPU
    test = load_mnist("test", limit=count)
    device = next(model.parameters()).device
    x = test.images.to(device).unsqueeze(1).float().div_(255.0)
    with torch.inference_mode():
        mu, _ = model.encode(x, None)
    mu_np = mu.to("cpu").numpy()
    # Judge "off the pad" in latent units: far-out means saturate the CDF to exactly 1.0.
    inside = np.all(np.abs(mu_np) < PAD_SIGMA, axis=1)
    points = latent_2d_to_pad(mu_np, clip=False)
    return points[inside], test.labels.numpy()[inside].copy()


class InferenceService(QObject):
    """GUI-side owner of the inference thread: request signals in, the worker's signals out."""

    request_start_up = Signal()
    request_warm_up = Signal(str)  # the device training will use
    request_load = Signal(LoadRequest)
    request_generate = Signal(GenerateRequest)
    request_morph = Signal(MorphRequest)
    request_background = Signal(BackgroundRequest)
    request_inside = Signal(InsideRequest)
    request_encode = Signal(EncodeRequest)
    request_repair = Signal(RepairRequest)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thread = track(QThread())
        self.thread.setObjectName("inference")
        self.worker = InferenceWorker()
        self.worker.moveToThread(self.thread)
        # Cross-thread connections are queued: each request runs on the worker thread, in order.
        self.request_start_up.connect(self.worker.start_up)
        self.request_warm_up.connect(self.worker.warm_up)
        self.request_load.connect(self.worker.load)
        self.request_generate.connect(self.worker.generate)
        self.request_morph.connect(self.worker.morph)
        self.request_background.connect(self.worker.background)
        self.request_inside.connect(self.worker.inside)
        self.request_encode.connect(self.worker.encode)
        self.request_repair.connect(self.worker.repair)
        self.thread.finished.connect(self.worker.deleteLater)
        self.thread.start()

    def shutdown(self) -> None:
        """Stop after the request in progress; safe to call twice."""
        if self.thread.isRunning():
            self.thread.quit()
            self.thread.wait()
