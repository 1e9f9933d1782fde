"""What a tracker module implements: a store's runs, their params, metrics, tags, files and end.

A tracker is one module of vaecli/track/ with a `Tracker` subclass whose `name` is its conf/tracker/<name>.yaml.
It knows its store only; what a vaecli run logs, and when, is decided in vaecli/track/run.py and sweep.py,
and every call reaches it through `Guarded`, so a store that fails costs one warning, never the run.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# vaecli's run states (vaecli/run/status.py) as a tracker sees them.
STATES = ("running", "finished", "failed", "interrupted")


class Tracker:
    name = ""  # conf/tracker/<name>.yaml
    requires: str | None = None  # the module it imports, checked with the config (before TensorFlow loads)
    extra: str | None = None  # the pip extra that installs it: pip install "vaecli[<extra>]"

    def __init__(self, cfg) -> None:
        self.cfg = cfg  # vaecli.track.schema.TrackerConfig

    def store(self, launch_dir: Path) -> str:
        """The store's address, absolute, so that every process of a sweep finds the same one."""
        return ""

    def open(self, store: str, record: dict | None, parent: dict | None, name: str, key: str, tags: dict[str, str]) -> dict:
        """Continue the run of `record` (what an earlier open returned), or the run tagged with `key` (the run's
        or sweep's folder, tag vaecli.folder) if one exists, or start one named `name` (a child of `parent`'s run if given).
        Returns the record to keep: {"store": ..., "run_id": ..., ...}, JSON."""
        return {}

    def log_params(self, params: dict[str, str]) -> None:
        """Params already logged keep their first value (a resume may change trainer.epochs)."""

    def log_metrics(self, metrics: dict[str, float], step: int) -> None: ...

    def set_tags(self, tags: dict[str, str]) -> None: ...

    def log_files(self, paths: list[Path]) -> None:
        """Files and folders, each under its own name."""

    def set_state(self, state: str) -> None:
        """One of STATES: running (started or resumed) or how it ended."""


class Guarded:
    """A tracker whose every call is tried: the first failure logs one warning and turns the rest into no-ops.

    A store that is down, full or refusing must never cost a training run; the warnings of one
    process are counted per store, so a run and its evaluation warn once between them.
    """

    warned: set[str] = set()

    def __init__(self, tracker: Tracker, store: str) -> None:
        self.tracker, self.store, self.broken = tracker, store, False

    def __getattr__(self, method: str):
        call = getattr(self.tracker, method)

        def guarded(*args, **kwargs) -> Any:
            if self.broken:
                return None
            try:
                return call(*args, **kwargs)
            except Exception as ex:  # noqa: BLE001  (any failure of any store: tracking must not end training)
                self.broken = True
                if self.store not in Guarded.warned:
                    Guarded.warned.add(self.store)
                    message = " ".join(str(ex).split())[:300]
                    log.warning(f"tracker={self.tracker.name}: {self.store} failed ({type(ex).__name__}: {message}); "
                                "training goes on without it (check tracker.tracking_uri)")
                return None

        return guarded
