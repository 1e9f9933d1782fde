"""Training on several devices with tf.distribute: trainer.strategy=mirrored.

MirroredStrategy keeps a copy of every variable on each device. Each training step splits the
global batch (trainer.batch_size) into one slice per replica; the objective gathers what depends
on the whole batch (vaecli.models.replicas), so the loss parts are the whole batch's on every
replica, and the optimizer sums the replicas' gradients into the whole batch's gradient. The
non-finite check, the running means and a saved bad batch therefore behave as on one device, and
a checkpoint resumes on any number of devices (variables are saved by name, not by device).

trainer.strategy=default makes no strategy at all: the one-device code path of vaecli.train.steps runs
exactly as it would without this module.
"""

from __future__ import annotations

import functools
import logging

import tensorflow as tf

from vaecli.errors import ConfigError, require
from vaecli.train.steps import Steps

log = logging.getLogger(__name__)


def make_strategy(trainer_cfg) -> tf.distribute.Strategy | None:
    """The strategy that trainer.strategy names; None for one device."""
    return STRATEGIES[trainer_cfg.strategy](trainer_cfg)


def _one_device(trainer_cfg) -> None:
    return None


def _mirrored(trainer_cfg) -> tf.distribute.MirroredStrategy:
    # The gathers of vaecli.models.replicas synchronise the replicas through merge_call, which XLA cannot hold.
    require(not trainer_cfg.jit_compile,
            "trainer.jit_compile=true does not combine with trainer.strategy=mirrored; drop one of them")
    devices = mirrored_devices()
    log.info(f"tf.distribute: MirroredStrategy over {len(devices)} devices ({', '.join(devices)}), "
             f"{trainer_cfg.batch_size} images per step in all")
    return _mirrored_strategy(tuple(devices))


@functools.cache
def _mirrored_strategy(devices: tuple[str, ...]) -> tf.distribute.MirroredStrategy:
    """One strategy per process for the same devices: two would number their collective operations
    alike, and the second's all_gather would fail on the first's shapes (runs of a sweep share a process)."""
    return tf.distribute.MirroredStrategy(list(devices))


STRATEGIES = {"default": _one_device, "mirrored": _mirrored}


def mirrored_devices() -> list[str]:
    """Every GPU; on a machine without GPUs, its logical CPUs (several only where a program, e.g. a
    test, split the CPU with tf.config.set_logical_device_configuration before TensorFlow started)."""
    gpus = [device.name for device in tf.config.list_logical_devices("GPU")]
    devices = gpus or [device.name for device in tf.config.list_logical_devices("CPU")]
    if len(devices) < 2:
        raise ConfigError(f"trainer.strategy=mirrored needs 2 or more GPUs (found {len(gpus)}); "
                          "train on one device with trainer.strategy=default")
    return devices


def shared_generator(seed: int, strategy: tf.distribute.Strategy) -> tf.random.Generator:
    """A random stream from which every replica draws the numbers that one device would draw.

    A generator made in a strategy's scope hashes the replica id into its draws: replicas would draw
    different prior samples, and a batch's noise would depend on the number of devices. Here only
    the state is made in the scope (a mirrored variable: each replica advances its own copy, in step,
    since all make the same draws); the generator around it is made outside, so it draws as on one
    device. Checkpoints hold the state under the same name as a one-device run's.
    """
    start = tf.random.Generator.from_seed(seed)
    with strategy.scope():
        state = tf.Variable(start.state, trainable=False, name="rng_state")
    return tf.random.Generator(state=state, alg=start.algorithm)


class DistributedSteps(Steps):
    """The compiled steps run on every replica of `strategy`, each on its slice of the global batch."""

    def __init__(self, strategy: tf.distribute.Strategy, *args, **kwargs):
        self.strategy = strategy
        super().__init__(*args, **kwargs)
        self.eval_rng = tf.random.Generator.from_seed(0)  # made outside the scope: one device's stream

    def distribute(self, dataset):
        """Each global batch split into one slice per replica, in order (a short batch unevenly)."""
        return self.strategy.experimental_distribute_dataset(dataset)

    def _train_step(self, x):
        parts, finite, gradients = self.strategy.run(self._gradients, args=(x,))
        parts, finite = self._first_replica(parts), self._first_replica(finite)  # the same on every replica
        # The test stays outside the replicas: a replica's tf.cond cannot hold the optimizer's all-reduce.
        if tf.reduce_all(finite):
            self.strategy.run(self._apply, args=(gradients,))
        return parts, finite

    def _apply(self, gradients):
        self.optimizer.apply(gradients, self.variables)  # sums the replicas' gradients first

    def _whole_batch(self, x):
        return self.strategy.gather(x, axis=0)

    def evaluate(self, dataset, seed: int) -> dict[str, float]:
        """Held-out batches on the first device alone, with a one-device random stream seeded as
        Steps.evaluate seeds its own: one device's numbers. Evaluation has no gradients, so one device
        keeps up; and a short last batch, split, would leave some replicas an empty slice (oneDNN's
        CPU convolutions fail on those) and change the shape of the gathers from one batch to the next."""
        self.eval_rng.reset_from_seed(seed)
        self.evaluate_dataset(dataset)
        return self.eval_means.result()

    def _evaluate_batch(self, x):
        parts = self.objective(self.vae, x, self.eval_rng, training=False, step=self.optimizer.iterations)
        return parts, tf.shape(x)[0]

    def _first_replica(self, values):
        return tf.nest.map_structure(lambda value: self.strategy.experimental_local_results(value)[0], values)
