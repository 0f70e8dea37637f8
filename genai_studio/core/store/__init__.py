"""Files on disk: atomic writes, model files and checkpoints, output locks, bundled resources and
the model library."""
