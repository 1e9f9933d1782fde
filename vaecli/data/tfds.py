"""Source `tfds`: any image dataset of the tensorflow-datasets catalogue (dataset.tfds_name), streamed.

Which feature is the image, which the label and which are generating factors is configurable
(dataset.image_key, label_key, factor_keys), as are the splits and the crop/resize/channels. The splits
come as Streams; `finish` holds them in memory when they are small. A dataset whose training split is
its whole factor grid in grid order (dSprites, 3D Shapes) and is held in memory also becomes a
FactorSource, so the disentanglement metrics that sample by factor (FactorVAE, beta-VAE scores) run on it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from vaecli.data.pipeline import shaped, transform
from vaecli.data.splits import Loaded, Stream
from vaecli.errors import ConfigError, DataError

if TYPE_CHECKING:
    from vaecli.data.schema import DatasetConfig


def check(cfg: DatasetConfig) -> None:
    if not cfg.tfds_name:
        raise ConfigError(f"dataset={cfg.name} needs dataset.tfds_name=NAME, a tensorflow-datasets name, e.g. cifar10")


def load(cfg: DatasetConfig, seed: int, remedies: list[str] | None = None) -> Loaded:
    import tensorflow_datasets as tfds  # slow to import; only needed on this path

    try:
        builder = tfds.builder(cfg.tfds_name, data_dir=cfg.tfds_data_dir)
        if not builder.is_prepared():
            _check_online()
            builder.download_and_prepare()
        features = builder.info.features
        train, test = (_stream(builder, cfg, split) for split in (cfg.train_split, cfg.test_split))
    except Exception as ex:  # offline, blocked, half-downloaded: all mean the same to the user
        if isinstance(ex, ConfigError):
            raise
        remedies = [*(remedies or []), f"run once with internet so tensorflow-datasets can download '{cfg.tfds_name}' (dataset.tfds_data_dir=...)"]
        reason = str(ex).splitlines()[0][:120] if str(ex) else type(ex).__name__
        raise DataError(f"no copy of {cfg.name} found and tensorflow-datasets failed ({reason}); " + "; or ".join(remedies)) from ex
    factor_keys = list(cfg.factor_keys or [])
    names = tuple(key.removeprefix("label_") for key in factor_keys)
    sizes = tuple(int(features[key].num_classes) for key in factor_keys)
    label_names = _class_names(features, cfg)
    grid = None
    if sizes and train.count == int(np.prod(sizes)) and train.nbytes() <= cfg.memory_limit_mb * 2**20:
        held = train.read()  # the whole grid, held: sampled by factor for the disentanglement metrics
        if held.factors is not None and np.array_equal(held.factors, np.stack(np.unravel_index(np.arange(len(held)), sizes), axis=1)):
            grid = GridSource(held.images, names, sizes)
        # finish draws test_size of them with a fixed seed when the test split is the training split
        return Loaded(f"tfds:{cfg.tfds_name}", held, held if cfg.test_split == cfg.train_split else test, label_names, names,
                      sizes, grid)
    return Loaded(f"tfds:{cfg.tfds_name}", train, test, label_names, names, sizes, grid)


def _stream(builder, cfg: DatasetConfig, split: str) -> Stream:
    import tensorflow as tf

    features = builder.info.features
    for key in [cfg.image_key, *(cfg.factor_keys or []), *([cfg.label_key] if cfg.label_key else [])]:
        if _feature(features, key) is None:
            raise ConfigError(f"{cfg.tfds_name} has no feature '{key}'; its features are {', '.join(features.keys())}")
    label_at = _label_factor(cfg)

    def example(ex):
        factors = tf.stack([tf.cast(ex[k], tf.int64) for k in cfg.factor_keys]) if cfg.factor_keys else tf.zeros([0], tf.int64)
        if label_at is not None:
            label = factors[label_at]
        elif cfg.label_key:
            label = tf.cast(_feature(ex, cfg.label_key), tf.int64)
        else:
            label = tf.constant(0, tf.int64)  # unlabelled: one class
        return transform(ex[cfg.image_key], cfg), label, factors

    def make():
        return builder.as_dataset(split=split, shuffle_files=False).map(example, num_parallel_calls=tf.data.AUTOTUNE)

    count = int(builder.as_dataset(split=split, shuffle_files=False).cardinality())
    if count < 0:  # unknown: count once
        count = sum(1 for _ in builder.as_dataset(split=split, shuffle_files=False))
    return Stream(make, count, shaped(tuple(features[cfg.image_key].shape), cfg))


def _feature(tree, key: str):
    """tree[key], where "a/b" reaches inside nested features; None if absent."""
    for part in key.split("/"):
        if part not in tree:
            return None
        tree = tree[part]
    return tree


def _label_factor(cfg: DatasetConfig) -> int | None:
    if cfg.label_factor is None or not cfg.factor_keys:
        return None
    names = [key.removeprefix("label_") for key in cfg.factor_keys]
    if cfg.label_factor not in names:
        raise ConfigError(f"dataset.label_factor={cfg.label_factor} is not one of the factors {names}")
    return names.index(cfg.label_factor)


def _class_names(features, cfg: DatasetConfig) -> list[str] | None:
    label_at = _label_factor(cfg)
    feature = features[(cfg.factor_keys or [])[label_at]] if label_at is not None else _feature(features, cfg.label_key) if cfg.label_key else None
    if feature is None:
        return ["all"]  # unlabelled: one class, one colour in the figures
    names = getattr(feature, "names", None)
    if names:
        return list(names)
    return None if getattr(feature, "num_classes", None) is None else [str(i) for i in range(feature.num_classes)]


def _check_online(host: str = "storage.googleapis.com") -> None:
    """Fail at once when offline: tensorflow-datasets retries its downloads for minutes first.

    TFDS serves its prepared data, and most datasets' sources, from Google Cloud Storage,
    so a host that cannot even resolve that name cannot download.
    """
    import socket

    try:
        socket.getaddrinfo(host, 443)
    except OSError as ex:
        raise ConnectionError(f"offline: cannot resolve {host}") from ex


class GridSource:
    """A FactorSource over a dataset held in memory whose images enumerate its factor grid in order."""

    def __init__(self, images: np.ndarray, factor_names: tuple[str, ...], factor_sizes: tuple[int, ...]):
        self.all_images, self.factor_names, self.factor_sizes = images, factor_names, factor_sizes

    def sample_factors(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return np.stack([rng.integers(0, size, n) for size in self.factor_sizes], axis=1)

    def images(self, factors: np.ndarray) -> np.ndarray:
        return self.all_images[np.ravel_multi_index(tuple(np.asarray(factors).T), self.factor_sizes)]
