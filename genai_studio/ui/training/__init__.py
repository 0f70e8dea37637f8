"""Training in the window: the form, the run, its progress, losses and quality meter."""
