"""The benchmark's arithmetic (FLOPs from layer shapes) and a short real run of it."""

import json

import pytest

from vaecli.bench.candidates import matmul_gflops, training_flops_per_image
from vaecli.bench.run import run_benchmark
from vaecli.models.likelihoods import BernoulliConfig, MseConfig
from vaecli.models.network_schemas import ConvNetworkConfig
from vaecli.models.networks import build_vae
from vaecli.models.objectives.elbo import ElboConfig
from vaecli.models.objectives.mmd import MmdConfig
from vaecli.run import names


def test_training_flops_of_the_seed_architecture_by_hand():
    # Forward multiply-adds x 2, layer by layer, for 28x28x1 images and a 2-D code:
    forward = [
        2 * 13 * 13 * 32 * 9 * 1,  # conv 3x3/2 'valid' -> 13x13x32
        2 * 6 * 6 * 64 * 9 * 32,  # conv 3x3/2 'valid' -> 6x6x64
        2 * 2304 * 4,  # dense head: mean and log-variance
        2 * 2 * 7 * 7 * 32,  # decoder dense to 7x7x32
        2 * 7 * 7 * 32 * 9 * 64,  # transposed conv -> 14x14x64
        2 * 14 * 14 * 64 * 9 * 32,  # transposed conv -> 28x28x32
        2 * 28 * 28 * 32 * 9 * 1,  # transposed conv -> logits
    ]
    expected = 3 * sum(forward) - forward[0]  # backward = 2x forward, but no input gradient for the first layer
    assert training_flops_per_image(build_vae(ElboConfig(), ConvNetworkConfig(), BernoulliConfig(), 2, (28, 28, 1))) == expected == 32_699_904
    mmd = training_flops_per_image(build_vae(MmdConfig(), ConvNetworkConfig(), MseConfig(), 2, (28, 28, 1)))
    assert mmd == expected - 3 * 2 * 2304 * 2  # its head outputs 2 numbers, not 4


def test_matmul_rate_is_measured():
    assert matmul_gflops(256, repeats=3) > 0.1


@pytest.mark.slow
@pytest.mark.long
def test_a_short_benchmark_run(compose, tiny_mnist, tmp_path):
    cfg = compose(f"dataset.path={tiny_mnist}", "dataset=mnist", "images=300", "rounds=2", "seeds_batches=2",
                  "matmul_size=256", "train_memory=false", "trainer.batch_size=50", config_name="bench")
    report = run_benchmark(cfg, tmp_path)
    variants = {f"vaecli/elbo {name}" for name in cfg.variants}
    peers = set() if report["skipped"] else {"torch/elbo"}  # CI installs PyTorch (the test extra)
    whole = {"vaecli/elbo whole epoch", "vaecli/mmd whole epoch", "tutorial/elbo whole epoch"}
    steps = {"vaecli/elbo", "vaecli/mmd", "tutorial/elbo", "keydana/elbo (eager, float64)"} | variants | peers
    assert variants and set(report["results"]) == steps | whole
    for name, result in report["results"].items():
        assert result["images_per_s"] > 0 and len(result["epoch_seconds"]) == 2
        assert result["input_wait_share"] is None if name in whole else 0 <= result["input_wait_share"] <= 1
    assert report["results"]["vaecli/elbo"]["vaecli_elbo_speedup_over_this"] == 1.0
    assert report["results"]["vaecli/elbo whole epoch"]["vaecli_elbo_speedup_over_this"] == 1.0
    # vae train's epoch in parts: the training steps and the test pass take time, and the parts add up
    parts = report["results"]["vaecli/mmd whole epoch"]["median_part_seconds"]
    assert parts["train"] > 0 and parts["test"] > 0 and parts["checkpoint"] > 0
    assert sum(v for k, v in parts.items() if k != "total") <= parts["total"] * 1.05
    # the tutorial's whole epoch also computes the test ELBO and saves its 4x4 figure: slower than its steps alone
    assert report["results"]["tutorial/elbo whole epoch"]["images_per_s"] < report["results"]["tutorial/elbo"]["images_per_s"]
    assert [row["layer"] for row in report["layers"]][0] == "encoder[0] Conv2D" and report["layers"][0]["ms"]["blocks"] > 0
    assert json.loads((tmp_path / "bench.json").read_text()) == json.loads(json.dumps(report))


def test_time_to_quality(tmp_path):
    from vaecli.bench.time_to_quality import time_to_quality
    from vaecli.run.history import History

    metrics, timing = History(tmp_path / names.METRICS_CSV), History(tmp_path / names.TIMING_CSV)
    for epoch, value in enumerate([-300, -280, -270, -271, -269.5, -270, -270.2, -270.1], start=1):
        metrics.append({"epoch": epoch, "val/elbo": value})
        timing.append({"epoch": epoch, "seconds": 10.0})
    result = time_to_quality(tmp_path, "val/elbo", higher_is_better=True, target=-275, patience=3)
    assert result["best"] == {"value": -269.5, "epoch": 5, "seconds": 50.0}
    assert result["early_stop"] == {"epoch": 8, "seconds": 80.0, "best_epoch": 5, "value": -269.5}
    assert result["target"] == {"epoch": 3, "seconds": 30.0}
    losses = time_to_quality(tmp_path, "val/elbo", higher_is_better=False, target=-1000)
    assert losses["best"]["epoch"] == 1 and losses["target"] is None


@pytest.mark.slow
def test_time_to_quality_table_of_real_runs(quick, tmp_path):
    from vaecli.bench.time_to_quality import time_to_quality_table
    from vaecli.train.loop import train

    for rate in ("1e-4", "1e-3"):
        train(quick("model=elbo", "trainer.epochs=4", "trainer.batch_size=100", f"trainer.learning_rate={rate}",
                    "dataset.validation_size=100"), tmp_path / rate)
    lines = time_to_quality_table([tmp_path]).splitlines()
    assert lines[0].startswith("| model | learning rate |") and len(lines) == 4
    seeds_row = next(line for line in lines if "| 0.0001 |" in line)
    assert seeds_row.split("|")[6].strip() != "never"  # the seeds' settings reach their own best


def test_the_sweep_benchmark_times_the_same_sweep_serial_and_on_joblib(compose, tmp_path):
    from vaecli.bench.sweep_speedup import sweep_command

    cfg = compose("dataset=mnist", "dataset.path=/data/mnist", "sweep.jobs=3", "sweep.images=500", config_name="bench")
    serial, parallel = sweep_command(cfg, tmp_path, False), sweep_command(cfg, tmp_path, True)
    assert "seed=0,1,2" in serial and "dataset.train_size=500" in serial and "dataset.path=/data/mnist" in serial
    assert parallel[: len(serial)] == serial and parallel[len(serial):] == ["hydra/launcher=parallel", "hydra.launcher.n_jobs=2"]
    assert not any("launcher" in arg for arg in serial)


def test_without_pytorch_the_peer_is_skipped_with_a_note(monkeypatch):
    import sys

    import numpy as np

    from vaecli.bench.candidates import torch_candidate
    from vaecli.bench.run import TORCH_MISSING, table

    monkeypatch.setitem(sys.modules, "vaecli.bench.torch_peer", None)  # as if PyTorch were not installed
    assert torch_candidate(np.zeros((200, 28, 28, 1), np.uint8), 100, 2) is None
    report = {"machine": {"matmul_gflops": 1.0, "cpus": 2}, "results": {}, "skipped": [TORCH_MISSING]}
    assert "torch/elbo skipped: PyTorch is not installed (pip install -e '.[torch]')" in table(report)
