"""The report's tables: configurations (seeds pooled) and runs, as HTML and as Markdown.

Only metrics that some run measured get a column. The key ones (KEY, or the user's `columns`) are
shown; the rest are folded away behind the column picker, so the page fits a 1400-px window. The
better value of each column (metric_names' direction) is marked.
"""

from __future__ import annotations

import html
import math
import os
from collections.abc import Sequence
from pathlib import Path

from vaecli.errors import ConfigError
from vaecli.evaluate.metric_names import COLUMNS, OBJECTIVE_SETTINGS, OWN_SCALE

from .images import href
from .runs import KINDS, SETTINGS, Entry, kind_settings, plural, varying

# What answers the project's question (how an objective shapes the latent space): the fit, how well the
# code separates classes, how close it is to the prior, how good the samples are, and, on datasets with
# known factors, the disentanglement scores. Everything else measured is one click away.
KEY = ["test/loss", "elbo", "knn5_accuracy", "probe_accuracy", "prior_mmd", "frechet_distance",
       "mig", "sap", "dci_disentanglement", "factor_vae_score"]
BETTER = {"higher": max, "lower": min}


def measured(rows: list[dict], keys: list[str] | None = None) -> list[tuple[str, str, str]]:
    """The COLUMNS (key, label, better) that some row has a value for; `keys` picks among them."""
    known = {key for key, _, _ in COLUMNS}
    unknown = [key for key in keys or [] if key not in known]
    if unknown:
        raise ConfigError(f"columns: {', '.join(unknown)} not known; choose from {', '.join(sorted(known))}")
    return [(key, label, better) for key, label, better in COLUMNS
            if (keys is None or key in keys) and any(key in row for row in rows)]


