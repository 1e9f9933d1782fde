"""TensorFlow's CVAE tutorial (tensorflow.org/tutorials/generative/cvae), as `vae bench`'s peer.

Each epoch the tutorial (1) trains with a `tf.function` step per batch, (2) computes the test ELBO by calling
its (not compiled) `compute_loss` on every test batch, and (3) saves one 4x4 figure of images decoded from the
codes of 16 test images (`generate_and_save_images`). `TutorialLoop.whole_epoch` does those three; the
bench's `tutorial/elbo` row times (1) alone, to compare training steps, and `tutorial/elbo whole epoch` all
three, to compare epochs like for like. The same network as vaecli's `conv` (vaecli.models.networks), its
Bernoulli likelihood and single-sample ELBO; Adam 1e-4 as in the tutorial; the loss is read on the host every
step, as a per-step metric update would (the tutorial itself does not read it, so this costs it a little).
"""

from __future__ import annotations

import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from vaecli.models.likelihoods import BernoulliConfig
from vaecli.models.losses import log_normal_pdf
from vaecli.models.network_schemas import ConvNetworkConfig
from vaecli.models.networks import build_vae
from vaecli.models.objectives.elbo import ElboConfig

FIGURE_CODES = 16  # the tutorial's num_examples_to_generate: a 4x4 figure


class TutorialLoop:
    """The tutorial's model, optimizer and per-epoch work on `images` (uint8), tested on `test_images`."""

    def __init__(self, images: np.ndarray, batch_size: int, latent_dim: int, test_images: np.ndarray | None = None,
                 figure_dir: Path | None = None):
        self.vae = build_vae(ElboConfig(), ConvNetworkConfig(), BernoulliConfig(), latent_dim, images.shape[1:])
        self.optimizer = keras.optimizers.Adam(1e-4)
        self.batch_size, self.figure_dir = batch_size, figure_dir
        self.data = images.astype(np.float32) / 255.0
        self.n_steps = len(images) // batch_size
        test = np.zeros((0, *images.shape[1:]), np.uint8) if test_images is None else test_images
        self.test = tf.data.Dataset.from_tensor_slices(test.astype(np.float32) / 255.0).batch(batch_size)
        self.test_sample = test[:FIGURE_CODES].astype(np.float32) / 255.0
        self.train_step = tf.function(self._train_step)

    def compute_loss(self, x):
        """The negative single-sample ELBO of a batch, as the tutorial's compute_loss."""
        mean, logvar = tf.split(self.vae.encoder(x), 2, axis=1)
        z = mean + tf.exp(0.5 * logvar) * tf.random.normal(tf.shape(mean))
        cross_ent = tf.nn.sigmoid_cross_entropy_with_logits(logits=self.vae.decoder(z), labels=x)
        logpx_z = -tf.reduce_sum(cross_ent, axis=[1, 2, 3])
        return -tf.reduce_mean(logpx_z + log_normal_pdf(z, 0.0, 0.0) - log_normal_pdf(z, mean, logvar))

    def _train_step(self, x):
        with tf.GradientTape() as tape:
            loss = self.compute_loss(x)
        gradients = tape.gradient(loss, self.vae.trainable_variables)
        self.optimizer.apply_gradients(zip(gradients, self.vae.trainable_variables))
        return loss

    def train(self, epoch: int, synthetic: bool = False) -> None:
        """One epoch of training steps (synthetic: one ready-made batch repeated, to measure input waits)."""
        if synthetic:
            dataset = tf.data.Dataset.from_tensors(self.data[: self.batch_size]).repeat(self.n_steps)
        else:
            dataset = tf.data.Dataset.from_tensor_slices(self.data).shuffle(len(self.data)).batch(self.batch_size, drop_remainder=True)
        for x in dataset:
            float(self.train_step(x))

    def test_elbo(self) -> float:
        loss = keras.metrics.Mean()
        for x in self.test:
            loss.update_state(self.compute_loss(x))  # eager, as in the tutorial
        return -float(loss.result())

    def figure(self, epoch: int) -> None:
        """generate_and_save_images: decode the codes of 16 test images, a 4x4 figure saved as PNG."""
        import matplotlib.pyplot as plt

        mean, logvar = tf.split(self.vae.encoder(self.test_sample), 2, axis=1)
        z = mean + tf.exp(0.5 * logvar) * tf.random.normal(tf.shape(mean))
        predictions = tf.sigmoid(self.vae.decoder(z)).numpy()
        fig = plt.figure(figsize=(4, 4))
        for i in range(predictions.shape[0]):
            plt.subplot(4, 4, i + 1)
            plt.imshow(predictions[i, :, :, 0], cmap="gray")
            plt.axis("off")
        plt.savefig(Path(self.figure_dir or ".") / f"image_at_epoch_{epoch:04d}.png")
        plt.close(fig)

    def run_epoch(self, epoch: int, synthetic: bool) -> float:
        """Seconds of the training steps alone."""
        start = time.perf_counter()
        self.train(epoch, synthetic)
        return time.perf_counter() - start

    def whole_epoch(self, epoch: int, synthetic: bool) -> float:
        """Seconds of the tutorial's whole epoch: training, the test ELBO, the figure."""
        start = time.perf_counter()
        self.train(epoch, synthetic)
        self.test_elbo()
        self.figure(epoch)
        return time.perf_counter() - start
