"""The studio state that every widget binds to, the controller that drives the inference worker
from it, and the history of what was shown."""
