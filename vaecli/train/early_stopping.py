"""Early stopping on the validation loss, with the best epoch's weights kept for model.keras.

The state survives interruptions: the best value and epoch are replayed from metrics.csv, the best
weights live in <run>/checkpoints/best/, and <run>/early_stopping.json records where the run stopped.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import tensorflow as tf

from vaecli.config.schemas import EarlyStoppingConfig
from vaecli.run.files import atomic_write_text
from vaecli.run.folder import RunFolder

log = logging.getLogger(__name__)

MONITOR = "val/loss"  # what every objective minimises, on the validation split


class EarlyStopping:
    def __init__(self, cfg: EarlyStoppingConfig, run_dir: Path, vae, rows: list[dict]):
        self.cfg, self.record = cfg, RunFolder(run_dir).early_stopping
        # The weights are named one by one: layers a Keras model keeps in Python lists (the conv stacks)
        # are invisible to tf.train.Checkpoint's tracking, which would save only the dense layers.
        self.checkpoint = tf.train.Checkpoint(vae=vae, weights=list(vae.weights))
        self.manager = tf.train.CheckpointManager(self.checkpoint, RunFolder(run_dir).best_checkpoint, max_to_keep=1)
        self.best, self.best_epoch, self.last_epoch = float("inf"), 0, 0
        for row in rows:  # a resumed run picks up where it was
            self._observe(row)

    def _observe(self, row: dict) -> bool:
        self.last_epoch = int(row["epoch"])
        value = float(row[MONITOR])
        if value < self.best - self.cfg.min_delta:
            self.best, self.best_epoch = value, self.last_epoch
            return True
        return False

    def update(self, row: dict) -> None:
        """After an epoch's metrics row is written: keep the weights if they are the best so far."""
        if self._observe(row):
            self.manager.save(checkpoint_number=self.best_epoch)

    @property
    def should_stop(self) -> bool:
        patience = self.cfg.patience or 0  # set: an EarlyStopping exists only for a run with a patience
        return self.best_epoch > 0 and self.last_epoch - self.best_epoch >= patience

    def finish(self) -> None:
        """Put the best weights back into the model and record the outcome."""
        if self.manager.latest_checkpoint:
            self.checkpoint.restore(self.manager.latest_checkpoint).assert_existing_objects_matched()
        outcome = {
            "monitor": MONITOR,
            "patience": self.cfg.patience,
            "stopped_early": self.should_stop,
            "last_epoch": self.last_epoch,
            "best_epoch": self.best_epoch,
            "best_value": self.best,
        }
        atomic_write_text(self.record, json.dumps(outcome, indent=2) + "\n")
        log.info(f"early stopping: best {MONITOR}={self.best:.5g} at epoch {self.best_epoch}"
                 + (f", stopped after epoch {self.last_epoch}" if self.should_stop else "") + "; model.keras holds that epoch")
