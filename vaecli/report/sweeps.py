"""The report's view of a sweep folder: how its jobs went, and an Optuna study's results.

Failed jobs leave no metrics, so the run tables cannot show them; their status files
(vaecli.run.status) can. An Optuna sweep adds the sweeper's optimization_results.yaml (best
parameters and value), vaecli's trials.csv (every trial) and the study's storage (report/study.py:
history, parameters, importances). A file here that cannot be read is named, and the rest shows.
"""

from __future__ import annotations

import csv
import html
import logging
from pathlib import Path

from omegaconf import OmegaConf

from vaecli.run import names, status
from vaecli.run.yaml_reader import load_yaml

from . import study as optuna_study

log = logging.getLogger(__name__)


def _mapping(node) -> dict:
    """A YAML record read back as a plain dict ({} for a list: no best parameters to show)."""
    container = OmegaConf.to_container(node)
    return container if isinstance(container, dict) else {}


def sweep_summary(sweep_dir: Path, specs: dict, objective: str = "objective") -> str:
    """HTML for the top of a sweep's section: job states, failed jobs, the Optuna study; its charts go into `specs`."""
    parts = [_jobs(sweep_dir)]
    for name, reader in ((names.OPTUNA_RESULTS, lambda p: _best(_mapping(load_yaml(p)))),
                         (names.TRIALS, _trials),
                         (names.OPTUNA_STORAGE, lambda p: _studies(optuna_study.load(sweep_dir), specs, objective, sweep_dir))):
        path = sweep_dir / name
        if path.is_file():
            try:
                parts.append(reader(path))
            except Exception as error:  # noqa: BLE001 - a damaged file may fail in any library's way; it is named
                log.warning(f"report: {path} could not be read: {error}")
                parts.append(f'<p class="damaged">could not read <code>{html.escape(name)}</code>: '
                             f"{html.escape(type(error).__name__)}: {html.escape(str(error).splitlines()[0] if str(error) else '')}</p>")
    return "".join(parts)


def _studies(studies: list, specs: dict, objective: str, sweep_dir: Path) -> str:
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


def _jobs(sweep_dir: Path) -> str:
    statuses = status.of_sweep(sweep_dir)
    if not statuses:
        return ""
    unfinished = "".join(f"<li><code>{html.escape(folder.name)}</code>: {html.escape(job.error or '')}</li>"
                     for folder, job in statuses.items() if job.state != "finished")
    return f'<p class="jobs">{html.escape(status.summary(statuses))}</p>' + (f"<ul class=\"failed\">{unfinished}</ul>" if unfinished else "")


def _best(results: dict) -> str:
    params = ", ".join(f"{html.escape(str(k))}={html.escape(str(v))}" for k, v in (results.get("best_params") or {}).items())
    return f'<p class="optuna">Optuna best: <b>{html.escape(str(results.get("best_value")))}</b> with {params}</p>'


def _trials(path: Path) -> str:
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    if len(rows) < 2:
        return ""
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in rows[1:])
    return (f'<details><summary>Optuna trials ({len(rows) - 1})</summary>'
            f'<table class="sortable trials"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></details>')
