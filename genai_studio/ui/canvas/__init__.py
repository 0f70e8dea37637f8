"""The canvas of generated samples, the top bar that drives it and what a tile can become."""
