"""`vae eval` on real runs: every metric present, in range, and consistent with the others."""

import json
import shutil
from pathlib import Path

import pytest

from vaecli.assess.evaluate_run import evaluate_run
from vaecli.config.schemas import EvalConfig
from vaecli.errors import DataError
from vaecli.run import names

LATENT_METRICS = ["knn1_accuracy", "knn5_accuracy", "probe_accuracy", "silhouette", "prior_mmd", "code_mean_norm", "active_units"]
SAMPLE_METRICS = ["classifier_test_accuracy", "frechet_distance", "grid_confident_share", "sample_confident_share",
                  "sample_class_entropy", "sample_sharpness_ratio"]


def jobs(sweep, model):
    return sorted(p for p in sweep.iterdir() if f"model={model}" in p.name)


@pytest.mark.slow
def test_sweep_jobs_were_evaluated_at_the_end(tiny_sweep):
    for model in ("elbo", "mmd"):
        for job in jobs(tiny_sweep, model):
            report = json.loads((job / names.METRICS_JSON).read_text())
            assert report["run"]["model"] == model and report["run"]["train_images"] == 600
            values = report["metrics"]
            for key in ["reconstruction_bce", "reconstruction_mse", *LATENT_METRICS, *SAMPLE_METRICS]:
                assert key in values, key
            for key in ["knn1_accuracy", "knn5_accuracy", "probe_accuracy", "grid_confident_share", "sample_confident_share"]:
                assert 0.0 <= values[key] <= 1.0
            assert len(values["code_mean"]) == 2 and len(values["code_cov"]) == 2
            if model == "elbo":
                assert values["iw_log_px"] >= values["iw_elbo"] and values["elbo"] < 0
            else:
                assert "elbo" not in values and "iw_log_px" not in values


@pytest.mark.slow
def test_evaluate_again_with_other_settings(tiny_sweep, tmp_path):
    job = tmp_path / "job"  # a copy: the other tests read the sweep's own metrics.json
    shutil.copytree(jobs(tiny_sweep, "elbo")[0], job)
    cfg = EvalConfig(iw_samples=50, iw_subset=50, prior_samples=300, mmd_samples=200, knn_neighbours=[3],
                     classifier_cache=str(tiny_sweep.parent.parent.parent / "cache"))
    values = evaluate_run(job, cfg)["metrics"]
    assert "knn3_accuracy" in values and "knn1_accuracy" not in values
    assert json.loads((job / names.METRICS_JSON).read_text())["settings"]["iw_samples"] == 50


def test_eval_refuses_folders_that_are_not_finished_runs(tmp_path):
    with pytest.raises(DataError, match="not a vaecli run folder"):
        evaluate_run(tmp_path, EvalConfig())


def test_the_reference_classifier_cache_is_not_the_users(tmp_path, monkeypatch):
    """Tests write only in temporary folders: conftest points VAECLI_CACHE at the session's own folder."""
    from conftest import SESSION_HOME

    from vaecli.evaluate.classifier import default_cache_dir

    assert default_cache_dir().is_relative_to(SESSION_HOME)
    assert not default_cache_dir().is_relative_to(Path.home() / ".cache")
    monkeypatch.delenv("VAECLI_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "vaecli" / "classifiers"
