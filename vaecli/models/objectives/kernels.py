"""The kernel options of the MMD-based objectives (mmd, infovae): a schema shared by both."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

from vaecli.errors import require

KERNELS = ("gaussian", "imq")


@dataclass
class KernelConfig:
    name: str = "gaussian"  # the InfoVAE code's
    # Bandwidth of k(z,z') = exp(-||z-z'||^2 / (2 sigma^2)). None means latent_dim / sqrt(2),
    # which is exactly the original MMD-VAE code's exp(-||z-z'||^2 / d^2).
    sigma: Optional[float] = None

    def __post_init__(self) -> None:
        require(self.name in KERNELS, f"model.kernel.name={self.name} is not known; choose one of {', '.join(KERNELS)}")
        if self.sigma is not None:
            require(self.sigma > 0, f"model.kernel.sigma must be > 0, got {self.sigma}; e.g. model.kernel.sigma=1.0")

    def bandwidth(self, latent_dim: int) -> float:
        return self.sigma if self.sigma is not None else latent_dim / math.sqrt(2.0)
