"""tracker=mlflow: runs in an MLflow store, through MlflowClient (no global "active run", so any process or
thread can write to any run). Default store: a SQLite database, outputs/mlflow.db; see docs/tracking.md.

Several jobs of a sweep write to one SQLite database at once: MLflow makes each session wait up to 20 s for
SQLite's lock (busy_timeout), and a write that still finds the database locked is tried again here.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from vaecli.run import names
from vaecli.track.base import Tracker

# A run waits this long at most for a tracking server that does not answer, instead of MLflow's 7 retries with
# growing back-off (minutes); the user's own MLFLOW_HTTP_REQUEST_* settings win.
HTTP_DEFAULTS = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "1", "MLFLOW_HTTP_REQUEST_TIMEOUT": "30"}
LOCKED_RETRIES = 6  # tries of a write that finds SQLite locked, 0.5 s, 1 s, 2 s, ... apart (about 30 s in all)
STATUSES = {"running": "RUNNING", "finished": "FINISHED", "failed": "FAILED", "interrupted": "KILLED"}


def _retry_locked(call, *args, **kwargs):
    for attempt in range(LOCKED_RETRIES):
        try:
            return call(*args, **kwargs)
        except Exception as ex:
            if "database is locked" not in str(ex) or attempt == LOCKED_RETRIES - 1:
                raise
            time.sleep(0.5 * 2 ** attempt)


def absolute_store(uri: str, launch_dir: Path) -> str:
    """sqlite:///outputs/mlflow.db (relative to the folder vae started in) -> sqlite:////that/folder/outputs/mlflow.db,
    so that a sweep's jobs, wherever their launcher starts them, write to the same file."""
    prefix = "sqlite:///"
    if uri.startswith(prefix) and not uri[len(prefix):].startswith("/"):
        return prefix + str((launch_dir / uri[len(prefix):]).resolve())
    return uri


class MLflow(Tracker):
    name = "mlflow"
    requires = "mlflow"
    extra = "track"

    def store(self, launch_dir: Path) -> str:
        return absolute_store(self.cfg.tracking_uri or "sqlite:///outputs/mlflow.db", launch_dir)

    def open(self, store, record, parent, name, key, tags) -> dict:
        for variable, value in HTTP_DEFAULTS.items():
            os.environ.setdefault(variable, value)
        for logger in ("alembic", "mlflow.store.db.utils"):  # schema creation and upgrades: INFO lines per database
            logging.getLogger(logger).setLevel(logging.WARNING)
        from mlflow.tracking import MlflowClient

        self.client = MlflowClient(tracking_uri=store)
        if record:
            self.run_id = _retry_locked(self.client.get_run, record["run_id"]).info.run_id
            return {"store": store, "run_id": self.run_id}
        experiment_id = self._experiment(store)
        found = _retry_locked(self.client.search_runs, [experiment_id], filter_string=f"tags.`vaecli.folder` = {_quoted(key)}",
                              max_results=1)
        if found:  # killed between creating its run and keeping the id: the same run, not a second one
            self.run_id = found[0].info.run_id
        else:
            tags = {**tags, "vaecli.folder": key, **({"mlflow.parentRunId": parent["run_id"]} if parent else {})}
            self.run_id = _retry_locked(self.client.create_run, experiment_id, run_name=name, tags=tags).info.run_id
        return {"store": store, "run_id": self.run_id}

    def _experiment(self, store: str) -> str:
        found = _retry_locked(self.client.get_experiment_by_name, self.cfg.experiment)
        if found is not None:
            return found.experiment_id
        location = self.cfg.artifact_location
        if location is None and store.startswith("sqlite:///"):
            location = (Path(store[len("sqlite:///"):]).parent / names.TRACKER_ARTIFACTS).as_uri()
        try:
            return _retry_locked(self.client.create_experiment, self.cfg.experiment, artifact_location=location)
        except Exception:
            found = _retry_locked(self.client.get_experiment_by_name, self.cfg.experiment)
            if found is None:
                raise
            return found.experiment_id

    def log_params(self, params):
        from mlflow.entities import Param

        logged = _retry_locked(self.client.get_run, self.run_id).data.params
        new = [Param(k, v) for k, v in params.items() if k not in logged]
        for start in range(0, len(new), 100):  # MLflow takes 100 params a call
            _retry_locked(self.client.log_batch, self.run_id, params=new[start:start + 100])

    def log_metrics(self, metrics, step):
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        batch = [Metric(k, float(v), now, step) for k, v in metrics.items()]
        for start in range(0, len(batch), 1000):  # MLflow takes 1000 metrics a call
            _retry_locked(self.client.log_batch, self.run_id, metrics=batch[start:start + 1000])

    def set_tags(self, tags):
        from mlflow.entities import RunTag

        _retry_locked(self.client.log_batch, self.run_id, tags=[RunTag(k, str(v)) for k, v in tags.items()])

    def log_files(self, paths):
        for path in paths:
            if path.is_dir():
                _retry_locked(self.client.log_artifacts, self.run_id, str(path), artifact_path=path.name)
            else:
                _retry_locked(self.client.log_artifact, self.run_id, str(path))

    def set_state(self, state):
        if state == "running":
            _retry_locked(self.client.update_run, self.run_id, status=STATUSES[state])
        else:
            _retry_locked(self.client.set_terminated, self.run_id, status=STATUSES[state])


def _quoted(text: str) -> str:
    """A string literal of MLflow's search syntax."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
