"""Datasets: MNIST-format IDX files, tensorflow-datasets or images rendered from known factors in,
uint8 arrays and tf.data pipelines out.

Where the images come from, in order: `dataset.generator` (rendered here, vaecli/factor_data.py),
`dataset.path`, a system copy (`dataset.system_dirs`, e.g. Debian's dataset-fashion-mnist), then
tensorflow-datasets (which downloads when it can). Labels, and for generated data the factors, travel
alongside for figures and metrics; training never sees them.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from vaecli.config import DatasetConfig
from vaecli.errors import ConfigError, DataError
from vaecli.factor_data import load_generated

if TYPE_CHECKING:
    from vaecli.disentanglement import FactorSource

# IDX type codes (http://yann.lecun.com/exdb/mnist/, "the IDX file format").
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
IDX_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


@dataclass(frozen=True)
class Splits:
    """A dataset in memory: uint8 images (N, H, W, C) and int labels per split.

    Datasets with known generating factors also carry each image's factor indices, (N, n_factors)
    int arrays, and the FactorSource that renders images from factors (disentanglement metrics
    sample from it); for the others these are None.
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
    factor_source: FactorSource | None = None

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return tuple(self.train_images.shape[1:])  # type: ignore[return-value]

    @property
    def factor_names(self) -> tuple[str, ...]:
        return tuple(self.factor_source.factor_names) if self.factor_source else ()

    @property
    def factor_sizes(self) -> tuple[int, ...]:
        return tuple(self.factor_source.factor_sizes) if self.factor_source else ()


# ---------------------------------------------------------------- IDX files


def read_idx(path: Path) -> np.ndarray:
    """One IDX file (gzip-compressed or not) as a numpy array; DataError if it is not valid."""
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as ex:
        raise DataError(f"{path}: cannot read ({ex}); copy or download the file again") from ex
    if len(raw) < 4 or raw[:2] != b"\x00\x00" or raw[2] not in _IDX_DTYPES:
        raise DataError(f"{path}: not an IDX file (wrong magic number {raw[:4].hex() or 'none'}); expected MNIST-format data")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if ndim == 0 or len(raw) < header:
        raise DataError(f"{path}: truncated IDX header; copy or download the file again")
    dims = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    expected = int(np.prod(dims)) * dtype.itemsize
    if len(raw) - header != expected:
        raise DataError(
            f"{path}: truncated or padded IDX file ({len(raw) - header} data bytes, shape {dims} needs {expected}); "
            "copy or download the file again"
        )
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(dims)


def _find_idx_file(directory: Path, stem: str) -> Path | None:
    for candidate in (directory / f"{stem}.gz", directory / stem):
        if candidate.is_file():
            return candidate
    return None


def has_idx_files(directory: Path) -> bool:
    return directory.is_dir() and all(_find_idx_file(directory, stem) for stem in IDX_FILES.values())


def read_idx_dir(directory: Path) -> dict[str, np.ndarray]:
    """The four standard IDX files of a directory, checked for consistent shapes."""
    if not directory.exists():
        raise ConfigError(f"dataset.path={directory} does not exist; pass a directory holding the four IDX files")
    if not directory.is_dir():
        raise ConfigError(f"dataset.path={directory} is a file, not a directory; pass the directory that holds it")
    arrays = {}
    for key, stem in IDX_FILES.items():
        path = _find_idx_file(directory, stem)
        if path is None:
            raise DataError(
                f"{directory} lacks {stem}[.gz]; a dataset directory needs all four: {', '.join(IDX_FILES.values())}"
            )
        arrays[key] = read_idx(path)
    for split in ("train", "test"):
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        if images.ndim not in (3, 4) or labels.ndim != 1:
            raise DataError(f"{directory}: {split} images must be (N, H, W[, C]) and labels (N,); got {images.shape}, {labels.shape}")
        if len(images) != len(labels):
            raise DataError(f"{directory}: {len(images)} {split} images but {len(labels)} labels; the files do not belong together")
    if arrays["train_images"].shape[1:] != arrays["test_images"].shape[1:]:
        raise DataError(f"{directory}: train and test images differ in shape")
    return arrays


# ---------------------------------------------------------------- sources


def load_dataset(cfg: DatasetConfig, seed: int = 0) -> Splits:
    """The configured dataset, from the first source that has it."""
    if cfg.generator is not None:
        arrays, source, names, factor_source = load_generated(cfg, seed)
        return _finish(cfg, arrays, source, seed, names, factor_source)
    if cfg.path is not None:
        directory = Path(cfg.path).expanduser().resolve()
        return _finish(cfg, read_idx_dir(directory), f"idx:{directory}", seed)
    for system_dir in map(Path, cfg.system_dirs):
        if has_idx_files(system_dir):
            return _finish(cfg, read_idx_dir(system_dir), f"idx:{system_dir}", seed)
    arrays, source, names = _load_tfds(cfg)  # DatasetConfig made sure there is a tfds_name
    return _finish(cfg, arrays, source, seed, names)


