"""Model loading, grid generation, morph frames and pad backgrounds, off the GUI thread.

One long-lived worker thread serves every request in order. Requests carry the model handle
they were made for, so a result that arrives after the artist switched models is recognisable
(``handle`` is compared by identity on the GUI side) and dropped there.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from genai_studio.workers import track

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)


@dataclass(eq=False)
class ModelHandle:
    """A loaded model and what the GUI needs to know about it (compared by identity)."""

    model: Any  # core.models.Generator, on ``device``
    path: Path
    metadata: dict[str, Any]
    device: str

    @property
    def kind(self) -> str:
        return str(self.metadata.get("kind", "?"))

    @property
    def latent_dim(self) -> int:
        return int(self.model.latent_dim)

    @property
    def conditional(self) -> bool:
        return bool(self.model.conditional)

    @property
    def name(self) -> str:
        return self.path.name.removesuffix(".safetensors")


@dataclass(frozen=True)
class LoadRequest:
    path: Path
    device: str = "auto"
    reason: str = "open"  # "open" | "import" | "device" | "trained": how the GUI reacts


@dataclass(frozen=True)
class GenerateRequest:
    handle: ModelHandle
    count: int
    seed: int
    label: int | None  # None: any digit (conditional models get one label per tile, cycling)


@dataclass(frozen=True)
class GenerateResult:
    handle: ModelHandle
    seed: int
    images: np.ndarray  # (n, 28, 28) float32 copy
    latents: np.ndarray  # (n, D) float32 copy
    labels: np.ndarray | None  # (n,) int64 or None
    seconds: float


@dataclass(frozen=True)
class MorphRequest:
    handle: ModelHandle
    start: np.ndarray
    end: np.ndarray
    frames: int
    label: int | None


@dataclass(frozen=True)
class MorphResult:
    handle: ModelHandle
    images: np.ndarray  # (frames, 28, 28)
    latents: np.ndarray


@dataclass(frozen=True)
class BackgroundRequest:
    handle: ModelHandle
    atlas_cells: int = 20
    encoded_count: int = 2000
    label: int | None = None


@dataclass(frozen=True)
class PadBackground:
    handle: ModelHandle
    atlas: np.ndarray  # (H, W) uint8, the decoded atlas tiled over the pad
    points: np.ndarray | None = None  # (n, 2) pad coords of encoded test digits, or None
    labels: np.ndarray | None = None  # (n,) their classes


@dataclass(frozen=True)
class StartupReport:
    torch_version: str
    devices: list[str]
    seconds: float


class InferenceWorker(QObject):
    """Lives on the inference thread; each slot handles one request and emits one result."""

    started_up = Signal(object)  # StartupReport
    warmed_up = Signal()
    model_loaded = Signal(object, object)  # ModelHandle, LoadRequest
    load_failed = Signal(str, object)  # one-line message, LoadRequest
    generated = Signal(object)  # GenerateResult
    morphed = Signal(object)  # MorphResult
    background_ready = Signal(object)  # PadBackground
    failed = Signal(str)

    @Slot()
    def start_up(self) -> None:
        """Import torch while the window is already on screen."""
        t0 = time.perf_counter()
        import torch

        from genai_studio.core.devices import available_devices

        self.started_up.emit(StartupReport(torch.__version__, available_devices(),
                                           time.perf_counter() - t0))

    @Slot()
    def warm_up(self) -> None:
        """One throw-away training step, so the first real one does not stall the GUI.

        Also pre-imports the plotting library: importing it takes ~250 ms, which on the GUI
        thread (at the first Train) would be a visible freeze. Only module code runs here;
        the plot widget itself is made on the GUI thread.
        """
        import pyqtgraph  # noqa: F401

        from genai_studio.core import training

        try:
            training.warm_up()
        except Exception:  # noqa: BLE001 - an optimisation only; training reports real errors
            log.exception("training warm-up failed")
        self.warmed_up.emit()

    @Slot(object)
    def load(self, request: LoadRequest) -> None:
        from genai_studio.core.checkpoints import load_model
        from genai_studio.core.devices import resolve_device
        from genai_studio.core.errors import GenAIError

        try:
            device = resolve_device(request.device)
            loaded = load_model(request.path, device)
        except GenAIError as exc:
            self.load_failed.emit(str(exc), request)
            return
        except Exception as exc:  # noqa: BLE001 - any failure must reach the artist, not crash
            log.exception("loading %s failed", request.path)
            self.load_failed.emit(f"{Path(request.path).name}: {exc}", request)
            return
        handle = ModelHandle(loaded.model, Path(request.path), loaded.metadata, str(device))
        self.model_loaded.emit(handle, request)

    @Slot(object)
    def generate(self, request: GenerateRequest) -> None:
        try:
            self.generated.emit(_generate(request))
        except Exception as exc:  # noqa: BLE001
            log.exception("generation failed")
            self.failed.emit(f"Generation failed: {exc}")

    @Slot(object)
    def morph(self, request: MorphRequest) -> None:
        from genai_studio.core.latent import morph_path

        try:
            z = morph_path(request.start, request.end, request.frames)
            images = decode_batch(request.handle, z, request.label)
            self.morphed.emit(MorphResult(request.handle, images, z))
        except Exception as exc:  # noqa: BLE001
            log.exception("morph failed")
            self.failed.emit(f"Morph failed: {exc}")

    @Slot(object)
    def background(self, request: BackgroundRequest) -> None:
        try:
            self.background_ready.emit(_background(request))
        except Exception as exc:  # noqa: BLE001
            log.exception("pad background failed")
            self.failed.emit(f"Pad background failed: {exc}")


def decode_batch(handle: ModelHandle, z: np.ndarray, label: int | None) -> np.ndarray:
    """Decode latents (n, D) -> images (n, 28, 28) float32, a copy safe to hand across threads.

    Also used on the GUI thread for the pad's single-point preview (well under a millisecond).
    """
    import numpy as np
    import torch

    from genai_studio.core.threads import use_inference_threads

    use_inference_threads()  # one thread while a training run shares the CPU
    model = handle.model
    device = next(model.parameters()).device
    zt = torch.from_numpy(np.ascontiguousarray(z, dtype=np.float32)).to(device)
    labels = None
    if model.conditional:
        labels = torch.full((len(z),), int(label or 0), dtype=torch.long, device=device)
    with torch.inference_mode():
        images = model.decode(zt, labels)
    return images.to("cpu").numpy().astype(np.float32, copy=True)


def _generate(request: GenerateRequest) -> GenerateResult:
    import numpy as np
    import torch

    t0 = time.perf_counter()
    model = request.handle.model
    gen = torch.Generator().manual_seed(request.seed)
    z = model.prior(request.count, gen).to("cpu").numpy().astype(np.float32, copy=True)
    labels = None
    if model.conditional:
        if request.label is None:
            labels = np.arange(request.count, dtype=np.int64) % model.num_classes
        else:
            labels = np.full(request.count, request.label, dtype=np.int64)
    images = _decode_labelled(request.handle, z, labels)
    return GenerateResult(request.handle, request.seed, images, z, labels,
                          time.perf_counter() - t0)


def _decode_labelled(handle: ModelHandle, z: np.ndarray, labels: np.ndarray | None) -> np.ndarray:
    import numpy as np
    import torch

    from genai_studio.core.threads import use_inference_threads

    use_inference_threads()  # one thread while a training run shares the CPU
    model = handle.model
    device = next(model.parameters()).device
    zt = torch.from_numpy(z).to(device)
    lt = torch.from_numpy(labels).to(device) if labels is not None else None
    with torch.inference_mode():
        return model.decode(zt, lt).to("cpu").numpy().astype(np.float32, copy=True)


def _background(request: BackgroundRequest) -> PadBackground:
    """For a 2-D latent: a decoded atlas and, for unconditional VAEs, encoded test digits."""
    import numpy as np
    import torch

    from genai_studio.core.data import load_mnist
    from genai_studio.core.images import tile_grid
    from genai_studio.core.latent import PAD_SIGMA, atlas_latents_2d, latent_2d_to_pad

    handle, n = request.handle, request.atlas_cells
    images = decode_batch(handle, atlas_latents_2d(n), request.label)
    atlas = tile_grid(images, columns=n, padding=0)
    model = handle.model
    if not hasattr(model, "encode") or model.conditional or request.encoded_count <= 0:
        return PadBackground(handle, atlas)
    test = load_mnist("test", limit=request.encoded_count)
    device = next(model.parameters()).device
    x = test.images.to(device).unsqueeze(1).float().div_(255.0)
    with torch.inference_mode():
        mu, _ = model.encode(x, None)
    mu_np = mu.to("cpu").numpy()
    # Judge "off the pad" in latent units: far-out means saturate the CDF to exactly 1.0.
    inside = np.all(np.abs(mu_np) < PAD_SIGMA, axis=1)
    points = latent_2d_to_pad(mu_np, clip=False)
    return PadBackground(handle, atlas, points[inside], test.labels.numpy()[inside].copy())


class InferenceService(QObject):
    """GUI-side owner of the inference thread: request signals in, the worker's signals out."""

    request_start_up = Signal()
    request_warm_up = Signal()
    request_load = Signal(object)
    request_generate = Signal(object)
    request_morph = Signal(object)
    request_background = Signal(object)

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
        self.thread.finished.connect(self.worker.deleteLater)
        self.thread.start()

    def shutdown(self) -> None:
        """Stop after the request in progress; safe to call twice."""
        if self.thread.isRunning():
            self.thread.quit()
            self.thread.wait()
