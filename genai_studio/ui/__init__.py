"""PySide6 widgets. Nothing here imports torch at module level: the window paints first."""
