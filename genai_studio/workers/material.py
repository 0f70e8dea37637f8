"""The inference worker's share of bringing material in: preparing and encoding an image,
repairing one. Plain functions of plain requests (``workers/messages.py``), run on the
inference thread; ``progress`` is called between the steps of an optimisation."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from genai_studio.workers.messages import (
    EncodeProgress,
    EncodeRequest,
    EncodeResult,
    RepairRequest,
    RepairResult,
)

if TYPE_CHECKING:
    import numpy as np

LIVE_STEPS = 30  # a sketch stroke's projection (GANs): short, warm-started from the last one
LIVE_STARTS = 2


def model_input(request: EncodeRequest) -> tuple[np.ndarray, np.ndarray]:
    """The request's image prepared the way the model's data was, and framed as it is (for a
    repair: ``core.data.prepare.prepare_with_hole``, as the CLI's repair frames it)."""
    import numpy as np
    from PIL import Image

    from genai_studio.core.data.image_input import WORK_SIDE, open_image
    from genai_studio.core.data.prepare import prepare, prepare_with_hole, spec_for_model
    from genai_studio.core.export.render import to_uint8

    handle = request.handle
    spec = spec_for_model(handle.model.image_shape, handle.metadata.get("dataset"))
    if request.path is not None:
        image = open_image(request.path, reduce_to=WORK_SIDE).image
    else:
        pixels = np.asarray(request.pixels)
        if request.prepared:
            prepared = pixels.astype(np.float32, copy=True)
            return prepared, prepared
        if pixels.dtype != np.uint8:
            pixels = to_uint8(pixels)
        image = Image.fromarray(np.ascontiguousarray(pixels))
    return prepare(image, spec), prepare_with_hole(image, None, spec)[0]


def encode_request(request: EncodeRequest,
                   progress: Callable[[EncodeProgress], None]) -> EncodeResult:
    from genai_studio.core.latent.encoding import Encoded, encode
    from genai_studio.core.latent.fit import FitProgress
    from genai_studio.core.runtime.threads import use_inference_threads

    use_inference_threads()
    prepared, framed = model_input(request)
    model = request.handle.model
    steps = {"steps": LIVE_STEPS, "starts": LIVE_STARTS} if request.live else {}
    result: Encoded | None = None
    for event in encode(model, prepared, seed=request.seed, init=request.init,
                        cancel=request.cancel, **steps):
        if isinstance(event, FitProgress):
            progress(EncodeProgress(request, event.step, event.steps, event.error))
        else:
            result = event
    assert result is not None
    return EncodeResult(request, prepared, result.latent, result.label,
                        result.reconstruction, result.error, result.note, result.cancelled,
                        None if request.plane is None else request.plane.point_of(result.latent),
                        framed)


def repair_request(request: RepairRequest,
                   progress: Callable[[int, int], None]) -> RepairResult:
    from genai_studio.core.latent.fit import FitProgress
    from genai_studio.core.latent.repair import Repair, repair
    from genai_studio.core.runtime.threads import use_inference_threads

    use_inference_threads()
    result: Repair | None = None
    for event in repair(request.handle.model, request.image, request.hole,
                        alternatives=request.alternatives, seed=request.seed,
                        cancel=request.cancel):
        if isinstance(event, FitProgress):
            progress(event.step, event.steps)
        else:
            result = event
    assert result is not None
    return RepairResult(request, result.images, result.latents, result.labels,
                        result.cancelled)
