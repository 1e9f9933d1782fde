"""The MMD-VAE of Keydana's post (Zhao, Song & Ermon 2019, InfoVAE, and Zhao's "MMD-VAE" tutorial code): kept exactly."""

from __future__ import annotations

from dataclasses import dataclass, field

from vaecli.errors import require
from vaecli.models.objectives.base import Batch, Objective, ObjectiveConfig, Tensor
from vaecli.models.objectives.kernels import KernelConfig


@dataclass
class MmdConfig(ObjectiveConfig):
    name: str = "mmd"
    kernel: KernelConfig = field(default_factory=KernelConfig)
    mmd_weight: float = 1.0  # Keydana's post: loss = MSE + MMD
    prior_samples: int = 200  # the post draws 200 N(0, I) samples per step

    def __post_init__(self) -> None:
        super().__post_init__()
        require(self.samples == 1, "model=mmd has a deterministic encoder: one code per image; drop model.samples")
        require(self.mmd_weight >= 0, f"model.mmd_weight must be >= 0, got {self.mmd_weight}; e.g. model.mmd_weight=1.0")
        require(self.prior_samples > 0, f"model.prior_samples must be > 0, got {self.prior_samples}; e.g. model.prior_samples=200")


class Mmd(Objective[MmdConfig]):
    """MSE(x, sigmoid(decoder(z))) + mmd_weight * MMD²(N(0, I) draws, z), z = encoder(x), biased estimator."""

    Config = MmdConfig
    stochastic = False
    likelihoods = ("mse",)
    own_parts = ("mmd",)

    def regularizer(self, batch: Batch) -> tuple[Tensor, dict[str, Tensor]]:
        from vaecli.models.losses import KERNELS, mmd

        codes = batch.z[0]
        prior = batch.rng.normal((self.cfg.prior_samples, codes.shape[-1]))
        divergence = mmd(prior, codes, KERNELS[self.cfg.kernel.name], self.cfg.kernel.bandwidth(codes.shape[-1]))
        return self.cfg.mmd_weight * divergence, {"mmd": divergence}
