"""The general InfoVAE objective (Zhao, Song & Ermon 2019, "InfoVAE: Balancing Learning and Inference in VAEs").

loss = -log p(x|z) + (1 - α) KL(q(z|x) || p(z)) + (α + λ - 1) MMD²(q(z), p(z)).
Its corners: α = 0, λ = 1 is the ELBO (`elbo`); α = 1, λ = 1 with a deterministic encoder and the
mse likelihood is Keydana's MMD-VAE (`mmd`). tests/test_objectives.py checks both on one batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from vaecli.errors import require
from vaecli.models.objectives.base import NATS_LIKELIHOODS, Batch, KLConfig, Objective, Tensor
from vaecli.models.objectives.kernels import KernelConfig


@dataclass
class InfoVaeConfig(KLConfig):
    name: str = "infovae"
    alpha: float = 0.0  # Zhao et al.'s MMD-InfoVAE experiments: α = 0 (keep the KL's full weight) ...
    lam: float = 1000.0  # ... and λ = 1000, so the MMD term weighs λ + α - 1 = 999
    kernel: KernelConfig = field(default_factory=KernelConfig)
    prior_samples: int = 200  # p(z) draws per step for the MMD, as the InfoVAE tutorial code
    # α = 1 removes the KL term, and with it any need for encoder noise: a point code per image.
    deterministic: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        require(self.alpha <= 1, f"model.alpha must be <= 1 (the KL weight is 1 - α), got {self.alpha}")
        require(self.alpha + self.lam - 1 >= 0, f"model.alpha + model.lam must be >= 1 (the MMD weight), got {self.alpha + self.lam}")
        require(self.prior_samples > 0, f"model.prior_samples must be > 0, got {self.prior_samples}")
        require(not self.deterministic or self.alpha == 1,
                f"model.deterministic=true needs model.alpha=1 (no KL term without a posterior), got alpha={self.alpha}")
        require(not self.deterministic or self.samples == 1, "model.deterministic=true gives one code per image; drop model.samples")


class InfoVae(Objective[InfoVaeConfig]):
    Config = InfoVaeConfig
    likelihoods = NATS_LIKELIHOODS + ("mse",)
    own_parts = ("mmd",)

    @classmethod
    def stochastic_encoder(cls, cfg: Any) -> bool:
        return not cfg.deterministic

    @classmethod
    def check(cls, cfg: Any, likelihood: str) -> None:
        super().check(cfg, likelihood)
        require(likelihood != "mse" or cfg.deterministic,
                "likelihood=mse is not in nats, so it cannot sit beside a KL term; use it with model.deterministic=true model.alpha=1")

    def regularizer(self, batch: Batch) -> tuple[Tensor, dict[str, Tensor]]:
        import tensorflow as tf

        from vaecli.models.losses import KERNELS, mmd

        d = batch.z.shape[-1]
        codes = tf.reshape(batch.z, (-1, d))  # draws from q(z), the aggregate posterior
        prior = batch.vae.sample_prior(self.cfg.prior_samples, batch.rng)
        divergence = mmd(prior, codes, KERNELS[self.cfg.kernel.name], self.cfg.kernel.bandwidth(d))
        penalty = (self.cfg.alpha + self.cfg.lam - 1.0) * divergence
        if batch.kl is not None and self.cfg.alpha != 1:
            penalty += (1.0 - self.cfg.alpha) * self.warmup(batch.step) * tf.reduce_mean(batch.kl)
        return penalty, {"mmd": divergence}
