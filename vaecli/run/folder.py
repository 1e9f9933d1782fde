"""One run folder: where each of its files is, the checks before a command may write into it, and reading it back.

Every reader names the file it could not read: a damaged or missing file is a DataError (exit code 3) that says
which file and what to do, never an internal error. Writers are atomic (vaecli.run.files), so a reader sees the
old file or the new one.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from omegaconf import DictConfig, ListConfig, OmegaConf

from vaecli.errors import ConfigError, DataError
from vaecli.run import names
from vaecli.run.damaged_file import DamagedFile
from vaecli.run.files import atomic_write_text
from vaecli.run.json_csv_readers import EpochRow, load_json, read_rows
from vaecli.run.yaml_reader import load_yaml

if TYPE_CHECKING:  # for the annotations only: none of them is imported when vaecli.run is
    # read_config's type, on the edge .importlinter allows for load_train_config (issue 26); named for api.py too
    from vaecli.config.store import TrainConfig as TrainConfig
    from vaecli.models.networks import VAE
    from vaecli.run.status import JobStatus

# The options that make a model what it is: a resumed run must keep them.
MODEL_KEYS = ("model", "network", "likelihood", "latent_dim", "dataset.name")


class RunFolder:
    """A run folder's paths and its readers; nothing is read until asked."""

    def __init__(self, path: Path | str):
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"RunFolder({str(self.path)!r})"

    def __truediv__(self, name: str) -> Path:
        return self.path / name

    # ------------------------------------------------------------ paths
    config = property(lambda self: self.path / names.CONFIG)
    overrides = property(lambda self: self.path / names.OVERRIDES)
    run_info = property(lambda self: self.path / names.RUN_INFO)
    status_file = property(lambda self: self.path / names.STATUS)
    metrics_csv = property(lambda self: self.path / names.METRICS_CSV)
    timing_csv = property(lambda self: self.path / names.TIMING_CSV)
    metrics_json = property(lambda self: self.path / names.METRICS_JSON)
    model = property(lambda self: self.path / names.MODEL)
    checkpoints = property(lambda self: self.path / names.CHECKPOINTS)
    best_checkpoint = property(lambda self: self.path / names.CHECKPOINTS / names.BEST_CHECKPOINT)
    tensorboard = property(lambda self: self.path / names.TENSORBOARD)
    figures = property(lambda self: self.path / names.FIGURES)
    animations = property(lambda self: self.path / names.ANIMATIONS)
    latent_points = property(lambda self: self.path / names.LATENT_POINTS)
    nonfinite_batch = property(lambda self: self.path / names.NONFINITE_BATCH)
    lock = property(lambda self: self.path / names.LOCK)
    early_stopping = property(lambda self: self.path / names.EARLY_STOPPING)
    latent_history = property(lambda self: self.path / names.ANIMATIONS / names.LATENT_HISTORY)
    codes = property(lambda self: self.path / names.CODES)  # an embedding run's map (vae embed)
    tracker_record = property(lambda self: self.path / names.TRACKER)
    # A sweep's folder: an Optuna study's trials, its storage and hydra-optuna-sweeper's best parameters
    trials = property(lambda self: self.path / names.TRIALS)
    optuna_storage = property(lambda self: self.path / names.OPTUNA_STORAGE)
    optuna_results = property(lambda self: self.path / names.OPTUNA_RESULTS)
    multirun = property(lambda self: self.path / names.MULTIRUN)  # Hydra's record of a sweep
    hydra_record = property(lambda self: self.path / names.HYDRA_RECORD)  # older runs' .hydra/

    def animation(self, name: str) -> Path:
        """animations/<name>: latent_evolution.gif, interpolation.gif, traversal.gif."""
        return self.path / names.ANIMATIONS / name

    @staticmethod
    def under(root: Path | str) -> list[RunFolder]:
        """Every folder below `root` (itself included) that holds a run's config, in path order: not Hydra's own
        records (.hydra/) nor a tracker's artifact store (copies of runs' files, names.TRACKER_ARTIFACTS)."""
        root = Path(root)
        return [RunFolder(p.parent) for p in sorted(root.rglob(names.CONFIG))
                if names.HYDRA_RECORD not in p.relative_to(root).parts and not names.in_tracker_store(p.parent, root)]

    @staticmethod
    def tracker_stores(root: Path | str) -> list[Path]:
        """The tracker's artifact stores below `root` (MLflow's mlartifacts/), which `under` passes over."""
        return sorted({p for p in Path(root).rglob(names.TRACKER_ARTIFACTS) if p.is_dir()})

    # ------------------------------------------------------------ what it holds
    def holds_run(self) -> bool:
        """Whether the folder already holds (part of) a run of any kind: a training run's metrics or checkpoint,
        or a `vae embed` map (its codes, or a run.json saying kind: embedding)."""
        return self.metrics_csv.is_file() or any(self.checkpoints.glob("ckpt-*")) or self.is_embedding()

    def is_embedding(self) -> bool:
        """Whether the folder holds a `vae embed` run (codes.npz, or run.json's kind). Light: no TensorFlow."""
        if self.codes.is_file():
            return True
        try:
            info = load_json(self.run_info)
        except (OSError, ValueError):
            return False
        return isinstance(info, dict) and info.get("kind") == names.EMBEDDING_KIND

    def check_new(self, command: str = "vae train") -> None:
        """Refuse to start a new run over one that is already there, of any kind (before anything is written)."""
        if not self.holds_run():
            return
        if self.is_embedding():
            raise DataError(f"{self.path} already holds a `vae embed` run; {command} writes only into a new folder "
                            "(the default, or another hydra.run.dir)")
        if command != "vae train":
            raise DataError(f"{self.path} already holds a `vae train` run; {command} writes only into a new folder "
                            "(the default, or another hydra.run.dir)")
        raise DataError(f"{self.path} already holds a run; continue it with resume={self.path}, or train into a new "
                        "folder (the default, or another hydra.run.dir)")

    def check_trainable(self) -> None:
        """Refuse `vae train resume=` of a folder that holds a `vae embed` run (a map has no model to continue)."""
        if self.is_embedding():
            raise DataError(f"{self.path} holds a `vae embed` run, which vae train cannot continue; "
                            "train into a new folder (the default, or another hydra.run.dir)")

    def check_resumable(self, cfg: object) -> None:
        """Refuse to continue a run whose model differs from the one asked for now (before anything is written)."""
        self.check_trainable()
        if not self.config.is_file():
            return  # killed before it wrote anything: it starts over
        saved = self._yaml(self.config)
        asked = OmegaConf.structured(cfg)
        for key in MODEL_KEYS:
            before, now = _plain(OmegaConf.select(saved, key)), _plain(OmegaConf.select(asked, key))
            if before != now:
                raise ConfigError(f"resume={self.path} was trained with {key}={_compact(before)}, not {_compact(now)}; "
                                  "drop the changed overrides or start a new run")

    # ------------------------------------------------------------ readers
    def read_config(self) -> TrainConfig:
        """The TrainConfig the run was trained with, typed and checked."""
        from vaecli.config.store import load_train_config

        if not self.config.is_file():
            raise DataError(f"{self.path} is not a vaecli run folder (no {names.CONFIG}); pass a folder that `vae train` wrote")
        try:
            return load_train_config(self.config)
        except DamagedFile:
            raise
        except Exception as ex:  # noqa: BLE001  a list, yaml's parser errors, OmegaConf's validation errors, an unknown group option
            raise self.damaged(self.config, ex) from None

    def read_stored_config(self) -> DictConfig:
        """config.yaml as it is stored, untyped (a DictConfig): bounded, literal, never resolved."""
        config = self._yaml(self.config)
        if not isinstance(config, DictConfig):  # OmegaConf.is_dict's own test
            raise self.damaged(self.config, "not a mapping of options")
        return config

    def saved_overrides(self) -> list[str] | None:
        """The command line's overrides the run was started (or last resumed) with; None if there is no record."""
        if path := self.saved_overrides_path():
            saved = self._yaml(path)
            if not isinstance(saved, ListConfig):  # OmegaConf.is_list's own test
                raise self.damaged(path, "not a list of overrides")
            return [str(item) for item in OmegaConf.to_container(saved, resolve=False) or []]  # literal text, never resolved
        return None

    def saved_overrides_path(self) -> Path | None:
        """overrides.yaml, or .hydra/overrides.yaml in folders written before vaecli kept its own; None if neither."""
        return next((p for p in (self.overrides, self.path / names.HYDRA_RECORD / names.OVERRIDES) if p.is_file()), None)

    def read_history(self) -> list[EpochRow]:
        """metrics.csv: one dict per epoch (empty if there is none yet)."""
        return self._csv(self.metrics_csv)

    def read_timing(self) -> list[EpochRow]:
        return self._csv(self.timing_csv)

    def read_metrics(self) -> dict[str, Any]:
        """metrics.json's metrics (empty if the run was not evaluated)."""
        report = self.read_evaluation()
        metrics: dict[str, Any] = report.get("metrics", {}) if report else {}  # an object: read_evaluation checks it
        return metrics

    def read_evaluation(self) -> dict[str, Any] | None:
        """The whole of metrics.json, or None if the run was not evaluated."""
        if not self.metrics_json.is_file():
            return None
        report = self._json(self.metrics_json)
        if not isinstance(report, dict) or not isinstance(report.get("metrics", {}), dict):
            raise self.damaged(self.metrics_json, "no metrics object")
        return report

    def read_run_info(self) -> dict[str, Any]:
        """run.json: provenance and the data's shape (empty if the run never got that far)."""
        if not self.run_info.is_file():
            return {}
        info = self._json(self.run_info)
        if not isinstance(info, dict):
            raise self.damaged(self.run_info, "not a JSON object")  # as vaecli/run/damage.py names it
        return info

    def latest_figures(self, kinds: Iterable[str]) -> dict[str, Path]:
        """kind -> the last epoch's figure of that kind."""
        found: dict[str, Path] = {}
        for kind in kinds:
            paths = sorted(self.figures.glob(names.figure_glob(kind)))
            if paths:
                found[kind] = paths[-1]
        return found

    def animation_files(self) -> list[Path]:
        return sorted(self.animations.glob("*.gif"))

    def load_model(self) -> VAE:
        """The final model (vaecli.models.networks.VAE)."""
        import keras

        import vaecli.models.networks  # noqa: F401  registers the model's classes with Keras

        if not self.model.is_file():
            raise DataError(f"{self.path} has no {names.MODEL}; is it a finished vaecli run? "
                            f"(resume it with vae train resume={self.path})")
        try:
            # safe_mode: a model.keras from someone else may hold a Lambda layer's Python bytecode; Keras refuses
            # to deserialise it instead of running it (tests/test_untrusted.py)
            return cast("VAE", keras.saving.load_model(self.model, safe_mode=True))  # Keras is read as Any
        except Exception as ex:  # noqa: BLE001  a damaged zip or weights file fails in many ways inside Keras and h5py
            raise self.damaged(self.model, ex) from None

    def read_status(self) -> JobStatus | None:
        """status.json as a JobStatus; None if there is none (a folder from before statuses)."""
        from vaecli.run import status

        if not self.status_file.is_file():
            return None
        data = self._json(self.status_file)
        if not isinstance(data, dict):
            raise self.damaged(self.status_file, "not a JSON object")
        try:
            return status.JobStatus(**data)
        except (TypeError, ValueError) as ex:  # a missing or unknown field, a state vaecli never writes
            raise self.damaged(self.status_file, ex) from None

    # ------------------------------------------------------------ writers
    def write_config(self, cfg: object) -> None:
        atomic_write_text(self.config, OmegaConf.to_yaml(OmegaConf.structured(cfg)))

    def write_overrides(self, overrides: list[str]) -> None:
        atomic_write_text(self.overrides, OmegaConf.to_yaml(OmegaConf.create(list(overrides))))

    def write_run_info(self, info: dict[str, Any]) -> None:
        atomic_write_text(self.run_info, json.dumps(info, indent=2) + "\n")

    def write_evaluation(self, report: dict[str, Any]) -> None:
        atomic_write_text(self.metrics_json, json.dumps(report, indent=2) + "\n")

    # ------------------------------------------------------------ damage
    def damaged(self, path: Path, reason: BaseException | str) -> DamagedFile:
        return DamagedFile(path, reason)

    def _yaml(self, path: Path) -> DictConfig | ListConfig:
        return load_yaml(path)  # bounded, no aliases, literal: a DataError naming the file otherwise

    def _json(self, path: Path) -> object:
        try:
            return load_json(path)
        except (ValueError, UnicodeDecodeError) as ex:
            raise self.damaged(path, ex) from None

    def _csv(self, path: Path) -> list[EpochRow]:
        if not path.is_file():
            return []
        try:
            return read_rows(path)
        except (ValueError, KeyError, TypeError, csv.Error, UnicodeDecodeError) as ex:
            raise self.damaged(path, ex) from None


def _plain(value: object) -> object:
    return OmegaConf.to_container(value) if OmegaConf.is_config(value) else value


def _compact(value: object) -> str:
    return json.dumps(value, separators=(",", ":")) if isinstance(value, (dict, list)) else str(value)
