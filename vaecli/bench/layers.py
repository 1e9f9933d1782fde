"""`vae bench`'s per-layer table: forward + backward time of each layer of the conv network (Keydana's), in turns.

Every convolution is timed as the layer and in its block form (vaecli.models.layouts), so the table
shows where a layout change pays; each time is the median over rounds taken in turns.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import tensorflow as tf

from vaecli.bench.candidates import _forward_flops
from vaecli.models.layouts import apply_on_blocks, supports
from vaecli.models.likelihoods import BernoulliConfig
from vaecli.models.network_schemas import ConvNetworkConfig
from vaecli.models.networks import build_vae
from vaecli.models.objectives.elbo import ElboConfig


def _timed_step(form, layer, x, first: bool):
    """A compiled forward + backward pass: gradients of the weights, and of the input unless it is the first layer."""

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = form(x)
            loss = tf.reduce_sum(tf.cast(y, tf.float32) ** 2)
        return tape.gradient(loss, list(layer.trainable_weights) + ([] if first else [x]))

    return lambda: [g.numpy() for g in step(x)]


def layer_times(batch_size: int = 100, image_shape=(28, 28, 1), latent_dim: int = 2, rounds: int = 20) -> list[dict]:
    """One row per layer with weights: name, input and output shapes, forward GFLOP/s and milliseconds per form."""
    vae = build_vae(ElboConfig(), ConvNetworkConfig(), BernoulliConfig(), latent_dim, image_shape)
    rows: list[dict[str, Any]] = []
    runs: list[tuple[dict[str, Any], str, Any]] = []
    for network, x in ((vae.encoder, tf.random.uniform((batch_size, *image_shape))),
                       (vae.decoder, tf.random.normal((batch_size, latent_dim)))):
        for index, layer in enumerate(network.sequence):
            y = layer(x)
            if layer.trainable_weights:
                first = network is vae.encoder and not rows
                forms = {"plain": layer}
                if supports(layer):
                    forms["blocks"] = lambda x, layer=layer: apply_on_blocks(layer, x)
                row: dict[str, Any] = {"layer": f"{network.name}[{index}] {type(layer).__name__}", "in": tuple(x.shape[1:]), "out": tuple(y.shape[1:]),
                       "training_mflop": round((2 if first else 3) * _forward_flops(layer, x.shape, y.shape) * batch_size / 1e6, 1), "ms": {}}
                rows.append(row)
                runs += [(row, name, _timed_step(form, layer, x, first)) for name, form in forms.items()]
            x = y
    times: dict[tuple[int, str], list[float]] = {(id(row), name): [] for row, name, _ in runs}
    level = tf.get_logger().level
    tf.get_logger().setLevel("ERROR")  # one compiled step per layer and form: TensorFlow would warn of retracing
    for run in (r for _, _, r in runs):  # trace and warm up
        run()
    tf.get_logger().setLevel(level)
    for _ in range(rounds):
        for row, name, run in runs:
            start = time.perf_counter()
            run()
            times[(id(row), name)].append(time.perf_counter() - start)
    for row, name, _ in runs:
        row["ms"][name] = round(1e3 * statistics.median(times[(id(row), name)]), 2)
    return rows


def layer_table(rows: list[dict]) -> str:
    lines = [f"{'layer (forward+backward, batch)':<34}{'in':>12}{'out':>12}{'MFLOP':>8}{'plain ms':>10}{'GFLOP/s':>9}{'blocks ms':>11}"]
    for row in rows:
        plain, blocks = row["ms"]["plain"], row["ms"].get("blocks")
        lines.append(f"{row['layer']:<34}{'x'.join(map(str, row['in'])):>12}{'x'.join(map(str, row['out'])):>12}"
                     f"{row['training_mflop']:>8}{plain:>10}{row['training_mflop'] / plain:>9.0f}"
                     f"{'-' if blocks is None else blocks:>11}")
    return "\n".join(lines)
