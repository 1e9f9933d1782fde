"""`vae report`'s page: the tables, the comparison, a sweep's study, and a card per run.

embed=false (the default) keeps the page small for big studies: figures and animations are relative links to
the run folders' files, loaded as they scroll into view, and the Vega bundle and each run's latent view (its
hover images weigh about 0.4 MB a run) go into <page>_files/ beside the page, loaded when first shown.
embed=true writes one self-contained file, for sending a few runs to someone.
"""

from __future__ import annotations

import hashlib
import html
import time
from pathlib import Path
from typing import Any

from vaecli.errors import DataError
from vaecli.run.files import atomic_write_text

from . import charts, images
from .assets import CSS, JS, TABLE_JS
from .cards import card, damaged_list
from .runs import Entry, aggregate, config_columns, plural, scan, varying
from .sweeps import sweep_summary
from .tables import column_picker, configurations_table, markdown_table, measured, relative, runs_table, shared_settings

# The version of what draws a latent view: a change to this code makes new scripts beside the page.
_CODE = hashlib.sha1(b"".join(Path(str(module.__file__)).read_bytes() for module in (charts, images))).hexdigest()[:12]
OPEN_CARDS = 4  # up to this many runs, every run's card is open when the page opens; beyond, the cards start folded


def write_report(folders: list[Path], out: Path, title: str = "vaecli runs", markdown: Path | None = None,
                 columns: list[str] | None = None, embed: bool = False) -> Path:
    """The page over every run under `folders`; `columns` picks the metric columns shown (the rest fold away);
    `embed` puts every figure and script into the one file."""
    measured([], columns)  # an unknown column is an error before any work
    runs, damaged = scan(folders)
    if not runs:
        found = f" ({plural(len(damaged), 'damaged run')}: {damaged[0].path / damaged[0].file}: {damaged[0].reason})" if damaged else ""
        raise DataError(f"no vaecli runs under {', '.join(map(str, folders))}{found}; "
                        "train some first (vae train ...) or pass dirs=[...]")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    side = Sidecar(out, embed)
    configurations = aggregate(runs)
    if markdown is not None:
        atomic_write_text(Path(markdown), markdown_table(configurations, columns))
    labels = run_labels(runs)
    picked = _first_of_each(configurations, runs)
    specs = {"compare-curves": charts.curves(picked), "curves": charts.curves()}
    data = _page_data(runs, labels, side, specs)
    sections = []
    for group in dict.fromkeys(run.group for run in runs):
        cards = [card(index, run, labels[index], data["runs"][index], out.parent, embed, len(runs) <= OPEN_CARDS)
                 for index, run in enumerate(runs) if run.group == group]
        heading = group if group == "single runs" else _folder_name(Path(group), out.parent)
        summary = "" if group == "single runs" else sweep_summary(Path(group), specs, _objective(runs, group))
        sections.append(f"<section><h2>{html.escape(heading)}</h2>{summary}{''.join(cards)}</section>")
    runs_html = runs_table(runs, labels, out.parent, columns, config_columns(runs))
    for index in picked:
        runs_html = runs_html.replace(f'class="pick" value="{index}"', f'class="pick" value="{index}" checked', 1)
    shared = shared_settings(runs)
    page = PAGE.format(
        title=html.escape(title), css=CSS, js=JS, table_js=TABLE_JS, vega=side.script("vega", charts.javascript()),
        counts=f"{plural(len(runs), 'run')} in {plural(len(configurations), 'configuration')}",
        generated=time.strftime("%Y-%m-%d %H:%M"),
        shared=f" All share {html.escape(shared)}." if shared and len(runs) > 1 else "",
        damaged=damaged_list(damaged, runs, out.parent),
        picker=column_picker(runs, columns),
        summary=configurations_table(configurations, runs, columns),
        runs_table=runs_html,
        compare_hidden="" if len(runs) > 1 else " hidden",  # one run: nothing to compare it with
        sections="".join(sections),
        specs="".join(f'<script type="application/json" id="spec-{key}">{charts.script_json(spec)}</script>'
                      for key, spec in specs.items()),
        data=charts.script_json(data),
    )
    side.finish()
    atomic_write_text(out, page)
    return out


