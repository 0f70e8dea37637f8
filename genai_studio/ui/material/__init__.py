"""The artist's own material: opened and dropped images, the sketch surface and repair."""
