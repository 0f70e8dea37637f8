"""Training data: MNIST's IDX files, the artist's datasets, folders brought in, and preparing an
image the way a model's data was prepared."""
