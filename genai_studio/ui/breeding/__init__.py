"""Breeding: parents chosen from tiles and exported images, and grids of their children."""
