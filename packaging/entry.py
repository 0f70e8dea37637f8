"""Frozen entry point: the same ``main()`` as the ``genai-studio`` console script.

The PyInstaller bootloader prints an escaped exception as a raw traceback itself (it does not go
through ``sys.excepthook``), so an unexpected error is caught here and handed to
``genai_studio.crash``: one line on stderr, the traceback in the user log folder.
"""

import multiprocessing
import sys

# crash is imported first and alone: it needs neither numpy, torch nor Qt, so even a broken
# library import below is reported cleanly.
from genai_studio import crash

EXIT_INTERNAL_ERROR = 70  # EX_SOFTWARE


def run() -> int:
    crash.install()
    try:
        from genai_studio.cli import main

        return main()
    except SystemExit:
        raise
    except KeyboardInterrupt:  # Ctrl-C while still importing torch/Qt
        crash.say("genai-studio: interrupted")  # (no stderr at all in a windowed build)
        return 130
    except BaseException:  # noqa: BLE001 - last resort: never show a raw traceback
        crash.report(*sys.exc_info())  # type: ignore[arg-type]
        return EXIT_INTERNAL_ERROR


def finish(code: int) -> None:
    """Exit as the console script does (``genai_studio.cli.finish``)."""
    try:
        from genai_studio.cli import finish as cli_finish
    except BaseException:  # noqa: BLE001 - the import already failed in run(): exit plainly
        sys.exit(code)
    cli_finish(code)


if __name__ == "__main__":
    # A frozen app that ever starts worker processes (torch, pyqtgraph) must re-enter here.
    multiprocessing.freeze_support()
    finish(run())
