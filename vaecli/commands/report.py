"""`vae report [FOLDER ...] [overrides]`: one HTML page over all runs; vaecli.report does the work."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from vaecli.commands import hydra_command
from vaecli.run.folder import RunFolder

log = logging.getLogger(__name__)


def report(config) -> None:
    from vaecli.report import write_report

    folders = [Path(d) for d in config.dirs]
    out = Path(config.out) if config.out else folders[0] / "report.html"
    markdown = Path(config.markdown) if config.markdown else None
    for store in sorted({store for folder in folders for store in RunFolder.tracker_stores(folder)}):
        log.info(f"skipped {store}: MLflow's artifact store (tracker=mlflow), copies of runs' files, not runs")
    page = Path(write_report(folders, out, config.title, markdown, config.columns, config.embed))
    if config.embed:
        log.info(f"report: {page} (one file: its scripts and figures are inside)")
    else:  # what the page needs beside it, and how to get one file instead (docs/report.md)
        log.info(f"report: {page}, with its scripts in {page.parent / (page.stem + '_files')}/ beside it and the figures "
                 "linked from the run folders; embed=true writes one file that carries everything")


run = hydra_command("report", report, tensorflow=False)


def main() -> None:
    # Plain folder names are accepted as well as dirs=[...]: `vae report outputs/study`.
    args = sys.argv[1:]
    folders = [a for a in args if "=" not in a and not a.startswith("-")]
    if folders:
        args = [a for a in args if a not in folders] + [f"dirs=[{','.join(repr(f) for f in folders)}]"]
    sys.argv = [sys.argv[0], *args]
    run()
