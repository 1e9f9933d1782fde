"""`vae train [overrides]`: compose the config, then vaecli.train.loop.train does the work."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from omegaconf import OmegaConf

from vaecli.commands import hydra_command
from vaecli.errors import ConfigError, DataError
from vaecli.run.files import holds_run
from vaecli.sweep.resources import configure_devices, job_threads

log = logging.getLogger(__name__)


def train_and_evaluate(config) -> float:
    """Train, evaluate, and return `sweep_metric`: what a Hydra sweeper (Optuna) optimises."""
    hydra_cfg = HydraConfig.get()
    configure_devices(job_threads(config.trainer.threads, hydra_cfg.launcher), config.trainer.gpu_memory_growth)
    from vaecli.train.loop import train

    run_dir = Path(hydra_cfg.runtime.output_dir)
    final = train(config, run_dir)
    if config.trainer.eval_at_end:
        from vaecli.evaluate.collapse import collapse_note
        from vaecli.evaluate.finished_run import evaluate_run

        metrics = evaluate_run(run_dir, config.eval)["metrics"]
        if note := collapse_note([final], metrics):
            log.warning(note)
        final = {**final, **metrics}
    log.info(f"finished: {run_dir}")  # the folder again, after the many lines of training and eval
    return float(final.get(config.sweep_metric, float("nan")))


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
    saved = run_dir / ".hydra" / "overrides.yaml"
    if not run_dir.is_dir():
        raise ConfigError(f"resume={resume[-1]} is not a folder; pass a run folder under outputs/")
    if not saved.is_file():
        raise DataError(f"resume={resume[-1]} is not a vaecli run folder (no .hydra/overrides.yaml); pass a run folder under outputs/")
    new = [a for a in args if not a.startswith("resume=")]
    new_keys = {_key(a) for a in new if "=" in a}
    earlier = [a for a in OmegaConf.load(saved) if _key(a) not in new_keys and not a.startswith("resume=")]
    return [*earlier, *new, f"resume={run_dir}", f"hydra.run.dir={run_dir}"]  # quote_paths quotes them


def _key(override: str) -> str:
    return override.split("=", 1)[0].lstrip("+~")
