"""tf.data: uint8 images (arrays or streams) in, float batches in [0, 1] out; and the crop/resize/channels
that the tfds and folder sources apply to each decoded image."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from vaecli.data.splits import Stream
from vaecli.errors import ConfigError

if TYPE_CHECKING:
    from vaecli.data.schema import DatasetConfig


def training_batches(images: np.ndarray | Stream, batch_size: int, seed: int, shuffle_buffer: int = 10_000):
    """A function epoch -> that epoch's training batches in [0, 1], shuffled by (seed, epoch).

    Seeding each epoch by its number, not by how many epochs this process has run,
    lets a resumed run see exactly the batches an uninterrupted one would.
    Full batches only: one static shape means one compiled step.
    Arrays are shuffled whole; a Stream through a `shuffle_buffer`-image buffer, in its file order.
    """
    import tensorflow as tf

    if batch_size > len(images):
        raise ConfigError(f"trainer.batch_size={batch_size} is larger than the {len(images)} training images; lower it")
    if isinstance(images, Stream):
        def streamed(epoch: int) -> tf.data.Dataset:
            return (
                images.make().map(lambda image, *_: image)
                .shuffle(shuffle_buffer, seed=seed * 100_003 + epoch, reshuffle_each_iteration=False)
                .batch(batch_size, drop_remainder=True)
                .map(_scale, num_parallel_calls=tf.data.AUTOTUNE)  # per batch: nothing float is kept
                .prefetch(tf.data.AUTOTUNE)
            )

        return streamed

    scaled = _scaled(images)  # built once, so its cache serves every epoch

    def for_epoch(epoch: int) -> tf.data.Dataset:
        return (
            scaled.shuffle(len(images), seed=seed * 100_003 + epoch, reshuffle_each_iteration=False)
            .batch(batch_size, drop_remainder=True)
            .prefetch(tf.data.AUTOTUNE)
        )

    return for_epoch


# A batch that is only evaluated holds at most this many pixel values: 1,000 28x28 images, 255 of 64x64 RGB.
# Its activations, not its weights, set an evaluation's memory, and they grow with the image.
PIXELS_PER_BATCH = 1000 * 28 * 28


def fitting_batch(batch_size: int, image_shape) -> int:
    """`batch_size`, or fewer for images larger than 28x28x1, so that a batch holds <= PIXELS_PER_BATCH values."""
    return max(1, min(batch_size, PIXELS_PER_BATCH // int(np.prod(image_shape))))


def eval_pipeline(images: np.ndarray, batch_size: int):
    """Batches in [0, 1] in file order (at most `batch_size`, see fitting_batch); the last may be short.
    Scaled per batch, so a large held-out split costs its uint8 bytes only."""
    import tensorflow as tf

    batch = fitting_batch(batch_size, images.shape[1:])
    return tf.data.Dataset.from_tensor_slices(images).batch(batch).map(_scale).prefetch(tf.data.AUTOTUNE)


def _scaled(images: np.ndarray):
    import tensorflow as tf

    # Convert once and keep the float copy in memory: later epochs skip the map.
    return tf.data.Dataset.from_tensor_slices(images).map(_scale).cache()


def _scale(x):
    import tensorflow as tf

    return tf.cast(x, tf.float32) / 255.0


# ---------------------------------------------------------------- decoded images -> the configured shape


def shaped(stored: tuple, cfg: DatasetConfig) -> tuple[int, int, int]:
    """The (H, W, C) that `transform` makes of images stored as `stored` (H, W, C; None where they vary)."""
    height, width, channels = stored
    if cfg.center_crop:
        height = width = cfg.center_crop
    if cfg.image_size:
        height, width = cfg.image_size
    if height is None or width is None:
        raise ConfigError(f"dataset={cfg.name}: its images vary in size; set dataset.image_size=[H,W], e.g. [64,64]")
    return int(height), int(width), int(cfg.channels or channels)


def transform(image, cfg: DatasetConfig):
    """One decoded uint8 image (H, W, C) -> centre crop, resize (antialiased area-like), channels, uint8."""
    import tensorflow as tf

    if cfg.center_crop:
        image = tf.image.resize_with_crop_or_pad(image, cfg.center_crop, cfg.center_crop)
    if cfg.image_size:
        resized = tf.image.resize(image, cfg.image_size, antialias=True)
        image = tf.cast(tf.clip_by_value(tf.round(resized), 0, 255), tf.uint8)
    if cfg.channels == 1 and image.shape[-1] != 1:
        image = tf.image.rgb_to_grayscale(image)
    elif cfg.channels == 3 and image.shape[-1] == 1:
        image = tf.image.grayscale_to_rgb(image)
    return image
