"""The interface of a dataset with known generating factors, which the disentanglement metrics sample from.

A generated dataset (vaecli/data/generated.py) and a factor-grid TFDS dataset (vaecli/data/tfds.py) are one;
vaecli/evaluate/disentanglement.py's FactorVAE and beta-VAE scores render images of chosen factor values through it.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class FactorSource(Protocol):
    """A dataset that renders images from chosen factor values (dSprites, 3D Shapes, ...)."""

    @property
    def factor_names(self) -> tuple[str, ...]: ...

    @property
    def factor_sizes(self) -> tuple[int, ...]:  # number of discrete values of each factor
        ...

    def sample_factors(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """(n, n_factors) int indices, each factor uniform over its values."""

    def images(self, factors: np.ndarray) -> np.ndarray:
        """(n, H, W, C) uint8 images of those factor indices."""
