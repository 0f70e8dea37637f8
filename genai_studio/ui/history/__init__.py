"""The history dock: every step Undo and Redo move through, as a list."""
