"""The model's prior p(z): N(0, I), or the VampPrior's learned mixture. A part of the saved model,
so that samples, `vae eval`'s prior metrics and the IW bound use the prior the model was trained with."""

from __future__ import annotations

import math
from statistics import NormalDist

import keras
import numpy as np
import tensorflow as tf

from vaecli.models.losses import kl_to_standard_normal, log_normal_pdf


@keras.saving.register_keras_serializable(package="vaecli")
class StandardNormal(keras.layers.Layer):
    """p(z) = N(0, I)."""

    def __init__(self, latent_dim: int, image_shape=None, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = latent_dim

    def log_prob(self, z, encoder=None):
        return log_normal_pdf(z, 0.0, 0.0)

    def kl(self, mean, logvar, z=None, encoder=None):
        """KL(q(z|x) || p(z)) per image, in closed form."""
        return kl_to_standard_normal(mean, logvar)

    def sample(self, n, rng: tf.random.Generator, encoder=None):
        return rng.normal((n, self.latent_dim))

    def mean(self, encoder=None) -> np.ndarray:
        return np.zeros(self.latent_dim, np.float32)

    def quantiles(self, probabilities, encoder=None, seed: int = 0) -> np.ndarray:
        """(len(probabilities), d): each dimension's marginal quantiles."""
        values = np.array([NormalDist().inv_cdf(p) for p in probabilities])
        return np.repeat(values[:, None], self.latent_dim, axis=1)

    def get_config(self):
        return {**super().get_config(), "latent_dim": self.latent_dim}


@keras.saving.register_keras_serializable(package="vaecli")
class VampPrior(keras.layers.Layer):
    """p(z) = (1/K) sum_k q(z | u_k), u_k learned pseudo-inputs in [0, 1] (hard-tanh, as in the paper)."""

    def __init__(self, latent_dim: int, image_shape, components: int = 500, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim, self.image_shape, self.components = latent_dim, tuple(image_shape), components
        # The authors' code initialises the pseudo-inputs N(0.05, 0.01) before the hard-tanh.
        self.raw_inputs = self.add_weight(
            shape=(components, *self.image_shape), initializer=keras.initializers.RandomNormal(0.05, 0.01), name="pseudo_inputs"
        )

    def pseudo_inputs(self):
        return tf.clip_by_value(tf.cast(self.raw_inputs, tf.float32), 0.0, 1.0)

    def components_of(self, encoder):
        head = tf.cast(encoder(self.pseudo_inputs()), tf.float32)
        return head[:, : self.latent_dim], head[:, self.latent_dim :]

    def log_prob(self, z, encoder):
        mean, logvar = self.components_of(encoder)
        per_component = log_normal_pdf(z[..., None, :], mean, logvar)  # (..., K)
        return tf.reduce_logsumexp(per_component, axis=-1) - math.log(self.components)

    def kl(self, mean, logvar, z, encoder):
        """No closed form for a mixture: log q(z|x) - log p(z) at the given codes z ~ q(z|x)."""
        return log_normal_pdf(z, mean, logvar) - self.log_prob(z, encoder)

    def sample(self, n, rng: tf.random.Generator, encoder):
        mean, logvar = self.components_of(encoder)
        chosen = rng.uniform((n,), 0, self.components, dtype=tf.int32)
        noise = rng.normal((n, self.latent_dim))
        return tf.gather(mean, chosen) + tf.exp(0.5 * tf.gather(logvar, chosen)) * noise

    def mean(self, encoder) -> np.ndarray:
        """The mixture's mean: the average of its components' means."""
        return self.components_of(encoder)[0].numpy().mean(axis=0)

    def quantiles(self, probabilities, encoder, seed: int = 0) -> np.ndarray:
        draws = self.sample(20000, tf.random.Generator.from_seed(seed), encoder).numpy()
        return np.quantile(draws, probabilities, axis=0)

    def get_config(self):
        return {**super().get_config(), "latent_dim": self.latent_dim, "image_shape": list(self.image_shape),
                "components": self.components}


PRIORS = {"standard_normal": StandardNormal, "vamp": VampPrior}


def make_prior(options: dict, latent_dim: int, image_shape):
    """The prior an objective asks for ({"name": ..., options}), sized for the model."""
    options = dict(options)
    return PRIORS[options.pop("name")](latent_dim, image_shape, name="prior", **options)
