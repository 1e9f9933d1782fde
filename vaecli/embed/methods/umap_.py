"""UMAP (McInnes, Healy & Melville 2018), by umap-learn: a fuzzy k-neighbour graph laid out in 2-D.

Named umap_.py so that it does not shadow the `umap` package it imports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from vaecli.errors import require, require_positive

LIBRARY = "umap-learn"  # the distribution whose version run.json records
TEST_POINTS = "fit on the training images; test images placed by UMAP.transform, the map held fixed"


@dataclass
class Config:
    name: str = "umap"
    n_neighbors: int = 15  # umap-learn's default: balances local against global structure
    min_dist: float = 0.1  # umap-learn's default: how tightly points may pack
    pca_dims: Optional[int] = None  # None: raw pixels, as McInnes et al. ran MNIST and Fashion-MNIST

    def __post_init__(self) -> None:
        require_positive("method.n_neighbors", self.n_neighbors, "15")
        require(self.min_dist >= 0, f"method.min_dist must be >= 0, got {self.min_dist}; e.g. method.min_dist=0.1")
        require(self.pca_dims is None or self.pca_dims >= 2, f"method.pca_dims must be >= 2 or null, got {self.pca_dims}")


def fit(cfg: Config, train, test, seed: int, threads: int | None):
    import numpy as np
    import umap

    from vaecli.embed.pixels import principal_components

    train, test = principal_components(train, test, cfg.pca_dims, seed)
    # random_state=seed makes umap-learn reproducible, and single-threaded: n_jobs=1 says so, instead of its warning.
    reducer = umap.UMAP(n_components=2, n_neighbors=min(cfg.n_neighbors, len(train) - 1), min_dist=cfg.min_dist,
                        random_state=seed, n_jobs=1)
    train_codes = reducer.fit_transform(train)
    return np.asarray(train_codes), np.asarray(reducer.transform(test)), {}
