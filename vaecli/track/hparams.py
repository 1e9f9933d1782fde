"""TensorBoard's HParams view of a sweep: `tensorboard --logdir <sweep>` compares its runs in a table and in
parallel coordinates (tensorboard.plugins.hparams), whatever the tracker.

Each run's tensorboard/ holds its session: the hparams are the overrides it was launched with (the values a
sweep changes), typed as in its config.yaml; its metrics are the scalars already there, each epoch's loss
parts (the last epoch counts) and eval/<name> written by `vae eval`. The sweep folder holds the experiment:
the hparams that differ between its runs, with the values seen, and every metric, written after the jobs.
All of it goes through TensorBoard's own event writer, so the launching process of a sweep loads no TensorFlow.
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

from omegaconf import OmegaConf

from vaecli.errors import DataError
from vaecli.run.folder import RunFolder
from vaecli.run.history import read_metrics
from vaecli.run.overrides import PATH_KEYS

EVENTS = "events.out.tfevents.*"  # TensorFlow's event file names


def folder_of(run: Path | str | RunFolder) -> RunFolder:
    """The RunFolder of a run given as one or as its path (callers in train/, assess/ and sweep/ pass paths)."""
    return run if isinstance(run, RunFolder) else RunFolder(run)


def _overrides(folder: RunFolder) -> list[str]:
    try:
        return folder.saved_overrides() or []
    except DataError:  # a damaged record: the run shows without hparams
        return []


def run_hparams(run: Path | str | RunFolder) -> dict[str, bool | int | float | str]:
    """The run's overrides as hparams: {"model": "elbo", "latent_dim": 8, ...}; paths, hydra.* and tracker.* left out."""
    folder = folder_of(run)
    if not folder.config.is_file():
        return {}
    config = folder.read_stored_config()  # bounded and literal (vaecli/run/yaml_reader.py)
    found = {}
    for override in _overrides(folder):
        key, sep, text = override.lstrip("+").partition("=")
        if not sep or key.startswith(("~", "hydra", "tracker")) or key in PATH_KEYS:
            continue
        value = OmegaConf.select(config, key, default=text)
        if OmegaConf.is_config(value):  # a group's choice, e.g. model=elbo: the choice names it
            value = text
        found[key] = value if isinstance(value, (bool, int, float, str)) else json.dumps(value)
    return found


def _write(logdir: Path, summaries: list, step: int = 0) -> None:
    """Summary protos as one new event file in logdir (TensorBoard's RecordWriter: its EventFileWriter loads TensorFlow)."""
    from tensorboard.compat.proto import event_pb2
    from tensorboard.summary.writer.record_writer import RecordWriter

    Path(logdir).mkdir(parents=True, exist_ok=True)
    now = time.time()
    path = Path(logdir) / f"events.out.tfevents.{now:.6f}.{socket.gethostname()}.{os.getpid()}.hparams"
    with open(path, "wb") as handle:
        writer = RecordWriter(handle)
        writer.write(event_pb2.Event(wall_time=now, file_version="brain.Event:2").SerializeToString())
        for summary in summaries:
            writer.write(event_pb2.Event(wall_time=now, step=step, summary=summary).SerializeToString())
        writer.flush()


def write_run(run: Path | str | RunFolder, resumed: bool) -> None:
    """The run's HParams session, in its tensorboard/ (once: a resumed run wrote it when it started)."""
    folder = folder_of(run)
    values = run_hparams(folder)
    if resumed or not values:
        return
    from tensorboard.plugins.hparams import summary_v2 as hp

    _write(folder.tensorboard, [hp.hparams_pb(values, trial_id=folder.path.name)])


def write_scalars(run: Path | str | RunFolder, scalars: dict[str, float], step: int) -> None:
    """Scalars beside the run's epoch scalars, e.g. eval/knn5_accuracy, for the HParams view's metric columns."""
    from tensorboard.plugins.scalar.summary_v2 import scalar_pb

    _write(folder_of(run).tensorboard, [scalar_pb(tag, value) for tag, value in scalars.items()], step)


def _metric_tags(folder: RunFolder) -> set[str]:
    rows = read_metrics(folder.metrics_csv)  # the rows that parse: a damaged file names fewer metrics, no error
    tags = {key for row in rows[-1:] for key in row if "/" in key}
    try:
        evaluated = folder.read_metrics()
    except DataError:  # a damaged metrics.json: its metrics are not columns
        evaluated = {}
    return tags | {f"eval/{k}" for k, v in evaluated.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


def write_sweep(sweep_dir: Path | str) -> None:
    """The sweep's HParams experiment, in the sweep folder (replacing an earlier launch's)."""
    sweep_dir = Path(sweep_dir)
    # its jobs' folders, one level down (the sweep's own record and a job's .hydra/ are not runs)
    jobs = sorted(sweep_dir.iterdir()) if sweep_dir.is_dir() else []
    runs = [RunFolder(path) for path in jobs if RunFolder(path).config.is_file()]
    values = {run.path: run_hparams(run) for run in runs}
    keys = sorted(set().union(*values.values()))
    if not keys:
        return
    varying = [k for k in keys if len({json.dumps(v.get(k)) for v in values.values()}) > 1] or keys
    from tensorboard.plugins.hparams import summary_v2 as hp

    infos = []
    for key in varying:
        seen = sorted({v[key] for v in values.values() if key in v}, key=str)
        same_type = len({type(value) for value in seen}) == 1
        infos.append(hp.HParam(key, hp.Discrete(seen) if same_type else None))
    metrics = [hp.Metric(tag) for tag in sorted(set().union(*(_metric_tags(run) for run in runs)))]
    for old in sweep_dir.glob(EVENTS):  # TensorBoard keeps a run's first experiment summary: one file, the newest
        old.unlink()
    _write(sweep_dir, [hp.hparams_config_pb(hparams=infos, metrics=metrics)])
