"""trainer.strategy=mirrored (tf.distribute.MirroredStrategy) against one device, with two logical
CPUs standing in for two GPUs.

TensorFlow splits a CPU into logical devices only before it starts, so the two-device side runs in
a fresh process: this file run as a script (`python tests/test_distribute.py TASK JSON`) splits
the CPU, does the task and prints its results as JSON on its last line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from vaecli.errors import ConfigError
from vaecli.models.objectives import OBJECTIVES
from vaecli.run import names

# Every objective of the registry; those whose regulariser depends on the batch as a whole (MMD,
# minibatch-weighted sampling, covariance) are the ones that the gathering across replicas is for.
# "elbo model.samples=2": several codes per image, gathered along their batch axis.
MODELS = [*OBJECTIVES, "elbo model.samples=2"]
QUICK = ["dataset=mnist", "trainer.batch_size=50", "trainer.quiet=true", "trainer.eval_at_end=false",
         "figures.grid_size=4", "figures.scatter_points=200"]


def in_two_device_process(task: str, payload: dict, timeout: int = 600) -> dict:
    """Run `task` of this file in a fresh process whose CPU is split into two logical devices (GPUs hidden)."""
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "TF_CPP_MIN_LOG_LEVEL": "2"}
    result = subprocess.run([sys.executable, __file__, task, json.dumps(payload)], capture_output=True, text=True,
                            timeout=timeout, env=env, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- in this process: one device


def test_mirrored_on_one_device_fails_in_one_line():
    import tensorflow as tf

    from vaecli.config.schemas import TrainerConfig
    from vaecli.train.distribute import make_strategy

    gpus = tf.config.list_logical_devices("GPU")
    if len(gpus) >= 2:  # a machine with several GPUs mirrors them
        assert make_strategy(TrainerConfig(strategy="mirrored")).num_replicas_in_sync == len(gpus)
        return
    with pytest.raises(ConfigError, match=rf"^trainer.strategy=mirrored needs 2 or more GPUs \(found {len(gpus)}\); "):
        make_strategy(TrainerConfig(strategy="mirrored"))
    assert make_strategy(TrainerConfig()) is None  # default: no tf.distribute at all


def test_mirrored_refuses_jit_compile():
    from vaecli.config.schemas import TrainerConfig
    from vaecli.train.distribute import make_strategy

    with pytest.raises(ConfigError, match="jit_compile=true does not combine with trainer.strategy=mirrored"):
        make_strategy(TrainerConfig(strategy="mirrored", jit_compile=True))


def test_every_strategy_of_the_schema_is_built():
    from vaecli.config.schemas import STRATEGIES
    from vaecli.train.distribute import STRATEGIES as BUILT

    assert tuple(BUILT) == STRATEGIES


# ---------------------------------------------------------------- two devices against one


@pytest.fixture(scope="module")
def compared() -> dict:
    return in_two_device_process("compare", {"models": MODELS})


@pytest.mark.slow
@pytest.mark.long
@pytest.mark.parametrize("model", MODELS)
def test_two_devices_give_one_devices_loss_parts_and_gradients(compared, model):
    result = compared[model]
    for split in ("train", "eval"):
        for part, (one, *replicas) in result[split].items():
            for value in replicas:  # every replica holds the whole batch's value
                assert value == pytest.approx(one, rel=1e-5, abs=1e-6), (split, part)
    assert result["gradient_error"] < 1e-4  # |sum over the replicas - one device| / |one device|, per variable
    assert result["same_random_state"] and result["gathered_batch_in_order"]


@pytest.mark.slow
@pytest.mark.long
def test_mirrored_training_matches_one_device_and_resumes_either_way(tiny_mnist, tmp_path):
    """A mirrored run's checkpoints resume on one device and the other way round, each ending where one
    device alone ends; a non-finite loss still stops the run and saves the whole batch."""
    base = [*QUICK, "model=mmd", f"dataset.path={tiny_mnist}", "dataset.train_size=300"]  # 6 steps an epoch
    mirrored = "trainer.strategy=mirrored"
    jobs = [
        (tmp_path / "one", [*base, "trainer.epochs=2"]),
        (tmp_path / "mirrored_then_one", [*base, "trainer.epochs=1", mirrored]),
        (tmp_path / "mirrored_then_one", [*base, "trainer.epochs=2", f"resume={tmp_path / 'mirrored_then_one'}"]),
        (tmp_path / "one_then_mirrored", [*base, "trainer.epochs=1"]),
        (tmp_path / "one_then_mirrored", [*base, "trainer.epochs=2", mirrored, f"resume={tmp_path / 'one_then_mirrored'}"]),
        (tmp_path / "nonfinite", [*base, "trainer.epochs=1", "trainer.learning_rate=1e12", mirrored]),
    ]
    outcomes = in_two_device_process("train", {"jobs": [[str(run_dir), overrides] for run_dir, overrides in jobs]})["outcomes"]
    assert outcomes[:5] == ["finished"] * 5
    assert outcomes[5].startswith("TrainingError: non-finite") and "at epoch 1, step" in outcomes[5]

    from vaecli.run.folder import RunFolder
    from vaecli.run.history import read_metrics

    one = read_metrics(tmp_path / "one" / names.METRICS_CSV)
    for name in ("mirrored_then_one", "one_then_mirrored"):
        run_dir = tmp_path / name
        rows = read_metrics(run_dir / names.METRICS_CSV)
        assert [row["epoch"] for row in rows] == [1, 2]
        for a, b in zip(one, rows):
            assert a == pytest.approx(b, rel=1e-5)
        assert sorted(p.name for p in (run_dir / names.CHECKPOINTS).glob("*.index")) == ["ckpt-0.index", "ckpt-12.index", "ckpt-6.index"]
        for a, b in zip(RunFolder(tmp_path / "one").load_model().get_weights(), RunFolder(run_dir).load_model().get_weights()):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    saved = np.load(tmp_path / "nonfinite" / names.NONFINITE_BATCH)
    assert saved["images"].shape == (50, 28, 28, 1) and int(saved["epoch"]) == 1  # both replicas' halves


# ---------------------------------------------------------------- the two-device process


def _split_cpu() -> None:
    import tensorflow as tf

    (cpu,) = tf.config.list_physical_devices("CPU")
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)


def _compose(*overrides: str):
    from hydra import compose, initialize_config_module

    from vaecli.config.store import register_schemas, to_object

    register_schemas()
    with initialize_config_module(version_base="1.3", config_module="vaecli.conf"):
        return to_object(compose("train", overrides=list(overrides)))


def _compare(models) -> dict:
    """Loss parts, summed gradients and evaluation of each objective on one batch, one device vs two."""
    import tensorflow as tf

    from vaecli.train.build import build_steps

    images = np.random.default_rng(0).uniform(size=(37, 28, 28, 1)).astype(np.float32)
    x = tf.constant(images[:15])  # split 8 + 7
    results = {}
    for model in models:
        name, *options = model.split()
        overrides = ["dataset=mnist", "dataset.path=unused", f"model={name}", *options, "latent_dim=3", "trainer.batch_size=15"]
        one = build_steps(_compose(*overrides), (28, 28, 1), 1000)
        two = build_steps(_compose(*overrides, "trainer.strategy=mirrored"), (28, 28, 1), 1000)
        assert two.strategy.num_replicas_in_sync == 2
        two.vae.set_weights(one.vae.get_weights())
        parts, _, gradients = tf.function(one._gradients)(x)
        whole = next(iter(two.distribute(tf.data.Dataset.from_tensor_slices(x).batch(15))))
        replica_parts, _, replica_gradients = tf.function(lambda x, two=two: two.strategy.run(two._gradients, args=(x,)))(whole)
        local = two.strategy.experimental_local_results
        summed = [sum(g.numpy() for g in local(per_replica)) for per_replica in replica_gradients]
        results[model] = {
            "train": {k: [float(parts[k]), *(float(v) for v in local(replica_parts[k]))] for k in parts},
            "gradient_error": max(float(np.linalg.norm(a.numpy() - b) / np.linalg.norm(a.numpy())) for a, b in zip(gradients, summed)),
            "same_random_state": bool(np.array_equal(one.rng.state.numpy(), two.rng.state.numpy())),
            "gathered_batch_in_order": bool(np.array_equal(tf.function(two._whole_batch)(whole).numpy(), images[:15])),
        }
        dataset = tf.data.Dataset.from_tensor_slices(images).batch(16)  # held-out batches of 16, 16 and 5
        a, b = one.evaluate(dataset, seed=1), two.evaluate(dataset, seed=1)
        results[model]["eval"] = {k: [a[k], b[k]] for k in a}
    return results


def _train(jobs) -> dict:
    """Train each (run_dir, overrides) in turn; 'finished' or the error's type and message for each."""
    from vaecli.errors import VaeError
    from vaecli.train.loop import train

    outcomes = []
    for run_dir, overrides in jobs:
        try:
            train(_compose(*overrides), Path(run_dir))
            outcomes.append("finished")
        except VaeError as error:
            outcomes.append(f"{type(error).__name__}: {error}")
    return {"outcomes": outcomes}


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    _split_cpu()
    task, payload = sys.argv[1], json.loads(sys.argv[2])
    result = _compare(payload["models"]) if task == "compare" else _train(payload["jobs"])
    print(json.dumps(result))
