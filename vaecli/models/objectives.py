"""The two training objectives, built from pure loss functions.

ELBO and MMD share the encoder, the decoder and the training loop; they differ only
here, in how an encoder output becomes a code and what the loss is. Each objective
returns its loss parts as one dict of named per-batch means, so the console, the
metrics file, TensorBoard and `vae eval` all speak one vocabulary. `loss` is what
the optimizer minimises.
"""

from __future__ import annotations

import math

import tensorflow as tf

LOG_2PI = math.log(2.0 * math.pi)

# ---------------------------------------------------------------- pure functions


def log_normal_pdf(x, mean, logvar):
    """log N(x; mean, diag(exp(logvar))), summed over the last axis."""
    return tf.reduce_sum(-0.5 * ((x - mean) ** 2 * tf.exp(-logvar) + logvar + LOG_2PI), axis=-1)


def kl_to_standard_normal(mean, logvar):
    """KL(N(mean, exp(logvar)) || N(0, I)) in closed form, summed over the last axis."""
    return 0.5 * tf.reduce_sum(tf.exp(logvar) + mean**2 - 1.0 - logvar, axis=-1)


def bernoulli_log_likelihood(x, logits):
    """log p(x | logits) of pixels in [0, 1], summed over all but the batch axis (nats per image)."""
    per_pixel = -tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=logits)
    return tf.reduce_sum(tf.reshape(per_pixel, [tf.shape(x)[0], -1]), axis=-1)


def squared_distances(x, y):
    """||x_i - y_j||^2 for every pair of rows: an [n, m] matrix."""
    return tf.reduce_sum(tf.square(x[:, None, :] - y[None, :, :]), axis=-1)


def gaussian_kernel(x, y, sigma):
    """exp(-||x - y||^2 / (2 sigma^2)); sigma = d / sqrt(2) is the InfoVAE code's exp(-||.||^2 / d^2)."""
    return tf.exp(-squared_distances(x, y) / (2.0 * sigma**2))


def imq_kernel(x, y, sigma):
    """Inverse multiquadratic C / (C + ||x - y||^2) with C = 2 sigma^2 (heavier tails than Gaussian)."""
    c = 2.0 * sigma**2
    return c / (c + squared_distances(x, y))


KERNELS = {"gaussian": gaussian_kernel, "imq": imq_kernel}


def mmd(x, y, kernel, sigma):
    """Squared maximum mean discrepancy between samples x and y (the biased V-statistic of the InfoVAE code)."""
    return (
        tf.reduce_mean(kernel(x, x, sigma))
        + tf.reduce_mean(kernel(y, y, sigma))
        - 2.0 * tf.reduce_mean(kernel(x, y, sigma))
    )


# ---------------------------------------------------------------- objectives


class ElboObjective:
    """Negative ELBO: -log p(x|z) + kl_weight * (log q(z|x) - log p(z)), z ~ q(z|x)."""

    stochastic_encoder = True
    parts = ("loss", "reconstruction", "kl", "elbo")

    def __init__(self, latent_dim: int, kl: str = "sample", kl_weight: float = 1.0):
        self.latent_dim, self.analytic_kl, self.kl_weight = latent_dim, kl == "analytic", kl_weight

    def __call__(self, vae, x, rng, training: bool = False) -> dict:
        head = tf.cast(vae.encoder(x, training=training), tf.float32)
        mean, logvar = head[:, : self.latent_dim], head[:, self.latent_dim :]
        z = mean + tf.exp(0.5 * logvar) * rng.normal(tf.shape(mean))
        logits = tf.cast(vae.decoder(z, training=training), tf.float32)
        reconstruction = -bernoulli_log_likelihood(x, logits)
        if self.analytic_kl:
            kl = kl_to_standard_normal(mean, logvar)
        else:
            kl = log_normal_pdf(z, mean, logvar) - log_normal_pdf(z, 0.0, 0.0)
        return {
            "loss": tf.reduce_mean(reconstruction + self.kl_weight * kl),
            "reconstruction": tf.reduce_mean(reconstruction),
            "kl": tf.reduce_mean(kl),
            "elbo": -tf.reduce_mean(reconstruction + kl),  # the unweighted bound, nats per image
        }


class MmdObjective:
    """MSE(x, sigmoid(decoder(z))) + mmd_weight * MMD(N(0, I) samples, z), z = encoder(x)."""

    stochastic_encoder = False
    parts = ("loss", "reconstruction", "mmd")

    def __init__(self, latent_dim: int, kernel: str = "gaussian", sigma: float | None = None,
                 mmd_weight: float = 1.0, prior_samples: int = 200):
        self.latent_dim, self.kernel, self.mmd_weight, self.prior_samples = latent_dim, KERNELS[kernel], mmd_weight, prior_samples
        self.sigma = sigma if sigma is not None else latent_dim / math.sqrt(2.0)

    def __call__(self, vae, x, rng, training: bool = False) -> dict:
        z = tf.cast(vae.encoder(x, training=training), tf.float32)
        reconstruction = tf.sigmoid(tf.cast(vae.decoder(z, training=training), tf.float32))
        mse = tf.reduce_mean(tf.square(reconstruction - x))
        prior = rng.normal((self.prior_samples, self.latent_dim))
        divergence = mmd(prior, z, self.kernel, self.sigma)
        return {"loss": mse + self.mmd_weight * divergence, "reconstruction": mse, "mmd": divergence}


def make_objective(model_cfg, latent_dim: int):
    """The objective named by `model.name`, with its options."""
    if model_cfg.name == "elbo":
        return ElboObjective(latent_dim, kl=model_cfg.kl, kl_weight=model_cfg.kl_weight)
    return MmdObjective(
        latent_dim,
        kernel=model_cfg.kernel.name,
        sigma=model_cfg.kernel.bandwidth(latent_dim),
        mmd_weight=model_cfg.mmd_weight,
        prior_samples=model_cfg.prior_samples,
    )
