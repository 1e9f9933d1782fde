"""The run's figures: from a model and the test split to PNG files (and PNG bytes for TensorBoard).

(a) latent:          the test set in latent space, coloured by class
(b) grid:            images decoded on a grid over the latent plane (the prior's central mass)
(c) samples:         images decoded from codes drawn from the model's own prior
(d) reconstructions: test images above their reconstructions
(e) traversal:       one row per code dimension (most used first), sweeping it over the prior's quantiles
(f) factors:         for datasets with known factors (drawn by `vae eval`): the codes coloured by each factor

For latent_dim > 2, (a) and (b) use the plane of the test codes' first two principal directions.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
from sklearn.decomposition import PCA

from vaecli.config.schemas import FiguresConfig
from vaecli.data.pipeline import fitting_batch
from vaecli.models.networks import decode_codes, encode_images
from vaecli.run import names
from vaecli.run.files import atomic_write_bytes
from vaecli.visual import plots

TRAVERSAL_ROWS = 16  # at most this many dimensions in the traversal, the most used ones: a readable figure


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


def draw(vae, test_images, test_labels, class_names, cfg: FiguresConfig, title: str, seed: int) -> dict[str, Callable]:
    """The figures as {kind: a function that draws its matplotlib Figure}. The model's share (codes, decoded
    images) is done here, on the calling thread; the drawing can run on another (vaecli/train/drawing.py)."""
    rng = np.random.default_rng(seed)
    shown = rng.permutation(len(test_images))[: cfg.scatter_points]
    codes, logvars = posterior_moments(vae, test_images[shown])
    plane = latent_plane(codes)
    order, usage, usage_name = dimension_usage(vae, codes, logvars)
    rows = order[:TRAVERSAL_ROWS]
    steps, values = traversal_codes(vae, codes[0], rows, cfg.grid_size, cfg.grid_quantile, seed)

    grid, u_axis, v_axis = grid_codes(vae, plane, cfg.grid_size, cfg.grid_quantile, seed)
    prior = prior_samples(vae, cfg.sample_grid**2, seed)
    originals = test_images[shown[: cfg.reconstructions]]
    decoded = decode_codes(vae, encode_images(vae, originals))
    return {
        "latent": partial(
            plots.latent_scatter, plane.project(codes), test_labels[shown], class_names,
            f"{title}\ntest codes: {plane.description}", plane.names,
            centre=plane.project(vae.prior_mean()),  # N(0, I)'s 0, or a learned prior's mean
        ),
        "grid": partial(
            plots.latent_grid, decode_codes(vae, grid), (u_axis, v_axis), f"{title}\ndecoded grid over the {plane.description}",
            plane.names,
        ),
        "samples": partial(plots.image_grid, decode_codes(vae, prior), cfg.sample_grid, cfg.sample_grid,
                           f"{title}\nsamples z ~ p(z), the model's prior"),
        "reconstructions": partial(plots.reconstructions, originals / 255.0, decoded, f"{title}\ntest images and reconstructions"),
        "traversal": partial(
            plots.latent_traversal, decode_codes(vae, values), [f"z[{d}] {usage_name} {usage[d]:.2f}" for d in rows], steps,
            f"{title}\ntraversals of {len(rows)} of {vae.latent_dim} dimensions, by {usage_name}, "
            "around the first reconstruction's code",
        ),
    }


def posterior_moments(vae, images: np.ndarray, batch_size: int = 1000) -> tuple[np.ndarray, np.ndarray | None]:
    """Means (the codes) and log-variances of q(z|x) for uint8 images, in batches; log-variances None if deterministic."""
    if not vae.stochastic:
        return encode_images(vae, images, fitting_batch(batch_size, images.shape[1:])), None
    from keras import ops

    batch_size = fitting_batch(batch_size, images.shape[1:])
    parts = [vae.posterior(images[i : i + batch_size].astype(np.float32) / 255.0) for i in range(0, len(images), batch_size)]
    return tuple(np.concatenate([ops.convert_to_numpy(p[k]) for p in parts]) for k in (0, 1))  # type: ignore[return-value]


def dimension_usage(vae, codes: np.ndarray, logvars: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, str]:
    """(dimensions most used first, usage per dimension, its name): the mean KL(q(z_d|x) || N(0, 1)) per
    dimension for stochastic encoders with the N(0, I) prior, else the variance of the codes."""
    from vaecli.models.priors import StandardNormal

    if logvars is not None and isinstance(vae.prior, StandardNormal):
        usage, name = (0.5 * (codes**2 + np.exp(logvars) - 1.0 - logvars)).mean(axis=0), "KL"
    else:
        usage, name = codes.var(axis=0), "var"
    return np.argsort(-usage, kind="stable"), usage, name


def traversal_codes(vae, base: np.ndarray, dims, steps: int, quantile: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(the prior quantiles swept, codes (len(dims) * steps, d)): row r sets dimension dims[r] of `base`
    to its marginal prior quantiles q .. 1 - q in turn, the other dimensions kept."""
    probabilities = np.linspace(quantile, 1.0 - quantile, steps)
    values = vae.prior_quantiles(probabilities, seed)  # (steps, d)
    codes = np.repeat(np.asarray(base, np.float32)[None, None, :], steps, axis=1).repeat(len(dims), axis=0)
    for r, d in enumerate(dims):
        codes[r, :, d] = values[:, d]
    return probabilities, codes.reshape(-1, codes.shape[-1]).astype(np.float32)


