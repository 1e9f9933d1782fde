"""tracker=mlflow: runs in an MLflow store, through MlflowClient (no global "active run", so any process or
thread can write to any run). Default store: a SQLite database, outputs/mlflow.db; see docs/tracking.md.

Several jobs of a sweep write to one SQLite database at once: MLflow makes each session wait up to 20 s for
SQLite's lock (busy_timeout), and a write that still finds the database locked is tried again here. Runs that start
together on a new database would race to create MLflow's tables (MLflow's SqlAlchemyStore creates them unguarded;
its server guards them with a file lock, `_safe_initialize_tables`): here the store is first opened under such a
lock, so each process finds the tables made or makes them alone. A database file that cannot be opened fails at
once, before MLflow, which would retry it 10 times over about 100 s with a warning each time.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import tempfile
import time
from contextlib import closing, contextmanager, nullcontext
from pathlib import Path

from vaecli.run import names
from vaecli.track.base import Tracker

# A run waits this long at most for a tracking server that does not answer, instead of MLflow's 7 retries with
# growing back-off (minutes); the user's own MLFLOW_HTTP_REQUEST_* settings win.
HTTP_DEFAULTS = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "1", "MLFLOW_HTTP_REQUEST_TIMEOUT": "30"}
SQLITE = "sqlite:///"
SQLITE_OPEN_SECONDS = 20.0  # as long as MLflow's own busy_timeout: another process may hold the new file's lock
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


def check_sqlite(store: str) -> None:
    """Open a SQLite store's file (creating it and its folder, as MLflow would): an OSError at once if it cannot be."""
    path = store[len(SQLITE):]
    if not store.startswith(SQLITE) or not path:
        return
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(path, timeout=SQLITE_OPEN_SECONDS)) as db:
            db.execute("pragma schema_version")
    except (OSError, sqlite3.Error) as ex:
        raise OSError(f"cannot open the SQLite database {path} ({' '.join(str(ex).split())})") from None


@contextmanager
def schema_lock(store: str):
    """Held while a process first opens a SQLite store: one process at a time creates MLflow's tables. The lock file
    lies in the temporary folder, named by the store (as MLflow's server names its own), so the store's folder
    gets no litter."""
    if not store.startswith(SQLITE):
        with nullcontext():
            yield
        return
    from mlflow.utils.file_utils import ExclusiveFileLock

    digest = hashlib.sha256(store.encode()).hexdigest()[:16]
    with ExclusiveFileLock(os.path.join(tempfile.gettempdir(), f"vaecli-mlflow-{digest}.lock")):
        yield


def absolute_store(uri: str, launch_dir: Path) -> str:
    """sqlite:///outputs/mlflow.db (relative to the folder vae started in) -> sqlite:////that/folder/outputs/mlflow.db,
    so that a sweep's jobs, wherever their launcher starts them, write to the same file."""
    if uri.startswith(SQLITE) and not uri[len(SQLITE):].startswith("/"):
        return SQLITE + str((launch_dir / uri[len(SQLITE):]).resolve())
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

        check_sqlite(store)
        with schema_lock(store):  # MLflow opens the store here (and at the first call), creating its tables if it is new
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
        if location is None and store.startswith(SQLITE):
            location = names.tracker_artifacts_beside(Path(store[len(SQLITE):])).as_uri()
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
