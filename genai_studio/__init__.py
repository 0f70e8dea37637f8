"""GenAI Studio: make images with generative models you can see, steer and train offline."""

__version__ = "0.1.0"
