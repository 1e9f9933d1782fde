"""Datasets with known generating factors, rendered here: each image comes with the factor values it was drawn from.

`dataset=dsprites` (conf/dataset/dsprites.yaml, source generated) re-renders dSprites (Matthey, Higgins,
Hassabis & Lerchner 2017, github.com/google-deepmind/dsprites-dataset) with numpy: the same factors and
factor values (shape: square, ellipse, heart; scale: 6 values in [0.5, 1]; orientation: 40 values in
[0, 2π]; x and y position: 32 values each in [0, 1]), 64x64 binary images, one white sprite on black.
It is a re-rendering, not the original file: the outlines, sizes and the position range are this
module's (below), so its images and metrics are close to, not equal to, those on the original.

A generator is a FactorSource (vaecli/data/factors.py, the interface the disentanglement metrics sample from): factor names
and sizes, `sample_factors(n, rng)` and `images(factors)`. GENERATORS finds one by name.
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from vaecli.data.factors import FactorSource
    from vaecli.data.schema import DatasetConfig

from vaecli.data.splits import TEST_SEED, Arrays, Loaded  # TEST_SEED: one test split for every run seed
from vaecli.errors import ConfigError


class DSprites:
    """dSprites' factor grid (3 x 6 x 40 x 32 x 32 = 737,280 images), rendered on demand."""

    factor_names = ("shape", "scale", "orientation", "x", "y")
    factor_sizes = (3, 6, 40, 32, 32)
    shapes = ("square", "ellipse", "heart")
    image_shape = (64, 64, 1)
    # dSprites' values: linspace(0.5, 1, 6), linspace(0, 2π, 40) (both ends, so the first and last
    # orientation draw the same image, as in the original), linspace(0, 1, 32) for x and y.
    scales = np.linspace(0.5, 1.0, 6)
    orientations = np.linspace(0.0, 2 * math.pi, 40)
    positions = np.linspace(0.0, 1.0, 32)

    def sample_factors(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """n factor vectors drawn uniformly from the grid (with replacement), (n, 5) int64."""
        return np.stack([rng.integers(0, size, n) for size in self.factor_sizes], axis=1)

    def images(self, factors: np.ndarray) -> np.ndarray:
        """(n, 64, 64, 1) uint8, 0 or 255: the same pixels as `render` of the factors' values, looked up."""
        f = np.asarray(factors, dtype=np.int64).reshape(-1, len(self.factor_sizes))
        if f.size and ((f < 0).any() or (f >= np.array(self.factor_sizes)).any()):
            raise ValueError(f"factor indices out of range; sizes are {self.factor_sizes}")
        (row0, ky), (col0, kx) = _centre(self.positions[f[:, 4]]), _centre(self.positions[f[:, 3]])
        return _paste(_sprite_table()[f[:, 0], f[:, 1], f[:, 2], ky, kx], row0, col0)[..., None]

    def value_names(self, factor: int) -> tuple[str, ...]:
        """Legend names of a factor's values: the shapes' names, else the values."""
        if factor == 0:
            return self.shapes
        values = (self.scales, self.orientations, self.positions, self.positions)[factor - 1]
        return tuple(f"{v:.3g}" for v in values)


GENERATORS = {"dsprites": DSprites}  # dataset.generator=<name>

# ---------------------------------------------------------------- rendering

SIZE = 64  # image side, pixels
HALF = 9.0  # a sprite's half-size at scale 1, pixels: 18-pixel squares at scale 1, 9 at 0.5
# Sprite centres run from MARGIN to SIZE - MARGIN as x, y go from 0 to 1: a square at scale 1 turned
# by 45° (half-diagonal 12.7 pixels) still fits inside the image.
MARGIN = 13.0
BOX = math.ceil(math.sqrt(2) * HALF) + 1  # a sprite is drawn in the 2*BOX pixels square around its centre
# 3x3 sample points per pixel; a pixel is white where the sprite covers at least half of them. Centres are
# rounded to a third of a pixel, so a sprite's pixels depend on its position only through that third:
# dSprites' 30,720 shape/scale/orientation/subpixel combinations are drawn once and then pasted.
SUPERSAMPLE = 3
CHUNK = 1024  # images drawn at once: bounds the temporary arrays at ~100 MB


def render(shape, scale, angle, x, y) -> np.ndarray:
    """(n, 64, 64) uint8 images, 0 or 255, of sprites with these (continuous) parameters.

    shape: 0 square, 1 ellipse, 2 heart; scale in (0, 1]; angle in radians (counter-clockwise on
    screen); x, y in [0, 1] (x left to right, y top to bottom). Deterministic: a pure function of
    its arguments.
    """
    params = [np.atleast_1d(np.asarray(a, dtype=np.float64)) for a in (shape, scale, angle, x, y)]
    shape, scale, angle, x, y = np.broadcast_arrays(*params)
    (row0, ky), (col0, kx) = _centre(y), _centre(x)
    return _paste(_sprites(shape.astype(np.int64), scale, angle, kx, ky), row0, col0)


def _centre(position: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the first row or column of each sprite's box, the centre's subpixel offset in thirds) of positions in [0, 1]."""
    thirds = np.rint((MARGIN + position * (SIZE - 2 * MARGIN)) * SUPERSAMPLE).astype(np.int64)
    whole, offset = np.divmod(thirds, SUPERSAMPLE)
    return whole - BOX + 1, offset


def _sprites(shape, scale, angle, kx, ky) -> np.ndarray:
    """(n, 2*BOX, 2*BOX) uint8 boxes, the sprite's centre at (BOX - 1 + ky/3, BOX - 1 + kx/3) in each."""
    s, side = SUPERSAMPLE, 2 * BOX
    out = np.zeros((len(shape), side, side), np.uint8)
    samples = np.arange(side * s) + 0.5 - (BOX - 1) * s  # sample points from the box's whole-pixel centre, in thirds
    for k, inside in enumerate(_INSIDE):  # one shape at a time: no per-image branching
        (mine,) = np.nonzero(shape == k)
        for start in range(0, len(mine), CHUNK):
            part = mine[start : start + CHUNK]
            radius = (scale[part] * HALF * s)[:, None]
            dx = ((samples - kx[part][:, None]) / radius).astype(np.float32)[:, None, :]  # (n, 1, side*s)
            dy = ((samples - ky[part][:, None]) / radius).astype(np.float32)[:, :, None]  # (n, side*s, 1)
            cos = np.cos(angle[part]).astype(np.float32)[:, None, None]
            sin = np.sin(angle[part]).astype(np.float32)[:, None, None]
            # Sprite coordinates (u right, v up, in half-sizes): undo the rotation.
            hits = inside(cos * dx - sin * dy, -sin * dx - cos * dy)
            counts = hits.reshape(len(part), side, s, side, s).sum(axis=(2, 4), dtype=np.uint8)
            out[part] = np.where(2 * counts >= s * s, 255, 0)
    return out


def _paste(sprites: np.ndarray, row0: np.ndarray, col0: np.ndarray) -> np.ndarray:
    """(n, 64, 64) images with each sprite box placed at (row0, col0); box pixels off the image are dropped."""
    n, side = len(sprites), sprites.shape[1]
    out = np.zeros((n, SIZE, SIZE), np.uint8)
    for start in range(0, n, CHUNK):
        part = slice(start, start + CHUNK)
        m = len(sprites[part])
        canvas = np.zeros((m, SIZE + 2 * side, SIZE + 2 * side), np.uint8)  # padded: a box never leaves it
        rows = (row0[part] + side)[:, None, None] + np.arange(side)[None, :, None]
        cols = (col0[part] + side)[:, None, None] + np.arange(side)[None, None, :]
        canvas[np.arange(m)[:, None, None], rows, cols] = sprites[part]
        out[part] = canvas[:, side : side + SIZE, side : side + SIZE]
    return out


@functools.cache
def _sprite_table() -> np.ndarray:
    """dSprites' sprites, (shape, scale, orientation, y third, x third, 2*BOX, 2*BOX): 5 MB, ~1 s, once per process."""
    grid = np.meshgrid(np.arange(3), DSprites.scales, DSprites.orientations, np.arange(SUPERSAMPLE), np.arange(SUPERSAMPLE), indexing="ij")
    shape, scale, angle, ky, kx = (g.ravel() for g in grid)
    sprites = _sprites(shape, scale, angle, kx, ky)
    return sprites.reshape(3, len(DSprites.scales), len(DSprites.orientations), SUPERSAMPLE, SUPERSAMPLE, 2 * BOX, 2 * BOX)


def _square(u, v):
    return np.maximum(np.abs(u), np.abs(v)) <= 1.0


def _ellipse(u, v):
    return u * u + (v / 0.5) ** 2 <= 1.0  # 2:1, so that its orientation shows (modulo π)


def _heart(u, v):
    # The heart curve (a² + b² − 1)³ − a² b³ = 0 spans a in ±1.14, b in [−1, 1.25]; scaled and
    # shifted so that it spans about ±0.95 half-sizes each way, point down.
    a, b = 1.2 * u, 1.2 * v + 0.125
    q = a * a + b * b - 1.0
    return q * q * q - a * a * b * b * b <= 0.0


_INSIDE = (_square, _ellipse, _heart)  # by shape index

# ---------------------------------------------------------------- splits


def check(cfg: DatasetConfig) -> None:
    from math import prod

    from vaecli.errors import require, require_choice, require_positive

    if cfg.generator is None:
        raise ConfigError(f"dataset={cfg.name} needs dataset.generator=NAME, one of {', '.join(GENERATORS)}")
    require_choice("dataset.generator", cfg.generator, tuple(GENERATORS))
    source = GENERATORS[cfg.generator]
    require_positive("dataset.generated_train", cfg.generated_train, "20000")
    require_positive("dataset.generated_test", cfg.generated_test, "5000")
    grid = prod(source.factor_sizes)
    require(cfg.generated_train + cfg.generated_test <= grid,
            f"dataset.generated_train + generated_test must be <= the {grid} images of {cfg.generator}'s factor grid")
    if cfg.label_factor is not None:
        require_choice("dataset.label_factor", cfg.label_factor, source.factor_names)


def load(cfg: DatasetConfig, seed: int) -> Loaded:
    """The splits of a generated dataset (images, labels and factors each), its class names and FactorSource.

    The test split (`generated_test` images) is drawn from the grid with a fixed seed, the training split
    (`generated_train`) with the run's seed from the rest: no image is in both, none twice.
    """
    source = GENERATORS[cfg.generator or ""]()  # the schema checked that one is named
    total = math.prod(source.factor_sizes)
    test_index = np.random.default_rng(TEST_SEED).choice(total, cfg.generated_test, replace=False)
    rest = np.setdiff1d(np.arange(total), test_index, assume_unique=True)
    train_index = rest[np.random.default_rng(seed).choice(len(rest), cfg.generated_train, replace=False)]
    label = label_factor(cfg, source)
    split = {}
    for name, index in (("train", train_index), ("test", test_index)):
        factors = np.stack(np.unravel_index(index, source.factor_sizes), axis=1).astype(np.int64)
        split[name] = Arrays(source.images(factors), factors[:, label], factors)
    return Loaded(f"generated:{cfg.generator} (seed {seed})", split["train"], split["test"],
                  list(value_names(source, label)), tuple(source.factor_names), tuple(source.factor_sizes), source)


def value_names(source: FactorSource, factor: int) -> tuple[str, ...]:
    """Names of a factor's values for legends: the source's own where it has them, else the indices."""
    if hasattr(source, "value_names"):
        return tuple(source.value_names(factor))
    return tuple(str(i) for i in range(source.factor_sizes[factor]))


def label_factor(cfg: DatasetConfig, source: FactorSource) -> int:
    """Index of the factor that serves as the class label (figures, kNN, probe): `dataset.label_factor`, else the first."""
    return source.factor_names.index(cfg.label_factor) if cfg.label_factor else 0
