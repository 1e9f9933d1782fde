"""`vae report`'s page: the tables, the comparison, and a card per run, in one self-contained HTML file."""

from __future__ import annotations

import html
import time
from pathlib import Path

import numpy as np

from vaecli.errors import DataError
from vaecli.run.files import atomic_write_text

from . import charts
from .assets import CSS, JS
from .images import file_uri
from .runs import Run, aggregate, find_runs, plural, varying
from .sweeps import sweep_summary
from .tables import column_picker, configurations_table, markdown_table, measured, relative, runs_table, shared_settings

OPEN_CARDS = 4  # up to this many runs, every run's card is open when the page opens; beyond, the cards start folded


def write_report(folders: list[Path], out: Path, title: str = "vaecli runs", markdown: Path | None = None,
                 columns: list[str] | None = None) -> Path:
    """The page over every run under `folders`; `columns` picks the metric columns shown (the rest fold away)."""
    measured([], columns)  # an unknown column is an error before any work
    runs = find_runs(folders)
    if not runs:
        raise DataError(f"no vaecli runs under {', '.join(map(str, folders))}; train some first (vae train ...) or pass dirs=[...]")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    configurations = aggregate(runs)
    if markdown is not None:
        atomic_write_text(Path(markdown), markdown_table(configurations, columns))
    labels = run_labels(runs)
    picked = _first_of_each(configurations, runs)
    latent = {index: _latent_points(run) for index, run in enumerate(runs)}
    specs = {"compare-curves": charts.curves(_all_curves(runs, labels), picked)}
    sections = []
    for group in dict.fromkeys(run.group for run in runs):
        cards = []
        for index, run in enumerate(runs):
            if run.group == group:
                cards.append(_card(index, run, labels[index], latent[index], specs, out.parent, len(runs) <= OPEN_CARDS))
        heading = group if group == "single runs" else _folder_name(Path(group), out.parent)
        summary = "" if group == "single runs" else sweep_summary(Path(group))
        sections.append(f"<section><h2>{html.escape(heading)}</h2>{summary}{''.join(cards)}</section>")
    data = {"runs": [{"label": labels[i], "extent": charts.extent(latent[i]) if latent[i] else None} for i in range(len(runs))]}
    runs_html = runs_table(runs, labels, out.parent, columns)
    for index in picked:
        runs_html = runs_html.replace(f'class="pick" value="{index}"', f'class="pick" value="{index}" checked', 1)
    shared = shared_settings(runs)
    page = PAGE.format(
        title=html.escape(title), css=CSS, js=JS, vega=charts.javascript(),
        counts=f"{plural(len(runs), 'run')} in {plural(len(configurations), 'configuration')}",
        generated=time.strftime("%Y-%m-%d %H:%M"),
        shared=f" All share {html.escape(shared)}." if shared and len(runs) > 1 else "",
        picker=column_picker(runs, columns),
        summary=configurations_table(configurations, runs, columns),
        runs_table=runs_html,
        sections="".join(sections),
        specs="".join(f'<script type="application/json" id="spec-{key}">{charts.script_json(spec)}</script>' for key, spec in specs.items()),
        data=charts.script_json(data),
    )
    atomic_write_text(out, page)
    return out


def run_labels(runs: list[Run]) -> list[str]:
    """A short name per run, for legends and the comparison: what differs between runs, and the seed."""
    differ, _ = varying(runs)
    labels = []
    for run in runs:
        parts = [str(run.settings[key]) if key == "model" else f"{key}={run.settings[key]}" for key in differ if key != "variant"]
        label = " · ".join([*(parts or [run.settings["model"]]), f"seed {run.seed}"])
        labels.append(label if label not in labels else f"{label} ({run.path.name})")
    return labels


def _folder_name(folder: Path, base: Path) -> str:
    """The sweep folder as the page's reader would find it: relative to the page, or its name if it holds the page."""
    name = relative(folder, base)
    return folder.resolve().name if name == "." else name


