"""Non-parametric 2-D maps of a dataset (`vae embed`): t-SNE, UMAP and PCA beside the VAEs, scored by the same metrics.

methods/ holds one module per method (the registry); config.py the schemas; pixels.py the images as rows;
scores.py the latent metrics (vaecli.evaluate.metrics); run.py the run folder.
"""

from __future__ import annotations

from pathlib import Path

from vaecli.embed.methods import METHODS
from vaecli.run import names
from vaecli.run.folder import RunFolder

__all__ = ["KIND", "METHODS", "is_embedding"]

KIND = names.EMBEDDING_KIND  # run.json's `kind` for these folders; a VAE run's run.json has none


def is_embedding(run_dir: Path) -> bool:
    """Whether a folder holds a `vae embed` run (its run.json says kind: embedding). Light: no TensorFlow."""
    return RunFolder(run_dir).is_embedding()
