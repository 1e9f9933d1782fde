"""The convolutional encoder and decoder (Keras 3, subclassed), and the VAE that holds both.

The default widths are the seeds' (the TensorFlow CVAE tutorial's) architecture:
encoder  two stride-2 3x3 convolutions (32, 64 filters) -> dense head,
decoder  dense to (H/4)x(W/4)x32 -> stride-2 transposed convolutions (64, 32) -> one to the channels.
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import layers, ops


@keras.saving.register_keras_serializable(package="vaecli")
class Encoder(keras.Model):
    """Image -> code head: 2*latent_dim numbers (mean, log-variance) or latent_dim (a point)."""

    def __init__(self, latent_dim: int, filters=(32, 64), stochastic: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim, self.filters, self.stochastic = latent_dim, tuple(filters), stochastic
        self.convs = [layers.Conv2D(f, 3, strides=2, activation="relu") for f in self.filters]
        self.flatten = layers.Flatten()
        self.head = layers.Dense(2 * latent_dim if stochastic else latent_dim)

    def call(self, x):
        for conv in self.convs:
            x = conv(x)
        return self.head(self.flatten(x))

    def get_config(self):
        return {**super().get_config(), "latent_dim": self.latent_dim, "filters": list(self.filters), "stochastic": self.stochastic}


@keras.saving.register_keras_serializable(package="vaecli")
class Decoder(keras.Model):
    """Code -> per-pixel logits of the image shape (H, W, C)."""

    def __init__(self, image_shape, filters=(64, 32), base_channels: int = 32, **kwargs):
        super().__init__(**kwargs)
        self.image_shape, self.filters, self.base_channels = tuple(image_shape), tuple(filters), base_channels
        height, width, channels = self.image_shape
        scale = 2 ** len(self.filters)
        base_h, base_w = math.ceil(height / scale), math.ceil(width / scale)
        self.dense = layers.Dense(base_h * base_w * base_channels, activation="relu")
        self.reshape = layers.Reshape((base_h, base_w, base_channels))
        self.deconvs = [layers.Conv2DTranspose(f, 3, strides=2, padding="same", activation="relu") for f in self.filters]
        self.to_logits = layers.Conv2DTranspose(channels, 3, strides=1, padding="same")
        # Sizes that are not multiples of 2**len(filters) come out a little large; trim them.
        extra_h, extra_w = base_h * scale - height, base_w * scale - width
        self.crop = layers.Cropping2D(((0, extra_h), (0, extra_w))) if extra_h or extra_w else None

    def call(self, z):
        x = self.reshape(self.dense(z))
        for deconv in self.deconvs:
            x = deconv(x)
        x = self.to_logits(x)
        return self.crop(x) if self.crop is not None else x

    def get_config(self):
        return {
            **super().get_config(),
            "image_shape": list(self.image_shape),
            "filters": list(self.filters),
            "base_channels": self.base_channels,
        }


@keras.saving.register_keras_serializable(package="vaecli")
class VAE(keras.Model):
    """Encoder and decoder together, with the views a user needs after training."""

    def __init__(
        self,
        image_shape,
        latent_dim: int,
        stochastic: bool,
        encoder_filters=(32, 64),
        decoder_filters=(64, 32),
        decoder_base_channels: int = 32,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.image_shape, self.latent_dim, self.stochastic = tuple(image_shape), latent_dim, stochastic
        self.encoder = Encoder(latent_dim, encoder_filters, stochastic, name="encoder")
        self.decoder = Decoder(image_shape, decoder_filters, decoder_base_channels, name="decoder")

    def build(self, input_shape=None):
        # Create every weight now, so checkpoints restore and saved models load eagerly.
        self.encoder(ops.zeros((1, *self.image_shape)))
        self.decoder(ops.zeros((1, self.latent_dim)))
        super().build(input_shape)

    def call(self, x):
        return self.decode(self.encode(x))

    def encode(self, x):
        """The code of each image: the posterior mean (ELBO) or the deterministic code (MMD)."""
        head = self.encoder(x)
        return head[:, : self.latent_dim]

    def decode(self, z):
        """Pixel means in [0, 1]: Bernoulli probabilities (ELBO) or the sigmoid output (MMD)."""
        return ops.sigmoid(ops.cast(self.decoder(z), "float32"))

    def get_config(self):
        return {
            **super().get_config(),
            "image_shape": list(self.image_shape),
            "latent_dim": self.latent_dim,
            "stochastic": self.stochastic,
            "encoder_filters": list(self.encoder.filters),
            "decoder_filters": list(self.decoder.filters),
            "decoder_base_channels": self.decoder.base_channels,
        }


def build_vae(model_cfg, latent_dim: int, image_shape) -> VAE:
    """A VAE with all weights created, sized from the dataset's image shape."""
    vae = VAE(
        image_shape=image_shape,
        latent_dim=latent_dim,
        stochastic=model_cfg.name == "elbo",
        encoder_filters=model_cfg.encoder_filters,
        decoder_filters=model_cfg.decoder_filters,
        decoder_base_channels=model_cfg.decoder_base_channels,
        name="vae",
    )
    vae.build((None, *image_shape))
    return vae


def encode_images(vae: VAE, images, batch_size: int = 1000):
    """Codes (numpy, float32) of uint8 or [0, 1] images, in batches."""
    scale = 1.0 / 255.0 if images.dtype == np.uint8 else 1.0
    return np.concatenate(
        [ops.convert_to_numpy(vae.encode(images[i : i + batch_size].astype("float32") * scale)) for i in range(0, len(images), batch_size)]
    )


def decode_codes(vae: VAE, codes, batch_size: int = 1000):
    """Pixel means in [0, 1] (numpy, float32) of codes, in batches."""
    return np.concatenate(
        [ops.convert_to_numpy(vae.decode(codes[i : i + batch_size])) for i in range(0, len(codes), batch_size)]
    )