class Sidecar:
    """<page>_files/ beside the page (embed=false): scripts loaded by the page, written afresh each time."""

    def __init__(self, out: Path, embed: bool):
        self.embed, self.folder = embed, out.parent / f"{out.stem}_files"
        self.written: set[str] = set()

    def script(self, name: str, code: str) -> str:
        """A <script> element running `code`: inline, or from <page>_files/<name>.js."""
        if self.embed:
            return f"<script>{code}</script>"
        self._write(name, code)
        return f'<script src="{html.escape(self.folder.name)}/{name}.js"></script>'

    def spec(self, source: Path, build) -> tuple[str, dict | None]:
        """The latent view of `source` (a latent_points.npz, or a map's codes.npz): (its key, its spec if inline). Beside the page, its
        script is named by the file's path, size and time and by this code's version, and is reused while those
        hold: a report written again after a few more runs draws only theirs."""
        stat = Path(source).stat()
        key = "latent-" + hashlib.sha1(f"{Path(source).resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{_CODE}".encode()).hexdigest()[:16]
        if self.embed:
            return key, build()
        name = f"{key}.js"
        if not (self.folder / name).is_file():
            self._write(key, f"vaeSpec({charts.script_json(key)},{charts.script_json(build())});\n")
        self.written.add(name)
        return key, None

    def _write(self, name: str, text: str) -> None:
        self.folder.mkdir(exist_ok=True)
        atomic_write_text(self.folder / f"{name}.js", text)
        self.written.add(f"{name}.js")

    def finish(self) -> None:
        """Remove the scripts an earlier report wrote here and this one did not (a run removed since)."""
        if self.folder.is_dir():
            for stale in self.folder.glob("latent-*.js"):  # only what a report writes there
                if stale.name not in self.written:
                    stale.unlink()


def _page_data(runs: list[Entry], labels: list[str], side: Sidecar, specs: dict) -> dict:
    """What the script needs per run: its label, curves by column, its panels, and its latent view."""
    units = {_unit(run) for run in runs if run.history}
    entries = []
    for index, run in enumerate(runs):
        series = charts.curve_series(run.history)
        parts = sorted({key.split("/", 1)[1] for key in series["series"]})
        entry: dict[str, Any] = {"label": labels[index], "extent": None, "latent": None, "map": run.is_map,
                 "curves": series, "panels": charts.panels(parts, _unit(run), len(units) > 1)}
        if run.view is not None:
            points = charts.shown_points(run.points(), run.seed)  # checked readable when the run was found
            entry["extent"] = charts.extent(points)
            method = str(run.settings["model"]) if run.is_map else None
            key, spec = side.spec(run.view, lambda points=points, method=method: charts.latent(points, method))
            entry["latent"] = key if spec is None else None  # a script beside the page, or inline
            if spec is not None:
                specs[f"latent-{index}"] = spec
        entries.append(entry)
    return {"runs": entries, "side": None if side.embed else side.folder.name}


def _unit(run: Entry) -> str:
    """What a loss in this run's own units depends on: the objective and the likelihood."""
    return f"{run.settings['model']}, {run.config.get('likelihood.name', '?')}"


def _objective(runs: list[Entry], group: str) -> str:
    """The metric the sweep optimised (the jobs' sweep_metric), for the study's axis titles."""
    metrics = {run.config.get("sweep_metric") for run in runs if run.group == group}
    return str(metrics.pop()) if len(metrics) == 1 and None not in metrics else "objective"


def run_labels(runs: list[Entry]) -> list[str]:
    """A short name per run, for legends and the comparison: what differs between runs, and the seed."""
    differ, _ = varying(runs)
    labels = []
    for run in runs:
        parts = [str(run.settings[key]) if key == "model" else f"{key}={run.settings[key]}" for key in differ
                 if key != "variant" and run.settings[key] is not None]
        label = " · ".join([*(parts or [run.settings["model"]]), f"seed {run.seed}"])
        labels.append(label if label not in labels else f"{label} ({run.path.name})")
    return labels


def _folder_name(folder: Path, base: Path) -> str:
    """The sweep folder as the page's reader would find it: relative to the page, or its name if it holds the page."""
    name = relative(folder, base)
    return folder.resolve().name if name == "." else name


def _first_of_each(configurations: list[dict], runs: list[Entry]) -> list[int]:
    """Ticked when the page opens: the lowest seed of the first two configurations (nothing for a single one)."""
    if len(configurations) < 2:
        return []
    return [runs.index(min(row["runs"], key=lambda run: run.seed)) for row in configurations[:2]]


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>{css}</style></head>
<body>
<h1>{title}</h1>
<p>{counts}; generated {generated} by <code>vae report</code>.{shared}</p>
{damaged}
<p class="hint">Click a column to sort; ↑/↓ say which direction is better and the best value of each column is bold
on green. Values with ± are the mean and standard deviation over seeds. Filter the runs with words or conditions
such as <code>knn5_accuracy&gt;0.7 trainer.learning_rate&lt;0.001 mmd</code>. Tick 2–4 runs to compare them below;
click a figure to enlarge it; hover a point of a latent view to see its image and reconstruction.</p>
{picker}
<h2>Configurations (seeds averaged)</h2>{summary}
<h2>Runs</h2>
<p class="filter"><input type="search" id="filter" placeholder="filter: words, or key&gt;value, key&lt;value, key=value"
 size="60"> <span id="shown-count"></span> <span id="pager"></span></p>
{runs_table}
<script>{table_js}</script>
<section id="compare"{compare_hidden}><h2>Compare</h2>
<p class="hint" id="compare-hint">Tick two to four runs in the table above to see them side by side.</p>
<div id="compare-grid"></div><div id="compare-curves"></div></section>
{sections}
<div id="lightbox" hidden><img alt="enlarged figure"></div>
{specs}
<script type="application/json" id="report-data">{data}</script>
{vega}
<script>{js}</script>
</body></html>
"""
