"""The VampPrior (Tomczak & Welling 2018, "VAE with a VampPrior"): the ELBO with a learned prior,
p(z) = (1/K) sum_k q(z | u_k), a mixture of the encoder's posteriors at K learned pseudo-inputs u_k.

The prior is a part of the model (vaecli.models.priors.VampPrior): figures, `vae eval`'s samples,
prior MMD and IW log p(x) all use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vaecli.errors import require
from vaecli.models.objectives.base import Batch, KLConfig, Objective, Tensor


@dataclass
class VampConfig(KLConfig):
    name: str = "vamp"
    kl: str = "sample"  # a mixture prior has no closed-form KL
    components: int = 500  # K pseudo-inputs: the paper's 500 (each step encodes them too)

    def __post_init__(self) -> None:
        super().__post_init__()
        require(self.kl == "sample", "model=vamp has no closed-form KL (its prior is a mixture); drop model.kl=analytic")
        require(self.components > 0, f"model.components must be > 0, got {self.components}; e.g. model.components=500")


class Vamp(Objective[VampConfig]):
    """-log p(x|z) + log q(z|x) - log p_λ(z) at z ~ q(z|x)."""

    Config = VampConfig
    prior = "vamp"

    @classmethod
    def prior_config(cls, cfg: Any) -> dict[str, Any]:
        return {"name": cls.prior, "components": cfg.components}

    def regularizer(self, batch: Batch) -> tuple[Tensor, dict[str, Tensor]]:
        import tensorflow as tf

        return self.warmup(batch.step) * tf.reduce_mean(batch.kl), {}
