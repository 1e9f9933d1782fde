"""`vae embed method=tsne|umap|pca [overrides]`: a 2-D map of a dataset by t-SNE, UMAP or PCA; vaecli.embed does the work."""

from __future__ import annotations

import logging
from pathlib import Path

from hydra.core.hydra_config import HydraConfig

from vaecli.commands import hydra_command
from vaecli.embed.config import register_schemas

log = logging.getLogger(__name__)


def embed(config) -> float:
    """Fit, write the run folder, and return the 5-NN accuracy (what a sweeper would optimise)."""
    from vaecli.embed.run import embed_run
    from vaecli.sweep.resources import job_threads

    hydra_cfg = HydraConfig.get()
    run_dir = Path(hydra_cfg.runtime.output_dir)
    # embed_run names the run folder once it has accepted it, as `vae train` does: a refused command logs nothing there
    report = embed_run(config, run_dir, job_threads(config.threads, hydra_cfg.launcher))
    log.info(f"finished: {run_dir}")  # again, after the method's own lines
    return float(report["metrics"].get("knn5_accuracy", float("nan")))


register_schemas()
main = hydra_command("embed", embed)
