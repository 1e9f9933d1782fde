"""The evidence lower bound (Kingma & Welling 2014, "Auto-Encoding Variational Bayes")."""

from __future__ import annotations

from dataclasses import dataclass

from vaecli.errors import require
from vaecli.models.objectives.base import Batch, KLConfig, Objective, Tensor


@dataclass
class ElboConfig(KLConfig):
    name: str = "elbo"
    # Keydana's single-sample estimate log q(z|x) - log p(z), not the analytic KL of the other objectives.
    kl: str = "sample"
    # 1.0 is the true ELBO. Keydana's code summed the reconstruction over the batch but averaged
    # the prior terms, i.e. kl_weight = 1/batch_size (0.01 at 100).
    kl_weight: float = 1.0

    def __post_init__(self) -> None:
        super().__post_init__()
        require(self.kl_weight >= 0, f"model.kl_weight must be >= 0, got {self.kl_weight}; e.g. model.kl_weight=1.0")


class Elbo(Objective[ElboConfig]):
    """-ELBO = -log p(x|z) + kl_weight * KL(q(z|x) || p(z)); N(0, I) prior, Gaussian encoder."""

    Config = ElboConfig

    def regularizer(self, batch: Batch) -> tuple[Tensor, dict[str, Tensor]]:
        import tensorflow as tf

        return self.cfg.kl_weight * self.warmup(batch.step) * tf.reduce_mean(batch.kl), {}
