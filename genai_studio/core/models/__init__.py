"""The generative models and the judge: VAE, GAN, VAE-GAN and the digit classifier, their
configs, the building blocks they share and latent priors; ``registry`` builds any of them by
kind name."""
