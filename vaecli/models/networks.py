"""The encoder/decoder networks (Keras 3, subclassed) and the VAE that holds them with its likelihood and prior.

A config group (`network=...`, schemas in vaecli/models/network_schemas.py), found by name in `NETWORKS`:
  conv    Keydana's (TensorFlow CVAE tutorial's): encoder two stride-2 3x3 convolutions (32, 64),
          decoder dense to (H/4)x(W/4)x32, stride-2 transposed convolutions (64, 32), one to the channels;
  conv64  the β-VAE / disentanglement_lib network for 64x64 images: four 4x4 stride-2 convolutions
          (32, 32, 64, 64), dense 256; the decoder mirrors it;
  conv_wide  for 28x28: InfoGAN's MNIST convolutions (64, 128, 4x4 stride 2) and a dense 256 layer each way,
          the decoder from 7x7x128 through a 64-filter transposed convolution (docs/embed.md);
  mlp     AEVB's (Kingma & Welling 2014, appendix C): one tanh hidden layer each way.
Every network is sized from the dataset's image shape. The conv networks' first convolution and
output layer can run in an exact block form (`input_layout`, `output_layout`; vaecli/models/layouts.py).
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import layers, ops

from vaecli.models.layouts import apply_on_blocks
from vaecli.models.likelihoods import make_likelihood
from vaecli.models.priors import make_prior


class Stack(keras.Model):
    """A network that applies `self.sequence`, its layers in order; its constructor's options are its config.

    The layer at `self.on_blocks` (an index, or None) runs in its block form, with the same weights.
    """

    on_blocks: int | None = None

    def call(self, x):
        for index, layer in enumerate(self.sequence):
            x = apply_on_blocks(layer, x) if index == self.on_blocks else layer(x)
        return x

    def get_config(self):
        return {**super().get_config(), **self.options}


@keras.saving.register_keras_serializable(package="vaecli")
class ConvEncoder(Stack):
    """Image -> `outputs` numbers: stride-2 convolutions, an optional dense layer, a linear head."""

    def __init__(self, outputs: int, encoder_filters, kernel_size: int, padding: str, hidden_units: int,
                 input_layout: str = "plain", **kwargs):
        super().__init__(**kwargs)
        self.options = dict(outputs=outputs, encoder_filters=list(encoder_filters), kernel_size=kernel_size,
                            padding=padding, hidden_units=hidden_units, input_layout=input_layout)
        self.convs = [layers.Conv2D(f, kernel_size, strides=2, padding=padding, activation="relu") for f in encoder_filters]
        self.flatten = layers.Flatten()
        self.hidden = layers.Dense(hidden_units, activation="relu") if hidden_units else None
        self.head = layers.Dense(outputs)
        self.sequence = [*self.convs, self.flatten, *([self.hidden] if self.hidden else []), self.head]
        self.on_blocks = 0 if input_layout == "space_to_depth" else None



@keras.saving.register_keras_serializable(package="vaecli")
class ConvDecoder(Stack):
    """Code -> (H, W, C * outputs per channel): dense to a small map, stride-2 transposed convolutions, output layer."""

    def __init__(self, image_shape, output_channels: int, decoder_filters, decoder_base_channels: int, kernel_size: int,
                 hidden_units: int, output_stride: int, output_layout: str = "plain", **kwargs):
        super().__init__(**kwargs)
        self.options = dict(image_shape=list(image_shape), output_channels=output_channels, decoder_filters=list(decoder_filters),
                            decoder_base_channels=decoder_base_channels, kernel_size=kernel_size, hidden_units=hidden_units,
                            output_stride=output_stride, output_layout=output_layout)
        height, width, _ = image_shape
        scale = 2 ** len(decoder_filters) * output_stride
        base_h, base_w = math.ceil(height / scale), math.ceil(width / scale)
        self.hidden = layers.Dense(hidden_units, activation="relu") if hidden_units else None
        self.dense = layers.Dense(base_h * base_w * decoder_base_channels, activation="relu")
        self.reshape = layers.Reshape((base_h, base_w, decoder_base_channels))
        self.deconvs = [layers.Conv2DTranspose(f, kernel_size, strides=2, padding="same", activation="relu") for f in decoder_filters]
        self.to_outputs = layers.Conv2DTranspose(output_channels, kernel_size, strides=output_stride, padding="same")
        # Sizes that are not multiples of the total stride come out a little large; trim them.
        extra_h, extra_w = base_h * scale - height, base_w * scale - width
        self.crop = layers.Cropping2D(((0, extra_h), (0, extra_w))) if extra_h or extra_w else None
        self.sequence = [*([self.hidden] if self.hidden else []), self.dense, self.reshape, *self.deconvs, self.to_outputs,
                         *([self.crop] if self.crop else [])]
        self.on_blocks = self.sequence.index(self.to_outputs) if output_layout == "depth_to_space" else None



@keras.saving.register_keras_serializable(package="vaecli")
class MlpEncoder(Stack):
    """Image -> one hidden layer -> `outputs` numbers (AEVB appendix C)."""

    def __init__(self, outputs: int, hidden_units: int, activation: str, **kwargs):
        super().__init__(**kwargs)
        self.options = dict(outputs=outputs, hidden_units=hidden_units, activation=activation)
        self.flatten = layers.Flatten()
        self.hidden = layers.Dense(hidden_units, activation=activation)
        self.head = layers.Dense(outputs)
        self.sequence = [self.flatten, self.hidden, self.head]



@keras.saving.register_keras_serializable(package="vaecli")
class MlpDecoder(Stack):
    """Code -> one hidden layer -> (H, W, C * outputs per channel) (AEVB appendix C)."""

    def __init__(self, image_shape, output_channels: int, hidden_units: int, activation: str, **kwargs):
        super().__init__(**kwargs)
        self.options = dict(image_shape=list(image_shape), output_channels=output_channels, hidden_units=hidden_units,
                            activation=activation)
        height, width, _ = image_shape
        self.hidden = layers.Dense(hidden_units, activation=activation)
        self.out = layers.Dense(height * width * output_channels)
        self.reshape = layers.Reshape((height, width, output_channels))
        self.sequence = [self.hidden, self.out, self.reshape]



def _conv(options: dict, image_shape, encoder_outputs: int, decoder_channels: int):
    encoder = ConvEncoder(encoder_outputs, options["encoder_filters"], options["kernel_size"], options["encoder_padding"],
                          options["hidden_units"], options.get("input_layout", "plain"), name="encoder")
    decoder = ConvDecoder(image_shape, decoder_channels, options["decoder_filters"], options["decoder_base_channels"],
                          options["kernel_size"], options["hidden_units"], options["output_stride"],
                          options.get("output_layout", "plain"), name="decoder")
    return encoder, decoder


def _mlp(options: dict, image_shape, encoder_outputs: int, decoder_channels: int):
    encoder = MlpEncoder(encoder_outputs, options["hidden_units"], options["activation"], name="encoder")
    decoder = MlpDecoder(image_shape, decoder_channels, options["hidden_units"], options["activation"], name="decoder")
    return encoder, decoder


# name -> builder(options, image_shape, encoder outputs, decoder output channels) -> (encoder, decoder)
NETWORKS = {"conv": _conv, "conv64": _conv, "conv_wide": _conv, "mlp": _mlp}


@keras.saving.register_keras_serializable(package="vaecli")
class VAE(keras.Model):
    """Encoder, decoder, likelihood and prior together, with the views a user needs after training."""

    def __init__(self, image_shape, latent_dim: int, stochastic: bool, network: dict, likelihood: dict, prior: dict, **kwargs):
        super().__init__(**kwargs)
        self.image_shape, self.latent_dim, self.stochastic = tuple(image_shape), latent_dim, stochastic
        self.options = {"network": dict(network), "likelihood": dict(likelihood), "prior": dict(prior)}
        self.likelihood = make_likelihood(dict(likelihood))
        channels = self.image_shape[-1] * self.likelihood.outputs_per_channel
        self.encoder, self.decoder = NETWORKS[network["name"]](network, self.image_shape, (2 if stochastic else 1) * latent_dim, channels)
        self.prior = make_prior(prior, latent_dim, self.image_shape)

    def build(self, input_shape=None):
        # Create every weight now, so checkpoints restore and saved models load eagerly.
        self.encoder(ops.zeros((1, *self.image_shape)))
        self.decoder(ops.zeros((1, self.latent_dim)))
        super().build(input_shape)

    def call(self, x):
        return self.decode(self.encode(x))

    def posterior(self, x, training: bool = False):
        """(mean, log-variance) of q(z|x) as float32; log-variance None for a deterministic encoder."""
        head = ops.cast(self.encoder(x, training=training), "float32")
        if not self.stochastic:
            return head, None
        return head[:, : self.latent_dim], head[:, self.latent_dim :]

    def encode(self, x):
        """The code of each image: the posterior mean, or the deterministic code."""
        return self.posterior(x)[0]

    def decode(self, z):
        """Pixel means in [0, 1] under the model's likelihood."""
        return self.likelihood.mean(ops.cast(self.decoder(z), "float32"))

    def log_prior(self, z):
        """log p(z) under the model's own prior, over the last axis."""
        return self.prior.log_prob(z, self.encoder)

    def kl(self, mean, logvar, z=None):
        """KL(q(z|x) || p(z)) per image: closed form where the prior has one, else at the codes z."""
        return self.prior.kl(mean, logvar, z, self.encoder)

    def sample_prior(self, n, rng):
        """n codes from the model's own prior (rng: a tf.random.Generator)."""
        return self.prior.sample(n, rng, self.encoder)

    def prior_mean(self) -> np.ndarray:
        return self.prior.mean(self.encoder)

    def prior_quantiles(self, probabilities, seed: int = 0) -> np.ndarray:
        return self.prior.quantiles(probabilities, self.encoder, seed)

    def get_config(self):
        return {**super().get_config(), "image_shape": list(self.image_shape), "latent_dim": self.latent_dim,
                "stochastic": self.stochastic, **self.options}


def build_vae(model_cfg, network_cfg, likelihood_cfg, latent_dim: int, image_shape) -> VAE:
    """A VAE with all weights created: the objective (asked through the registry) sets stochasticity and prior."""
    from dataclasses import asdict

    from vaecli.models.objectives import get

    objective = get(model_cfg.name)
    vae = VAE(image_shape, latent_dim, objective.stochastic_encoder(model_cfg), asdict(network_cfg), asdict(likelihood_cfg),
              objective.prior_config(model_cfg), name="vae")
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
