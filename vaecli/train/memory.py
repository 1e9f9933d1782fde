"""Whether a run fits in this machine's memory, estimated before its model is built.

A config such as latent_dim=100000 otherwise grows for minutes towards tens of GiB before the kernel
ends it. The estimate:

    parameters x 4 bytes x MODEL_COPIES (weights, gradients, Adam's two moment slots, and the
                                         temporaries of initialising, updating and saving them)
  + activations of one training batch x 4 bytes x ACTIVATION_COPIES
  + the float32 copy of the training images that training caches (arrays in memory; none when streamed)

Parameters and per-image activations are counted on the real network at latent_dim 1, 2 and 3 and
extrapolated (both grow at most quadratically in latent_dim: the dense layers into and out of the code
are linear in it), so the large model itself is never built. The estimate is compared with the memory
the system says is available now (psutil), which already excludes the loaded data and TensorFlow.
On a GPU the model lives in device memory, which TensorFlow manages and reports itself: no check there.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from vaecli.errors import ConfigError

log = logging.getLogger(__name__)

BYTES = 4  # float32: weights stay float32 under mixed precision too
# Measured, not just counted: on CPU a run's peak RSS grows by ~77 bytes (19 float32 values) per parameter
# (latent_dim 5000 -> 20000 on 28x28 images: 19.4 M -> 77.5 M parameters, 2.28 -> 6.66 GB). The four lasting
# copies (weights, gradients, Adam's two moments) are joined at the peak by the temporaries of the random
# initialisers, of Adam's update and of writing a checkpoint.
MODEL_COPIES = 19
ACTIVATION_COPIES = 3  # each layer's output kept for the backward pass, its gradient, and one temporary
GIB = 2**30

@dataclass(frozen=True)
class Estimate:
    parameters: int
    model_bytes: int  # weights, gradients and optimizer slots
    activation_bytes: int  # one training batch through encoder and decoder, forward and backward
    data_bytes: int  # the float32 copy of in-memory training images

    @property
    def total(self) -> int:
        return self.model_bytes + self.activation_bytes + self.data_bytes

def estimate(cfg, image_shape, cached_images: int) -> Estimate:
    """The memory a run of `cfg` on images of `image_shape` needs beyond what is loaded now;
    `cached_images` training images are cached as float32 (0 when they stream)."""
    probes = [_count(cfg, image_shape, d) for d in (1, 2, 3)]
    parameters = _extrapolate([p for p, _ in probes], cfg.latent_dim)
    per_image = _extrapolate([a for _, a in probes], cfg.latent_dim)
    return Estimate(
        parameters=parameters,
        model_bytes=parameters * BYTES * MODEL_COPIES,
        activation_bytes=per_image * cfg.trainer.batch_size * BYTES * ACTIVATION_COPIES,
        data_bytes=cached_images * math.prod(image_shape) * BYTES,
    )

def check_memory(cfg, data) -> Estimate | None:
    """Refuse (ConfigError) a run that cannot fit in the available memory, before its model is built."""
    import keras
    import psutil
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        return None
    cached = 0 if data.train_stream is not None else data.train_count
    need = estimate(cfg, data.image_shape, cached)
    keras.utils.set_random_seed(cfg.seed)  # the probes drew initial weights: the run's model draws as if they had not
    available = psutil.virtual_memory().available
    log.debug(f"memory: needs about {need.total / GIB:.2f} GiB of {available / GIB:.1f} GiB available")
    if need.total > available:
        raise ConfigError(
            f"latent_dim={cfg.latent_dim}, trainer.batch_size={cfg.trainer.batch_size} on {'x'.join(map(str, data.image_shape))} "
            f"images needs about {need.total / GIB:.1f} GiB ({need.parameters:,} parameters with their gradients and Adam's "
            f"slots: {need.model_bytes / GIB:.1f} GiB; a batch's activations: {need.activation_bytes / GIB:.1f} GiB; "
            f"the training images as floats: {need.data_bytes / GIB:.1f} GiB), this machine has {available / GIB:.1f} GiB "
            "available; lower latent_dim, trainer.batch_size or the network's size"
        )
    return need

def _count(cfg, image_shape, latent_dim: int) -> tuple[int, int]:
    """(parameters, values per image in the outputs of the encoder's and decoder's layers) at `latent_dim`."""
    from keras import ops

    from vaecli.models.networks import build_vae

    vae = build_vae(cfg.model, cfg.network, cfg.likelihood, latent_dim, image_shape)
    values = 0
    for network, x in ((vae.encoder, ops.zeros((1, *image_shape))), (vae.decoder, ops.zeros((1, latent_dim)))):
        for layer in getattr(network, "sequence", [network]):
            x = layer(x)
            values += math.prod(x.shape[1:])
    return vae.count_params(), values

def _extrapolate(values: list[int], d: int) -> int:
    """The quadratic through (1, v1), (2, v2), (3, v3), at d: exact for counts linear or quadratic in d."""
    v1, v2, v3 = values
    return int(v1 + (d - 1) * (v2 - v1) + (d - 1) * (d - 2) // 2 * (v3 - 2 * v2 + v1))
