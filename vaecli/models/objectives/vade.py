"""VaDE (Jiang, Zheng, Tan, Tang & Zhou 2017, "Variational Deep Embedding: An Unsupervised and Generative
Approach to Clustering", IJCAI): the ELBO with a learned mixture of K Gaussians as the prior.

The prior is a part of the model (vaecli.models.priors.GaussianMixturePrior): figures, `vae eval`'s samples,
prior MMD and IW log p(x) use it. Its KL is the paper's: closed-form Gaussian KLs to every component, weighted by
the responsibilities p(c|z) at the drawn code, plus the KL of those responsibilities to the mixture weights.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vaecli.errors import require
from vaecli.models.objectives.base import Batch, KLConfig, Objective, Tensor


@dataclass
class VadeConfig(KLConfig):
    name: str = "vade"
    # "analytic": the paper's estimate above (closed-form Gaussian KLs weighted by p(c|z)); "sample":
    # log q(z|x) - log p(z) at the drawn code, with the mixture's density.
    kl: str = "analytic"
    # K: the paper sets it to the number of classes (10 for MNIST and Fashion-MNIST's ten kinds of garment).
    components: int = 10

    def __post_init__(self) -> None:
        super().__post_init__()
        require(self.components > 1, f"model.components must be > 1, got {self.components}; e.g. model.components=10")


class Vade(Objective[VadeConfig]):
    """-log p(x|z) + sum_k gamma_k KL(q(z|x) || N(mu_k, sigma_k^2)) + KL(gamma || pi); gamma_k = p(c=k | z)."""

    Config = VadeConfig
    prior = "gaussian_mixture"
    own_parts = ("cluster_entropy",)

    @classmethod
    def prior_config(cls, cfg: Any) -> dict[str, Any]:
        return {"name": cls.prior, "components": cfg.components}

    def regularizer(self, batch: Batch) -> tuple[Tensor, dict[str, Tensor]]:
        import tensorflow as tf

        gamma = batch.vae.prior.responsibilities(batch.z)  # (samples, batch, K)
        # How sure the mixture is of each image's cluster (nats; log K when it cannot tell): a collapsed
        # mixture, every image in one component, shows as 0 from the first epochs.
        entropy = -tf.reduce_mean(tf.reduce_sum(gamma * tf.math.log(gamma + 1e-10), axis=-1))
        return self.warmup(batch.step) * tf.reduce_mean(batch.kl), {"cluster_entropy": entropy}
