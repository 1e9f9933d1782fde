"""A run's card on the page (its charts, figures, provenance and status), and the list of damaged runs."""

from __future__ import annotations

import html
from pathlib import Path

from .images import href, source
from .runs import Damaged, Entry
from .tables import relative

# run.json's keys, in the order the card shows them, with how each reads; a run shows whichever it has.
PROVENANCE = (("vaecli", "vaecli"), ("git", "git"), ("data_fingerprint", "data"), ("python", "python"),
              ("versions", "versions"), ("device", "device"), ("command", "command"))


def card(index: int, run: Entry, label: str, entry: dict, base: Path, embed: bool, open_: bool) -> str:
    """`entry` is the run's part of the page's data (report/page.py): whether it has curves and a latent view."""
    figures = [(kind, path, _caption(run, kind, path)) for kind, path in run.figures.items()]
    figures += [(f"animation:{path.stem}", path, f"{path.name} (animation)") for path in run.animations]
    lazy = "" if embed else ' loading="lazy"'  # linked figures load as they scroll into view
    figures_html = "".join(
        f'<figure class="figure" data-kind="{html.escape(kind)}"><img class="zoom {html.escape(kind.split(":")[0])}" '
        f'alt="{html.escape(kind)}"{lazy} src="{html.escape(source(path, base, embed))}">'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        for kind, path, caption in figures)
    charts_html = ""
    if entry["latent"] is not None or entry["extent"] is not None:
        hover = "its class" if run.is_map else "its image and reconstruction"
        charts_html += (f'<div class="vega latent{" map" if run.is_map else ""}" id="latent-{index}" data-latent="{index}" '
                        f'title="hover a point: {hover}"></div>')
    if run.history:
        charts_html += f'<div class="vega curves" data-curves="{index}"></div>'
    link = f'<a href="{html.escape(href(run.path, base))}/">{html.escape(run.path.name)}</a>'
    state = f' · <span class="state {html.escape(run.state)}">{html.escape(run.state)}</span>' if run.state else ""
    problems = "".join(f'<li><code>{html.escape(problem)}</code></li>' for problem in run.problems)
    problems = f'<ul class="damaged">{problems}</ul>' if problems else ""
    return (f'<details class="card" id="card-{index}"{" open" if open_ else ""}><summary>{html.escape(label)}{state}</summary>'
            f'<p class="hint">folder: {link}</p>{provenance(run.info)}{problems}<div class="charts">{charts_html}</div>'
            f'<div class="figures">{figures_html}</div></details>')


def _caption(run: Entry, kind: str, path: Path) -> str:
    """'latent (30 epochs)'; a map's one figure is its map, drawn once (a map has no epochs)."""
    if run.is_map and kind == "latent":
        return f"{run.settings['model']} map of the test images"
    return f"{kind} ({path.stem.split('_epoch')[-1].lstrip('0') or '0'} epochs)"


def provenance(info: dict) -> str:
    """run.json as one line: versions, git commit (and whether the tree was dirty), data fingerprint, device, command."""
    parts = []
    for key, name in PROVENANCE:
        if key not in info or info[key] in (None, "", {}):
            continue
        value = info[key]
        if key == "git" and isinstance(value, dict):
            text = str(value.get("commit", "?"))[:12] + (" (dirty)" if value.get("dirty") else "")
        elif isinstance(value, dict):
            text = ", ".join(f"{k} {v}" for k, v in value.items())
        elif isinstance(value, list):
            text = " ".join(map(str, value))
        else:
            text = str(value)
        parts.append(f'<span class="prov-{key}">{html.escape(name)}: <code>{html.escape(text)}</code></span>')
    return f'<p class="provenance hint">{" · ".join(parts)}</p>' if parts else ""


def damaged_list(damaged: list[Damaged], runs: list[Entry], base: Path) -> str:
    """Run folders left out (their config.yaml or metrics.csv unreadable), and runs shown without a damaged file."""
    items = [f'<li><code>{html.escape(relative(item.path, base))}</code>: <b>{html.escape(item.file)}</b> '
             f"{html.escape(item.reason)} (left out)</li>" for item in damaged]
    items += [f'<li><code>{html.escape(relative(run.path, base))}</code>: {html.escape(problem)} (shown without it)</li>'
              for run in runs for problem in run.problems]
    if not items:
        return ""
    return (f'<details class="damaged" open><summary>{len(items)} damaged file{"s" if len(items) > 1 else ""}</summary>'
            f'<ul>{"".join(items)}</ul></details>')
