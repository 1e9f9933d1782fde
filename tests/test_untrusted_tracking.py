"""Issue 24, class 5: tracking that never costs a result. Runs started together on a new SQLite store all arrive;
a store that cannot be opened costs one warning and seconds, not MLflow's ten retries (about 100 s)."""

from __future__ import annotations

import importlib.util
import logging
import subprocess
import sys
import time

import pytest
from conftest import missing

# One process of the race: opens vaecli's MLflow tracker on the store at a given moment, prints whether it opened.
OPEN_AT = """
import sys, time
from vaecli.track.base import Guarded
from vaecli.track.mlflow import MLflow
from vaecli.track.schema import TrackerConfig
import mlflow.tracking  # imported before the moment, so that all start together
store, key, start_at = sys.argv[1], sys.argv[2], float(sys.argv[3])
time.sleep(max(0.0, start_at - time.time()))
print("opened" if Guarded(MLflow(TrackerConfig(name="mlflow")), store).open(store, None, None, key, key, {}) else "failed")
"""
RACERS = 4  # 4 of 4 arrived with the schema lock; without it 1 of 4 (the others: "table experiments already exists")


@pytest.fixture
def mlflow_installed():
    if importlib.util.find_spec("mlflow") is None:
        missing("mlflow is not installed (pip install 'vaecli[track]')")


@pytest.mark.slow
def test_runs_starting_together_on_a_new_store_all_arrive(mlflow_installed, tmp_path):
    from mlflow.tracking import MlflowClient

    store = f"sqlite:///{tmp_path / 'mlflow.db'}"
    start_at = time.time() + 15  # after every process has imported MLflow (a few seconds each on a busy machine)
    racers = [subprocess.Popen([sys.executable, "-c", OPEN_AT, store, f"run{n}", str(start_at)], text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE) for n in range(RACERS)]
    said = [racer.communicate(timeout=300) for racer in racers]
    assert [out.strip() for out, _ in said] == ["opened"] * RACERS, [err[-500:] for _, err in said]
    client = MlflowClient(tracking_uri=store)
    runs = client.search_runs([client.get_experiment_by_name("vaecli").experiment_id])
    assert sorted(run.data.tags["vaecli.folder"] for run in runs) == [f"run{n}" for n in range(RACERS)]


UNOPENABLE = {
    "not a database": lambda path: path.write_text("a damaged store, or another program's file\n" * 100),
    "a folder": lambda path: path.mkdir(),
    "under a file": lambda path: path.parent.rmdir() or path.parent.write_text("not a folder"),
}


@pytest.mark.parametrize("case", sorted(UNOPENABLE))
def test_a_store_that_cannot_be_opened_costs_one_warning_and_seconds(mlflow_installed, tmp_path, caplog, case):
    from vaecli.track.base import Guarded
    from vaecli.track.mlflow import MLflow
    from vaecli.track.schema import TrackerConfig

    path = tmp_path / "store" / "mlflow.db"
    path.parent.mkdir()
    UNOPENABLE[case](path)
    store = f"sqlite:///{path}"
    started = time.perf_counter()
    with caplog.at_level(logging.INFO):
        tracker = Guarded(MLflow(TrackerConfig(name="mlflow")), store)
        assert not tracker.open(store, None, None, "run", "run", {})
        tracker.log_metrics({"loss": 1.0}, 1)  # training goes on: every later call is a no-op
    seconds = time.perf_counter() - started
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "cannot open the SQLite database" in warnings[0] and "\n" not in warnings[0], warnings
    assert seconds < 10, f"{seconds:.1f} s"  # measured here: under 0.1 s; MLflow's own ten retries: about 100 s