def _load_tfds(cfg: DatasetConfig) -> tuple[dict[str, np.ndarray], str, list[str]]:
    import tensorflow_datasets as tfds  # slow to import; only needed on this path

    try:
        builder = tfds.builder(cfg.tfds_name, data_dir=cfg.tfds_data_dir)
        if not builder.is_prepared():
            _check_online()
            builder.download_and_prepare()
        arrays = {}
        for split in ("train", "test"):
            batches = list(tfds.as_numpy(builder.as_dataset(split=split, as_supervised=True).batch(10_000)))
            arrays[f"{split}_images"] = np.concatenate([images for images, _ in batches])
            arrays[f"{split}_labels"] = np.concatenate([labels for _, labels in batches])
        names = list(builder.info.features["label"].names)
    except Exception as ex:  # offline, blocked, half-downloaded: all mean the same to the user
        remedies = ["pass dataset.path=DIR (a directory with the four IDX files)"]
        if cfg.system_dirs:
            remedies.append(f"install a system copy into {cfg.system_dirs[0]} (e.g. apt-get install dataset-fashion-mnist)")
        remedies.append(f"run once with internet so tensorflow-datasets can download '{cfg.tfds_name}' (dataset.tfds_data_dir=...)")
        reason = str(ex).splitlines()[0][:120] if str(ex) else type(ex).__name__
        raise DataError(f"no copy of {cfg.name} found and tensorflow-datasets failed ({reason}); " + "; or ".join(remedies)) from ex
    return arrays, f"tfds:{cfg.tfds_name}", names


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


def _finish(cfg: DatasetConfig, arrays: dict[str, np.ndarray], source: str, seed: int, names: list[str] | None = None,
            factor_source: FactorSource | None = None) -> Splits:
    """Common shape (N, H, W, C) uint8, class names, and the train subset / validation carve-out (factors alike)."""
    images = {k: _as_nhwc_uint8(v) for k, v in arrays.items() if k.endswith("images")}
    labels = {k: np.asarray(v, dtype=np.int64).reshape(-1) for k, v in arrays.items() if k.endswith("labels")}
    train_f, test_f = arrays.get("train_factors"), arrays.get("test_factors")  # None: no known factors
    train_x, train_y = images["train_images"], labels["train_labels"]
    # One seeded permutation of the training split: validation from its head, the
    # (optional) training subset from the rest, so both are reproducible from `seed`.
    order = np.random.default_rng(seed).permutation(len(train_x))
    if cfg.validation_size >= len(train_x):
        raise ConfigError(f"dataset.validation_size={cfg.validation_size} leaves no training images (of {len(train_x)})")
    val_idx = np.sort(order[: cfg.validation_size])
    rest = order[cfg.validation_size :]
    if cfg.train_size is not None:
        if cfg.train_size > len(rest):
            raise ConfigError(f"dataset.train_size={cfg.train_size} exceeds the {len(rest)} training images available")
        rest = np.sort(rest[: cfg.train_size])
    n_classes = int(max(train_y.max(initial=0), labels["test_labels"].max(initial=0))) + 1
    class_names = cfg.class_names or names or [str(i) for i in range(n_classes)]
    if len(class_names) < n_classes:
        raise ConfigError(f"dataset.class_names lists {len(class_names)} names but the labels go up to {n_classes - 1}")
    return Splits(
        name=cfg.name,
        source=source,
        class_names=tuple(class_names),
        train_images=train_x[rest],
        train_labels=train_y[rest],
        test_images=images["test_images"],
        test_labels=labels["test_labels"],
        validation_images=train_x[val_idx],
        validation_labels=train_y[val_idx],
        train_factors=None if train_f is None else train_f[rest],
        test_factors=test_f,
        validation_factors=None if train_f is None else train_f[val_idx],
        factor_source=factor_source,
    )


def _as_nhwc_uint8(images: np.ndarray) -> np.ndarray:
    if images.ndim == 3:
        images = images[..., None]
    if images.dtype != np.uint8:
        raise DataError(f"images must be 8-bit (IDX type 0x08), got {images.dtype}")
    return images


# ---------------------------------------------------------------- tf.data


def training_batches(images: np.ndarray, batch_size: int, seed: int):
    """A function epoch -> that epoch's training batches in [0, 1], shuffled by (seed, epoch).

    Seeding each epoch by its number, not by how many epochs this process has run,
    lets a resumed run see exactly the batches an uninterrupted one would.
    Full batches only: one static shape means one compiled step.
    """
    import tensorflow as tf

    if batch_size > len(images):
        raise ConfigError(f"trainer.batch_size={batch_size} is larger than the {len(images)} training images; lower it")
    scaled = _scaled(images)  # built once, so its cache serves every epoch

    def for_epoch(epoch: int) -> tf.data.Dataset:
        return (
            scaled.shuffle(len(images), seed=seed * 100_003 + epoch, reshuffle_each_iteration=False)
            .batch(batch_size, drop_remainder=True)
            .prefetch(tf.data.AUTOTUNE)
        )

    return for_epoch


def eval_pipeline(images: np.ndarray, batch_size: int):
    """Batches in [0, 1] in file order; the last batch may be short."""
    import tensorflow as tf

    return _scaled(images).batch(batch_size).prefetch(tf.data.AUTOTUNE)


def _scaled(images: np.ndarray):
    import tensorflow as tf

    # Convert once and keep the float copy in memory: later epochs skip the map.
    return tf.data.Dataset.from_tensor_slices(images).map(lambda x: tf.cast(x, tf.float32) / 255.0).cache()
