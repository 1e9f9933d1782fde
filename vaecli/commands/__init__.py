"""One thin Hydra app per `vae` subcommand: compose the config, call the library.

`hydra_command` builds such an app from the name of its config in conf/ and a function
of the typed config. `JobFailures` keeps an exception raised inside a Hydra job from
reaching Hydra, which would print a report of its own; `vae` then prints it as one line.
In a sweep the other jobs still run (vaecli.sweep), and the sweep fails at the end, naming the failed jobs.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode

from vaecli.commands.help import register_help_resolver
from vaecli.config.store import register_schemas, to_object
from vaecli.errors import Interrupted, Paused, VaeError
from vaecli.run.creation import register_resolver, remove_unused_run_folder
from vaecli.run.overrides import PATH_KEYS
from vaecli.sweep import callback
from vaecli.sweep.job import run_sweep_job


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


# Presets renamed, kept for a while under their old names: `vae` runs the new one and says so once. Old run folders
# record the old names in overrides.yaml, so `vae train resume=...` of such a run goes through here too.
RENAMED_PRESETS = {"experiment": {"seeds_fashion": "keydana_fashion", "seeds_mnist": "keydana_mnist"}}


def renamed_presets(args: list[str]) -> list[str]:
    """`experiment=seeds_fashion` -> `experiment=keydana_fashion` (also in a sweep's list), with one warning."""
    renamed, out = set(), []
    for arg in args:
        key, sep, value = arg.partition("=")
        names = RENAMED_PRESETS.get(key.lstrip("+~"), {})
        if sep and names:
            choices = [names.get(choice, choice) for choice in value.split(",")]
            renamed |= {f"{key}={old} is now {key}={names[old]}" for old in value.split(",") if old in names}
            arg = f"{key}={','.join(choices)}"
        out.append(arg)
    if renamed:
        print(f"vae: warning: {'; '.join(sorted(renamed))} (the old name will go)", file=sys.stderr)
    return out


def hydra_command(config_name: str, work: Callable[[Any], Any], tensorflow: bool = True,
                  resumable: Callable[[Path], bool] | None = None) -> Callable[[], None]:
    """A `main()` that composes conf/<config_name>.yaml from sys.argv and calls work(typed config).

    TensorFlow is imported (quietly) only once the config is known to be valid, so a typo
    costs a second, not TensorFlow's start-up. In a sweep, `resumable(job folder)` says whether
    a job left there by an earlier launch continues (its config's `resume` set to the folder).
    """
    register_schemas()
    register_resolver()  # ${unique_dir:...} in conf/hydra/vaecli.yaml; also in every job process that imports the app
    register_help_resolver()  # ${own_choices:} in the --help templates: this command's groups only
    failures = JobFailures(resumable)

    @hydra.main(version_base="1.3", config_path="pkg://vaecli.conf", config_name=config_name)
    @failures.catch
    def app(cfg):
        config = to_object(cfg)
        if tensorflow:
            from vaecli.quiet_tf import import_tensorflow_quietly

            import_tensorflow_quietly()
        from vaecli.visual.plots import configure_matplotlib

        configure_matplotlib()
        return work(config)

    def main() -> None:
        sys.argv = [sys.argv[0], *quote_paths(renamed_presets(sys.argv[1:]))]
        failures.run(app)

    return main


class JobFailures:
    """A single run's error is kept and raised once Hydra returns; a sweep's jobs record theirs in
    their folders (vaecli.sweep), which works wherever the launcher runs them."""

    def __init__(self, resumable: Callable[[Path], bool] | None = None) -> None:
        self.resumable = resumable
        self.failure: BaseException | None = None

    def catch(self, task):
        @functools.wraps(task)
        def wrapper(cfg):
            hydra_cfg = HydraConfig.get()
            if hydra_cfg.mode == RunMode.MULTIRUN:
                return run_sweep_job(task, cfg, hydra_cfg, self.resumable)
            try:
                return task(cfg)
            except Interrupted as ex:
                self.failure = ex
                raise KeyboardInterrupt from ex
            except Exception as ex:  # noqa: BLE001  kept, and raised once Hydra returns (run): one line for `vae`
                self.failure = ex
                return None

        return wrapper

    def run(self, app) -> None:
        """Run a Hydra app, then raise what its job raised, or name the sweep's failed jobs (one line for `vae`)."""
        try:
            with callback.watching() as launch:
                app()
        except KeyboardInterrupt as ex:
            if isinstance(self.failure, Interrupted):
                raise self.failure from None
            if isinstance(ex.__cause__, Interrupted) and launch.config is not None:  # a sweep's job
                sweep_dir = launch.config.hydra.sweep.dir
                raise Paused(f"sweep stopped by a signal after a checkpoint of its running job; continue it with the same "
                                  f"command and hydra.sweep.dir={sweep_dir}") from None
            raise
        if self.failure is not None:
            if (removed := remove_unused_run_folder()) is not None:  # a typo leaves no timestamped folder behind
                print(f"nothing was run; removed the run folder {removed}")  # beside "run folder: ...": stderr keeps one line
            raise self.failure
        if launch.failed_jobs:
            (folder, first), more = launch.failed_jobs[0], len(launch.failed_jobs) - 1
            also = f" (and {more} more, listed above)" if more else ""
            raise VaeError(f"{len(launch.failed_jobs)} sweep job(s) failed; {first.job} in {folder}: {first.error}{also}; "
                           f"run the same command again to retry the failed jobs and skip the finished ones")
