"""Experiment tracking against a real MLflow store (SQLite, in the test's folder), and TensorBoard's HParams view
read back with TensorBoard's own event reader. No mocks: real training on 200 images made here.

MLflow is the optional extra vaecli[track] (`make install` installs it); under CI a missing one fails the test.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import missing, run_vae, write_idx_dir

from vaecli.run import names

TINY = ["dataset=idx", "trainer.batch_size=40", "trainer.quiet=true", "trainer.eval_at_end=false", "figures.grid_size=4",
        "figures.scatter_points=40", "figures.animations=false", "latent_dim=3"]


@pytest.fixture(scope="module")
def tiny_idx(tmp_path_factory) -> Path:
    """160 train and 40 test 28x28 images in 10 classes: a bright bar whose height is the class, on noise."""
    rng = np.random.default_rng(0)

    def images(count):
        labels = np.arange(count) % 10
        pixels = (rng.random((count, 28, 28)) * 60).astype(np.uint8)
        for image, label in zip(pixels, labels):
            image[2 + 2 * label:5 + 2 * label, 4:24] = 255
        return pixels, labels.astype(np.uint8)

    return write_idx_dir(tmp_path_factory.mktemp("tiny_idx"), *images(160), *images(40))


@pytest.fixture(scope="module")
def mlflow_client():
    if importlib.util.find_spec("mlflow") is None:
        missing("mlflow is not installed (pip install 'vaecli[track]')")
    from mlflow.tracking import MlflowClient

    return MlflowClient


@pytest.fixture(scope="module")
def empty_store(mlflow_client, tmp_path_factory) -> Path:
    """An MLflow SQLite database with its tables, made once: creating them takes MLflow ~15 s here."""
    path = tmp_path_factory.mktemp("empty_store") / "mlflow.db"
    mlflow_client(f"sqlite:///{path}").search_experiments()
    return path


@pytest.fixture
def store(empty_store, tmp_path) -> str:
    """A fresh store for one test: a copy of the empty database, in the test's folder."""
    shutil.copy(empty_store, tmp_path / "mlflow.db")
    return f"sqlite:///{tmp_path / 'mlflow.db'}"


def all_runs(client) -> list:
    experiments = [e.experiment_id for e in client.search_experiments()]
    return client.search_runs(experiments) if experiments else []


def steps(client, run_id: str, key: str) -> list[int]:
    return [m.step for m in client.get_metric_history(run_id, key)]


def artifacts(client, run_id: str, path: str | None = None) -> set[str]:
    return {a.path for a in client.list_artifacts(run_id, path)}


def record(folder: Path) -> dict:
    return json.loads((folder / names.TRACKER).read_text())


# ---------------------------------------------------------------- one run, in this process


@pytest.mark.slow
def test_a_run_logs_its_config_epochs_evaluation_and_files(compose, tiny_idx, tmp_path, store, mlflow_client):
    from vaecli.assess.evaluate_run import evaluate_run
    from vaecli.config.schemas import EvalConfig
    from vaecli.track.schema import TrackerConfig
    from vaecli.train.loop import train

    cfg = compose(*TINY, f"dataset.path={tiny_idx}", "trainer.epochs=2", "tracker=mlflow", f"tracker.tracking_uri={store}")
    run_dir = tmp_path / "run"
    train(cfg, run_dir)
    # vae eval logs to the tracker its own command chose (tracker=mlflow), never to one the run folder names by itself
    evaluate_run(run_dir, EvalConfig(iw_samples=5, iw_subset=20, prior_samples=200, mmd_samples=100,
                                     classifier_cache=str(tmp_path / "cache")),
                 tracker=TrackerConfig(name="mlflow", tracking_uri=store))

    client = mlflow_client(store)
    (run,) = all_runs(client)
    assert run.info.run_id == record(run_dir)["run_id"] and run.info.status == "FINISHED"
    params, tags = run.data.params, run.data.tags
    assert params["latent_dim"] == "3" and params["model.name"] == "mmd" and params["trainer.epochs"] == "2"
    assert params["eval.knn_neighbours"] == "[1, 5]" and "resume" not in params
    assert {tags["objective"], tags["dataset"], tags["status"]} == {"mmd", "idx", "finished"}
    assert tags["provenance.device"].startswith("CPU") and tags["provenance.train_images"] == "160"
    assert tags["vaecli.folder"] == str(run_dir.resolve())
    for key in ("train/loss", "test/loss", "test/mmd"):
        assert steps(client, run.info.run_id, key) == [1, 2], key
    measured = json.loads((run_dir / names.METRICS_JSON).read_text())["metrics"]
    assert run.data.metrics["eval/knn5_accuracy"] == pytest.approx(measured["knn5_accuracy"])
    assert steps(client, run.info.run_id, "eval/prior_mmd") == [2]  # at the run's last epoch
    assert {names.MODEL, names.CONFIG, names.METRICS_CSV, names.METRICS_JSON, names.FIGURES} <= artifacts(client, run.info.run_id)
    drawn = {p.name for p in (run_dir / names.FIGURES).iterdir()}
    assert {Path(p).name for p in artifacts(client, run.info.run_id, names.FIGURES)} == drawn
    artifact_root = Path(client.get_experiment(run.info.experiment_id).artifact_location.removeprefix("file://"))
    assert artifact_root == tmp_path / "mlartifacts"  # beside the database, not under the current folder


