"""Source `folder`: a tree of image files (PNG, JPEG, BMP, GIF), decoded as they are read.

    DIR/<class>/*.png                 class sub-folders are the labels (sorted names: 0, 1, ...)
    DIR/*.png                         no sub-folders: unlabelled, one class
    DIR/train/..., DIR/test/...       a test split of its own; else `dataset.test_fraction` of the
                                      files, drawn with a fixed seed, is the test split

Images are centre-cropped (dataset.center_crop), resized (dataset.image_size; default: the first
image's size) and made grey or colour (dataset.channels; default: the first image's, where grey with
alpha counts as grey and colour with alpha as colour with alpha). The file list
is made here rather than by keras.utils.image_dataset_from_directory: that one reshuffles on every
pass, and a resumed run must see the same batches as an uninterrupted one.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from vaecli.data.pipeline import shaped, transform
from vaecli.data.splits import TEST_SEED, Loaded, Stream
from vaecli.errors import ConfigError, DataError

if TYPE_CHECKING:
    from vaecli.data.schema import DatasetConfig

EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")  # what tf.io.decode_image reads
# Channels as stored -> as decoded: tf.io.decode_image makes 1, 3 or 4; grey + alpha PNGs (2) are read as grey.
DECODED_CHANNELS = {1: 1, 2: 1, 3: 3, 4: 4}

log = logging.getLogger(__name__)


def check(cfg: DatasetConfig) -> None:
    if cfg.path is None:
        raise ConfigError(f"dataset={cfg.name} needs dataset.path=DIR, a folder of images (class sub-folders optional)")


def load(cfg: DatasetConfig, seed: int) -> Loaded:
    root = Path(cfg.path or "").expanduser().resolve()  # the schema checked that one is given
    if not root.is_dir():
        raise ConfigError(f"dataset.path={cfg.path} is not a folder; pass a folder of images (class sub-folders optional)")
    if (root / "train").is_dir() and (root / "test").is_dir():
        (train_files, train_labels, names), (test_files, test_labels, test_names) = _listing(root / "train"), _listing(root / "test")
        if test_names != names:
            raise DataError(f"{root}: train/ has classes {names} but test/ has {test_names}; give both the same sub-folders")
    else:
        files, labels, names = _listing(root)
        if len(files) < 2:
            raise DataError(f"{root} holds only {len(files)} image ({files[0]}); a run needs at least two, one to train on "
                            "and one to test; add images, or give it train/ and test/ sub-folders")
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
        height, width, channels = tf.io.decode_image(tf.io.read_file(path), expand_animations=False).shape
    except tf.errors.OpError as ex:
        raise _undecodable(path, ex) from ex
    return height, width, DECODED_CHANNELS[channels]


def _reason(ex: Exception) -> str:
    """TensorFlow's message without the op names around it: `{{function_node ...}} Invalid PNG data [Op:DecodeImage]`."""
    text = (getattr(ex, "message", None) or str(ex)).strip().splitlines()[0]
    return re.sub(r"\{\{[^}]*\}\}\s*|\s*\[Op:\w+\]", "", text).strip()


def _undecodable(path: str, ex: Exception, more: str = "") -> DataError:
    return DataError(f"{path}: cannot read this image ({_reason(ex)}){more}; remove or replace it")


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

    def diagnose(ex: Exception) -> DataError:
        """The files `example` fails on, found by reading them all once more, the failures dropped."""
        log.warning(f"an image of {len(files)} cannot be read; looking for it ({ex.__class__.__name__})")
        fine = (tf.data.Dataset.from_tensor_slices((files, labels, np.arange(len(files))))
                .map(lambda path, label, i: (example(path, label)[0], i), num_parallel_calls=tf.data.AUTOTUNE)
                .ignore_errors().map(lambda image, i: i))
        bad = sorted(set(range(len(files))) - set(fine.as_numpy_iterator()))
        if not bad:  # it read this time: the disk, not a file
            return DataError(f"reading the images under {Path(files[0]).parent} failed ({_reason(ex)}); check the disk and try again")
        more = f", and {len(bad) - 1} more such files ({files[bad[1]]}, ...)" if len(bad) > 1 else ""
        try:
            example(tf.constant(files[bad[0]]), tf.constant(0, tf.int64))
        except tf.errors.OpError as own:
            return _undecodable(files[bad[0]], own, more)
        return _undecodable(files[bad[0]], ex, more)

    return Stream(make, len(files), shape, diagnose)
