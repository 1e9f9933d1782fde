"""Source `folder`: a tree of image files (PNG, JPEG, BMP, GIF), decoded as they are read.

    DIR/<class>/*.png                 class sub-folders are the labels (sorted names: 0, 1, ...)
    DIR/*.png                         no sub-folders: unlabelled, one class
    DIR/train/..., DIR/test/...       a test split of its own; else `dataset.test_fraction` of the
                                      files, drawn with a fixed seed, is the test split

Images are centre-cropped (dataset.center_crop), resized (dataset.image_size; default: the first
image's size) and made grey or colour (dataset.channels; default: the first image's). The file list
is made here rather than by keras.utils.image_dataset_from_directory: that one reshuffles on every
pass, and a resumed run must see the same batches as an uninterrupted one.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from vaecli.data.pipeline import shaped, transform
from vaecli.data.splits import TEST_SEED, Loaded, Stream
from vaecli.errors import ConfigError, DataError

if TYPE_CHECKING:
    from vaecli.config.dataset import DatasetConfig

EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")  # what tf.io.decode_image reads


def check(cfg: DatasetConfig) -> None:
    if cfg.path is None:
        raise ConfigError(f"dataset={cfg.name} needs dataset.path=DIR, a folder of images (class sub-folders optional)")


def load(cfg: DatasetConfig, seed: int) -> Loaded:
    root = Path(cfg.path).expanduser().resolve()
    if not root.is_dir():
        raise ConfigError(f"dataset.path={cfg.path} is not a folder; pass a folder of images (class sub-folders optional)")
    if (root / "train").is_dir() and (root / "test").is_dir():
        (train_files, train_labels, names), (test_files, test_labels, test_names) = _listing(root / "train"), _listing(root / "test")
        if test_names != names:
            raise DataError(f"{root}: train/ has classes {names} but test/ has {test_names}; give both the same sub-folders")
    else:
        files, labels, names = _listing(root)
        order = np.random.default_rng(TEST_SEED).permutation(len(files))
        n_test = max(1, round(cfg.test_fraction * len(files)))
        test_idx, train_idx = np.sort(order[:n_test]), np.sort(order[n_test:])
        train_files, train_labels, test_files, test_labels = files[train_idx], labels[train_idx], files[test_idx], labels[test_idx]
    shape = shaped(_first_shape(train_files[0], cfg), cfg)
    return Loaded(f"folder:{root}", _stream(train_files, train_labels, shape, cfg),
                  _stream(test_files, test_labels, shape, cfg), names)


def _listing(directory: Path) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Image files (sorted) and their labels: the index of their sub-folder, or 0 if directly inside."""
    classes = sorted(p.name for p in directory.iterdir() if p.is_dir())
    groups = [(i, directory / name) for i, name in enumerate(classes)] or [(0, directory)]
    files, labels = [], []
    for label, folder in groups:
        found = sorted(str(p) for p in folder.rglob("*") if p.suffix.lower() in EXTENSIONS and p.is_file())
        files += found
        labels += [label] * len(found)
    if not files:
        raise DataError(f"{directory} holds no image files ({', '.join(EXTENSIONS)}); pass a folder of images")
    return np.array(files), np.array(labels, dtype=np.int64), classes or ["all"]


def _first_shape(path: str, cfg: DatasetConfig) -> tuple:
    import tensorflow as tf

    try:
        return tuple(tf.io.decode_image(tf.io.read_file(path), expand_animations=False).shape)
    except tf.errors.OpError as ex:
        raise DataError(f"{path}: cannot decode this image ({ex.message.splitlines()[0]}); remove or replace it") from ex


def _stream(files: np.ndarray, labels: np.ndarray, shape: tuple[int, int, int], cfg: DatasetConfig) -> Stream:
    import tensorflow as tf

    height, width, channels = shape

    def example(path, label):
        image = tf.io.decode_image(tf.io.read_file(path), channels=channels, expand_animations=False)
        image = transform(image, cfg)
        if not cfg.image_size and not cfg.center_crop:  # every image must have the first one's size
            image = tf.image.resize_with_crop_or_pad(image, height, width)
        return tf.ensure_shape(image, shape), label, tf.zeros([0], tf.int64)

    def make():
        return tf.data.Dataset.from_tensor_slices((files, labels)).map(example, num_parallel_calls=tf.data.AUTOTUNE)

    return Stream(make, len(files), shape)
