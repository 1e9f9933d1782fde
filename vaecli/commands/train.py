"""`vae train [overrides]`: compose the config, then vaecli.train.loop.train does the work."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode

from vaecli.commands import hydra_command
from vaecli.config.replay import replayable
from vaecli.errors import ConfigError, DataError, Interrupted
from vaecli.run import status
from vaecli.run.files import holds_run
from vaecli.run.folder import RunFolder
from vaecli.sweep.resources import configure_devices, job_threads

log = logging.getLogger(__name__)


def train_and_evaluate(config) -> float:
    """Train, evaluate, and return `sweep_metric`: what a Hydra sweeper (Optuna) optimises.

    A single run's status.json says how it ended (a sweep's jobs: vaecli.sweep.job); it is written only once the
    run was accepted, so a refused command leaves the folder it names as it was."""
    hydra_cfg = HydraConfig.get()
    run_dir = Path(hydra_cfg.runtime.output_dir)
    single = hydra_cfg.mode != RunMode.MULTIRUN
    configure_devices(job_threads(config.trainer.threads, hydra_cfg.launcher), config.trainer.gpu_memory_growth)
    from vaecli.train.loop import train

    overrides = [o for o in hydra_cfg.overrides.task if not o.startswith("resume=")]
    try:
        final = train(config, run_dir, overrides)
        if config.trainer.eval_at_end:
            from vaecli.assess.evaluate_run import evaluate_run
            from vaecli.evaluate.collapse import collapse_note

            metrics = evaluate_run(run_dir, config.eval, config.tracker)["metrics"]
            if note := collapse_note([final], metrics):
                log.warning(note)
            final = {**final, **metrics}
    except Interrupted as ex:
        if single and _running_here(run_dir):
            _mark(run_dir, "interrupted", error=str(ex))
        raise
    except Exception as ex:
        if single and _running_here(run_dir):
            _mark(run_dir, "failed", error=" ".join(str(ex).split())[:500])
        raise
    value = float(final.get(config.sweep_metric, float("nan")))
    if single:
        status.mark(run_dir, "finished", value=value if value == value else None)
    log.info(f"finished: {run_dir}")  # the folder again, after the many lines of training and eval
    return value


def _mark(run_dir: Path, state: str, **fields) -> None:
    """Record how the run ended, if the disk still takes it: the error being raised says more than this could."""
    try:
        status.mark(run_dir, state, **fields)
    except OSError:
        pass


def _running_here(run_dir: Path) -> bool:
    """Whether this process started the run's training (not a refused command, nor another process's run)."""
    now = status.read(run_dir)
    return now is not None and now.state == "running" and now.pid == os.getpid()


run = hydra_command("train", train_and_evaluate, resumable=holds_run)


def main() -> None:
    sys.argv = [sys.argv[0], *resume_overrides(sys.argv[1:])]
    run()


def resume_overrides(args: list[str]) -> list[str]:
    """`resume=DIR` continues DIR: its own overrides first, the new ones after, output into DIR.

    Other overrides may change what does not change the model (e.g. trainer.epochs=80 to
    train longer); train() refuses a different model.
    """
    resume = [a.split("=", 1)[1].strip("'\"") for a in args if a.startswith("resume=")]
    if not resume or resume[-1] in ("", "null"):
        return args
    if "-m" in args or "--multirun" in args:
        raise ConfigError("resume= continues one run; drop -m/--multirun")
    run_dir = Path(resume[-1]).expanduser().resolve()
    if not run_dir.is_dir():
        raise ConfigError(f"resume={resume[-1]} is not a folder; pass a run folder under outputs/")
    folder = RunFolder(run_dir)
    folder.check_trainable()  # a `vae embed` folder: refused before anything is replayed or written
    saved = folder.saved_overrides()
    if saved is None:
        raise DataError(f"resume={resume[-1]} is not a vaecli run folder (no {folder.overrides.name}); "
                        "pass a run folder under outputs/")
    saved = replayable(saved, folder.saved_overrides_path() or folder.overrides)  # the run's options only: never hydra.*, never code
    new = [a for a in args if not a.startswith("resume=")]
    new_keys = {_key(a) for a in new if "=" in a}
    earlier = [a for a in saved if _key(a) not in new_keys and not a.startswith("resume=")]
    return [*earlier, *new, f"resume={run_dir}", f"hydra.run.dir={run_dir}"]  # quote_paths quotes them


def _key(override: str) -> str:
    return override.split("=", 1)[0].lstrip("+~")
