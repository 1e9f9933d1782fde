"""β-TCVAE (Chen, Li, Grosse & Duvenaud 2018, "Isolating Sources of Disentanglement in VAEs").

The KL term splits into index-code mutual information, total correlation and dimension-wise KL,
estimated on the minibatch with minibatch-weighted sampling (MWS, the paper's eq. S5).
"""

from __future__ import annotations

from dataclasses import dataclass

from vaecli.errors import require
from vaecli.models.objectives.base import Batch, KLConfig, Objective, Tensor


@dataclass
class BetaTcVaeConfig(KLConfig):
    name: str = "beta_tcvae"
    # The three parts are estimated at the drawn codes; "sample" makes the logged kl their exact sum.
    kl: str = "sample"
    alpha: float = 1.0  # weight of the mutual information: the paper keeps α = 1 ...
    beta: float = 6.0  # ... and penalises the total correlation alone; β = 6 lies in the paper's range (1-10)
    gamma: float = 1.0  # ... and γ = 1 on the dimension-wise KL

    def __post_init__(self) -> None:
        super().__post_init__()
        for key in ("alpha", "beta", "gamma"):
            require(getattr(self, key) >= 0, f"model.{key} must be >= 0, got {getattr(self, key)}")


class BetaTcVae(Objective[BetaTcVaeConfig]):
    Config = BetaTcVaeConfig
    own_parts = ("mutual_information", "total_correlation", "dimension_kl")

    def regularizer(self, batch: Batch) -> tuple[Tensor, dict[str, Tensor]]:
        mi, tc, dim_kl = tc_decomposition(batch.z, batch.mean, batch.logvar, batch.vae.log_prior(batch.z), self.context.train_size)
        cfg = self.cfg
        penalty = self.warmup(batch.step) * (cfg.alpha * mi + cfg.beta * tc + cfg.gamma * dim_kl)
        return penalty, {"mutual_information": mi, "total_correlation": tc, "dimension_kl": dim_kl}


def tc_decomposition(z: Tensor, mean: Tensor, logvar: Tensor, log_pz: Tensor, dataset_size: int) -> tuple[Tensor, Tensor, Tensor]:
    """(MI, TC, dimension-wise KL), batch means, with the minibatch-weighted-sampling estimator.

    z: (L, M, d) codes drawn from q(z|x) of a minibatch of M images; log_pz: (L, M).
    log q(z_i) ~ logsumexp_j log q(z_i | x_j) - log(N M), per dimension likewise for q(z_i,k).
    The three add up to the KL estimate mean(log q(z|x) - log p(z)).
    """
    import tensorflow as tf

    from vaecli.models.losses import LOG_2PI

    batch = tf.cast(tf.shape(mean)[0], tf.float32)
    # log q(z_i,k | x_j) for every code i, image j, dimension k: (L, M, M, d)
    pairwise = -0.5 * ((z[:, :, None, :] - mean[None, None]) ** 2 * tf.exp(-logvar)[None, None] + logvar[None, None] + LOG_2PI)
    log_norm = tf.math.log(batch * dataset_size)
    log_qz_x = tf.reduce_sum(tf.linalg.diag_part(tf.transpose(pairwise, (0, 3, 1, 2))), axis=1)  # i == j: (L, M)
    log_qz = tf.reduce_logsumexp(tf.reduce_sum(pairwise, axis=-1), axis=2) - log_norm
    log_prod_qz = tf.reduce_sum(tf.reduce_logsumexp(pairwise, axis=2) - log_norm, axis=-1)
    return (
        tf.reduce_mean(log_qz_x - log_qz),
        tf.reduce_mean(log_qz - log_prod_qz),
        tf.reduce_mean(log_prod_qz - log_pz),
    )

