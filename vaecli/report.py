"""`vae report`: one self-contained HTML page comparing every run found under some folders.

The page embeds its images (as small PNG thumbnails), so it can be mailed or committed; each
thumbnail links to the full-size file in the run folder, relative to the page.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import io
import json
import os
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib.pyplot as plt
from PIL import Image

from vaecli import plots
from vaecli.files import atomic_write_text
from vaecli.errors import ConfigError, DataError
from vaecli.history import read_metrics
from vaecli.metric_names import COLUMNS
from vaecli.report_sweeps import sweep_summary

SETTINGS = ["model", "dataset", "latent_dim", "variant", "train_size", "epochs"]


@dataclass
class Run:
    path: Path
    group: str  # the sweep folder, or "single runs"
    settings: dict
    seed: int
    history: list[dict]
    metrics: dict
    figures: dict[str, Path] = field(default_factory=dict)  # kind -> latest figure

    @property
    def values(self) -> dict:
        final = {k: v for k, v in (self.history[-1] if self.history else {}).items() if k.startswith("test/")}
        return {**final, **{k: v for k, v in self.metrics.items() if isinstance(v, (int, float))}}

    @property
    def configuration(self) -> tuple:
        return (self.group, *(str(self.settings.get(key)) for key in SETTINGS))


def find_runs(folders: list[Path]) -> list[Run]:
    """Every run folder (a config.yaml beside a metrics.csv) under the given folders."""
    runs = []
    for folder in folders:
        if not folder.is_dir():
            raise ConfigError(f"dirs: {folder} is not a folder; pass folders that hold vaecli runs, e.g. dirs=[outputs]")
        for config in sorted(folder.rglob("config.yaml")):
            if config.parent.name != ".hydra" and (config.parent / "metrics.csv").is_file():
                runs.append(_load_run(config.parent))
    return runs


def _load_run(path: Path) -> Run:
    from vaecli.config_store import load_train_config

    cfg = load_train_config(path / "config.yaml")
    settings = {
        "model": cfg.model.name,
        "dataset": cfg.dataset.name,
        "latent_dim": cfg.latent_dim,
        "variant": variant(cfg),
        "train_size": cfg.dataset.train_size or "all",
        "epochs": cfg.trainer.epochs,
    }
    metrics_path = path / "metrics.json"
    metrics = json.loads(metrics_path.read_text())["metrics"] if metrics_path.is_file() else {}
    figures = {}
    for kind in plots.KINDS:
        found = sorted((path / "figures").glob(f"{kind}_epoch*.png"))
        if found:
            figures[kind] = found[-1]
    in_sweep = (path.parent / "multirun.yaml").is_file() or (path / "status.json").is_file()  # Optuna writes no multirun.yaml
    sweep = path.parent if in_sweep else None
    timing = [row["seconds"] for row in read_metrics(path / "timing.csv")]
    if timing:
        metrics = {**metrics, "epoch_seconds": statistics.median(timing)}  # the median: the first epoch also traces
    return Run(path, str(sweep) if sweep else "single runs", settings, int(cfg.seed), read_metrics(path / "metrics.csv"), metrics, figures)


def variant(cfg) -> str:
    """The options that tell runs of one objective apart: its own options, the likelihood and the network."""
    options = {k: v for k, v in dataclasses.asdict(cfg.model).items() if k != "name"}
    text = ", ".join(f"{k}={_compact(v)}" for k, v in options.items())
    return f"{text}; {cfg.likelihood.name}, {cfg.network.name}"


def _compact(value) -> str:
    if isinstance(value, dict):
        return "{" + ",".join(f"{k}={_compact(v)}" for k, v in value.items()) + "}"
    return f"{value:g}" if isinstance(value, float) else str(value)


def aggregate(runs: list[Run]) -> list[dict]:
    """One row per configuration (seeds pooled): settings, seeds, and per metric (mean, sd, n)."""
    rows: dict[tuple, dict] = {}
    for run in runs:
        row = rows.setdefault(run.configuration, {"group": run.group, **run.settings, "seeds": [], "runs": [], "values": {}})
        row["seeds"].append(run.seed)
        row["runs"].append(run)
        for key, value in run.values.items():
            row["values"].setdefault(key, []).append(float(value))
    for row in rows.values():
        row["summary"] = {
            key: (statistics.fmean(v), statistics.stdev(v) if len(v) > 1 else 0.0, len(v)) for key, v in row["values"].items()
        }
    return list(rows.values())


# ---------------------------------------------------------------- HTML


def write_report(folders: list[Path], out: Path, title: str = "vaecli runs", markdown: Path | None = None,
                 columns: list[str] | None = None) -> Path:
    runs = find_runs(folders)
    if not runs:
        raise DataError(f"no vaecli runs under {', '.join(map(str, folders))}; train some first (vae train ...) or pass dirs=[...]")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    configurations = aggregate(runs)
    sections = []
    for group in dict.fromkeys(row["group"] for row in configurations):
        cards = "".join(_card(row, out.parent) for row in configurations if row["group"] == group)
        if group == "single runs":
            sections.append(f"<section><h2>{group}</h2>{cards}</section>")
        else:
            heading = html.escape(_relative(Path(group), out.parent))
            sections.append(f"<section><h2>{heading}</h2>{sweep_summary(Path(group))}{cards}</section>")
    page = TEMPLATE.format(
        title=html.escape(title),
        generated=time.strftime("%Y-%m-%d %H:%M"),
        n_runs=len(runs),
        n_configurations=len(configurations),
        summary=_summary_table(configurations),
        runs_table=_runs_table(runs, out.parent),
        sections="".join(sections),
    )
    atomic_write_text(out, page)
    if markdown is not None:
        atomic_write_text(Path(markdown), markdown_table(configurations, columns))
    return out


def markdown_table(configurations: list[dict], keys: list[str] | None = None) -> str:
    """The configurations table as Markdown: mean ± sd over seeds, n seeds per row; `keys` picks the metric columns."""
    known = {key for key, _, _ in COLUMNS}
    unknown = [key for key in keys or [] if key not in known]
    if unknown:
        raise ConfigError(f"columns: {', '.join(unknown)} not known; choose from {', '.join(sorted(known))}")
    columns = [(key, label, better) for key, label, better in COLUMNS
               if (keys is None or key in keys) and any(key in row["summary"] for row in configurations)]
    labels = (label.replace("|", r"\|") for _, label, _ in columns)  # |code mean| must not split a cell
    head = ["group", *SETTINGS, "seeds", *(f"{label} {'↑' if better == 'higher' else '↓'}" for label, (_, _, better) in zip(labels, columns))]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in configurations:
        cells = ["single" if row["group"] == "single runs" else Path(row["group"]).name, *(str(row[k]) for k in SETTINGS),
                 str(len(row["seeds"]))]
        for key, _, _ in columns:
            if key in row["summary"]:
                cells.append(_mean_sd(*row["summary"][key]))
            else:
                cells.append("–")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _summary_table(configurations: list[dict]) -> str:
    head = "".join(f"<th>{name}</th>" for name in ["group", *SETTINGS, "seeds"])
    head += "".join(f'<th title="{better} is better">{html.escape(label)} {"↑" if better == "higher" else "↓"}</th>' for _, label, better in COLUMNS)
    body = []
    for row in configurations:
        group = "single" if row["group"] == "single runs" else Path(row["group"]).name
        cells = [_text_cell(group)] + [_text_cell(row[key]) for key in SETTINGS] + [_text_cell(",".join(map(str, sorted(row["seeds"]))))]
        for key, _, _ in COLUMNS:
            if key in row["summary"]:
                mean = row["summary"][key][0]
                cells.append(f'<td data-value="{mean:.10g}">{_mean_sd(*row["summary"][key])}</td>')
            else:
                cells.append('<td data-value="">–</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table class="sortable" id="summary"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def _runs_table(runs: list[Run], base: Path) -> str:
    head = "".join(f"<th>{name}</th>" for name in ["run", *SETTINGS, "seed"])
    head += "".join(f"<th>{html.escape(label)}</th>" for _, label, _ in COLUMNS)
    body = []
    for run in runs:
        link = f'<a href="{html.escape(_relative(run.path, base))}/">{html.escape(run.path.name)}</a>'
        cells = [f'<td data-value="{html.escape(run.path.name)}">{link}</td>'] + [_text_cell(run.settings[k]) for k in SETTINGS] + [_text_cell(run.seed)]
        values = run.values
        cells += [f'<td data-value="{values[k]:.10g}">{_fmt(values[k])}</td>' if k in values else '<td data-value="">–</td>' for k, _, _ in COLUMNS]
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table class="sortable" id="runs"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def _card(row: dict, base: Path) -> str:
    run = sorted(row["runs"], key=lambda r: r.seed)[0]  # figures of the lowest seed stand for the configuration
    settings = ", ".join(f"{k}={row[k]}" for k in SETTINGS)
    figures = "".join(
        f'<figure><a href="{html.escape(_relative(path, base))}"><img class="{kind}" alt="{kind}" src="{_thumbnail(path)}"></a>'
        f"<figcaption>{kind} ({path.stem.split('_epoch')[-1].lstrip('0') or '0'} epochs)</figcaption></figure>"
        for kind, path in run.figures.items()
    )
    if run.history:
        fig = plots.training_curves(run.history, f"seed {run.seed}")
        figures += f'<figure><img class="curves" alt="curves" src="{_figure_data(fig)}"><figcaption>training curves</figcaption></figure>'
    links = " · ".join(
        f'<a href="{html.escape(_relative(r.path, base))}/">seed {r.seed}</a>' for r in sorted(row["runs"], key=lambda r: r.seed)
    )
    return f'<div class="card"><h3>{html.escape(settings)}</h3><p>runs: {links}</p><div class="figures">{figures}</div></div>'


def _thumbnail(path: Path, width: int = 660) -> str:
    with Image.open(path) as image:
        image.thumbnail((width, width * 2))
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _figure_data(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=60)
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _relative(path: Path, base: Path) -> str:
    return os.path.relpath(Path(path).resolve(), Path(base).resolve())


def _text_cell(value) -> str:
    return f'<td data-value="{html.escape(str(value))}">{html.escape(str(value))}</td>'


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def _mean_sd(mean: float, sd: float, n: int) -> str:
    return _fmt(mean) + (f" ± {sd:.2g}" if n > 1 else "")  # two digits of spread are all three seeds can tell


TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; }}
table {{ border-collapse: collapse; font-size: 0.8rem; margin-bottom: 2rem; }}
th, td {{ border: 1px solid #ccc; padding: 0.25rem 0.45rem; text-align: right; white-space: nowrap; }}
th {{ background: #f0f0f0; cursor: pointer; position: sticky; top: 0; }}
th.asc::after {{ content: " ▲"; }} th.desc::after {{ content: " ▼"; }}
td:first-child, th:first-child {{ text-align: left; }}
.card {{ border: 1px solid #ddd; border-radius: 6px; padding: 0.5rem 1rem; margin: 1rem 0; }}
.figures {{ display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: flex-start; }}
figure {{ margin: 0; }} figure img {{ display: block; width: 320px; }}
figure img.reconstructions {{ width: 660px; }} figure img.curves {{ width: auto; }}
figcaption {{ font-size: 0.75rem; color: #555; }}
.scroll {{ overflow-x: auto; }}
</style></head>
<body>
<h1>{title}</h1>
<p>{n_runs} runs in {n_configurations} configurations; generated {generated} by <code>vae report</code>.
Click a column to sort; ↑/↓ say which direction is better. Values with ± are the mean and standard deviation over seeds.</p>
<h2>Configurations (seeds averaged)</h2><div class="scroll">{summary}</div>
<h2>All runs</h2><div class="scroll">{runs_table}</div>
{sections}
<script>
document.querySelectorAll("table.sortable").forEach(function (table) {{
  table.querySelectorAll("th").forEach(function (th, column) {{
    th.addEventListener("click", function () {{
      var ascending = !th.classList.contains("asc");
      table.querySelectorAll("th").forEach(function (other) {{ other.classList.remove("asc", "desc"); }});
      th.classList.add(ascending ? "asc" : "desc");
      var body = table.tBodies[0];
      var rows = Array.from(body.rows);
      rows.sort(function (a, b) {{
        var x = a.cells[column].dataset.value, y = b.cells[column].dataset.value;
        if (x === "" || y === "") return (x === "") - (y === "");
        var nx = Number(x), ny = Number(y);
        var order = (isNaN(nx) || isNaN(ny)) ? x.localeCompare(y) : nx - ny;
        return ascending ? order : -order;
      }});
      rows.forEach(function (row) {{ body.appendChild(row); }});
    }});
  }});
}});
</script>
</body></html>
"""