@pytest.mark.slow
def test_a_resumed_run_continues_its_own_mlflow_run(compose, tiny_idx, tmp_path, store, mlflow_client):
    from vaecli.train.loop import train

    common = [*TINY, f"dataset.path={tiny_idx}", "tracker=mlflow", f"tracker.tracking_uri={store}"]
    run_dir = tmp_path / "run"
    train(compose(*common, "trainer.epochs=1"), run_dir)
    first = record(run_dir)["run_id"]
    train(compose(*common, "trainer.epochs=2", f"resume={run_dir}"), run_dir)

    client = mlflow_client(store)
    (run,) = all_runs(client)
    assert run.info.run_id == first == record(run_dir)["run_id"] and run.info.status == "FINISHED"
    assert steps(client, first, "test/loss") == [1, 2]
    assert run.data.params["trainer.epochs"] == "1"  # a param keeps its first value; metrics.csv tells the rest


def test_an_unreachable_store_warns_once_and_training_completes(compose, tiny_idx, tmp_path, caplog, mlflow_client):
    from vaecli.track.base import Guarded
    from vaecli.track.run import log_evaluation
    from vaecli.train.loop import train

    with socket.socket() as probe:  # a port on this machine that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    Guarded.warned.clear()
    cfg = compose(*TINY, f"dataset.path={tiny_idx}", "trainer.epochs=1", "tracker=mlflow",
                  f"tracker.tracking_uri=http://127.0.0.1:{port}")
    run_dir = tmp_path / "run"
    with caplog.at_level(logging.WARNING, logger="vaecli.track"):
        started = time.monotonic()
        final = train(cfg, run_dir)
        log_evaluation(run_dir, {"knn5_accuracy": 0.5})
    warnings = [r.getMessage() for r in caplog.records if r.name.startswith("vaecli.track")]
    assert len(warnings) == 1 and f"http://127.0.0.1:{port} failed" in warnings[0], warnings
    assert "training goes on without it" in warnings[0]
    assert (run_dir / names.MODEL).is_file() and final["epoch"] == 1
    assert not (run_dir / names.TRACKER).exists()
    assert time.monotonic() - started < 120


def test_tracker_none_is_the_default_and_every_tracker_module_is_a_choice(compose):
    from vaecli.config.store import register_schemas
    from vaecli.errors import ConfigError
    from vaecli.track import TRACKERS

    assert compose().tracker.name == "none"
    register_schemas()
    conf = Path(__import__("vaecli.conf", fromlist=["x"]).__file__).parent / "tracker"
    assert sorted(p.stem for p in conf.glob("*.yaml")) == sorted(TRACKERS) == ["mlflow", "none"]
    cfg = compose("tracker=mlflow")
    assert (cfg.tracker.name, cfg.tracker.tracking_uri, cfg.tracker.experiment) == ("mlflow", None, "vaecli")
    with pytest.raises(ConfigError, match="tracker=wandb is not known; choose one of mlflow, none"):
        compose("tracker.name=wandb")


# ---------------------------------------------------------------- a sweep on the joblib launcher, killed and run again