def draw_factors(codes: np.ndarray, factors: np.ndarray, factor_names, value_names, title: str):
    """The codes coloured by each known factor, one panel per factor, on the two code dimensions that
    vary most with that factor (largest correlation ratio: the share of a dimension's variance explained
    by the factor's value), so a disentangled code shows each factor along its own axis."""
    panels = []
    for k, name in enumerate(factor_names):
        ratio = correlation_ratio(codes, factors[:, k])
        x, y = (list(np.argsort(-ratio, kind="stable")) * 2)[:2]  # 1-D codes: z[0] on both axes
        panels.append(plots.FactorPanel(
            codes[:, [x, y]], factors[:, k], name, value_names[k],
            (f"z[{x}] ({ratio[x]:.2f})", f"z[{y}] ({ratio[y]:.2f})"),
        ))
    return plots.factor_scatter(panels, title)


def correlation_ratio(codes: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per dimension, Var(E[z_d | value]) / Var(z_d): 1 when the value fixes z_d, 0 when z_d ignores it."""
    values = np.asarray(values, np.int64)
    counts = np.bincount(values).astype(np.float64)
    ratios = []
    for column in codes.T.astype(np.float64):
        group_means = np.bincount(values, column, minlength=len(counts)) / np.maximum(counts, 1)
        between = (counts * (group_means - column.mean()) ** 2).sum() / len(column)
        ratios.append(between / column.var() if column.var() > 0 else 0.0)
    return np.array(ratios)


def prior_samples(vae, n: int, seed: int) -> np.ndarray:
    """n codes from the model's own prior, seeded."""
    import tensorflow as tf

    return np.asarray(vae.sample_prior(n, tf.random.Generator.from_seed(seed)), np.float32)


def save(figures: dict[str, Callable], directory: Path, epoch: int) -> dict[str, bytes]:
    """Draw each figure (a function that makes a matplotlib Figure, as `draw` returns them) and write it as
    figures/<kind>_epochNNN.png (atomically); returns the PNG bytes by kind."""
    directory.mkdir(parents=True, exist_ok=True)
    pngs = {}
    for kind, make_figure in figures.items():
        buffer = io.BytesIO()
        make_figure().savefig(buffer, format="png")
        pngs[kind] = buffer.getvalue()
        atomic_write_bytes(directory / names.figure_name(kind, epoch), pngs[kind])
    return pngs
