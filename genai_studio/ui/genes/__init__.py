"""Genes: named sliders (slant, thickness, ... and the artist's own) that steer what the studio
shows."""
