"""A training run's tracker run: opened as training starts, fed every epoch's losses, closed with the run's state.

What it logs: the flattened config as params; each metrics.csv row as metrics at its epoch; tags for the
objective, dataset, status and the provenance in run.json; at the end config.yaml, metrics.csv, run.json,
figures/, animations/ and model.keras as files; after `vae eval`, its metrics (eval/<name>) and metrics.json.

The tracker run's store and id are kept in <run>/tracker.json (RunFolder.tracker_record): a resumed run
continues its own tracker run, and so do its evaluation and a later `vae eval`. A sweep's job finds its
parent run in the sweep folder's tracker.json (vaecli/track/sweep.py) and becomes its child, in that store.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Literal

from omegaconf import OmegaConf

from vaecli.errors import DataError, Interrupted
from vaecli.run.files import atomic_write_text
from vaecli.run.folder import RunFolder
from vaecli.run.history import read_metrics
from vaecli.run.json_csv_readers import load_json
from vaecli.run.overrides import flatten as flatten_config
from vaecli.track import get, hparams
from vaecli.track.base import Guarded
from vaecli.track.hparams import folder_of

log = logging.getLogger(__name__)

# Options that differ between a run's launches (resume= is set when it continues), so are no params: a param keeps
# its first value.
NOT_PARAMS = ("resume",)
RECORD_BYTES = 64 * 1024  # a record is a few hundred bytes; anything far larger is not one


def read_record(folder: Path | str | RunFolder) -> dict | None:
    """<folder>/tracker.json, or None if there is none; a damaged one is named in one line and ignored."""
    path = folder_of(folder).tracker_record
    if not path.is_file():
        return None
    try:
        if path.stat().st_size > RECORD_BYTES:
            raise ValueError(f"larger than {RECORD_BYTES} bytes")
        record = load_json(path, RECORD_BYTES)  # bounded even if it grew since
        if not isinstance(record, dict) or not all(isinstance(record.get(k), str) for k in ("tracker", "store")):
            raise ValueError("no tracker and store")
    except (OSError, ValueError, UnicodeDecodeError) as ex:
        log.warning(f"{path} is damaged ({' '.join(str(ex).split())[:120]}); ignored, the run is tracked afresh")
        return None
    return record


def record_for(folder: Path | str | RunFolder, tracker: str, store: str) -> dict | None:
    """<folder>/tracker.json if it names this command's own tracker and store: a run folder from elsewhere may name
    any address, and only the current command chooses where its results go (docs/reliability.md)."""
    record = read_record(folder)
    if record is None or (record["tracker"], record["store"]) == (tracker, store):
        return record
    log.info(f"{folder_of(folder).tracker_record} names tracker={record['tracker']} at another store than this command's "
             f"tracker={tracker}; ignored")
    return None


def write_record(folder: Path | str | RunFolder, record: dict) -> None:
    atomic_write_text(folder_of(folder).tracker_record, json.dumps(record, indent=1) + "\n")


def reopen(record: dict) -> Guarded | None:
    """The tracker run of a record (a run's or a sweep's), to log more to it or end it."""
    from vaecli.track.schema import TrackerConfig

    tracker = get(record["tracker"])(TrackerConfig(name=record["tracker"]))
    guarded = Guarded(tracker, record["store"])
    opened = guarded.open(record["store"], record, None, "", "", {})
    return guarded if opened else None


def flatten(tree) -> dict[str, str]:
    """{"trainer": {"epochs": 2}} -> {"trainer.epochs": "2"}: MLflow's params and tags are text."""
    return {key: value if isinstance(value, str) else json.dumps(value) for key, value in flatten_config(tree).items()}


