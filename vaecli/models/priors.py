"""The model's prior p(z): N(0, I), the VampPrior's learned mixture, or VaDE's learned Gaussian mixture. A part of the saved model,
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


@keras.saving.register_keras_serializable(package="vaecli")
class GaussianMixturePrior(keras.layers.Layer):
    """p(z) = sum_k pi_k N(z; mu_k, diag(sigma_k^2)), every parameter learned (VaDE, Jiang et al. 2017).

    The paper starts the mixture from a GMM fitted to a pretrained autoencoder's codes; here it starts from
    K means drawn from N(0, I), unit variances and equal weights, and is learned with the rest from the first step.
    """

    def __init__(self, latent_dim: int, image_shape=None, components: int = 10, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim, self.components = latent_dim, components
        self.means = self.add_weight(shape=(components, latent_dim), initializer=keras.initializers.RandomNormal(0.0, 1.0),
                                     name="means")
        self.logvars = self.add_weight(shape=(components, latent_dim), initializer="zeros", name="logvars")
        self.logits = self.add_weight(shape=(components,), initializer="zeros", name="logits")  # pi = softmax(logits)

    def parameters(self):
        """(log pi (K,), mu (K, d), log sigma^2 (K, d)), in float32 under any precision policy."""
        return (tf.nn.log_softmax(tf.cast(self.logits, tf.float32)), tf.cast(self.means, tf.float32),
                tf.cast(self.logvars, tf.float32))

    def joint(self, z):
        """log pi_k + log N(z; mu_k, sigma_k^2) for every component: (..., K)."""
        log_pi, means, logvars = self.parameters()
        return log_pi + log_normal_pdf(z[..., None, :], means, logvars)

    def log_prob(self, z, encoder=None):
        return tf.reduce_logsumexp(self.joint(z), axis=-1)

    def responsibilities(self, z):
        """p(c = k | z): VaDE's approximation of q(c|x) (its eq. 16), (..., K)."""
        return tf.nn.softmax(self.joint(z), axis=-1)

    def kl(self, mean, logvar, z, encoder=None):
        """KL(q(z, c|x) || p(z, c)) per image as VaDE computes it (its eq. 15 and 16): with gamma_k = p(c=k | z)
        at the drawn codes z (samples, batch, d) or (batch, d),
        sum_k gamma_k KL(N(mean, exp(logvar)) || N(mu_k, sigma_k^2)) + KL(gamma || pi), averaged over the samples.
        The Gaussian KLs are in closed form; only gamma depends on the draw."""
        log_pi, means, logvars = self.parameters()
        gaussian = 0.5 * tf.reduce_sum(  # (batch, K): KL of the posterior to each component
            logvars - logvar[:, None] + (tf.exp(logvar[:, None]) + (mean[:, None] - means) ** 2) * tf.exp(-logvars) - 1.0,
            axis=-1)
        gamma = self.responsibilities(z if len(z.shape) == 3 else z[None])  # (samples, batch, K)
        categorical = tf.reduce_sum(gamma * (tf.math.log(gamma + 1e-10) - log_pi), axis=-1)
        return tf.reduce_mean(tf.reduce_sum(gamma * gaussian, axis=-1) + categorical, axis=0)

    def sample(self, n, rng: tf.random.Generator, encoder=None):
        log_pi, means, logvars = self.parameters()
        chosen = tf.random.stateless_categorical(log_pi[None], n, seed=rng.make_seeds(1)[:, 0])[0]
        noise = rng.normal((n, self.latent_dim))
        return tf.gather(means, chosen) + tf.exp(0.5 * tf.gather(logvars, chosen)) * noise

    def mean(self, encoder=None) -> np.ndarray:
        """The mixture's mean: sum_k pi_k mu_k."""
        log_pi, means, _ = self.parameters()
        return (tf.exp(log_pi)[:, None] * means).numpy().sum(axis=0)

    def quantiles(self, probabilities, encoder=None, seed: int = 0) -> np.ndarray:
        draws = self.sample(20000, tf.random.Generator.from_seed(seed)).numpy()
        return np.quantile(draws, probabilities, axis=0)

    def get_config(self):
        return {**super().get_config(), "latent_dim": self.latent_dim, "components": self.components}


PRIORS = {"standard_normal": StandardNormal, "vamp": VampPrior, "gaussian_mixture": GaussianMixturePrior}


def make_prior(options: dict, latent_dim: int, image_shape):
    """The prior an objective asks for ({"name": ..., options}), sized for the model."""
    options = dict(options)
    return PRIORS[options.pop("name")](latent_dim, image_shape, name="prior", **options)
