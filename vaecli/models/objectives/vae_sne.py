"""VAE-SNE (Graving & Couzin 2020, "VAE-SNE: a deep generative model for simultaneous dimensionality reduction
and clustering", bioRxiv): the ELBO plus a stochastic-neighbour term on each minibatch, so that images that are
neighbours in pixel space stay neighbours in the code space, as t-SNE's map does (van der Maaten & Hinton 2008).

For each image i of the batch, p(j|i) is a Gaussian kernel on the pixel distances whose width is set so that the
row's perplexity is `perplexity`; q(j|i) is a Student-t kernel with one degree of freedom on the distances of the
codes. The term is the batch mean of KL(P_i || Q_i), in nats per image, added to the negative ELBO.
"""

from __future__ import annotations

from dataclasses import dataclass

from vaecli.errors import require
from vaecli.models.objectives.base import Batch, KLConfig, Objective, Tensor


@dataclass
class VaeSneConfig(KLConfig):
    name: str = "vae_sne"
    # The effective number of neighbours each image keeps. t-SNE's customary 30 (van der Maaten & Hinton 2008)
    # cannot be reached in a batch of 100 well; 15 keeps every row's kernel well inside the batch.
    perplexity: float = 15.0
    sne_weight: float = 1.0  # the neighbour term's weight against the ELBO: equal, as in the paper's objective

    def __post_init__(self) -> None:
        super().__post_init__()
        require(self.perplexity > 1, f"model.perplexity must be > 1, got {self.perplexity}; e.g. model.perplexity=15")
        require(self.sne_weight >= 0, f"model.sne_weight must be >= 0, got {self.sne_weight}; e.g. model.sne_weight=1")


class VaeSne(Objective[VaeSneConfig]):
    """-ELBO + sne_weight * mean_i KL(P_i || Q_i): P from the images at a perplexity, Q Student-t on the codes."""

    Config = VaeSneConfig
    own_parts = ("sne",)
    needs_inputs = True

    def regularizer(self, batch: Batch) -> tuple[Tensor, dict[str, Tensor]]:
        import tensorflow as tf

        x = tf.reshape(tf.cast(batch.x, tf.float32), (tf.shape(batch.x)[0], -1))
        p = input_affinities(x, self.cfg.perplexity)
        sne = tf.reduce_mean([neighbour_kl(p, codes) for codes in tf.unstack(batch.z)])
        return self.warmup(batch.step) * tf.reduce_mean(batch.kl) + self.cfg.sne_weight * sne, {"sne": sne}


def input_affinities(x: Tensor, perplexity: float, steps: int = 30) -> Tensor:
    """p(j|i) (n, n), rows summing to 1, p(i|i) = 0: a Gaussian kernel on squared distances whose precision per row
    is found by bisection (on its logarithm) so that the row's entropy is log(perplexity), as t-SNE does."""
    import tensorflow as tf

    from vaecli.models.losses import squared_distances

    n = tf.shape(x)[0]
    distances = tf.stop_gradient(squared_distances(x, x))
    distances /= tf.reduce_mean(distances) + 1e-12  # scale-free: the bisection's bracket suits any data
    off = 1.0 - tf.eye(n)
    target = tf.math.log(tf.minimum(tf.cast(perplexity, tf.float32), tf.cast(n - 1, tf.float32) - 0.5))

    def rows(log_beta: Tensor) -> tuple[Tensor, Tensor]:
        logits = -tf.exp(log_beta)[:, None] * distances - 1e9 * (1.0 - off)
        p = tf.nn.softmax(logits, axis=1)
        entropy = -tf.reduce_sum(p * tf.math.log(p + 1e-12), axis=1)
        return p, entropy

    low, high = tf.fill([n], -20.0), tf.fill([n], 20.0)
    for _ in range(steps):  # the entropy falls as the precision beta rises
        middle = 0.5 * (low + high)
        too_wide = rows(middle)[1] > target
        low, high = tf.where(too_wide, middle, low), tf.where(too_wide, high, middle)
    return tf.stop_gradient(rows(0.5 * (low + high))[0])


def neighbour_kl(p: Tensor, codes: Tensor) -> Tensor:
    """mean_i KL(P_i || Q_i), q(j|i) proportional to (1 + ||z_i - z_j||^2)^-1 over j != i."""
    import tensorflow as tf

    from vaecli.models.losses import squared_distances

    n = tf.shape(codes)[0]
    kernel = (1.0 - tf.eye(n)) / (1.0 + squared_distances(codes, codes))
    log_q = tf.math.log(kernel / tf.reduce_sum(kernel, axis=1, keepdims=True) + 1e-12)
    return tf.reduce_mean(tf.reduce_sum(p * (tf.math.log(p + 1e-12) - log_q), axis=1))
