"""What a source hands over (Loaded) and what training sees (Splits): the seeded carve-outs are made here, once.

A source gives each split either as arrays in memory or as a Stream (a tf.data pipeline of single
examples, for datasets too large to hold). `finish` turns that into Splits: a stream small enough
(`dataset.memory_limit_mb`) is read into memory; a larger training stream stays a stream, and a seeded
sample of it (`dataset.sample_size`) is held in memory for what needs arrays (evaluation's kNN and
probe, the reference classifier, figures). Test and validation images are always held in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from vaecli.errors import ConfigError, DataError

if TYPE_CHECKING:
    import tensorflow as tf

    from vaecli.data.factors import FactorSource
    from vaecli.data.schema import DatasetConfig

TEST_SEED = 1_000_003  # the seed of held-out samples drawn from streams: the same test images for every run seed


@dataclass(frozen=True)
class Arrays:
    """One split in memory: uint8 images (N, H, W, C), int64 labels (N,), factor indices (N, F) or None."""

    images: np.ndarray
    labels: np.ndarray
    factors: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.images)

    def take(self, index: np.ndarray) -> Arrays:
        return Arrays(self.images[index], self.labels[index], None if self.factors is None else self.factors[index])


@dataclass(frozen=True)
class Stream:
    """One split read as it is used: `make()` gives a fresh tf.data.Dataset of (image uint8 HWC, label int64,
    factors int64 (F,)) examples in a fixed order; `count` examples, each of `image_shape`."""

    make: Callable[[], tf.data.Dataset]
    count: int
    image_shape: tuple[int, int, int]
    # A read error (tf.errors.OpError) -> the DataError that names the file behind it; None: the error as it is.
    diagnose: Callable[[Exception], DataError] | None = None

    def __len__(self) -> int:
        return self.count

    def nbytes(self) -> int:
        return self.count * int(np.prod(self.image_shape))

    def head(self, n: int, skip: int = 0) -> Stream:
        return replace(self, make=lambda: self.make().skip(skip).take(n), count=max(0, min(n, self.count - skip)))

    def read(self, n: int | None = None, shuffle_seed: int | None = None, buffer: int = 10_000) -> Arrays:
        """The first n examples (all: None) into memory, in file order or through a seeded shuffle buffer."""
        n = self.count if n is None else min(n, self.count)
        ds = self.make()
        if shuffle_seed is not None:
            ds = ds.shuffle(buffer, seed=shuffle_seed, reshuffle_each_iteration=False)
        images = np.empty((n, *self.image_shape), dtype=np.uint8)  # filled batch by batch: no second copy
        labels, factors, filled = np.empty(n, dtype=np.int64), [], 0
        with read_faults(self):
            for image, label, factor in ds.take(n).batch(1000).as_numpy_iterator():
                images[filled : filled + len(image)], labels[filled : filled + len(image)] = image, label
                factors.append(factor)
                filled += len(image)
        if filled < n:
            raise DataError(f"the dataset gave {filled} images where it announced {n}; its files may be incomplete")
        stacked = np.concatenate(factors) if factors else np.empty((0, 0), dtype=np.int64)
        return Arrays(images, labels, stacked if stacked.size else None)


@contextmanager
def read_faults(stream: Stream | None):
    """Reading `stream` (in memory, or the training loop's batches): a file that cannot be read or decoded
    becomes a DataError that names it, instead of TensorFlow's error, which names no file."""
    import tensorflow as tf

    try:
        yield
    except (tf.errors.InvalidArgumentError, tf.errors.DataLossError, tf.errors.NotFoundError) as ex:
        if stream is None or stream.diagnose is None:
            raise
        raise stream.diagnose(ex) from ex


@dataclass(frozen=True)
class Loaded:
    """A source's answer: where it read from, its splits, class names and what it knows of factors."""

    source: str
    train: Arrays | Stream
    test: Arrays | Stream
    class_names: list[str] | None = None
    factor_names: tuple[str, ...] = ()
    factor_sizes: tuple[int, ...] = ()
    factor_source: FactorSource | None = None  # renders images from factors (generated data) for the sampling metrics


@dataclass(frozen=True)
class Splits:
    """A dataset ready for a run: uint8 images (N, H, W, C) and int labels per split.

    `train_images` are all training images, or for a streamed dataset (`train_stream` set) a seeded
    sample of `dataset.sample_size` of them. Datasets with known factors carry each image's factor
    indices, (N, n_factors) int arrays; a generated one also the FactorSource that renders images from
    factors (the sampling disentanglement metrics need it). For the others these are None.
    """

    name: str
    source: str  # where it was read from, for the run's log and report
    class_names: tuple[str, ...]
    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    validation_images: np.ndarray
    validation_labels: np.ndarray
    train_factors: np.ndarray | None = None
    test_factors: np.ndarray | None = None
    validation_factors: np.ndarray | None = None
    factor_names: tuple[str, ...] = ()
    factor_sizes: tuple[int, ...] = ()
    factor_source: FactorSource | None = None
    train_stream: Stream | None = None  # set when the training images are streamed, not held

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return tuple(self.train_images.shape[1:])

    @property
    def train_count(self) -> int:
        return len(self.train_stream) if self.train_stream is not None else len(self.train_images)

    def factor_values(self, factor: int) -> tuple[str, ...]:
        """Legend names of a factor's values: the source's own where it has them, else the indices."""
        if self.factor_source is not None and hasattr(self.factor_source, "value_names"):
            return tuple(self.factor_source.value_names(factor))
        return tuple(str(i) for i in range(self.factor_sizes[factor]))

    @property
    def training_images(self) -> np.ndarray | Stream:
        """What the training loop reads: the stream if there is one, else the arrays."""
        return self.train_stream if self.train_stream is not None else self.train_images


def finish(cfg: DatasetConfig, loaded: Loaded, seed: int) -> Splits:
    """Common checks, class names, the held-in-memory test split, and the validation / train_size carve-outs."""
    test = _held(loaded.test, cfg.test_size, cfg)
    stream = None
    if isinstance(loaded.train, Stream) and loaded.train.nbytes() > cfg.memory_limit_mb * 2**20:
        train, val, stream = _carve_stream(cfg, loaded.train)
    else:
        train, val = _carve_arrays(cfg, loaded.train.read() if isinstance(loaded.train, Stream) else loaded.train, seed)
    if train.images.shape[1:] != test.images.shape[1:]:
        raise DataError(f"dataset={cfg.name}: train images are {train.images.shape[1:]} but test images {test.images.shape[1:]}")
    n_classes = int(max(train.labels.max(initial=0), test.labels.max(initial=0))) + 1
    class_names = cfg.class_names or loaded.class_names or [str(i) for i in range(n_classes)]
    if len(class_names) < n_classes:
        raise ConfigError(f"dataset.class_names lists {len(class_names)} names but the labels go up to {n_classes - 1}")
    return Splits(
        name=cfg.name, source=loaded.source, class_names=tuple(class_names),
        train_images=train.images, train_labels=train.labels, test_images=test.images, test_labels=test.labels,
        validation_images=val.images, validation_labels=val.labels,
        train_factors=train.factors, test_factors=test.factors, validation_factors=val.factors,
        factor_names=loaded.factor_names, factor_sizes=loaded.factor_sizes, factor_source=loaded.factor_source,
        train_stream=stream,
    )


def _held(split: Arrays | Stream, limit: int | None, cfg: DatasetConfig) -> Arrays:
    """A held-out split in memory: all of it, or `limit` images drawn with a fixed seed."""
    if isinstance(split, Stream):
        return split.read(limit, None if limit is None else TEST_SEED, cfg.shuffle_buffer)
    if limit is None or limit >= len(split):
        return split
    return split.take(np.sort(np.random.default_rng(TEST_SEED).permutation(len(split))[:limit]))


def _carve_arrays(cfg: DatasetConfig, train: Arrays, seed: int) -> tuple[Arrays, Arrays]:
    """One seeded permutation of the training split: validation from its head, the (optional)
    training subset from the rest, so both are reproducible from `seed`."""
    if cfg.validation_size == 0 and cfg.train_size is None:
        return train, train.take(np.arange(0))  # all of it, in its own order: no copy (training shuffles)
    order = np.random.default_rng(seed).permutation(len(train))
    if cfg.validation_size >= len(train):
        raise ConfigError(f"dataset.validation_size={cfg.validation_size} leaves no training images (of {len(train)})")
    rest = order[cfg.validation_size :]
    if cfg.train_size is not None:
        if cfg.train_size > len(rest):
            raise ConfigError(f"dataset.train_size={cfg.train_size} exceeds the {len(rest)} training images available")
        rest = np.sort(rest[: cfg.train_size])
    return train.take(rest), train.take(np.sort(order[: cfg.validation_size]))


def _carve_stream(cfg: DatasetConfig, train: Stream) -> tuple[Arrays, Arrays, Stream]:
    """A streamed training split: validation from its head (file order), the training stream after it
    (`train_size` of it), and the in-memory sample drawn from that with a fixed seed."""
    if cfg.validation_size >= train.count:
        raise ConfigError(f"dataset.validation_size={cfg.validation_size} leaves no training images (of {train.count})")
    rest = train.count - cfg.validation_size
    if cfg.train_size is not None and cfg.train_size > rest:
        raise ConfigError(f"dataset.train_size={cfg.train_size} exceeds the {rest} training images available")
    stream = train.head(cfg.train_size or rest, skip=cfg.validation_size)
    val = train.read(cfg.validation_size)
    return stream.read(cfg.sample_size, TEST_SEED, cfg.shuffle_buffer), val, stream
