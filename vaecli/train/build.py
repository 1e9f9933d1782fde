"""A run's model, optimizer, random stream and compiled steps, on one device or on trainer.strategy's."""

from __future__ import annotations

import contextlib

import keras
import tensorflow as tf

from vaecli.config.schemas import TrainConfig
from vaecli.models.networks import build_vae
from vaecli.models.objectives import Context, make_objective
from vaecli.train import distribute
from vaecli.train.steps import Steps


def build_steps(cfg: TrainConfig, image_shape, train_size: int) -> Steps:
    """A fresh model, optimizer and random stream for `cfg` (model, network, likelihood, trainer, seed),
    and the compiled steps that train them on `train_size` images per epoch (on the devices of
    trainer.strategy)."""
    trainer_cfg = cfg.trainer
    batch_shape = (trainer_cfg.batch_size, *image_shape)
    strategy = distribute.make_strategy(trainer_cfg)  # None: one device, without tf.distribute
    with strategy.scope() if strategy else contextlib.nullcontext():  # variables on every replica
        vae, optimizer = _model_and_optimizer(cfg, image_shape)
    context = Context(cfg.latent_dim, train_size, max(1, train_size // trainer_cfg.batch_size))
    objective = make_objective(cfg.model, context)
    if strategy is None:
        return Steps(vae, objective, optimizer, tf.random.Generator.from_seed(cfg.seed), trainer_cfg, batch_shape)
    rng = distribute.shared_generator(cfg.seed, strategy)
    return distribute.DistributedSteps(strategy, vae, objective, optimizer, rng, trainer_cfg, batch_shape)


def _model_and_optimizer(cfg: TrainConfig, image_shape):
    trainer_cfg = cfg.trainer
    keras.mixed_precision.set_dtype_policy(trainer_cfg.precision)
    vae = build_vae(cfg.model, cfg.network, cfg.likelihood, cfg.latent_dim, image_shape)
    keras.mixed_precision.set_dtype_policy("float32")  # global state: leave it as found
    optimizer = keras.optimizers.Adam(trainer_cfg.learning_rate)
    if trainer_cfg.precision == "mixed_float16":
        # float16 gradients underflow without loss scaling; bfloat16 has float32's range and needs none.
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    optimizer.build(vae.trainable_variables)  # slots exist before a checkpoint restores into them
    return vae, optimizer
