"""The decoder's likelihoods p(x|z), a config group (`likelihood=...`) independent of the objective.

Each is one schema and one class: how many numbers the decoder gives per channel, log p(x | decoder
output) per image, and the pixel means in [0, 1] that figures and `vae eval` show. Every log
likelihood is in nats per image (summed over pixels), so runs compare; `mse` is the exception, the
MMD-VAE loss of Keydana's post (mean squared error per pixel), kept for `model=mmd`.
Like the objectives, this module imports TensorFlow inside functions: the schemas are read first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from omegaconf import MISSING

from vaecli.errors import ConfigError


@dataclass
class LikelihoodConfig:
    name: str = MISSING


@dataclass
class BernoulliConfig(LikelihoodConfig):
    name: str = "bernoulli"


@dataclass
class GaussianConfig(LikelihoodConfig):
    name: str = "gaussian"
    # A floor on the log-variance (softly, through softplus): pixels at exactly 0 or 1, most of
    # MNIST's, would otherwise drive their variance to 0 and the likelihood to infinity.
    min_logvar: float = -6.0


@dataclass
class GaussianFixedConfig(LikelihoodConfig):
    name: str = "gaussian_fixed"
    sigma: float = 1.0  # AEVB's identity-covariance Gaussian; -log p = ||x - mean||² / (2 sigma²) + const

    def __post_init__(self) -> None:
        if self.sigma <= 0:
            raise ConfigError(f"likelihood.sigma must be > 0, got {self.sigma}; e.g. likelihood.sigma=1.0")


@dataclass
class MseConfig(LikelihoodConfig):
    name: str = "mse"


class Likelihood:
    Config: ClassVar[type] = LikelihoodConfig
    outputs_per_channel: ClassVar[int] = 1

    def __init__(self, cfg: LikelihoodConfig):
        self.cfg = cfg

    def mean(self, outputs):
        """Pixel means in [0, 1]: sigmoid of the decoder's first output per channel."""
        import tensorflow as tf

        return tf.sigmoid(outputs[..., : outputs.shape[-1] // self.outputs_per_channel])

    def log_prob(self, x, outputs):
        raise NotImplementedError


class Bernoulli(Likelihood):
    """Pixels in [0, 1] as Bernoulli probabilities on logits (Keydana's, and AEVB's for MNIST)."""

    Config = BernoulliConfig

    def log_prob(self, x, outputs):
        from vaecli.models.losses import bernoulli_log_likelihood

        return bernoulli_log_likelihood(x, outputs)


class Gaussian(Likelihood):
    """N(x; sigmoid(mean output), exp(logvar output)) per pixel: AEVB's Gaussian decoder, learned diagonal variance."""

    Config = GaussianConfig
    outputs_per_channel = 2

    def log_prob(self, x, outputs):
        import tensorflow as tf

        from vaecli.models.losses import LOG_2PI, per_image_sum

        channels = outputs.shape[-1] // 2
        mean, raw = tf.sigmoid(outputs[..., :channels]), outputs[..., channels:]
        floor = self.cfg.min_logvar
        logvar = floor + tf.nn.softplus(raw - floor)
        return per_image_sum(-0.5 * ((x - mean) ** 2 * tf.exp(-logvar) + logvar + LOG_2PI))


class GaussianFixed(Likelihood):
    """N(x; sigmoid(output), sigma² I): a scaled squared error plus a constant, in nats."""

    Config = GaussianFixedConfig

    def log_prob(self, x, outputs):
        import tensorflow as tf

        from vaecli.models.losses import LOG_2PI, per_image_sum

        variance = self.cfg.sigma**2
        return per_image_sum(-0.5 * ((x - tf.sigmoid(outputs)) ** 2 / variance + math.log(variance) + LOG_2PI))


class Mse(Likelihood):
    """Minus the mean squared error per pixel of the sigmoid output: Keydana's MMD-VAE loss, not in nats."""

    Config = MseConfig

    def log_prob(self, x, outputs):
        import tensorflow as tf

        squared = tf.square(tf.sigmoid(outputs) - x)
        return -tf.reduce_mean(tf.reshape(squared, [tf.shape(x)[0], -1]), axis=-1)


LIKELIHOODS: dict[str, type[Likelihood]] = {cls.Config.name: cls for cls in (Bernoulli, Gaussian, GaussianFixed, Mse)}


def make_likelihood(cfg) -> Likelihood:
    """From a schema instance or the plain dict a saved model keeps."""
    if isinstance(cfg, dict):
        cfg = LIKELIHOODS[cfg["name"]].Config(**cfg)
    return LIKELIHOODS[cfg.name](cfg)
