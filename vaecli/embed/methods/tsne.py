"""t-SNE (van der Maaten & Hinton 2008), by openTSNE (Poličar, Stražar & Zupan 2024): FFT-accelerated gradients.

t-SNE has no map for new points. Two ways to place the test images, `test_points`:
  transform  (default) fit on the training images alone, then place each test image by openTSNE's
             `transform`: its affinities to the training images, optimised with the map held fixed.
             The test images shape nothing, as with PCA, UMAP and a VAE's encoder: a like-for-like comparison.
  joint      embed training and test images together (the usual t-SNE figure), then score the test
             points against the training points. No labels are used, but the test images move the map,
             an advantage no VAE has; its scores are an upper reference, not a peer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from vaecli.errors import require, require_choice, require_positive

LIBRARY = "openTSNE"  # the distribution whose version run.json records
TEST_POINTS = {
    "transform": "fit on the training images alone; test images placed by openTSNE's transform, the map held fixed",
    "joint": "training and test images embedded together (transductive); test points scored against the training points",
}


@dataclass
class Config:
    name: str = "tsne"
    test_points: str = "transform"  # like-for-like with the encoders (module docstring); joint: the variant
    perplexity: float = 30.0  # van der Maaten & Hinton's and openTSNE's default
    # t-SNE runs on the first principal components, not on raw pixels: the t-SNE paper used 30 for MNIST;
    # openTSNE's examples use 50, which keep 86% of Fashion-MNIST's pixel variance. None: raw pixels.
    pca_dims: Optional[int] = 50
    # Gradient iterations after openTSNE's 250 of early exaggeration; 500 is openTSNE's default.
    n_iter: int = 500

    def __post_init__(self) -> None:
        require_choice("method.test_points", self.test_points, tuple(TEST_POINTS))
        require_positive("method.perplexity", self.perplexity, "30")
        require_positive("method.n_iter", self.n_iter, "500")
        require(self.pca_dims is None or self.pca_dims >= 2, f"method.pca_dims must be >= 2 or null, got {self.pca_dims}")


def fit(cfg: Config, train, test, seed: int, threads: int | None):
    import logging

    import numpy as np
    from openTSNE import TSNE

    from vaecli.embed.pixels import principal_components

    train, test = principal_components(train, test, cfg.pca_dims, seed)
    logging.getLogger("openTSNE").setLevel(logging.WARNING)  # it logs its choice of gradient method at each phase
    # Perplexity is capped for tiny data: openTSNE looks at 3 x perplexity neighbours, which must be fewer than the images.
    # openTSNE's defaults otherwise: PCA initialisation, learning rate N/exaggeration (N/12 early on, Belkina et al. 2019).
    tsne = TSNE(n_components=2, perplexity=min(cfg.perplexity, (len(train) - 1) / 3), n_iter=cfg.n_iter,
                n_jobs=threads or -1, random_state=seed, verbose=False)
    if cfg.test_points == "joint":
        both = np.asarray(tsne.fit(np.concatenate([train, test])))
        return both[: len(train)], both[len(train) :], {}
    embedding = tsne.fit(train)
    return np.asarray(embedding), np.asarray(embedding.transform(test)), {}
