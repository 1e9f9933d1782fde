"""β-VAE (Higgins et al. 2017) and its capacity-controlled form (Burgess et al. 2018)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from vaecli.errors import require
from vaecli.models.objectives.base import Batch, KLConfig, Objective, Tensor


@dataclass
class BetaVaeConfig(KLConfig):
    name: str = "beta_vae"
    beta: float = 4.0  # Higgins et al.'s β for 2-D shapes (dSprites); β = 1 is the ELBO
    # Burgess et al. 2018's capacity control: set capacity_max (their 25 nats on dSprites) to train on
    # gamma * |KL - C| instead of β KL, with C rising linearly from 0 to capacity_max over capacity_steps.
    capacity_max: Optional[float] = None
    capacity_gamma: float = 1000.0  # their γ
    capacity_steps: int = 100000  # their 1e5 training iterations

    def __post_init__(self) -> None:
        super().__post_init__()
        require(self.beta >= 0, f"model.beta must be >= 0, got {self.beta}; e.g. model.beta=4")
        require(self.capacity_max is None or self.capacity_max >= 0, f"model.capacity_max must be >= 0, got {self.capacity_max}")
        require(self.capacity_gamma > 0, f"model.capacity_gamma must be > 0, got {self.capacity_gamma}; e.g. 1000")
        require(self.capacity_steps > 0, f"model.capacity_steps must be > 0, got {self.capacity_steps}; e.g. 100000")


class BetaVae(Objective[BetaVaeConfig]):
    """-log p(x|z) + β KL, or -log p(x|z) + gamma |KL - C(step)| with the capacity schedule."""

    Config = BetaVaeConfig
    own_parts = ("capacity",)

    def regularizer(self, batch: Batch) -> tuple[Tensor, dict[str, Tensor]]:
        import tensorflow as tf

        kl, cfg, step = tf.reduce_mean(batch.kl), self.cfg, batch.step
        if cfg.capacity_max is None:
            return cfg.beta * self.warmup(step) * kl, {"capacity": tf.constant(0.0)}
        c = capacity_at(step, cfg.capacity_max, cfg.capacity_steps)
        return cfg.capacity_gamma * self.warmup(step) * tf.abs(kl - c), {"capacity": c}


def capacity_at(step: Tensor | None, c_max: float, steps: int) -> Tensor:
    """C rises linearly from 0 to c_max over `steps` training steps, then stays (Burgess et al. 2018)."""
    import tensorflow as tf

    if step is None:
        return tf.constant(c_max, tf.float32)
    return c_max * tf.minimum(1.0, tf.cast(step, tf.float32) / steps)