def _first_of_each(configurations: list[dict], runs: list[Run]) -> list[int]:
    """Ticked when the page opens: the lowest seed of the first two configurations (nothing for a single one)."""
    if len(configurations) < 2:
        return []
    return [runs.index(min(row["runs"], key=lambda run: run.seed)) for row in configurations[:2]]


def _all_curves(runs: list[Run], labels: list[str]) -> list[dict]:
    return [record for index, run in enumerate(runs) for record in charts.curve_records(index, labels[index], run.history)]


def _latent_points(run: Run) -> dict | None:
    if run.latent_points is None:
        return None
    keys = ("codes", "labels", "images", "reconstructions", "class_names")
    with np.load(run.latent_points, allow_pickle=False) as file:
        missing = [key for key in keys if key not in file.files]
        points = {key: file[key] for key in keys if key in file.files}
    if missing or points["codes"].ndim != 2 or points["codes"].shape[1] != 2:
        raise DataError(f"{run.latent_points}: expected arrays {', '.join(keys)} with codes of shape (N, 2) "
                        f"(vaecli.run.names.LATENT_POINTS); found {', '.join(f'{k} {v.shape}' for k, v in points.items())}")
    return points


def _card(index: int, run: Run, label: str, latent: dict | None, specs: dict, base: Path, open_: bool) -> str:
    figures = [(kind, path, f"{kind} ({path.stem.split('_epoch')[-1].lstrip('0') or '0'} epochs)")
               for kind, path in run.figures.items()]
    figures += [(f"animation:{path.stem}", path, f"{path.name} (animation)") for path in run.animations]
    figures_html = "".join(
        f'<figure class="figure" data-kind="{html.escape(kind)}"><img class="zoom {html.escape(kind.split(":")[0])}" '
        f'alt="{html.escape(kind)}" src="{file_uri(path)}"><figcaption>{html.escape(caption)}</figcaption></figure>'
        for kind, path, caption in figures)
    charts_html = ""
    if run.history:
        specs[f"curves-{index}"] = charts.curves(charts.curve_records(index, label, run.history))
        charts_html += f'<div class="vega curves" data-spec="spec-curves-{index}"></div>'
    if latent is not None:
        specs[f"latent-{index}"] = charts.latent(latent)
        charts_html = (f'<div class="vega latent" id="latent-{index}" data-spec="spec-latent-{index}" '
                       f'title="hover a point: its image and reconstruction"></div>') + charts_html
    link = f'<a href="{html.escape(relative(run.path, base))}/">{html.escape(run.path.name)}</a>'
    return (f'<details class="card" id="card-{index}"{" open" if open_ else ""}><summary>{html.escape(label)}</summary>'
            f'<p class="hint">folder: {link}</p><div class="charts">{charts_html}</div>'
            f'<div class="figures">{figures_html}</div></details>')


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>{css}</style></head>
<body>
<h1>{title}</h1>
<p>{counts}; generated {generated} by <code>vae report</code>.{shared}</p>
<p class="hint">Click a column to sort; ↑/↓ say which direction is better and the best value of each column is bold
on green. Values with ± are the mean and standard deviation over seeds. Tick 2–4 runs to compare them below; click a
figure to enlarge it; hover a point of a latent view to see its image and reconstruction.</p>
{picker}
<h2>Configurations (seeds averaged)</h2>{summary}
<h2>Runs</h2>{runs_table}
<section id="compare"><h2>Compare</h2>
<p class="hint" id="compare-hint">Tick two to four runs in the table above to see them side by side.</p>
<div id="compare-grid"></div><div id="compare-curves"></div></section>
{sections}
<div id="lightbox" hidden><img alt="enlarged figure"></div>
{specs}
<script type="application/json" id="report-data">{data}</script>
<script>{vega}</script>
<script>{js}</script>
</body></html>
"""
