"""vaecli: an experiment runner for how a VAE's training objective shapes its latent space."""

__version__ = "0.1.0"
