"""One thin Hydra app per `vae` subcommand: compose the config, call the library.

`hydra_command` builds such an app from the name of its config in conf/ and a function
of the typed config. `JobFailures` keeps an exception raised inside a Hydra job from
reaching Hydra, which would print a report of its own; `vae` then prints it as one line.
In a sweep the other jobs still run, and the sweep fails at the end, naming the failed jobs.
"""

from __future__ import annotations

import functools
import logging
import sys
from typing import Any, Callable

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode

from vaecli.config import register_schemas, to_object
from vaecli.errors import Interrupted, VaeError, describe_config_error

log = logging.getLogger(__name__)


# Options whose values are paths. Sweep folders are named like `0_model=elbo,seed=1`, and Hydra's
# override grammar reads '=' and ',' in a bare value as syntax, so such values are quoted for it.
PATH_KEYS = {"run", "resume", "out", "markdown", "dataset.path", "dataset.tfds_data_dir", "eval.classifier_cache",
             "classifier_cache", "hydra.run.dir", "hydra.sweep.dir"}


def quote_paths(args: list[str]) -> list[str]:
    """`run=a/0_model=elbo,seed=1` -> `run='a/0_model=elbo,seed=1'`; left alone in sweeps (-m), where ',' separates values."""
    if "-m" in args or "--multirun" in args:
        return args
    quoted = []
    for arg in args:
        key, sep, value = arg.partition("=")
        if sep and key in PATH_KEYS and value and value[0] not in "'\"":
            value = "'" + value.replace("'", "\\'") + "'"
        quoted.append(f"{key}{sep}{value}")
    return quoted


def hydra_command(config_name: str, work: Callable[[Any], Any], tensorflow: bool = True) -> Callable[[], None]:
    """A `main()` that composes conf/<config_name>.yaml from sys.argv and calls work(typed config).

    TensorFlow is imported (quietly) only once the config is known to be valid, so a typo
    costs a second, not TensorFlow's start-up.
    """
    register_schemas()
    failures = JobFailures()

    @hydra.main(version_base="1.3", config_path="pkg://vaecli.conf", config_name=config_name)
    @failures.catch
    def app(cfg):
        config = to_object(cfg)
        if tensorflow:
            from vaecli.quiet_tf import import_tensorflow_quietly

            import_tensorflow_quietly()
        return work(config)

    def main() -> None:
        sys.argv = [sys.argv[0], *quote_paths(sys.argv[1:])]
        failures.run(app)

    return main


class JobFailures:
    def __init__(self) -> None:
        self.failures: list[tuple[str, BaseException]] = []

    def catch(self, task):
        @functools.wraps(task)
        def wrapper(cfg):
            try:
                return task(cfg)
            except Interrupted as ex:  # Ctrl-C or SIGTERM ends the whole sweep, not just this job
                self.failures.append(("", ex))
                raise KeyboardInterrupt from ex
            except Exception as ex:
                hydra_cfg = HydraConfig.get()
                if hydra_cfg.mode != RunMode.MULTIRUN:
                    self.failures.append(("", ex))
                    return None
                job = f"job {hydra_cfg.job.num} ({' '.join(hydra_cfg.overrides.task)})"
                self.failures.append((job, ex))
                log.error(f"{job} failed: {_message(ex)}")
                return None

        return wrapper

    def run(self, app) -> None:
        """Run a Hydra app, then raise what its jobs raised (one line each for `vae`)."""
        try:
            app()
        except KeyboardInterrupt:
            interrupted = [ex for _, ex in self.failures if isinstance(ex, Interrupted)]
            if interrupted:
                raise interrupted[-1] from None
            raise
        self.raise_if_any()

    def raise_if_any(self) -> None:
        if not self.failures:
            return
        if len(self.failures) == 1 and not self.failures[0][0]:
            raise self.failures[0][1]
        first = self.failures[0][1]
        error = VaeError(f"{len(self.failures)} sweep job(s) failed; first, {self.failures[0][0]}: {_message(first)}")
        error.exit_code = getattr(first, "exit_code", 1)
        raise error from first


def _message(ex: BaseException) -> str:
    if isinstance(ex, VaeError):
        return str(ex)
    return describe_config_error(ex) or f"{type(ex).__name__}: {ex}"
