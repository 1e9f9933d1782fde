"""The report's view of a sweep folder: how its jobs went, and an Optuna study's results.

Failed jobs leave no metrics, so the run tables cannot show them; their status files
(vaecli.run.status) can. An Optuna sweep adds the sweeper's optimization_results.yaml (best
parameters and value) and vaecli's trials.csv (every trial of the study).
"""

from __future__ import annotations

import csv
import html
from pathlib import Path

from omegaconf import OmegaConf

from vaecli.run import names
from vaecli.run import status


def sweep_summary(sweep_dir: Path) -> str:
    """HTML for the top of a sweep's section: job states, failed jobs, the Optuna study."""
    parts = [_jobs(sweep_dir)]
    best = sweep_dir / "optimization_results.yaml"
    if best.is_file():
        parts.append(_best(OmegaConf.to_container(OmegaConf.load(best))))
    trials = sweep_dir / names.TRIALS
    if trials.is_file():
        parts.append(_trials(trials))
    return "".join(parts)


def _jobs(sweep_dir: Path) -> str:
    statuses = status.of_sweep(sweep_dir)
    if not statuses:
        return ""
    unfinished = "".join(f"<li><code>{html.escape(folder.name)}</code>: {html.escape(job.error or '')}</li>"
                     for folder, job in statuses.items() if job.state != "finished")
    return f'<p class="jobs">{html.escape(status.summary(statuses))}</p>' + (f"<ul class=\"failed\">{unfinished}</ul>" if unfinished else "")


def _best(results: dict) -> str:
    params = ", ".join(f"{html.escape(str(k))}={html.escape(str(v))}" for k, v in (results.get("best_params") or {}).items())
    return f'<p class="optuna">Optuna best: <b>{results.get("best_value")}</b> with {params}</p>'


def _trials(path: Path) -> str:
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    if len(rows) < 2:
        return ""
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in rows[1:])
    return (f'<details><summary>Optuna trials ({len(rows) - 1})</summary>'
            f'<table class="sortable trials"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></details>')
