"""`vae eval run=DIR [options]`: measure a finished run; vaecli.evaluation does the work."""

from __future__ import annotations

from pathlib import Path

import hydra
from omegaconf import DictConfig

from vaecli.commands import JobFailures
from vaecli.config import register_schemas, to_object

register_schemas()
failures = JobFailures()


@hydra.main(version_base="1.3", config_path="pkg://vaecli.conf", config_name="eval")
@failures.catch
def _eval(cfg: DictConfig) -> None:
    config = to_object(cfg)
    from vaecli.quiet_tf import import_tensorflow_quietly

    import_tensorflow_quietly()
    from vaecli.evaluation import evaluate_run

    evaluate_run(Path(config.run), config)


def main() -> None:
    failures.run(_eval)
