"""The error types a user can cause. Each carries a one-line message fit to show as is."""


class GenAIError(Exception):
    """Base class: anything the user can fix (bad file, bad option, missing device)."""


class InputError(GenAIError):
    """An input file cannot be used: missing, not a regular file, too large or unreadable."""


class DataError(InputError):
    """A dataset file or folder is missing, truncated or not what it claims to be."""


class ModelFileError(InputError):
    """A model file cannot be used: missing, truncated, foreign, unsafe or the wrong kind."""


class DeviceError(GenAIError):
    """The requested compute device is not available on this machine."""


class UsageError(GenAIError):
    """An option that makes no sense (non-positive count, label for an unconditional model)."""


class OutputError(GenAIError):
    """An output file or folder cannot be written (missing, not a folder, read-only, disk full,
    an input of the same command, a device or a FIFO)."""


class OutputBusy(OutputError):
    """Another live run holds the output (see ``output_lock.OutputLock``)."""


class TrainingDiverged(GenAIError):
    """The losses or weights became NaN or infinite, or a discriminator won outright; the run
    stopped without saving them and kept its last good checkpoint."""


class ImageFileError(InputError):
    """An image cannot be reopened: no provenance, or damaged or hostile metadata."""
