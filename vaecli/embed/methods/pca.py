"""PCA (Pearson 1901; scikit-learn's PCA): the plane of the training images' two largest variance directions."""

from __future__ import annotations

from dataclasses import dataclass

LIBRARY = "scikit-learn"  # the distribution whose version run.json records
TEST_POINTS = "fit on the training images; test images projected onto the fitted plane (PCA.transform)"


@dataclass
class Config:
    name: str = "pca"
    # False: the map keeps pixel units, so distances are pixel distances within the plane (scikit-learn's default).
    # kNN and silhouette read distances and change with whitening; the probe standardises and does not.
    whiten: bool = False


def fit(cfg: Config, train, test, seed: int, threads: int | None):
    from sklearn.decomposition import PCA

    # The seed reaches only the randomized SVD solver scikit-learn picks for large data: on the same images
    # the plane is the same for every seed up to round-off and sign (the seed's split may differ: EmbedConfig.seed).
    pca = PCA(n_components=2, whiten=cfg.whiten, random_state=seed).fit(train)
    extra = {"explained_variance_ratio": float(pca.explained_variance_ratio_.sum())}
    return pca.transform(train), pca.transform(test), extra
