"""The run's four figures: from a model and the test split to PNG files (and PNG bytes for TensorBoard).

(a) latent:          the test set in latent space, coloured by class
(b) grid:            images decoded on a grid over the latent plane (the prior's central mass)
(c) samples:         images decoded from codes drawn from the model's own prior
(d) reconstructions: test images above their reconstructions

For latent_dim > 2, (a) and (b) use the plane of the test codes' first two principal directions.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.decomposition import PCA

from vaecli import plots
from vaecli.files import atomic_write_bytes
from vaecli.config import FiguresConfig
from vaecli.models.networks import decode_codes, encode_images


@dataclass(frozen=True)
class LatentPlane:
    """A 2-D view of the latent space: z = origin + u * axes[0] + v * axes[1]."""

    origin: np.ndarray
    axes: np.ndarray  # (2, latent_dim)
    names: tuple[str, str]
    description: str

    def project(self, codes: np.ndarray) -> np.ndarray:
        return (codes - self.origin) @ np.linalg.pinv(self.axes)

    def lift(self, uv: np.ndarray) -> np.ndarray:
        return self.origin + uv @ self.axes


def latent_plane(codes: np.ndarray) -> LatentPlane:
    """The latent plane itself for 2-D codes, else the codes' first two principal directions.

    The principal axes are scaled to one standard deviation of the codes along them,
    so grid coordinates read in the same units as a 2-D prior.
    """
    dim = codes.shape[1]
    if dim == 2:
        return LatentPlane(np.zeros(2), np.eye(2), ("z[0]", "z[1]"), "2-D latent space")
    if dim == 1:
        return LatentPlane(np.zeros(1), np.array([[1.0], [0.0]]), ("z[0]", "(none)"), "1-D latent space")
    pca = PCA(n_components=2).fit(codes)
    axes = pca.components_ * np.sqrt(pca.explained_variance_)[:, None]
    share = pca.explained_variance_ratio_.sum()
    return LatentPlane(
        pca.mean_, axes, ("PC1 (sd)", "PC2 (sd)"), f"PCA of the {dim}-D test codes ({share:.0%} of their variance)"
    )


def grid_axes(vae, size: int, quantile: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The grid's values on each axis of the plane, from quantile q to 1 - q: the prior's central mass.

    For 2-D codes, the model's own prior's marginal quantiles (N(0, 1)'s for the standard prior);
    for principal planes, N(0, 1) quantiles in units of the codes' standard deviation.
    """
    from statistics import NormalDist

    probabilities = np.linspace(quantile, 1.0 - quantile, size)
    if vae.latent_dim == 2:
        values = vae.prior_quantiles(probabilities, seed)
        return values[:, 0], values[:, 1]
    normal = np.array([NormalDist().inv_cdf(p) for p in probabilities])
    return normal, normal


def grid_codes(vae, plane: LatentPlane, size: int, quantile: float, seed: int = 0):
    """(codes of the grid, row 0 at the top, i.e. the largest second coordinate; u axis; v axis)."""
    u_axis, v_axis = grid_axes(vae, size, quantile, seed)
    u, v = np.meshgrid(u_axis, v_axis[::-1])
    return plane.lift(np.stack([u.ravel(), v.ravel()], axis=1)).astype(np.float32), u_axis, v_axis


def draw(vae, test_images, test_labels, class_names, cfg: FiguresConfig, title: str, seed: int) -> dict:
    """The four figures as {kind: matplotlib Figure}."""
    rng = np.random.default_rng(seed)
    shown = rng.permutation(len(test_images))[: cfg.scatter_points]
    codes = encode_images(vae, test_images[shown])
    plane = latent_plane(codes)

    grid, u_axis, v_axis = grid_codes(vae, plane, cfg.grid_size, cfg.grid_quantile, seed)
    prior = prior_samples(vae, cfg.sample_grid**2, seed)
    originals = test_images[shown[: cfg.reconstructions]]
    decoded = decode_codes(vae, encode_images(vae, originals))
    return {
        "latent": plots.latent_scatter(
            plane.project(codes), test_labels[shown], class_names, f"{title}\ntest codes: {plane.description}", plane.names,
            centre=plane.project(vae.prior_mean()),  # N(0, I)'s 0, or a learned prior's mean
        ),
        "grid": plots.latent_grid(
            decode_codes(vae, grid), (u_axis, v_axis), f"{title}\ndecoded grid over the {plane.description}", plane.names
        ),
        "samples": plots.image_grid(decode_codes(vae, prior), cfg.sample_grid, cfg.sample_grid, f"{title}\nsamples z ~ p(z), the model's prior"),
        "reconstructions": plots.reconstructions(originals / 255.0, decoded, f"{title}\ntest images and reconstructions"),
    }


def prior_samples(vae, n: int, seed: int) -> np.ndarray:
    """n codes from the model's own prior, seeded."""
    import tensorflow as tf

    return np.asarray(vae.sample_prior(n, tf.random.Generator.from_seed(seed)), np.float32)


def save(figures: dict, directory: Path, epoch: int) -> dict[str, bytes]:
    """Write each figure as figures/<kind>_epochNNN.png (atomically); returns the PNG bytes by kind."""
    directory.mkdir(parents=True, exist_ok=True)
    pngs = {}
    for kind, fig in figures.items():
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        plt.close(fig)
        pngs[kind] = buffer.getvalue()
        atomic_write_bytes(directory / f"{kind}_epoch{epoch:03d}.png", pngs[kind])
    return pngs
