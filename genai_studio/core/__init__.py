"""Qt-free engine: data, models, training, latent maths, model files.

Nothing in this package may import PySide6, ``genai_studio.ui`` or ``genai_studio.workers``;
the CLI, the benchmarks and the GUI all drive it. Importing it is cheap: torch is imported
by the submodules that need it, not here.
"""

from genai_studio.core.errors import (
    DataError,
    DeviceError,
    GenAIError,
    ImageFileError,
    ModelFileError,
    OutputError,
    UsageError,
)

__all__ = ["DataError", "DeviceError", "GenAIError", "ImageFileError", "ModelFileError",
           "OutputError", "UsageError"]
