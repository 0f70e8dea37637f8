"""Latent space: drawing and decoding samples, the pad's corner plane, morph paths, encoding and
fitting images, repair, fitted priors and the inside view's tensors."""
