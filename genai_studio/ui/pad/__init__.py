"""The latent pad: drag a point over a plane of latent space and watch the decoded image, its
preview and recorded paths."""
