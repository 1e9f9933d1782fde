"""A sweep's parent run: created by the launching process before any job starts, ended after the last.

Its store and id go into <sweep>/tracker.json (RunFolder.tracker_record), where every job, in whatever
process or machine its launcher (basic, joblib, submitit, Ray) runs it, finds it and makes its own run a
child of it (vaecli/track/run.py); an Optuna study's trials are jobs too. A sweep launched again into the
same folder continues the same parent, and its jobs their own runs. After the jobs, the sweep folder gets
TensorBoard's HParams experiment (vaecli/track/hparams.py), whatever the tracker.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from vaecli.run.folder import RunFolder
from vaecli.track import get, hparams
from vaecli.track.base import Guarded
from vaecli.track.run import record_for, reopen, write_record


def _short(target) -> str:
    """hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher -> JoblibLauncher"""
    return str(target or "").rsplit(".", 1)[-1]


def _chosen_tracker(config) -> Any | None:
    """The tracker the sweep's command chose; None for none, and for a `vae embed -m` sweep (embeddings have no tracker)."""
    from vaecli.track.schema import TrackerConfig

    if "tracker" not in config:
        return None
    cfg: Any = OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(TrackerConfig), config.tracker))
    return cfg if cfg.name != "none" else None


def start_sweep(config) -> None:
    """Open (or continue) the sweep's parent run; `config` is the sweep's composed config, with its hydra node."""
    cfg = _chosen_tracker(config)
    if cfg is None:
        return
    sweep_dir = Path(str(config.hydra.sweep.dir)).resolve()
    tracker = get(cfg.name)(cfg)
    store = tracker.store(Path.cwd())  # the command's choice, never a stored record's
    record = record_for(sweep_dir, cfg.name, store)
    guarded = Guarded(tracker, store)
    opened = guarded.open(store, record, None, sweep_dir.name, str(sweep_dir), {})
    if not opened:
        return
    write_record(sweep_dir, {**opened, "tracker": cfg.name, "sweep": True})
    guarded.set_tags({"status": "running",
                      "sweeper": _short(OmegaConf.select(config, "hydra.sweeper._target_")),
                      "launcher": _short(OmegaConf.select(config, "hydra.launcher._target_")),
                      "overrides": " ".join(OmegaConf.select(config, "hydra.overrides.task", default=[]) or [])})
    guarded.set_state("running")


def end_sweep(config, failed: bool) -> None:
    """End the parent run (failed if any job failed), with an Optuna study's trials.csv; write the HParams experiment."""
    sweep_dir = Path(str(config.hydra.sweep.dir)).resolve()
    hparams.write_sweep(sweep_dir)
    cfg = _chosen_tracker(config)
    record = record_for(sweep_dir, cfg.name, get(cfg.name)(cfg).store(Path.cwd())) if cfg is not None else None
    tracker = reopen(record) if record else None
    if tracker is None:
        return
    trials = RunFolder(sweep_dir).trials
    if trials.is_file():
        tracker.log_files([trials])
    state = "failed" if failed else "finished"
    tracker.set_tags({"status": state})
    tracker.set_state(state)
