"""`vae report [FOLDER ...] [overrides]`: one HTML page over all runs; vaecli.report does the work."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import hydra
from omegaconf import DictConfig

from vaecli.commands import JobFailures
from vaecli.config import register_schemas, to_object

register_schemas()
failures = JobFailures()
log = logging.getLogger(__name__)


@hydra.main(version_base="1.3", config_path="pkg://vaecli.conf", config_name="report")
@failures.catch
def _report(cfg: DictConfig) -> None:
    config = to_object(cfg)
    from vaecli.report import write_report

    folders = [Path(d) for d in config.dirs]
    out = Path(config.out) if config.out else folders[0] / "report.html"
    markdown = Path(config.markdown) if config.markdown else None
    log.info(f"report: {write_report(folders, out, config.title, markdown)}")


def main() -> None:
    # Plain folder names are accepted as well as dirs=[...]: `vae report outputs/study`.
    args = sys.argv[1:]
    folders = [a for a in args if "=" not in a and not a.startswith("-")]
    if folders:
        args = [a for a in args if a not in folders] + [f"dirs=[{','.join(repr(f) for f in folders)}]"]
    sys.argv = [sys.argv[0], *args]
    failures.run(_report)