def markdown_table(configurations: list[dict], keys: list[str] | None = None) -> str:
    """The configurations table as Markdown: mean ± sd over seeds, n seeds per row; `keys` picks the metric columns."""
    columns = measured([row["summary"] for row in configurations], keys)
    labels = (label.replace("|", r"\|") for _, label, _ in columns)  # |code mean| must not split a cell
    head = ["group", *SETTINGS, "seeds", *(f"{label} {_arrow(better)}" for label, (_, _, better) in zip(labels, columns))]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in configurations:
        cells = [_group(row["group"]), *(_setting(row[k]) for k in SETTINGS), str(len(row["seeds"]))]
        cells += [_mean_sd(*row["summary"][key]) if key in row["summary"] else "–" for key, _, _ in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def shared_settings(runs: list[Entry]) -> str:
    """One line naming what every run shares, so that the tables need columns only for what differs; and what the
    runs of one kind share where the others have no such setting (the VAE runs' epochs beside maps)."""
    _, same = varying(runs)
    text = ", ".join(f"{key}={value}" for key, value in same.items())
    for kind, values in kind_settings(runs).items():
        text += f"; the {KINDS.get(kind, kind)} " + ", ".join(f"{key}={value}" for key, value in values.items())
    return text


def configurations_table(configurations: list[dict], runs: list[Entry], shown: list[str] | None) -> str:
    differ, _ = varying(runs)
    columns = measured([row["summary"] for row in configurations])
    means = [{key: mean for key, (mean, _, _) in row["summary"].items()} for row in configurations]
    best = _best(means, columns, differ)
    head = _th("configuration", "run") + _th("seeds", title="replicates: runs pooled into this row")
    head += "".join(_metric_th(column, shown, _mixed(differ)) for column in columns)
    body = []
    for row, values in zip(configurations, means):
        seeds = sorted(row["seeds"])
        title = f"{plural(len(seeds), 'seed')}: {', '.join(map(str, seeds))}"
        first = runs.index(min(row["runs"], key=lambda run: run.seed))  # its lowest seed stands for it in the comparison
        cells = [_name_cell(row, differ, first), f'<td data-value="{len(seeds)}" title="{title}" class="seeds">{len(seeds)}</td>']
        for key, _, _ in columns:
            text = _mean_sd(*row["summary"][key]) if key in row["summary"] else "–"
            if diverged := row.get("diverged", {}).get(key):  # left out of mean ± sd (runs.aggregate)
                text = f"{text} ({len(diverged)} diverged, left out)" if key in row["summary"] else "diverged"
            cells.append(_value_cell(key, values.get(key), text, best, shown))
        body.append("<tr>" + "".join(cells) + "</tr>")
    return _table("summary", head, body)


def runs_table(runs: list[Entry], labels: list[str], base: Path, shown: list[str] | None, config_keys: Sequence[str] = ()) -> str:
    """Every run, named by its label and linked to its folder; the tick box in its first cell puts it into the comparison.

    Beside the settings that differ: each config value that differs between runs (`config_keys`, e.g. an Optuna
    study's parameters), the run's state (status.json) when some run has one, and the metrics. Every cell
    carries its value in data-value, and every column its key in data-key, for sorting and filtering on the page.
    """
    differ, _ = varying(runs)
    columns = measured([run.values for run in runs])
    best = _best([run.values for run in runs], columns, differ)
    mixed = _mixed(differ)
    states = any(run.state for run in runs)
    head = _th("run", "run", key="run") + "".join(_th(name, key=name) for name in differ if name != "variant")
    head += "".join(_th(html.escape(key), key=key, title=html.escape(key)) for key in config_keys) + _th("seed", key="seed")
    head += _th("status", key="status", title="the run's state: running, finished, failed or interrupted") if states else ""
    head += "".join(_metric_th(column, shown, mixed) for column in columns)
    body = []
    for index, (run, label) in enumerate(zip(runs, labels)):
        link = f'<a href="{html.escape(href(run.path, base))}/" title="{html.escape(run.path.name)}">{html.escape(label)}</a>'
        tick = f'<input type="checkbox" class="pick" value="{index}" title="compare this run">'
        damaged = ' <span class="damaged" title="a file could not be read: see its card">⚠</span>' if run.problems else ""
        cells = [f'<td class="run" data-value="{html.escape(label)}">{tick} {link}{damaged}</td>']
        cells += [_setting_cell(run.settings[name]) for name in differ if name != "variant"]
        cells += [_config_cell(run.config.get(key)) for key in config_keys] + [_text_cell(run.seed)]
        cells += [_text_cell(run.state or "")] if states else []
        cells += [_value_cell(key, run.values.get(key), _fmt(run.values[key]) if key in run.values else "–", best, shown)
                  for key, _, _ in columns]
        body.append(f'<tr id="run-row-{index}">' + "".join(cells) + "</tr>")
    return _table("runs", head, body)


def column_picker(runs: list[Entry], shown: list[str] | None) -> str:
    """Tick boxes that show or hide the metric columns of both tables."""
    boxes = "".join(
        f'<label><input type="checkbox" class="column" value="{html.escape(key)}"{" checked" if _is_shown(key, shown) else ""}>'
        f" {html.escape(label)}</label> "
        for key, label, _ in measured([run.values for run in runs]))
    return f'<details class="columns"><summary>columns</summary>{boxes}</details>'


def relative(path: Path, base: Path) -> str:
    return os.path.relpath(Path(path).resolve(), Path(base).resolve())


def _mixed(differ: list[str]) -> bool:
    """Whether the runs differ in objective or likelihood (the variant names the likelihood)."""
    return any(name in differ for name in (*OBJECTIVE_SETTINGS, "variant"))


def _best(rows: list[dict], columns, differ) -> dict[str, float]:
    """key -> the best value over the rows, for columns with at least two finite values to compare; a column in
    each objective's own units (a loss) only when the rows share their objective and likelihood."""
    best = {}
    mixed = _mixed(differ)
    for key, _, better in columns:
        if mixed and key in OWN_SCALE:
            continue
        found = [row[key] for row in rows if key in row and math.isfinite(row[key])]
        if len(found) > 1:
            best[key] = BETTER[better](found)
    return best


def _is_shown(key: str, shown: list[str] | None) -> bool:
    return key in (KEY if shown is None else shown)


def _metric_th(column, shown, mixed: bool = False) -> str:
    """A metric's header; a column in each objective's own units says so when the rows mix objectives."""
    key, label, better = column
    hidden = "" if _is_shown(key, shown) else " hidden"
    own = mixed and key in OWN_SCALE
    title = f"{better} is better" + ("; in each objective's own units: not comparable across objectives" if own else "")
    note = ' <span class="units">(own units)</span>' if own else ""
    return (f'<th data-col="{html.escape(key)}" data-key="{html.escape(key)}" title="{title}"{hidden}>'
            f"{html.escape(label)} {_arrow(better)}{note}</th>")


def _value_cell(key: str, value, text: str, best: dict, shown) -> str:
    data = "" if value is None else f"{value:.10g}"
    mark = ' class="best" title="best in this column"' if value is not None and best.get(key) == value else ""
    hidden = "" if _is_shown(key, shown) else " hidden"
    return f'<td data-col="{html.escape(key)}" data-value="{data}"{mark}{hidden}>{text}</td>'


def _name_cell(row: dict, differ: list[str], run: int) -> str:
    name = " · ".join(f"{key}={row[key]}" if key != "model" else str(row[key]) for key in differ
                      if key != "variant" and row[key] is not None)  # a map has no epochs: not "epochs=None"
    name = " · ".join(filter(None, [name, *(f"{key}={_short(value)}" for key, value in row.get("config", {}).items())]))
    name = name or str(row["model"])
    tick = f'<input type="checkbox" class="pick-configuration" value="{run}" title="compare its lowest seed">'
    return (f'<td class="run" data-value="{html.escape(name)}" title="{html.escape(name)}">{tick} {html.escape(name)}'
            f'<div class="variant" title="{html.escape(row["variant"])}">{html.escape(row["variant"])}</div></td>')


def _th(name: str, cls: str = "", title: str = "", key: str = "") -> str:
    attributes = (f' class="{cls}"' if cls else "") + (f' title="{title}"' if title else "")
    attributes += f' data-key="{html.escape(key)}"' if key else ""
    return f"<th{attributes}>{name}</th>"


def _table(name: str, head: str, body: list[str]) -> str:
    return (f'<div class="scroll"><table class="sortable" id="{name}"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


def _short(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _config_cell(value) -> str:
    text = "" if value is None else (f"{value:.4g}" if isinstance(value, float) else str(value))
    data = f"{value:.10g}" if isinstance(value, float) else ("" if value is None else str(value))
    return f'<td data-value="{html.escape(data)}">{html.escape(text)}</td>'


def _setting(value) -> str:
    return "–" if value is None else str(value)  # a setting the run's kind does not have (a map's epochs)


def _setting_cell(value) -> str:
    return '<td data-value="">–</td>' if value is None else _text_cell(value)


def _text_cell(value) -> str:
    return f'<td data-value="{html.escape(str(value))}">{html.escape(str(value))}</td>'


def _group(group: str) -> str:
    return "single" if group == "single runs" else Path(group).name


def _arrow(better: str) -> str:
    return "↑" if better == "higher" else "↓"


def _fmt(value: float) -> str:
    return f"{value:.4g}" if math.isfinite(value) else "diverged"  # nan or inf: the run's training diverged


def _mean_sd(mean: float, sd: float, n: int) -> str:
    return _fmt(mean) + (f" ± {sd:.2g}" if n > 1 else "")  # two digits of spread are all three seeds can tell
