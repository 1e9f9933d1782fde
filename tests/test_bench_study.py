"""The small-study benchmark (vaecli/bench/study.py) and the precision A/B (vaecli/bench/precision_ab.py)."""

import json
from types import SimpleNamespace

import pytest
from conftest import TINY_EVAL

from vaecli.bench import precision_ab
from vaecli.bench.study import run_study_benchmark, study_command


def test_study_command_runs_each_model_with_the_launcher_and_precision(compose, tmp_path):
    cfg = compose("study.models=[elbo,mmd]", "study.images=600", config_name="bench")
    serial = study_command(cfg, tmp_path, "serial", "float32")
    assert "model=elbo,mmd" in serial and "dataset.train_size=600" in serial and "trainer.precision=float32" in serial
    assert not any(arg.startswith("hydra/launcher") for arg in serial)
    parallel = study_command(cfg, tmp_path, "parallel", "mixed_bfloat16")
    assert "hydra/launcher=parallel" in parallel and "hydra.launcher.n_jobs=2" in parallel and "trainer.precision=mixed_bfloat16" in parallel


def test_a_bad_study_option_is_refused(compose):
    from vaecli.errors import ConfigError

    with pytest.raises(ConfigError, match="study.precisions"):
        compose("study.models=[elbo]", "study.precisions=[float64]", config_name="bench")


@pytest.mark.slow
def test_a_tiny_study_runs_whole(compose, tiny_mnist, tmp_path):
    cfg = compose("dataset=mnist", f"dataset.path={tiny_mnist}", "study.models=[elbo]", "study.images=500", "study.epochs=1",
                  "study.launchers=[serial]", "study.precisions=[float32]", config_name="bench")
    report = run_study_benchmark(cfg, tmp_path)
    assert list(report["median_seconds"]) == ["serial float32"] and report["median_seconds"]["serial float32"] > 1
    assert json.loads((tmp_path / "bench_study.json").read_text())["settings"]["models"] == ["elbo"]


def row(precision, seed, loss, knn):
    return {"model": "elbo", "latent_dim": 2, "seed": seed, "precision": precision, "test/loss": loss, "knn5_accuracy": knn}


def test_precision_ab_compares_the_difference_with_the_seed_spread():
    rows = [row("float32", 0, 100.0, 0.70), row("float32", 1, 102.0, 0.72), row("mixed_bfloat16", 0, 101.0, 0.60),
            row("mixed_bfloat16", 1, 103.0, 0.61)]
    by_metric = {r["metric"]: r for r in precision_ab.compare(rows)}
    assert set(by_metric) == {"test loss", "5-NN acc."}  # no ELBO or Frechet distance in these rows
    loss = by_metric["test loss"]
    assert loss["float32"] == (101.0, pytest.approx(2**0.5)) and loss["difference"] == 1.0 and loss["within_spread"]
    knn = by_metric["5-NN acc."]
    assert knn["difference"] == pytest.approx(-0.105) and not knn["within_spread"]  # 0.105 > sd 0.014
    table = precision_ab.markdown(precision_ab.compare(rows))
    assert "| elbo | 2 | test loss | 2 | 101 ± 1.4 | 102 ± 1.4 | +1 | yes |" in table and "1 of 2 comparisons" in table


def test_precision_ab_sweeps_both_precisions_over_every_seed(tmp_path):
    args = SimpleNamespace(models=["elbo", "mmd"], latent_dims=[2, 10], seeds=[0, 1, 2], epochs=3, dataset="fashion",
                           train_size=5000, parallel=2, overrides=["dataset.test_size=2000"],
                           precisions=list(precision_ab.PRECISIONS))
    command = precision_ab.sweep_command(args, tmp_path)
    assert {"model=elbo,mmd", "latent_dim=2,10", "seed=0,1,2", "trainer.precision=float32,mixed_bfloat16",
            "dataset.train_size=5000", "dataset.test_size=2000", "hydra.launcher.n_jobs=2"} <= set(command)
    args.precisions = ["mixed_bfloat16"]  # one arm again
    assert "trainer.precision=mixed_bfloat16" in precision_ab.sweep_command(args, tmp_path)


@pytest.mark.slow
@pytest.mark.long
def test_precision_ab_reads_back_real_runs(tiny_mnist, tmp_path, capsys):
    assert precision_ab.main(["--out", str(tmp_path / "ab"), "--models", "elbo", "--latent-dims", "2", "--seeds", "0", "1",
                              "--epochs", "1", "--dataset", "mnist", "--parallel", "1", f"dataset.path={tiny_mnist}",
                              "trainer.batch_size=50", "figures.animations=false", *TINY_EVAL]) == 0
    runs = json.loads((tmp_path / "ab" / "precision_ab.json").read_text())["runs"]
    assert sorted((r["precision"], r["seed"]) for r in runs) == [("float32", 0), ("float32", 1), ("mixed_bfloat16", 0), ("mixed_bfloat16", 1)]
    assert all("knn5_accuracy" in r and "elbo" in r for r in runs)  # evaluated by vae eval, in float32
    assert "| elbo | 2 | test ELBO | 2 |" in capsys.readouterr().out
