"""WAE-MMD, the Wasserstein auto-encoder (Tolstikhin, Bousquet, Gelly & Schölkopf 2018), Algorithm 2."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from vaecli.errors import require
from vaecli.models.objectives.base import Batch, Objective, ObjectiveConfig, Tensor


@dataclass
class WaeConfig(ObjectiveConfig):
    name: str = "wae"
    # The paper's MNIST balance: λ = 10 against the cost ||x - y||². Its default likelihood,
    # gaussian_fixed with sigma = 1, gives ||x - y||² / 2 + const, so λ = 5 keeps the same ratio.
    lam: float = 5.0
    # IMQ kernel k = C / (C + ||z - z'||²), summed over C = s * 2 d σ_z² for these s (the paper's scales, σ_z = 1).
    scales: list[float] = field(default_factory=lambda: [0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0])

    def __post_init__(self) -> None:
        super().__post_init__()
        require(self.samples == 1, "model=wae has a deterministic encoder: one code per image; drop model.samples")
        require(self.lam >= 0, f"model.lam must be >= 0, got {self.lam}; e.g. model.lam=10")
        require(len(self.scales) > 0 and all(s > 0 for s in self.scales), f"model.scales must be positive, got {list(self.scales)}")


class Wae(Objective[WaeConfig]):
    """c(x, G(z)) + λ MMD²_u(p(z), q(z)): deterministic encoder, unbiased MMD against as many prior draws as codes."""

    Config = WaeConfig
    stochastic = False  # the WAE penalty matches q(z) to p(z) and needs no encoder noise
    likelihoods = ("gaussian_fixed", "bernoulli", "gaussian")  # the first: the paper's squared-error cost
    own_parts = ("mmd",)

    def regularizer(self, batch: Batch) -> tuple[Tensor, dict[str, Tensor]]:
        import tensorflow as tf

        codes = batch.z[0]
        prior = batch.vae.sample_prior(tf.shape(codes)[0], batch.rng)
        divergence = imq_mmd_unbiased(codes, prior, self.cfg.scales)
        return self.cfg.lam * divergence, {"mmd": divergence}


def imq_mmd_unbiased(x: Tensor, y: Tensor, scales: Sequence[float]) -> Tensor:
    """The unbiased MMD² with the IMQ kernel summed over scales s: C = s * 2 d (a unit-variance prior)."""
    from vaecli.models.losses import imq_kernel, mmd_unbiased

    d = x.shape[-1]

    def kernel(a: Tensor, b: Tensor, _sigma: float) -> Tensor:
        return sum(imq_kernel(a, b, (s * d) ** 0.5) for s in scales)  # imq's C = 2 sigma² = 2 d s

    return mmd_unbiased(x, y, kernel, 0.0)  # the kernel carries its own scales: the bandwidth is unused
