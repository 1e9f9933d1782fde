"""Sweeps on Hydra's own launchers and sweeper, run as a user runs them: `vae train -m ...` in a subprocess.

Each job is a real (tiny) training run on real MNIST digits. The launchers are optional extras
(vaecli[sweep,slurm,ray]); `make test` installs them, and under CI a missing one fails the test.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from conftest import TINY_TRAIN, missing, run_vae, start_vae

from vaecli.run import names
from vaecli.run.history import read_metrics

TINY_JOB = [*TINY_TRAIN, "model=elbo", "trainer.quiet=true", "trainer.eval_at_end=false", "trainer.plot_every=1000",
            "figures.animations=false"]


def need(module: str, extra: str) -> None:
    if importlib.util.find_spec(module) is None:
        missing(f"{module} is not installed (pip install 'vaecli[{extra}]')")


def statuses(sweep: Path) -> dict[str, dict]:
    return {p.parent.name: json.loads(p.read_text()) for p in sweep.glob("*/status.json")}


def states(sweep: Path) -> list[str]:
    return sorted(s["state"] for s in statuses(sweep).values())


# ---------------------------------------------------------------- thread budget per job (no training)


@pytest.mark.parametrize("launcher, threads, expected", [
    ({"_target_": "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher", "n_jobs": 2}, None, "cores/2"),
    ({"_target_": "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher", "n_jobs": -1}, None, 1),
    ({"_target_": "hydra_plugins.hydra_submitit_launcher.submitit_launcher.LocalLauncher", "cpus_per_task": 3}, None, 3),
    ({"_target_": "hydra_plugins.hydra_ray_launcher.ray_launcher.RayLauncher", "ray": {"remote": {"num_cpus": 2}}}, None, 2),
    ({"_target_": "hydra._internal.core_plugins.basic_launcher.BasicLauncher"}, None, None),
    ({"_target_": "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher", "n_jobs": 2}, 5, 5),
])
def test_each_job_gets_its_share_of_the_cores(launcher, threads, expected):
    from vaecli.sweep.resources import available_cores, job_threads

    if expected == "cores/2":
        expected = max(1, available_cores() // 2)
    assert job_threads(threads, launcher) == expected


# ---------------------------------------------------------------- launchers


@pytest.mark.slow
def test_joblib_sweep_runs_jobs_in_parallel_workers_and_reports_a_failed_job(tmp_path, tiny_mnist):
    need("hydra_plugins.hydra_joblib_launcher", "sweep")
    sweep = tmp_path / "sweep"
    args = ["train", "-m", "hydra/launcher=parallel", f"dataset.path={tiny_mnist}", *TINY_JOB, "trainer.epochs=1",
            "latent_dim=2,0", f"hydra.sweep.dir={sweep}"]
    result = run_vae(*args, cwd=tmp_path)
    assert result.returncode == 1
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith("vae train: error: 1 sweep job(s) failed;") and "latent_dim=0" in error, result.stderr
    jobs = statuses(sweep)
    finished = {name: s for name, s in jobs.items() if s["state"] == "finished"}
    assert sorted(s["state"] for s in jobs.values()) == ["failed", "finished"]
    assert all("latent_dim=2" in name for name in finished)
    assert all("latent_dim must be > 0" in s["error"] for s in jobs.values() if s["state"] == "failed")
    assert all((sweep / name / names.MODEL).is_file() for name in finished)
    assert os.getpid() not in {s["pid"] for s in jobs.values()}  # the jobs ran in joblib's worker processes
    assert "device: CPU (" in (sweep / next(iter(finished)) / "train.log").read_text()

    # The same command again: the finished jobs are skipped, the failed ones tried again.
    before = {name: (sweep / name / names.METRICS_CSV).stat().st_mtime_ns for name in finished}
    again = run_vae(*args, cwd=tmp_path)
    assert again.returncode == 1
    assert again.stdout.count("finished in an earlier launch: skipped") == 1, again.stdout
    assert {name: (sweep / name / names.METRICS_CSV).stat().st_mtime_ns for name in finished} == before

    report = run_vae("report", str(sweep), f"out={tmp_path / 'report.html'}", cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    page = (tmp_path / "report.html").read_text()
    assert "2 jobs: 1 finished, 1 failed" in page and page.count("latent_dim must be &gt; 0") == 1


@pytest.mark.slow
@pytest.mark.long
def test_a_killed_joblib_sweep_resumes_where_each_job_stopped(tmp_path, tiny_mnist):
    """A short job finishes, a long one is killed mid-way; the rerun skips the one, resumes the other and completes."""
    need("hydra_plugins.hydra_joblib_launcher", "sweep")
    sweep = tmp_path / "sweep"
    args = ["train", "-m", "hydra/launcher=parallel", f"dataset.path={tiny_mnist}", *TINY_JOB,
            "trainer.epochs=2,25", "hydra.sweep.dir=sweep"]  # relative, as the study's presets name theirs
    process = start_vae(*args, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def long_jobs_epochs():
        return [len(read_metrics(p)) for p in sweep.glob("*trainer.epochs=25*/metrics.csv")]

    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and process.poll() is None:
            done = [s for s in statuses(sweep).values() if s["state"] == "finished"]
            if len(done) == 1 and any(n >= 2 for n in long_jobs_epochs()):
                break
            time.sleep(0.2)
        assert process.poll() is None, "the sweep ended before it could be killed"
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the launcher and its workers, with no chance to save anything
        process.wait()
    killed_at = long_jobs_epochs()
    assert states(sweep) == ["finished", "running"] and max(killed_at) < 25

    result = run_vae(*args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("finished in an earlier launch: skipped") == 1, result.stdout
    assert "resumes" in result.stdout
    assert states(sweep) == ["finished"] * 2
    for path in sweep.glob("*trainer.epochs=25*/metrics.csv"):
        assert [row["epoch"] for row in read_metrics(path)] == list(range(1, 26))  # no epoch trained twice or lost
    resumed = [p for p in sweep.glob("*trainer.epochs=25*/train.log") if "resumed" in p.read_text()]
    assert resumed, "no long job continued from a checkpoint"
    for folder in sweep.glob("*trainer.epochs=25*"):  # the resumed job's config names its folder as the sweep did
        assert f"resume: {folder.relative_to(tmp_path)}\n" in (folder / names.CONFIG).read_text()


@pytest.mark.slow
def test_submitit_local_sweep(tmp_path, tiny_mnist):
    need("hydra_plugins.hydra_submitit_launcher", "slurm")
    sweep = tmp_path / "sweep"
    result = run_vae("train", "-m", "hydra/launcher=slurm_local", f"dataset.path={tiny_mnist}", *TINY_JOB,
                     "trainer.epochs=1", "seed=0,1", f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert states(sweep) == ["finished", "finished"]
    jobs = [p for p in (sweep / ".submitit").iterdir() if p.name.isdigit()]
    assert len(jobs) == 2  # one submitit job (and its log folder) per sweep job
    assert all("device: CPU (1 threads)" in p.read_text() for p in sweep.glob("*/train.log"))  # cpus_per_task: 1


@pytest.mark.slow
@pytest.mark.long
def test_ray_sweep_on_a_local_ray_instance_leaves_nothing_behind(tmp_path, tiny_mnist):
    need("hydra_plugins.hydra_ray_launcher", "ray")
    sweep, home = tmp_path / "sweep", tmp_path / "home"
    home.mkdir()  # Ray writes its auth token under the home folder
    before = set(Path("/tmp/ray").glob("session_*")) if Path("/tmp/ray").is_dir() else set()
    ray_dir = Path(tempfile.mkdtemp(prefix="ray", dir="/tmp"))  # short: Ray's socket paths must fit in 107 bytes
    try:
        result = run_vae("train", "-m", "hydra/launcher=ray_cluster", f"dataset.path={tiny_mnist}", *TINY_JOB,
                         "trainer.epochs=1", "seed=0,1", f"hydra.sweep.dir={sweep}",
                         "+hydra.launcher.ray.init.num_cpus=2", f"+hydra.launcher.ray.init._temp_dir={ray_dir}",
                         cwd=tmp_path, env={"HOME": str(home), "RAY_USAGE_STATS_ENABLED": "0"})
    finally:
        shutil.rmtree(ray_dir, ignore_errors=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert states(sweep) == ["finished", "finished"]
    assert len({s["pid"] for s in statuses(sweep).values()} - {os.getpid()}) >= 1
    after = set(Path("/tmp/ray").glob("session_*")) if Path("/tmp/ray").is_dir() else set()
    assert after == before  # Ray's session went to the test's folder


# ---------------------------------------------------------------- Optuna


@pytest.mark.slow
@pytest.mark.long
def test_optuna_study_of_three_trials_continues_to_five(tmp_path, tiny_mnist):
    need("hydra_plugins.hydra_optuna_sweeper", "sweep")
    sweep = tmp_path / "study"
    searched = ("trainer.learning_rate", "trainer.batch_size")  # TINY_JOB fixes them; the study searches them here
    tiny = [arg for arg in TINY_JOB if not arg.startswith(searched)]
    args = ["train", "-m", "hparams_search=elbo", f"dataset.path={tiny_mnist}", *tiny, "trainer.epochs=1",
            "trainer.batch_size=choice(50,100)", f"hydra.sweep.dir={sweep}"]
    first = run_vae(*args, "hydra.sweeper.n_trials=3", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    second = run_vae(*args, "hydra.sweeper.n_trials=2", cwd=tmp_path)  # Optuna: n_trials more
    assert second.returncode == 0, second.stderr
    with (sweep / names.TRIALS).open() as handle:
        trials = list(csv.DictReader(handle))
    assert [t["trial"] for t in trials] == ["0", "1", "2", "3", "4"] and {t["state"] for t in trials} == {"COMPLETE"}
    suggested = {(t["latent_dim"], t["trainer.batch_size"], t["trainer.learning_rate"]) for t in trials}
    assert len(suggested) == 5  # the continued study made new suggestions
    best = min(trials, key=lambda t: float(t["value"]))
    results = (sweep / names.OPTUNA_RESULTS).read_text()
    assert f"best_value: {best['value']}" in results
    for trial in trials:  # each trial's value is its run's final test loss
        (job,) = [p for p in sweep.glob(f"*trainer.learning_rate={trial['trainer.learning_rate']}")]
        assert float(trial["value"]) == pytest.approx(read_metrics(job / names.METRICS_CSV)[-1]["test/loss"])


@pytest.mark.parametrize("preset, metric, expected", [
    ("elbo", None, "minimize"), ("elbo", "test/elbo", "maximize"),
    ("mmd", None, "maximize"), ("mmd", "prior_mmd", "minimize"),
])
def test_an_optuna_study_optimises_its_metric_the_right_way(preset, metric, expected):
    from hydra import compose, initialize_config_module
    from omegaconf import OmegaConf

    from vaecli.config.store import register_schemas

    need("hydra_plugins.hydra_optuna_sweeper", "sweep")
    register_schemas()
    with initialize_config_module("vaecli.conf", version_base="1.3"):
        overrides = [f"hparams_search={preset}", *([f"sweep_metric={metric}"] if metric else [])]
        cfg = compose("train", overrides=overrides, return_hydra_config=True)
    assert OmegaConf.select(cfg, "hydra.sweeper.direction") == expected