@pytest.fixture(scope="module")
def killed_sweep(tiny_idx, tmp_path_factory, empty_store, mlflow_client):
    """4 jobs, 2 at a time in joblib's 2 worker processes (2 short, then 2 long), killed once both short ones
    finished and the long ones are under way, then the same command again. Returns the sweep folder, the store, and each job's tracker run id at the kill."""
    if importlib.util.find_spec("hydra_plugins.hydra_joblib_launcher") is None:
        missing("hydra-joblib-launcher is not installed (pip install 'vaecli[sweep]')")
    cwd = tmp_path_factory.mktemp("tracked_sweep")
    sweep, store = cwd / "sweep", f"sqlite:///{cwd / 'mlflow.db'}"
    shutil.copy(empty_store, cwd / "mlflow.db")
    args = ["train", "-m", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", f"dataset.path={tiny_idx}", *TINY,
            "tracker=mlflow", f"tracker.tracking_uri={store}", "trainer.epochs=1,12", "seed=0,1",
            f"hydra.sweep.dir={sweep}"]
    vae = shutil.which("vae", path=str(Path(sys.executable).parent)) or "vae"  # as run_vae
    process = subprocess.Popen([vae, *args], cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               stdin=subprocess.DEVNULL, start_new_session=True)

    def under_way() -> bool:
        finished = [p for p in sweep.glob(f"*/{names.STATUS}") if json.loads(p.read_text())["state"] == "finished"]
        started = [p for p in sweep.glob(f"*trainer.epochs=12*/{names.METRICS_CSV}") if len(p.read_text().splitlines()) > 1]
        tracked = list(sweep.glob(f"*trainer.epochs=12*/{names.TRACKER}"))
        return len(finished) == 2 and len(started) == 2 and len(tracked) == 2

    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and process.poll() is None and not under_way():
            time.sleep(0.2)
        assert process.poll() is None, "the sweep ended before it could be killed"
        assert under_way(), "the sweep did not get under way in 300 s"
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the launcher and its workers, with no chance to end anything
        process.wait()
    at_kill = {job.name: record(job)["run_id"] for job in sweep.iterdir() if (job / names.TRACKER).is_file()}
    again = run_vae(*args, cwd=cwd)
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("finished in an earlier launch: skipped") == 2, again.stdout
    return sweep, store, at_kill


@pytest.mark.slow
@pytest.mark.long
def test_a_killed_and_rerun_sweep_is_one_parent_with_a_child_per_job(killed_sweep, mlflow_client):
    sweep, store, at_kill = killed_sweep
    client = mlflow_client(store)
    runs = all_runs(client)
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    children = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    assert len(parents) == 1 and len(children) == 4, [(r.info.run_name, r.data.tags.get("mlflow.parentRunId")) for r in runs]
    (parent,) = parents
    assert parent.info.run_id == record(sweep)["run_id"] and parent.info.status == "FINISHED"
    assert parent.data.tags["launcher"] == "JoblibLauncher" and parent.data.tags["status"] == "finished"
    jobs = sorted(p.parent for p in sweep.glob(f"*/{names.CONFIG}"))
    assert sorted(r.info.run_name for r in children) == [job.name for job in jobs]
    assert {r.data.tags["mlflow.parentRunId"] for r in children} == {parent.info.run_id}
    assert all(r.info.status == "FINISHED" for r in children)
    by_name = {r.info.run_name: r for r in children}
    assert {name: by_name[name].info.run_id for name in at_kill} == at_kill  # the killed jobs kept their runs
    for job in jobs:
        run = by_name[job.name]
        epochs = int(run.data.params["trainer.epochs"])
        assert sorted(set(steps(client, run.info.run_id, "test/loss"))) == list(range(1, epochs + 1)), job.name
        assert names.MODEL in artifacts(client, run.info.run_id)


@pytest.mark.slow
@pytest.mark.long
def test_tensorboard_shows_the_sweep_in_its_hparams_view(killed_sweep):
    """What `tensorboard --logdir <sweep>` reads: the experiment at the sweep folder, a session per job."""
    from tensorboard.backend.event_processing import event_accumulator
    from tensorboard.plugins.hparams import metadata

    sweep, _, _ = killed_sweep

    def load(folder: Path):
        accumulator = event_accumulator.EventAccumulator(str(folder), size_guidance={event_accumulator.TENSORS: 0})
        return accumulator.Reload()

    experiment = metadata.parse_experiment_plugin_data(
        load(sweep).SummaryMetadata(metadata.EXPERIMENT_TAG).plugin_data.content)
    domains = {h.name: sorted(v.number_value for v in h.domain_discrete.values) for h in experiment.hparam_infos}
    assert domains == {"seed": [0, 1], "trainer.epochs": [1, 12]}  # what the sweep changes, with the values seen
    assert {"test/loss", "train/loss", "test/mmd"} <= {m.name.tag for m in experiment.metric_infos}
    sessions = {}
    for job in sorted(p.parent for p in sweep.glob(f"*/{names.CONFIG}")):
        run = load(job / names.TENSORBOARD)
        start = metadata.parse_session_start_info_plugin_data(
            run.SummaryMetadata(metadata.SESSION_START_INFO_TAG).plugin_data.content)
        sessions[job.name] = (start.hparams["seed"].number_value, start.hparams["trainer.epochs"].number_value)
        assert "test/loss" in run.Tags()["tensors"]  # the metric column's values, at every epoch
    assert sorted(sessions.values()) == [(0, 1), (0, 12), (1, 1), (1, 12)]
