"""The candidates `vae bench` times, and the arithmetic it measures them by (FLOPs, the matmul rate).

Each candidate trains the same architecture on the same images; `run_epoch(epoch, synthetic)` times
one epoch (synthetic: one ready-made batch repeated, to measure the input pipeline's share).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import keras
import numpy as np
import tensorflow as tf

from vaecli.config.schemas import TrainConfig, TrainerConfig
from vaecli.data import training_batches
from vaecli.models.likelihoods import BernoulliConfig
from vaecli.models.network_schemas import ConvNetworkConfig
from vaecli.models.networks import build_vae
from vaecli.models.objectives import OBJECTIVES
from vaecli.models.objectives.elbo import ElboConfig
from vaecli.train.build import build_steps

# ---------------------------------------------------------------- the machine and the model


def matmul_gflops(size: int, repeats: int = 10) -> float:
    """Median fp32 GFLOP/s of a size x size matrix product: the practical peak of these cores."""
    a, b = tf.random.normal((size, size)), tf.random.normal((size, size))
    product = tf.function(lambda x, y: tf.reduce_sum(tf.matmul(x, y)))
    product(a, b).numpy()  # trace and warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        product(a, b).numpy()
        times.append(time.perf_counter() - start)
    return 2 * size**3 / statistics.median(times) / 1e9


def training_flops_per_image(vae) -> int:
    """Multiply-adds x 2 of one training step per image, from the layer shapes.

    A layer's backward pass costs about its forward twice over (gradients of inputs and of
    weights); the first layer needs no input gradient. Element-wise work is left out.
    """
    per_layer = []
    for network, x in ((vae.encoder, tf.zeros((1, *vae.image_shape))), (vae.decoder, tf.zeros((1, vae.latent_dim)))):
        for layer in network.sequence:  # the layers in the order the network applies them
            y = layer(x)
            per_layer.append(_forward_flops(layer, x.shape, y.shape))
            x = y
    forward = sum(per_layer)
    return 3 * forward - per_layer[0]


def _forward_flops(layer, in_shape, out_shape) -> int:
    if isinstance(layer, keras.layers.Conv2DTranspose):  # every input pixel scatters a k x k x C_out patch
        k = layer.kernel_size[0] * layer.kernel_size[1]
        return 2 * in_shape[1] * in_shape[2] * in_shape[3] * k * out_shape[3]
    if isinstance(layer, keras.layers.Conv2D):
        k = layer.kernel_size[0] * layer.kernel_size[1]
        return 2 * out_shape[1] * out_shape[2] * out_shape[3] * k * in_shape[3]
    if isinstance(layer, keras.layers.Dense):
        return 2 * in_shape[-1] * out_shape[-1]
    return 0


# ---------------------------------------------------------------- candidates


@dataclass
class Candidate:
    """One way of training; run_epoch(epoch, synthetic) trains on `images` images and returns seconds."""

    name: str
    flops_per_image: int
    images: int
    run_epoch: Callable[[int, bool], float]  # (epoch, synthetic input) -> seconds
    seconds: list[float] = field(default_factory=list)
    synthetic_seconds: list[float] = field(default_factory=list)
    rss_added_mb: float = 0.0  # resident memory its set-up and first epoch added to the process
    measures_input: bool = True  # also time epochs of one ready-made batch (whole epochs: no)
    close: Callable[[], None] = lambda: None  # lets go of what it holds once timed (a whole epoch's drawing thread)

    def result(self, gflops_peak: float) -> dict:
        per_second = self.images / statistics.median(self.seconds)
        achieved = per_second * self.flops_per_image / 1e9
        wait = 1.0 - statistics.median(self.synthetic_seconds) / statistics.median(self.seconds) if self.synthetic_seconds else None
        return {
            "images_per_s": round(per_second, 1),
            "epoch_seconds": [round(s, 3) for s in self.seconds],
            "gflops": round(achieved, 1),
            "share_of_matmul_peak": round(achieved / gflops_peak, 3),
            "input_wait_share": None if wait is None else round(max(wait, 0.0), 3),
            "rss_added_mb": round(self.rss_added_mb),
            "training_mflop_per_image": round(self.flops_per_image / 1e6, 2),
        }


def default_config(model: str, trainer: TrainerConfig, latent_dim: int, seed: int, network: dict | None = None) -> TrainConfig:
    """An objective with its defaults, the conv network (with `network` changes) and the first likelihood it takes."""
    from vaecli.models.likelihoods import LIKELIHOODS

    objective = OBJECTIVES[model]
    return TrainConfig(model=objective.Config(), network=ConvNetworkConfig(**(network or {})),
                       likelihood=LIKELIHOODS[objective.likelihoods[0]].Config(), trainer=trainer, latent_dim=latent_dim, seed=seed)


def vaecli_candidate(name: str, cfg: TrainConfig, images: np.ndarray) -> Candidate:
    """vaecli's own training steps and input pipeline, as `vae train` runs them."""
    trainer, seed = cfg.trainer, cfg.seed
    steps = build_steps(cfg, images.shape[1:], len(images))
    batches = training_batches(images, trainer.batch_size, seed)
    n_steps = len(images) // trainer.batch_size
    one_batch = tf.convert_to_tensor(images[: trainer.batch_size].astype(np.float32) / 255.0)

    def run_epoch(epoch: int, synthetic: bool) -> float:
        dataset = tf.data.Dataset.from_tensors(one_batch).repeat() if synthetic else batches(epoch)
        start = time.perf_counter()
        iterator = iter(dataset)
        done = 0
        while done < n_steps:
            chunk = min(trainer.steps_per_call, n_steps - done)
            steps.train_chunk(iterator, tf.constant(chunk, tf.int32))
            done += chunk
            steps.train_means.result()  # the host reads the losses once per call, as the progress bar does
        return time.perf_counter() - start

    return Candidate(name, training_flops_per_image(steps.vae), n_steps * trainer.batch_size, run_epoch)


