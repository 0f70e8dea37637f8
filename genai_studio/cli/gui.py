"""The window front end of the CLI (no command given)."""

from __future__ import annotations

import argparse

from genai_studio.core.errors import UsageError


def run_gui(args: argparse.Namespace) -> int:
    try:
        from genai_studio import app
    except ImportError as exc:
        raise UsageError(f"the studio window is not available here ({exc})") from None
    if args.self_test:
        return app.self_test()
    if args.screenshot:
        return app.screenshot(args.screenshot)
    return app.run()
