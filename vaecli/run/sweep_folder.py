"""A sweep folder read back: its jobs' states and an Optuna study's records, each damaged file named.

    <sweep>/
      multirun.yaml                Hydra's record of the sweep (Optuna's sweeps write none)
      <job>/                       a run folder per job (vaecli/run/folder.py), its status.json naming the job
      optimization_results.yaml    hydra-optuna-sweeper's best parameters and value
      trials.csv                   every trial of the Optuna study (vaecli/track/sweep.py)
      optuna.db                    the study's SQLite storage, which Optuna itself reads
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from vaecli.run import status
from vaecli.run.damaged_file import DamagedFile
from vaecli.run.folder import RunFolder
from vaecli.run.yaml_reader import load_yaml

# trials.csv holds a row per trial (a few hundred bytes each); anything larger is not one vaecli wrote.
MAX_TRIALS_BYTES = 16 * 2**20


class SweepFolder:
    """A sweep's folder: what is in it, read when asked; a file that is not there reads as None."""

    def __init__(self, path: Path | str):
        self.folder = RunFolder(path)
        self.path = self.folder.path

    def jobs(self) -> dict[Path, status.JobStatus]:
        """Each job folder's status (those with a readable status.json), in path order."""
        return status.of_sweep(self.path)

    def best(self) -> dict[str, Any] | None:
        """optimization_results.yaml: best_params and best_value ({} if it holds no mapping)."""
        path = self.folder.optuna_results
        if not path.is_file():
            return None
        found: object = OmegaConf.to_container(load_yaml(path))  # literal: never resolved
        return found if isinstance(found, dict) else {}

    def trials(self) -> list[list[str]] | None:
        """trials.csv's rows as text, its header first."""
        path = self.folder.trials
        if not path.is_file():
            return None
        try:
            if path.stat().st_size > MAX_TRIALS_BYTES:
                raise ValueError(f"larger than {MAX_TRIALS_BYTES // 2**20} MiB")
            with path.open(newline="", encoding="utf-8") as handle:
                return list(csv.reader(handle))
        except (OSError, ValueError, csv.Error) as ex:  # UnicodeDecodeError is a ValueError
            raise DamagedFile(path, ex) from None

    def optuna_storage(self) -> Path | None:
        """The Optuna study's SQLite file (hparams_search=...: hydra.sweeper.storage), for Optuna to open."""
        return self.folder.optuna_storage if self.folder.optuna_storage.is_file() else None
