"""The report's view of a sweep folder: how its jobs went, and an Optuna study's results.

Failed jobs leave no metrics, so the run tables cannot show them; their status files
(vaecli.run.status) can. An Optuna sweep adds the sweeper's optimization_results.yaml (best
parameters and value), vaecli's trials.csv (every trial) and the study's storage (report/study.py:
history, parameters, importances), each read through the run package (vaecli/run/sweep_folder.py). A file here
that cannot be read is named, and the rest shows.
"""

from __future__ import annotations

import html
import logging
from pathlib import Path

from vaecli.run import status
from vaecli.run.damaged_file import DamagedFile
from vaecli.run.sweep_folder import SweepFolder

from . import study as optuna_study

log = logging.getLogger(__name__)


def sweep_summary(sweep_dir: Path, specs: dict, objective: str = "objective") -> str:
    """HTML for the top of a sweep's section: job states, failed jobs, the Optuna study; its charts go into `specs`."""
    sweep = SweepFolder(sweep_dir)
    parts = [_jobs(sweep)]
    for path, show in ((sweep.folder.optuna_results, lambda: _best(sweep.best())),
                       (sweep.folder.trials, lambda: _trials(sweep.trials())),
                       (sweep.folder.optuna_storage, lambda: _studies(optuna_study.load(sweep), specs, objective))):
        if path.is_file():
            try:
                parts.append(show())
            except Exception as error:  # noqa: BLE001 - a damaged file may fail in any library's way; it is named
                log.warning(f"report: {path} could not be read: {error}")
                reason = error.reason if isinstance(error, DamagedFile) else \
                    f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
                parts.append(f'<p class="damaged">could not read <code>{html.escape(path.name)}</code>: {html.escape(reason)}</p>')
    return "".join(parts)


def _studies(studies: list, specs: dict, objective: str) -> str:
    out = []
    for number, found in enumerate(studies):
        key = f"study-{len(specs)}-{number}"
        charts = {f"{key}-history": optuna_study.history(found, objective),
                  f"{key}-params": optuna_study.parameters(found, objective),
                  f"{key}-importances": optuna_study.importances(found)}
        divs = []
        for name, spec in charts.items():
            if spec is not None:
                specs[name] = spec
                divs.append(f'<div class="vega study" id="{name}" data-spec="spec-{name}"></div>')
        note = f'<p class="hint">{html.escape(found.note)}</p>' if found.note else ""
        finished = sum(t["state"] == "COMPLETE" for t in found.trials)
        out.append(f'<div class="optuna-study"><h3>Optuna study {html.escape(found.name)}: {len(found.trials)} trials, '
                   f'{finished} finished, {html.escape(found.direction)} {html.escape(objective)}</h3>'
                   f'<div class="charts study-charts">{"".join(divs)}</div>{note}</div>')
    return "".join(out)


def _jobs(sweep: SweepFolder) -> str:
    statuses = sweep.jobs()
    if not statuses:
        return ""
    unfinished = "".join(f"<li><code>{html.escape(folder.name)}</code>: {html.escape(job.error or '')}</li>"
                     for folder, job in statuses.items() if job.state != "finished")
    return f'<p class="jobs">{html.escape(status.summary(statuses))}</p>' + (f"<ul class=\"failed\">{unfinished}</ul>" if unfinished else "")


def _best(results: dict | None) -> str:
    results = results or {}
    params = ", ".join(f"{html.escape(str(k))}={html.escape(str(v))}" for k, v in (results.get("best_params") or {}).items())
    return f'<p class="optuna">Optuna best: <b>{html.escape(str(results.get("best_value")))}</b> with {params}</p>'


def _trials(rows: list[list[str]] | None) -> str:
    if not rows or len(rows) < 2:
        return ""
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in rows[1:])
    return (f'<details><summary>Optuna trials ({len(rows) - 1})</summary>'
            f'<table class="sortable trials"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></details>')