class RunTracking:
    """A training run's tracker run (none with tracker=none), and its TensorBoard HParams session.

    `with RunTracking(...)` around the epochs ends the tracker run as finished, failed or interrupted.
    """

    def __init__(self, cfg, run: Path | str | RunFolder) -> None:
        self.folder, self.tracker, self.artifacts = folder_of(run), None, cfg.tracker.artifacts
        self.run_dir = self.folder.path
        hparams.write_run(self.folder, resumed=cfg.resume is not None)
        if cfg.tracker.name == "none":
            return
        tracker = get(cfg.tracker.name)(cfg.tracker)
        store = tracker.store(Path.cwd())  # the command's choice, never a stored record's
        record, parent = record_for(self.folder, cfg.tracker.name, store), record_for(self.run_dir.parent, cfg.tracker.name, store)
        parent = parent if parent and parent.get("sweep") else None
        guarded = Guarded(tracker, store)
        opened = guarded.open(store, record, parent, self.run_dir.name, str(self.run_dir.resolve()), {})
        if not opened:
            return
        write_record(self.folder, {**opened, "tracker": cfg.tracker.name, "artifacts": cfg.tracker.artifacts})
        guarded.set_tags(self.tags(cfg))
        guarded.set_state("running")
        config = OmegaConf.to_container(OmegaConf.structured(cfg))
        guarded.log_params({k: v for k, v in flatten(config).items() if k not in NOT_PARAMS})
        self.tracker = guarded

    def tags(self, cfg) -> dict[str, str]:
        tags = {"objective": cfg.model.name, "dataset": cfg.dataset.name, "status": "running"}
        try:
            provenance = self.folder.read_run_info()
        except (OSError, DataError):  # a damaged run.json: the run is tracked without its provenance
            provenance = {}
        tags.update({f"provenance.{k}": v for k, v in flatten(provenance).items()})
        return tags

    def log_epoch(self, row: dict) -> None:
        if self.tracker is not None:
            self.tracker.log_metrics({k: v for k, v in row.items() if k != "epoch"}, int(row["epoch"]))

    def __enter__(self) -> RunTracking:
        return self

    def __exit__(self, kind, error, traceback) -> Literal[False]:  # never swallows the run's exception
        if self.tracker is None:
            return False
        state = "finished" if kind is None else "interrupted" if issubclass(kind, (Interrupted, KeyboardInterrupt)) else "failed"
        if state == "finished" and self.artifacts:
            folder = self.folder
            files = (folder.config, folder.metrics_csv, folder.run_info, folder.model, folder.figures, folder.animations)
            self.tracker.log_files([path for path in files if path.exists()])
        self.tracker.set_tags({"status": state})
        self.tracker.set_state(state)
        return False


def log_evaluation(run: Path | str | RunFolder, metrics: dict, tracker_cfg=None) -> None:
    """`vae eval`'s metrics as eval/<name> at the run's last epoch: in TensorBoard (the HParams view's
    columns) and in the run's tracker run, with metrics.json and the figures it added, if the command chose
    that tracker and store (`tracker_cfg`: its TrackerConfig; None or tracker=none sends nothing anywhere)."""
    folder = folder_of(run)
    step = max((int(row["epoch"]) for row in read_metrics(folder.metrics_csv)), default=0)
    numbers = {f"eval/{k}": float(v) for k, v in metrics.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    hparams.write_scalars(folder, numbers, step)
    chosen = tracker_cfg is not None and tracker_cfg.name != "none"
    record = record_for(folder, tracker_cfg.name, get(tracker_cfg.name)(tracker_cfg).store(Path.cwd())) if chosen else None
    if not chosen and folder.tracker_record.is_file():
        log.info(f"{folder.tracker_record} not used: this command's tracker is none (add tracker=... to log there)")
    tracker = reopen(record) if record else None
    if tracker is not None:
        tracker.log_metrics(numbers, step)
        if record is not None and record.get("artifacts", True):
            tracker.log_files([p for p in (folder.metrics_json, folder.figures) if p.exists()])


def end_run(run: Path | str | RunFolder, state: str, tracker_cfg=None) -> None:
    """Set the state of a run's tracker run, if it has one and the command chose it (a sweep job that failed after
    training; `tracker_cfg`: the job's TrackerConfig)."""
    if tracker_cfg is None or tracker_cfg.name == "none":
        return
    record = record_for(run, tracker_cfg.name, get(tracker_cfg.name)(tracker_cfg).store(Path.cwd()))
    tracker = reopen(record) if record else None
    if tracker is not None:
        tracker.set_tags({"status": state})
        tracker.set_state(state)
