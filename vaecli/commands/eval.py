"""`vae eval run=DIR [options]`: measure a finished run; vaecli.assess.evaluate_run does the work."""

from __future__ import annotations

from pathlib import Path

from vaecli.commands import hydra_command


def evaluate(config) -> None:
    from vaecli.embed import is_embedding

    if is_embedding(Path(config.run)):  # a `vae embed` map: its latent metrics again, from its codes
        from vaecli.embed.run import evaluate_embedding

        evaluate_embedding(Path(config.run), config.knn_neighbours, config.probe_max_iter)
        return
    from vaecli.assess.evaluate_run import evaluate_run

    evaluate_run(Path(config.run), config)


main = hydra_command("eval", evaluate)
