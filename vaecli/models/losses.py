"""Loss math as pure TensorFlow functions, shared by the objectives, the likelihoods and `vae eval`.

Each is checked against values worked out by hand in tests/test_losses.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import tensorflow as tf

LOG_2PI = math.log(2.0 * math.pi)


def log_normal_pdf(x: tf.Tensor, mean: tf.Tensor, logvar: tf.Tensor) -> tf.Tensor:
    """log N(x; mean, diag(exp(logvar))), summed over the last axis."""
    return tf.reduce_sum(-0.5 * ((x - mean) ** 2 * tf.exp(-logvar) + logvar + LOG_2PI), axis=-1)


def kl_to_standard_normal(mean: tf.Tensor, logvar: tf.Tensor) -> tf.Tensor:
    """KL(N(mean, exp(logvar)) || N(0, I)) in closed form, summed over the last axis."""
    return 0.5 * tf.reduce_sum(tf.exp(logvar) + mean**2 - 1.0 - logvar, axis=-1)


def per_image_sum(values: tf.Tensor) -> tf.Tensor:
    """Sum over every axis but the first: per-pixel terms -> one number per image."""
    return tf.reduce_sum(tf.reshape(values, [tf.shape(values)[0], -1]), axis=-1)


def bernoulli_log_likelihood(x: tf.Tensor, logits: tf.Tensor) -> tf.Tensor:
    """log p(x | logits) of pixels in [0, 1], summed over all but the batch axis (nats per image)."""
    return per_image_sum(-tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=logits))


def squared_distances(x: tf.Tensor, y: tf.Tensor) -> tf.Tensor:
    """||x_i - y_j||^2 for every pair of rows: an [n, m] matrix."""
    return tf.reduce_sum(tf.square(x[:, None, :] - y[None, :, :]), axis=-1)


def gaussian_kernel(x: tf.Tensor, y: tf.Tensor, sigma: float) -> tf.Tensor:
    """exp(-||x - y||^2 / (2 sigma^2)); sigma = d / sqrt(2) is the InfoVAE code's exp(-||.||^2 / d^2)."""
    return tf.exp(-squared_distances(x, y) / (2.0 * sigma**2))


def imq_kernel(x: tf.Tensor, y: tf.Tensor, sigma: float) -> tf.Tensor:
    """Inverse multiquadratic C / (C + ||x - y||^2) with C = 2 sigma^2 (heavier tails than Gaussian)."""
    c = 2.0 * sigma**2
    return c / (c + squared_distances(x, y))


Kernel = Callable[[tf.Tensor, tf.Tensor, float], tf.Tensor]
KERNELS: dict[str, Kernel] = {"gaussian": gaussian_kernel, "imq": imq_kernel}


def mmd(x: tf.Tensor, y: tf.Tensor, kernel: Kernel, sigma: float) -> tf.Tensor:
    """Squared maximum mean discrepancy between samples x and y (the biased V-statistic of the InfoVAE code)."""
    return (
        tf.reduce_mean(kernel(x, x, sigma))
        + tf.reduce_mean(kernel(y, y, sigma))
        - 2.0 * tf.reduce_mean(kernel(x, y, sigma))
    )


def _mean_off_diagonal(matrix: tf.Tensor) -> tf.Tensor:
    n = tf.cast(tf.shape(matrix)[0], matrix.dtype)
    return (tf.reduce_sum(matrix) - tf.reduce_sum(tf.linalg.diag_part(matrix))) / (n * (n - 1.0))


def mmd_unbiased(x: tf.Tensor, y: tf.Tensor, kernel: Kernel, sigma: float) -> tf.Tensor:
    """Squared MMD, the unbiased U-statistic: the k(x_i, x_i) terms left out (WAE, Tolstikhin et al. 2018, Alg. 2)."""
    return (
        _mean_off_diagonal(kernel(x, x, sigma))
        + _mean_off_diagonal(kernel(y, y, sigma))
        - 2.0 * tf.reduce_mean(kernel(x, y, sigma))
    )
