"""Images as the rows the methods read, and the optional PCA step some methods run first."""

from __future__ import annotations

import numpy as np


def as_rows(images: np.ndarray) -> np.ndarray:
    """uint8 (N, H, W, C) images -> float32 (N, H*W*C) in [0, 1]: the pixels a VAE reads."""
    return images.reshape(len(images), -1).astype(np.float32) / 255.0


def principal_components(train: np.ndarray, test: np.ndarray, dims: int | None, seed: int):
    """Both sets on the first `dims` principal components of the training rows (fit on train only); None: unchanged."""
    if dims is None or dims >= train.shape[1]:
        return train, test
    from sklearn.decomposition import PCA

    pca = PCA(n_components=min(dims, len(train)), random_state=seed).fit(train)
    return pca.transform(train).astype(np.float32), pca.transform(test).astype(np.float32)
