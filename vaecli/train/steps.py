"""The compiled training and evaluation steps: one GradientTape step, fused into chunks by tf.function.

The objective (vaecli.models.objectives) computes the loss parts; this module only differentiates,
applies, guards against non-finite values and keeps running means that checkpoints can hold.
"""

from __future__ import annotations

import tensorflow as tf

from vaecli.models.networks import VAE


class RunningMeans(tf.Module):
    """Means of named loss parts, kept in variables so that a checkpoint holds them mid-epoch."""

    def __init__(self, names):
        super().__init__()
        self.names = tuple(names)
        self.sums = tf.Variable(tf.zeros(len(self.names), tf.float64), trainable=False)
        self.weight = tf.Variable(tf.constant(0.0, tf.float64), trainable=False)

    def reset(self):
        self.sums.assign(tf.zeros_like(self.sums))
        self.weight.assign(0.0)

    def add(self, parts: dict, weight=1.0):
        weight = tf.cast(weight, tf.float64)
        self.sums.assign_add(tf.cast(tf.stack([parts[name] for name in self.names]), tf.float64) * weight)
        self.weight.assign_add(weight)

    def result(self) -> dict[str, float]:
        means = self.sums.numpy() / max(float(self.weight.numpy()), 1e-300)
        return {name: float(value) for name, value in zip(self.names, means)}


class Steps:
    """The compiled training and evaluation functions, and the running means they fill."""

    def __init__(self, vae: VAE, objective, optimizer, rng: tf.random.Generator, trainer_cfg, batch_shape):
        self.vae, self.objective, self.optimizer, self.rng = vae, objective, optimizer, rng
        self.variables = vae.trainable_variables
        self.skip_nonfinite = trainer_cfg.on_nonfinite == "skip"
        self.parts = objective.parts
        self.train_means = RunningMeans(self.parts)
        self.eval_means = RunningMeans(self.parts)
        # What a non-finite step leaves behind for the user to inspect.
        self.bad_batch = tf.Variable(tf.zeros(batch_shape), trainable=False)
        self.bad_parts = tf.Variable(tf.ones(len(self.parts), tf.bool), trainable=False)
        self._step = tf.function(self._train_step, jit_compile=trainer_cfg.jit_compile)
        self.train_chunk = tf.function(self._train_chunk)
        self.evaluate_dataset = tf.function(self._evaluate_dataset)

    def distribute(self, dataset):
        """Training batches as train_chunk takes them: unchanged on one device (vaecli.train.distribute splits them)."""
        return dataset

    def _gradients(self, x):
        """(loss parts, which parts are finite, gradients) of one batch."""
        with tf.GradientTape() as tape:
            parts, loss = self.objective.losses(self.vae, x, self.rng, training=True, step=self.optimizer.iterations)
            scaled_loss = self.optimizer.scale_loss(loss)  # the loss itself unless mixed_float16
        gradients = tape.gradient(scaled_loss, self.variables)
        finite = tf.stack([tf.reduce_all(tf.math.is_finite(parts[name])) for name in self.parts])
        return parts, finite, gradients

    def _train_step(self, x):
        parts, finite, gradients = self._gradients(x)
        if tf.reduce_all(finite):  # a non-finite loss must not touch the weights
            self.optimizer.apply(gradients, self.variables)
        return parts, finite

    def _whole_batch(self, x):
        """The images of a batch as one tensor (vaecli.train.distribute gathers the replicas' slices)."""
        return x

    def _evaluate_batch(self, x):
        """The loss parts of a held-out batch, and how many images it holds."""
        parts = self.objective(self.vae, x, self.rng, training=False, step=self.optimizer.iterations)
        return parts, tf.shape(x)[0]

    def _train_chunk(self, iterator, steps):
        """Up to `steps` training steps; returns the index of a non-finite step that stopped it, or -1."""
        stopped_at = tf.constant(-1, tf.int32)
        for i in tf.range(steps):
            x = next(iterator)
            parts, finite = self._step(x)
            if tf.reduce_all(finite):
                self.train_means.add(parts)
            elif not self.skip_nonfinite:
                self.bad_batch.assign(self._whole_batch(x))
                self.bad_parts.assign(finite)
                stopped_at = i
                break
        return stopped_at

    def _evaluate_dataset(self, dataset):
        self.eval_means.reset()
        for x in dataset:
            parts, size = self._evaluate_batch(x)
            self.eval_means.add(parts, weight=size)  # a short last batch counts for less

    def evaluate(self, dataset, seed: int) -> dict[str, float]:
        """Mean loss parts over a dataset; the same noise every time, so epochs compare."""
        state = self.rng.state.numpy()
        self.rng.reset_from_seed(seed)
        self.evaluate_dataset(dataset)
        self.rng.reset(state)  # evaluation leaves the training random stream untouched
        return self.eval_means.result()
