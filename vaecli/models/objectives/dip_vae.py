"""DIP-VAE (Kumar, Sattigeri & Balakrishnan 2018, "Variational Inference of Disentangled Latent Concepts
from Unlabeled Observations"), types I and II: the ELBO plus a penalty that drives the covariance of
the codes towards the identity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from vaecli.errors import require
from vaecli.models.objectives.base import Batch, KLConfig, Objective, Tensor


@dataclass
class DipVaeConfig(KLConfig):
    name: str = "dip_vae"
    type: str = "i"  # "i": covariance of the posterior means; "ii": of the codes, adding E[Σ(x)]
    lambda_od: float = 10.0  # off-diagonal weight, the paper's and disentanglement_lib's 10
    # Diagonal weight; None: 10 * lambda_od for type i, lambda_od for type ii (the paper's choice).
    lambda_d: Optional[float] = None

    def __post_init__(self) -> None:
        super().__post_init__()
        require(self.type in ("i", "ii"), f"model.type={self.type} is not known; choose one of i, ii")
        require(self.lambda_od >= 0, f"model.lambda_od must be >= 0, got {self.lambda_od}; e.g. model.lambda_od=10")
        require(self.lambda_d is None or self.lambda_d >= 0, f"model.lambda_d must be >= 0, got {self.lambda_d}")

    @property
    def diagonal_weight(self) -> float:
        if self.lambda_d is not None:
            return self.lambda_d
        return 10.0 * self.lambda_od if self.type == "i" else self.lambda_od


class DipVae(Objective[DipVaeConfig]):
    """-ELBO + lambda_od sum_{i != j} Cov_ij² + lambda_d sum_i (Cov_ii - 1)²."""

    Config = DipVaeConfig
    own_parts = ("covariance_offdiagonal", "covariance_diagonal")

    def regularizer(self, batch: Batch) -> tuple[Tensor, dict[str, Tensor]]:
        import tensorflow as tf

        off, diag = covariance_penalties(code_covariance(batch.mean, batch.logvar, self.cfg.type))
        penalty = self.warmup(batch.step) * tf.reduce_mean(batch.kl) + self.cfg.lambda_od * off + self.cfg.diagonal_weight * diag
        return penalty, {"covariance_offdiagonal": off, "covariance_diagonal": diag}


def code_covariance(mean: Tensor, logvar: Tensor, dip_type: str) -> Tensor:
    """Cov[E q(z|x)] over the batch (type i), plus E[diag(exp(logvar))] (type ii: the covariance of q(z))."""
    import tensorflow as tf

    centred = mean - tf.reduce_mean(mean, axis=0, keepdims=True)
    covariance = tf.matmul(centred, centred, transpose_a=True) / tf.cast(tf.shape(mean)[0], tf.float32)
    if dip_type == "ii":
        covariance += tf.linalg.diag(tf.reduce_mean(tf.exp(logvar), axis=0))
    return covariance


def covariance_penalties(covariance: Tensor) -> tuple[Tensor, Tensor]:
    """(sum of squared off-diagonal entries, sum of squared (diagonal - 1))."""
    import tensorflow as tf

    diagonal = tf.linalg.diag_part(covariance)
    off = tf.reduce_sum(tf.square(covariance)) - tf.reduce_sum(tf.square(diagonal))
    return off, tf.reduce_sum(tf.square(diagonal - 1.0))
