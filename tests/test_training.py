"""Real training on real (tiny) data: the run folder, seeding, resume and non-finite losses."""

import json

import numpy as np
import pytest
import tensorflow as tf
from matplotlib.image import imread

from vaecli.errors import ConfigError, TrainingError
from vaecli.run import names
from vaecli.run.folder import RunFolder
from vaecli.run.history import read_metrics
from vaecli.train.loop import train


def scalar_tags(run_dir):
    tags = set()
    for path in (run_dir / names.TENSORBOARD).glob("events.out.tfevents.*"):
        for event in tf.compat.v1.train.summary_iterator(str(path)):
            tags.update(value.tag for value in event.summary.value)
    return tags


@pytest.mark.slow
@pytest.mark.parametrize("model, parts", [("elbo", ["loss", "reconstruction", "kl", "elbo"]), ("mmd", ["loss", "reconstruction", "mmd"])])
def test_short_training_fills_the_run_folder(quick, tmp_path, model, parts):
    cfg = quick(f"model={model}", "trainer.epochs=3", "trainer.plot_every=2", "dataset.validation_size=100")
    final = train(cfg, tmp_path)

    rows = read_metrics(tmp_path / names.METRICS_CSV)
    assert [r["epoch"] for r in rows] == [1, 2, 3]
    for split in ("train", "val", "test"):
        assert all(f"{split}/{p}" in rows[0] for p in parts)
    assert rows[-1]["train/loss"] < rows[0]["train/loss"]  # it learns
    assert final == rows[-1] and "seconds" not in final

    # Named by training step (10 per epoch here); the step-0 one has been pruned (keep_checkpoints=3).
    assert sorted(p.name for p in (tmp_path / names.CHECKPOINTS).glob("*.index")) == ["ckpt-10.index", "ckpt-20.index", "ckpt-30.index"]
    assert [r["epoch"] for r in read_metrics(tmp_path / names.TIMING_CSV)] == [1, 2, 3]
    figures = sorted(p.name for p in (tmp_path / names.FIGURES).glob("*.png"))
    assert figures == sorted(f"{kind}_epoch{e:03d}.png" for kind in ("grid", "latent", "reconstructions", "samples", "traversal") for e in (2, 3))
    assert imread(tmp_path / names.FIGURES / "latent_epoch003.png").shape[0] > 300
    assert {"train/loss", "test/loss", "val/loss", "latent", "grid", "samples", "reconstructions"} <= scalar_tags(tmp_path)

    info = json.loads((tmp_path / names.RUN_INFO).read_text())
    assert info["train_images"] == 500 and info["validation_images"] == 100 and info["class_names"][0] == "0"
    assert "latent_dim: 2" in (tmp_path / names.CONFIG).read_text()
    model_back = RunFolder(tmp_path).load_model()
    assert model_back.latent_dim == 2 and model_back.stochastic == (model == "elbo")


@pytest.mark.slow
def test_same_seed_same_losses(quick, tmp_path):
    first = train(quick("model=elbo", "seed=7"), tmp_path / "a")
    second = train(quick("model=elbo", "seed=7"), tmp_path / "b")
    other = train(quick("model=elbo", "seed=8"), tmp_path / "c")
    assert first == second
    assert first != other


