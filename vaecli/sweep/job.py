"""How one job of a sweep runs, in whatever process or machine its launcher chose.

A job whose folder says it finished is skipped (its value goes back to the sweeper again); one
that was interrupted or killed resumes from its last checkpoint; a failure is recorded in the
folder and logged in one line, and the other jobs go on. So running a sweep again into the same
hydra.sweep.dir completes it, losing at most each job's work since its last checkpoint.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vaecli import track
from vaecli.errors import Interrupted, one_line_message
from vaecli.run import status

log = logging.getLogger(__name__)


def job_name(hydra_cfg) -> str:
    return f"job {hydra_cfg.job.num}"  # its folder, named in every message, shows the overrides


def run_sweep_job(task: Callable[[Any], Any], cfg, hydra_cfg, resumable: Callable[[Path], bool] | None) -> Any:
    """Run task(cfg) as one job of a sweep, with its status kept in its folder."""
    run_dir = Path(hydra_cfg.runtime.output_dir)
    name = job_name(hydra_cfg)
    before = status.read(run_dir)
    if before is not None and before.state == "finished":
        # Left as it is: a finished job's folder may be a committed result (docs/results/map2d/), which a
        # launch that trains nothing must not change.
        log.info(f"{name} finished in an earlier launch: skipped ({run_dir})")
        return before.value
    if resumable is not None and resumable(run_dir):
        log.info(f"{name} resumes {run_dir} from its last checkpoint")
        cfg.resume = _as_given(run_dir)
    status.write(run_dir, status.JobStatus("running", name))
    try:
        value = task(cfg)
    except Interrupted as ex:  # Ctrl-C or SIGTERM ends the whole sweep, not just this job
        status.write(run_dir, status.JobStatus("interrupted", name, error=str(ex)))
        raise KeyboardInterrupt from ex
    except Exception as ex:  # noqa: BLE001  any failure of one job is recorded, and the sweep goes on
        message = one_line_message(ex)
        status.write(run_dir, status.JobStatus("failed", name, error=message))
        track.end_run(run_dir, "failed", getattr(cfg, "tracker", None))  # also when it failed after training, in its evaluation
        log.error(f"{name} failed in {run_dir}: {message}")
        return math.nan  # a sweeper sees a failed trial (Optuna: state FAIL), not an exception
    status.write(run_dir, status.JobStatus("finished", name, value=_number(value)))
    return value


def _as_given(run_dir: Path) -> str:
    """The job's folder as the sweep named it: relative to the working folder where it lies below it, so that the
    config.yaml a resumed job writes holds no path of this machine (a committed result set stays portable)."""
    try:
        return str(run_dir.relative_to(Path.cwd()))
    except ValueError:
        return str(run_dir)


def _number(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