def tutorial_candidate(images: np.ndarray, batch_size: int, latent_dim: int) -> Candidate:
    """The TensorFlow CVAE tutorial's training steps (vaecli.bench.tutorial): tf.function per batch, no prefetch."""
    from vaecli.bench.tutorial import TutorialLoop

    loop = TutorialLoop(images, batch_size, latent_dim)
    return Candidate("tutorial/elbo", training_flops_per_image(loop.vae), loop.n_steps * batch_size, loop.run_epoch)


def seeds_candidate(images: np.ndarray, batch_size: int, latent_dim: int, batches: int) -> Candidate:
    """The style of Keydana's posts: eager execution, float64, reconstruction summed over the batch."""
    keras.mixed_precision.set_dtype_policy("float64")
    vae = build_vae(ElboConfig(), ConvNetworkConfig(), BernoulliConfig(), latent_dim, images.shape[1:])
    keras.mixed_precision.set_dtype_policy("float32")
    optimizer = keras.optimizers.Adam(1e-4)
    data = images[: batches * batch_size].astype(np.float64) / 255.0
    log_2pi = np.log(2.0 * np.pi)

    def train_step(x):
        with tf.GradientTape() as tape:
            mean, logvar = tf.split(vae.encoder(x), 2, axis=1)
            z = mean + tf.exp(0.5 * logvar) * tf.random.normal(tf.shape(mean), dtype=tf.float64)
            cross_ent = tf.nn.sigmoid_cross_entropy_with_logits(logits=vae.decoder(z), labels=x)
            logpz = tf.reduce_sum(-0.5 * (z**2 + log_2pi), axis=1)
            logqz_x = tf.reduce_sum(-0.5 * ((z - mean) ** 2 * tf.exp(-logvar) + logvar + log_2pi), axis=1)
            loss = tf.reduce_sum(cross_ent) + tf.reduce_mean(logqz_x - logpz)
        gradients = tape.gradient(loss, vae.trainable_variables)
        optimizer.apply_gradients(zip(gradients, vae.trainable_variables))
        return loss

    def run_epoch(epoch: int, synthetic: bool) -> float:
        order = np.random.default_rng(epoch).permutation(len(data))
        start = time.perf_counter()
        for i in range(batches):
            x = data[:batch_size] if synthetic else data[order[i * batch_size : (i + 1) * batch_size]]
            float(train_step(tf.constant(x)))
        return time.perf_counter() - start

    return Candidate("keydana/elbo (eager, float64)", training_flops_per_image(vae), batches * batch_size, run_epoch)


def torch_candidate(images: np.ndarray, batch_size: int, latent_dim: int) -> Candidate | None:
    """The PyTorch peer (vaecli.bench.torch_peer) on the CPU with PyTorch's default threads, or None without PyTorch."""
    try:
        from vaecli.bench.torch_peer import TorchTrainer
    except ImportError:
        return None
    trainer = TorchTrainer(images, batch_size, latent_dim)
    vae = build_vae(ElboConfig(), ConvNetworkConfig(), BernoulliConfig(), latent_dim, images.shape[1:])  # the same layers
    return Candidate("torch/elbo", training_flops_per_image(vae), trainer.n_steps * batch_size, trainer.run_epoch)
