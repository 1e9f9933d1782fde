"""Time to quality: when a run reached its best validation value, and the table over runs.

`vae bench time_to_quality=[DIR ...]` prints the table; docs/results/collect.sh keeps it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from vaecli.errors import DataError
from vaecli.run.folder import RunFolder


def _monitor(run_dir: Path) -> tuple[str, bool]:
    """The validation metric of a run's objective, and whether higher is better (the registry's answer)."""
    from vaecli.models.objectives import get

    cfg = RunFolder(run_dir).read_config()
    part, higher = get(cfg.model.name).monitor(cfg.model)
    return f"val/{part}", higher


def time_to_quality(run_dir: Path, metric: str, higher_is_better: bool, target: float | None = None,
                    patience: int = 3) -> dict:
    """When a run reached its quality, in wall seconds of training (timing.csv), read from a validation metric.

    best: the best value of `metric` and the epoch and cumulative seconds at which it came;
    early_stop: where early stopping with `patience` epochs would have stopped (and its best so far);
    target: the first epoch and seconds at which `metric` reached `target`, if given (None if never).
    """

    folder = RunFolder(run_dir)
    rows = folder.read_history()
    elapsed = np.cumsum([row["seconds"] for row in folder.read_timing()])
    values = np.array([row[metric] for row in rows]) * (1 if higher_is_better else -1)  # larger is better below
    best = int(np.argmax(values))
    stop, best_so_far = len(values) - 1, 0
    for epoch in range(1, len(values)):
        if values[epoch] > values[best_so_far]:
            best_so_far = epoch
        elif epoch - best_so_far >= patience:
            stop = epoch
            break
    sign = 1 if higher_is_better else -1
    result: dict[str, Any] = {
        "best": {"value": sign * values[best], "epoch": best + 1, "seconds": round(float(elapsed[best]), 1)},
        "early_stop": {"epoch": stop + 1, "seconds": round(float(elapsed[stop]), 1),
                       "best_epoch": best_so_far + 1, "value": sign * values[best_so_far]},
    }
    if target is not None:
        reached = np.flatnonzero(values >= sign * target)
        result["target"] = None if not len(reached) else {"epoch": int(reached[0]) + 1, "seconds": round(float(elapsed[reached[0]]), 1)}
    return result


def time_to_quality_table(folders: list[Path]) -> str:
    """Markdown: for every run under the folders, when its validation metric reached its quality.

    The metric is each objective's own measure of quality (the validation ELBO for stochastic
    encoders, the validation loss for deterministic ones: `Objective.monitor`); the target of each
    model is the best validation value that Keydana's settings (learning rate 1e-4, batch 100)
    reached among these runs.
    """
    from vaecli.report import find_runs

    runs = [run for run in find_runs(folders) if any("val/loss" in row for row in run.history)]
    if not runs:
        raise DataError(f"no finished runs with a validation split under {', '.join(map(str, folders))}")
    targets: dict[str, Any] = {}
    for run in runs:
        trainer = RunFolder(run.path).read_config().trainer
        run.settings.update(learning_rate=trainer.learning_rate, batch_size=trainer.batch_size)
        metric, higher = _monitor(run.path)
        if trainer.learning_rate == 1e-4 and trainer.batch_size == 100:
            best = time_to_quality(run.path, metric, higher)["best"]["value"]
            previous = targets.get(run.settings["model"], best)
            targets[run.settings["model"]] = max(best, previous) if higher else min(best, previous)
    lines = ["| model | learning rate | batch | epochs | best val (epoch, s) | reaches lr 1e-4's best at (epoch, s) "
             "| early stop, patience 3 (epoch, s) | test at best val epoch |", "|" + "---|" * 8]
    for run in runs:
        model = run.settings["model"]
        metric, higher = _monitor(run.path)
        ttq = time_to_quality(run.path, metric, higher, targets.get(model))
        test = run.history[ttq["best"]["epoch"] - 1][metric.replace("val/", "test/")]
        reach = "never" if ttq.get("target") is None else f"{ttq['target']['epoch']}, {ttq['target']['seconds']:.0f}"
        lines.append(
            f"| {model} | {run.settings['learning_rate']:g} | {run.settings['batch_size']} | {len(run.history)} "
            f"| {ttq['best']['value']:.4g} ({ttq['best']['epoch']}, {ttq['best']['seconds']:.0f}) | {reach} "
            f"| {ttq['early_stop']['epoch']}, {ttq['early_stop']['seconds']:.0f} | {test:.4g} |"
        )
    return "\n".join(lines)
