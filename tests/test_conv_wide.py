"""network=conv_wide: its shape and parameter count as documented, and a long run on it stopped early by its
validation loss, with the best epoch's weights saved."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import write_idx_dir

from vaecli.run import names


def test_conv_wide_is_infogans_convolutions_with_a_dense_256():
    from vaecli.models.likelihoods import BernoulliConfig, MseConfig
    from vaecli.models.network_schemas import ConvWideNetworkConfig
    from vaecli.models.networks import build_vae
    from vaecli.models.objectives.elbo import ElboConfig
    from vaecli.models.objectives.mmd import MmdConfig

    vae = build_vae(ElboConfig(), ConvWideNetworkConfig(), BernoulliConfig(), 2, (28, 28, 1))
    assert [tuple(layer.kernel.shape) for layer in vae.encoder.convs] == [(4, 4, 1, 64), (4, 4, 64, 128)]
    assert tuple(vae.encoder.hidden.kernel.shape) == (7 * 7 * 128, 256)
    assert tuple(vae.decoder.hidden.kernel.shape) == (2, 256) and tuple(vae.decoder.dense.kernel.shape) == (256, 7 * 7 * 128)
    assert tuple(vae.decoder(np.zeros((3, 2), np.float32)).shape) == (3, 28, 28, 1)
    # The counts that conf/network/conv_wide.yaml and docs/embed.md state.
    assert vae.count_params() == 3_484_037
    assert build_vae(MmdConfig(), ConvWideNetworkConfig(), MseConfig(), 2, (28, 28, 1)).count_params() == 3_483_523


def test_network_conv_wide_composes(compose):
    cfg = compose("network=conv_wide", "model=elbo")
    assert cfg.network.name == "conv_wide" and cfg.network.hidden_units == 256 and cfg.network.kernel_size == 4


@pytest.fixture(scope="module")
def few_fashion(fashion, tmp_path_factory):
    """300 training (100 of them carved out for validation) and 100 test real Fashion-MNIST images."""
    from vaecli.data import read_idx_dir

    arrays = read_idx_dir(fashion)
    return write_idx_dir(tmp_path_factory.mktemp("few_fashion"), arrays["train_images"][:300],
                         arrays["train_labels"][:300], arrays["test_images"][:100], arrays["test_labels"][:100])


@pytest.mark.slow
def test_a_long_conv_wide_run_stops_when_validation_stops_improving(compose, few_fashion, tmp_path):
    import tensorflow as tf

    from vaecli.run.folder import RunFolder
    from vaecli.run.history import read_metrics
    from vaecli.train.loop import train

    # Far more epochs than 200 images need: at batch 10 and Adam 3e-3, 3.5M parameters stop improving on the
    # validation images within ~5-15 epochs (6 here, in 40 s on a loaded CPU).
    epochs = 40
    cfg = compose("model=elbo", "network=conv_wide", "dataset=fashion", f"dataset.path={few_fashion}",
                  "dataset.validation_size=100", f"trainer.epochs={epochs}", "trainer.early_stopping.patience=1",
                  "trainer.batch_size=10", "trainer.learning_rate=3e-3", "trainer.quiet=true", "trainer.eval_at_end=false", "trainer.plot_every=1000",
                  "figures.grid_size=4", "figures.scatter_points=100", "figures.animations=false")
    train(cfg, tmp_path)
    rows = read_metrics(tmp_path / names.METRICS_CSV)
    record = json.loads((tmp_path / names.EARLY_STOPPING).read_text())
    val = [row["val/loss"] for row in rows]
    assert record["stopped_early"] and len(rows) < epochs, f"ran all {len(rows)} epochs: {val}"
    # Patience 1: it stopped at the first epoch that did not improve on the best, and the best is the minimum.
    assert record["last_epoch"] == record["best_epoch"] + 1 == len(rows)
    assert val[record["best_epoch"] - 1] == min(val) and val[-1] >= min(val)
    # model.keras holds the best epoch's weights, not the last epoch's.
    folder = RunFolder(tmp_path)
    saved, best, last = folder.load_model(), folder.load_model(), folder.load_model()
    tf.train.Checkpoint(vae=best, weights=list(best.weights)).restore(
        tf.train.latest_checkpoint(tmp_path / names.CHECKPOINTS / names.BEST_CHECKPOINT)).expect_partial()
    tf.train.Checkpoint(vae=last).restore(tf.train.latest_checkpoint(tmp_path / names.CHECKPOINTS)).expect_partial()
    for a, b in zip(saved.get_weights(), best.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, b) for a, b in zip(saved.get_weights(), last.get_weights()))
