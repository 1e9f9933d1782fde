"""Experiment trackers: the tracker registry, and the few calls that training, evaluation and sweeps make.

Every module of this package that defines a `Tracker` subclass (vaecli/track/base.py) adds one
tracker, named by its `name` and chosen by conf/tracker/<name>.yaml: adding a tracker is one module
and one YAML. What a run logs and when is in run.py (a training run, its evaluation) and sweep.py
(a sweep's parent run, TensorBoard's HParams config); hparams.py writes TensorBoard's HParams view
whatever the tracker. Nothing here imports a tracker's library, TensorFlow or TensorBoard until used.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import pkgutil

from vaecli.errors import ConfigError
from vaecli.track.base import Tracker


def _discover() -> dict[str, type[Tracker]]:
    found = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for cls in vars(module).values():
            if inspect.isclass(cls) and issubclass(cls, Tracker) and cls.__module__ == module.__name__ and cls.name:
                found[cls.name] = cls
    return dict(sorted(found.items()))


def get(name: str) -> type[Tracker]:
    if name not in TRACKERS:
        raise ConfigError(f"tracker={name} is not known; choose one of {', '.join(TRACKERS)} (conf/tracker/)")
    return TRACKERS[name]


def check(cfg) -> None:
    """A TrackerConfig's tracker exists and its library is installed (before TensorFlow loads)."""
    tracker = get(cfg.name)
    if tracker.requires and importlib.util.find_spec(tracker.requires) is None:
        raise ConfigError(f"tracker={cfg.name} needs {tracker.requires}, which is not installed; "
                          f"pip install \"vaecli[{tracker.extra}]\" or use tracker=none")


TRACKERS: dict[str, type[Tracker]] = {}  # filled below, after get() exists: the modules it imports use get()
TRACKERS.update(_discover())

from vaecli.track.run import RunTracking, end_run, log_evaluation  # noqa: E402  (they use the registry above)
from vaecli.track.sweep import end_sweep, start_sweep  # noqa: E402

__all__ = ["TRACKERS", "RunTracking", "Tracker", "check", "end_run", "end_sweep", "get", "log_evaluation", "start_sweep"]