@pytest.mark.slow
@pytest.mark.parametrize("model", ["elbo", "mmd"])
def test_resume_matches_an_uninterrupted_run(quick, tmp_path, model):
    straight = tmp_path / "straight"
    train(quick(f"model={model}", "trainer.epochs=3"), straight)

    pieces = tmp_path / "pieces"
    train(quick(f"model={model}", "trainer.epochs=1"), pieces)
    train(quick(f"model={model}", "trainer.epochs=3", f"resume={pieces}"), pieces)

    rows_straight, rows_pieces = read_metrics(straight / names.METRICS_CSV), read_metrics(pieces / names.METRICS_CSV)
    assert [r["epoch"] for r in rows_pieces] == [1, 2, 3]
    for a, b in zip(rows_straight, rows_pieces):
        assert a == pytest.approx(b, rel=1e-5)
    for a, b in zip(RunFolder(straight).load_model().get_weights(), RunFolder(pieces).load_model().get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_resume_refuses_another_model(quick, tmp_path):
    train(quick("model=mmd", "trainer.epochs=1"), tmp_path)
    with pytest.raises(ConfigError, match="was trained with model="):
        train(quick("model=elbo", f"resume={tmp_path}"), tmp_path)
    with pytest.raises(ConfigError, match="latent_dim=2, not 3"):
        train(quick("model=mmd", "latent_dim=3", f"resume={tmp_path}"), tmp_path)
    with pytest.raises(ConfigError, match="was trained with model="):
        train(quick("model=mmd", "model.kernel.name=imq", f"resume={tmp_path}"), tmp_path)


@pytest.mark.slow
def test_nonfinite_loss_stops_with_the_last_good_checkpoint(quick, tmp_path):
    train(quick("model=elbo", "trainer.epochs=1"), tmp_path)
    good = RunFolder(tmp_path).load_model().get_weights()
    # An absurd learning rate blows the weights up within a few steps of epoch 2.
    with pytest.raises(TrainingError, match=r"non-finite .* at epoch 2, step \d+"):
        train(quick("model=elbo", "trainer.epochs=3", "trainer.learning_rate=1e12", f"resume={tmp_path}"), tmp_path)
    assert [r["epoch"] for r in read_metrics(tmp_path / names.METRICS_CSV)] == [1]
    assert tf.train.latest_checkpoint(tmp_path / names.CHECKPOINTS).endswith("ckpt-12")  # the end of epoch 1
    saved = np.load(tmp_path / names.NONFINITE_BATCH)
    assert saved["images"].shape == (50, 28, 28, 1) and int(saved["epoch"]) == 2
    for a, b in zip(good, RunFolder(tmp_path).load_model().get_weights()):
        np.testing.assert_array_equal(a, b)  # model.keras is still epoch 1's


@pytest.mark.slow
def test_nonfinite_steps_can_be_skipped(quick, tmp_path):
    final = train(quick("model=elbo", "trainer.epochs=1", "trainer.learning_rate=1e12", "trainer.on_nonfinite=skip"), tmp_path)
    assert final["epoch"] == 1


@pytest.mark.slow
@pytest.mark.parametrize("precision, compute_dtype", [("mixed_float16", "float16"), ("mixed_bfloat16", "bfloat16")])
def test_mixed_precision_trains_on_cpu(quick, tmp_path, precision, compute_dtype):
    from vaecli.train.build import build_steps

    # 300 images: CPUs have no float16 arithmetic, so TensorFlow emulates it, slowly.
    cfg = quick("model=elbo", "trainer.epochs=2", f"trainer.precision={precision}", "trainer.learning_rate=1e-3",
                "dataset.train_size=300")
    steps = build_steps(cfg, (28, 28, 1), 600)
    assert steps.vae.encoder.convs[0].compute_dtype == compute_dtype
    assert steps.vae.encoder.convs[0].kernel.dtype == "float32"  # weights stay float32
    assert ("LossScale" in type(steps.optimizer).__name__) == (precision == "mixed_float16")
    rows = [train(cfg, tmp_path)]
    history = read_metrics(tmp_path / names.METRICS_CSV)
    assert all(np.isfinite(list(row.values())).all() for row in history)
    assert history[1]["train/loss"] < history[0]["train/loss"]
    assert rows[0]["epoch"] == 2
    assert RunFolder(tmp_path).load_model().encoder.convs[0].compute_dtype == "float32"  # evaluation runs in full precision


@pytest.mark.slow
def test_early_stopping_keeps_the_best_epoch_and_resumes(quick, tmp_path):
    # min_delta so large that no epoch after the first counts as better: the best stays epoch 1.
    cfg = ["model=elbo", "trainer.epochs=12", "dataset.validation_size=100", "trainer.early_stopping.patience=2",
           "trainer.early_stopping.min_delta=1e9"]
    train(quick(*cfg), tmp_path)
    rows = read_metrics(tmp_path / names.METRICS_CSV)
    record = json.loads((tmp_path / names.EARLY_STOPPING).read_text())
    assert [r["epoch"] for r in rows] == [1, 2, 3]  # one row per epoch trained: epoch 1 and two without improvement
    assert record["stopped_early"] and (record["best_epoch"], record["last_epoch"]) == (1, 3)
    assert record["best_value"] == pytest.approx(rows[0]["val/loss"]) and rows[2]["val/loss"] < rows[0]["val/loss"]
    # model.keras holds the best epoch's weights, not the last epoch's.
    folder = RunFolder(tmp_path)
    saved, best, last = folder.load_model(), folder.load_model(), folder.load_model()
    tf.train.Checkpoint(vae=best).restore(tf.train.latest_checkpoint(tmp_path / names.CHECKPOINTS / names.BEST_CHECKPOINT)).expect_partial()
    tf.train.Checkpoint(vae=last).restore(tf.train.latest_checkpoint(tmp_path / names.CHECKPOINTS)).expect_partial()
    for a, b in zip(saved.get_weights(), best.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, b) for a, b in zip(saved.get_weights(), last.get_weights()))
    assert sorted(p.name for p in (tmp_path / names.CHECKPOINTS / names.BEST_CHECKPOINT).glob("*.index")) == [f"ckpt-{record['best_epoch']}.index"]
    # Resuming a run that stopped early trains nothing more.
    train(quick(*cfg, f"resume={tmp_path}"), tmp_path)
    assert len(read_metrics(tmp_path / names.METRICS_CSV)) == len(rows)


def test_early_stopping_restores_every_weight_of_the_best_epoch(tmp_path):
    """Regression: the conv stacks live in Keras lists, which tf.train.Checkpoint(vae=...) alone does not save."""
    from conftest import small_vae

    from vaecli.config.schemas import EarlyStoppingConfig
    from vaecli.train.early_stopping import EarlyStopping

    vae = small_vae("elbo", latent_dim=2)
    stopper = EarlyStopping(EarlyStoppingConfig(patience=1), tmp_path, vae, [])
    best = [w.numpy().copy() for w in vae.weights]
    stopper.update({"epoch": 1, "val/loss": 1.0})
    for w in vae.weights:
        w.assign(w + 1.0)
    stopper.update({"epoch": 2, "val/loss": 2.0})  # worse: not kept
    stopper.finish()
    assert len(best) == len(vae.weights) > 6
    for kept, now in zip(best, vae.weights):
        np.testing.assert_array_equal(kept, now.numpy())
