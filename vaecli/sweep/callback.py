"""The Hydra callback that runs in the launching process of every `vae train -m` (conf/hydra/vaecli.yaml).

Jobs may run in other processes or on other machines, so the callback learns how they went from
their status files (vaecli.run.status), not from memory: after the sweep it names each failed job
and its folder in one line, and `vae` then exits non-zero. For an Optuna sweep it also writes the
study's trials to <sweep>/trials.csv, beside the sweeper's own optimization_results.yaml.
"""

from __future__ import annotations

import csv
import io
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback

from vaecli import track
from vaecli.run import status
from vaecli.run.files import atomic_write_text
from vaecli.run.folder import RunFolder

log = logging.getLogger(__name__)

# Statuses written this long before the launch began still count as this launch's: clocks of
# cluster nodes differ a little from the launching machine's.
CLOCK_SLACK_S = 5.0


@dataclass
class SweepLaunch:
    """What the launching process learns of the sweep one command launches, for `vae` to report after Hydra returns."""

    # The sweep's config: Hydra instantiates the sweeper (and its Optuna sampler, vaecli.sweep.sampler) after
    # on_multirun_start, before HydraConfig is set. None until a sweep starts.
    config: Any = None
    failed_jobs: list[tuple[Path, status.JobStatus]] = field(default_factory=list)


# The command being run, set by `watching()` in its start-up (vaecli/commands): Hydra instantiates the callback and the
# sampler itself, with no argument of ours, so they find the command's SweepLaunch here. Outside a command: None.
_launch: ContextVar[SweepLaunch | None] = ContextVar("vaecli_sweep_launch", default=None)


@contextmanager
def watching() -> Iterator[SweepLaunch]:
    """For the length of one command: the sweep it launches, if any."""
    launch = SweepLaunch()
    token = _launch.set(launch)
    try:
        yield launch
    finally:
        _launch.reset(token)


def current_launch() -> SweepLaunch | None:
    return _launch.get()


class SweepStatus(Callback):
    def __init__(self) -> None:
        self.started = time.time()
        self.launch = SweepLaunch()  # outside a `vae` command (a Hydra app of one's own): noted, reported to no one

    def on_multirun_start(self, config, **kwargs) -> None:
        self.launch = current_launch() or self.launch
        self.started, self.launch.config = time.time(), config
        self.launch.failed_jobs.clear()
        # The folder exists before the sweeper starts: Optuna opens its SQLite study in it.
        Path(str(config.hydra.sweep.dir)).mkdir(parents=True, exist_ok=True)
        track.start_sweep(config)  # tracker=...: the parent run, recorded in the folder for every job to find

    def on_multirun_end(self, config, **kwargs) -> None:
        sweep_dir = Path(str(config.hydra.sweep.dir))
        statuses = status.of_sweep(sweep_dir, since=self.started - CLOCK_SLACK_S)
        earlier = sum(job.state == "finished" for folder, job in status.of_sweep(sweep_dir).items() if folder not in statuses)
        skipped = f"; {earlier} finished in earlier launches" if earlier else ""  # skipped jobs keep their status file
        log.info(f"sweep {sweep_dir}: {status.summary(statuses)}{skipped}")
        for folder, job in statuses.items():
            if job.state == "failed":
                log.error(f"{job.job} failed in {folder}: {job.error}")
                self.launch.failed_jobs.append((folder, job))
        storage, study_name = _optuna_study(config)
        if storage:
            write_trials(storage, study_name, RunFolder(sweep_dir).trials)
        track.end_sweep(config, failed=bool(self.launch.failed_jobs))  # ends the parent run; TensorBoard's HParams experiment


def _optuna_study(config) -> tuple[str | None, str | None]:
    sweeper = config.hydra.get("sweeper") or {}
    if "optuna" not in str(sweeper.get("_target_", "")):
        return None, None
    return sweeper.get("storage"), sweeper.get("study_name")


def write_trials(storage: str, study_name: str | None, path: Path) -> None:
    """Every trial of the study (this launch's and earlier ones): number, state, value, parameters."""
    import optuna

    study = optuna.load_study(study_name=study_name, storage=storage)
    names = sorted({name for trial in study.trials for name in trial.params})
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["trial", "state", "value", "seconds", *names])
    for trial in study.trials:
        seconds = trial.duration.total_seconds() if trial.duration else ""
        writer.writerow([trial.number, trial.state.name, "" if trial.value is None else trial.value,
                         seconds, *(trial.params.get(name, "") for name in names)])
    atomic_write_text(path, out.getvalue())
