"""One batch split across tf.distribute replicas, seen whole by the objective (trainer.strategy=mirrored).

Each replica encodes and decodes its own slice of the global batch. The terms that depend on the
batch as a whole (MMD against prior draws, β-TCVAE's minibatch-weighted sampling, DIP-VAE's
covariance) would change with the number of devices if each replica computed them on its slice,
so the objective gathers the posterior outputs of every replica and computes its regulariser on
the whole batch, as one device would. `all_gather` is differentiable: each replica receives the
gradient of its own slice. Every replica draws the noise for the whole batch, with the same
random stream, and keeps its slice: one device and several draw the same numbers.

Outside a replica context of two or more replicas nothing here runs: `current()` is None and the
objective takes its one-device path unchanged. TensorFlow is imported inside functions, as in the
objectives (the `vae` command reads their schemas before it loads TensorFlow).
"""

from __future__ import annotations

from typing import Any


def current() -> Any:
    """The replica context when the caller runs on one of several replicas, else None (one device)."""
    import tensorflow as tf

    context = tf.distribute.get_replica_context()
    return context if context is not None and context.num_replicas_in_sync > 1 else None


def noise(context: Any, rng: Any, samples: int, local_size: Any, d: int) -> Any:
    """This replica's slice of N(0, I) noise drawn for the whole batch: (samples, local_size, d).

    Every replica draws the same (samples, whole batch, d) numbers (vaecli.train.distribute.shared_generator),
    so the codes of an image do not depend on which replica holds it.
    """
    import tensorflow as tf

    sizes = context.all_gather(tf.reshape(local_size, [1]), axis=0)
    start = tf.reduce_sum(sizes[: context.replica_id_in_sync_group])
    return rng.normal((samples, tf.reduce_sum(sizes), d))[:, start : start + local_size]


def gather(context: Any, mean: Any, logvar: Any, z: Any, kl: Any, reconstruction: Any) -> tuple[Any, ...]:
    """The whole batch's (mean, logvar, z, kl, reconstruction), in replica order, which is the batch's order.

    z is (samples, batch, d), gathered along its batch axis; None (a deterministic encoder's logvar
    and kl) stays None. All go side by side into one (batch, columns) tensor: one all_gather, one
    synchronisation of the replicas (and all_gather's gradient fails on a list of tensors of
    different ranks, in TensorFlow 2.21).
    """
    import tensorflow as tf

    samples, d = z.shape[0], z.shape[-1]  # static: the codes per image and the latent size
    per_image = {
        "mean": mean,
        "logvar": logvar,
        "z": tf.reshape(tf.transpose(z, (1, 0, 2)), (-1, samples * d)),
        "kl": None if kl is None else kl[:, None],
        "reconstruction": reconstruction[:, None],
    }
    present = [name for name, value in per_image.items() if value is not None]
    widths = [per_image[name].shape[-1] for name in present]
    whole = context.all_gather(tf.concat([per_image[name] for name in present], axis=1), axis=0)
    columns = dict(zip(present, tf.split(whole, widths, axis=1)))
    columns["z"] = tf.transpose(tf.reshape(columns["z"], (-1, samples, d)), (1, 0, 2))
    for name in ("kl", "reconstruction"):
        if name in columns:
            columns[name] = columns[name][:, 0]
    return tuple(columns.get(name) for name in per_image)


def replica_loss(context: Any, local_reconstruction: Any, batch_size: Any, penalty: Any) -> Any:
    """This replica's share of the whole batch's loss: the gradients that the optimizer sums over the
    replicas are then those of mean(reconstruction) + penalty over the whole batch.

    Each replica computes the same penalty from the gathered batch; all_gather's gradient sums the
    replicas' upstream gradients, so penalty / replicas on each gives the penalty's gradient once.
    """
    import tensorflow as tf

    return tf.reduce_sum(local_reconstruction) / tf.cast(batch_size, tf.float32) + penalty / context.num_replicas_in_sync
