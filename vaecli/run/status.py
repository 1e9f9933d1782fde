"""A run's state, kept in its own folder so that any process or machine can read it.

<run>/status.json: {"state": ..., "job": "job 3" (sweeps) or null, "value": ..., ...}
    running      started (or resumed) and not yet ended; a job killed hard stays "running"
    finished     ended; `value` is what it returned to the sweeper (e.g. Optuna's objective)
    failed       raised an error; `error` is its one-line message
    interrupted  stopped by Ctrl-C or SIGTERM after a checkpoint
"""

from __future__ import annotations

import json
import os
import socket
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from vaecli.run import names
from vaecli.run.files import atomic_write_text

FILE = names.STATUS
STATES = ("running", "finished", "failed", "interrupted")


@dataclass
class JobStatus:
    state: str
    job: str | None = None  # a sweep's "job 3": how messages name it, with its folder; None for a single run
    value: float | None = None
    error: str | None = None
    host: str = field(default_factory=socket.gethostname)
    pid: int = field(default_factory=os.getpid)
    updated: float = field(default_factory=time.time)  # seconds since the epoch, when it was written

    def __post_init__(self) -> None:
        if self.state not in STATES:  # a damaged or foreign status.json: read() treats it as none
            raise ValueError(f"{FILE}: state must be one of {', '.join(STATES)}, got {self.state!r}")


def write(folder: Path, status: JobStatus) -> None:
    Path(folder).mkdir(parents=True, exist_ok=True)
    atomic_write_text(Path(folder) / FILE, json.dumps(asdict(status), indent=1) + "\n")


def mark(folder: Path, state: str, *, value: float | None = None, error: str | None = None) -> None:
    """Write `state` (with the sweep's `value` or the `error`), keeping the sweep job's name that an earlier status
    of this folder gave it."""
    before = read(folder)
    write(folder, JobStatus(state, before.job if before is not None else None, value=value, error=error))


def read(folder: Path) -> JobStatus | None:
    """The job's status, or None if it has none (never started, or a folder from before statuses)."""
    try:
        return JobStatus(**json.loads((Path(folder) / FILE).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def of_sweep(sweep_dir: Path, since: float = 0.0) -> dict[Path, JobStatus]:
    """The statuses of a sweep folder's jobs written at or after `since` (those of one launch)."""
    statuses = {}
    for path in sorted(Path(sweep_dir).glob(f"*/{FILE}")):
        status = read(path.parent)
        if status is not None and status.updated >= since:
            statuses[path.parent] = status
    return statuses


def summary(statuses: dict[Path, JobStatus]) -> str:
    """'8 jobs: 6 finished, 2 failed' (states in the order of STATES)."""
    counts = {state: sum(s.state == state for s in statuses.values()) for state in STATES}
    return f"{len(statuses)} jobs: " + (", ".join(f"{n} {state}" for state, n in counts.items() if n) or "none ran")
