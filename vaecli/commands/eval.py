"""`vae eval run=DIR [options]`: measure a finished run; vaecli.evaluate.finished_run does the work."""

from __future__ import annotations

from pathlib import Path

from vaecli.commands import hydra_command


def evaluate(config) -> None:
    from vaecli.evaluate.finished_run import evaluate_run

    evaluate_run(Path(config.run), config)


main = hydra_command("eval", evaluate)
