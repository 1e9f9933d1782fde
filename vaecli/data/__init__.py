"""Datasets: where the images come from, and the tf.data pipelines that feed them to training.

A source is one module with `check(cfg)` (what its options need) and `load(cfg, seed) -> Loaded`,
found by `dataset.source` in SOURCES:
- idx        MNIST-format IDX files (dataset.path), a system copy, else tensorflow-datasets (idx.py)
- tfds       any image dataset of the tensorflow-datasets catalogue, streamed (tfds.py)
- folder     a tree of image files, class sub-folders as labels (folder.py)
- generated  images rendered here from known factors, e.g. dSprites (generated.py)
`finish` (splits.py) makes the seeded carve-outs and decides what is held in memory and what streams;
labels, and factors where known, travel alongside for figures and metrics; training never sees them.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from vaecli.data import folder, generated, idx, tfds
from vaecli.data.idx import has_idx_files, read_idx, read_idx_dir
from vaecli.data.pipeline import eval_pipeline, training_batches
from vaecli.data.splits import Splits, Stream, finish, read_faults

if TYPE_CHECKING:
    from vaecli.data.schema import DatasetConfig

log = logging.getLogger(__name__)

SOURCES = {"idx": idx, "tfds": tfds, "folder": folder, "generated": generated}

__all__ = ["SOURCES", "Splits", "Stream", "eval_pipeline", "has_idx_files", "load_dataset", "read_faults", "read_idx",
           "read_idx_dir", "training_batches"]


def load_dataset(cfg: DatasetConfig, seed: int = 0) -> Splits:
    """The configured dataset: its source's splits, carved and held or streamed as `finish` decides."""
    log.info(f"data: reading dataset={cfg.name} (source {cfg.source})")
    return finish(cfg, SOURCES[cfg.source or "idx"].load(cfg, seed), seed)  # the schema set source
