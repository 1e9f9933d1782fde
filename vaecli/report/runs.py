"""The runs a report shows: found under folders, read through the run-folder contract, pooled over seeds.

A file that cannot be read never stops the report: a run without a readable config.yaml or metrics.csv
is listed as damaged (Damaged, with the file named) and left out; any other unreadable file (metrics.json,
a figure, latent_points.npz, model.keras, run.json) is named in the run's `problems` and the rest of the
run shows. A new kind of run (an embedding's codes, say) is one more loader beside _load_run.
"""

from __future__ import annotations

import dataclasses
import json
import math
import statistics
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vaecli.embed import is_embedding
from vaecli.errors import ConfigError
from vaecli.run import names, status
from vaecli.run.history import read_metrics
from vaecli.run.overrides import flatten
from vaecli.visual import plots

SETTINGS = ["model", "dataset", "latent_dim", "variant", "train_size", "epochs"]
# Config keys that SETTINGS (or the seed column) already show, or that every run has its own of.
SHOWN_KEYS = {"model.name", "dataset.name", "latent_dim", "dataset.train_size", "trainer.epochs", "seed"}
LATENT_KEYS = ("codes", "labels", "images", "reconstructions", "class_names")


@dataclass
class Run:
    path: Path
    group: str  # the sweep folder, or "single runs"
    settings: dict
    seed: int
    history: list[dict]
    metrics: dict
    figures: dict[str, Path] = field(default_factory=dict)  # kind -> latest figure
    animations: list[Path] = field(default_factory=list)  # <run>/animations/*.gif
    latent_points: Path | None = None  # <run>/latent_points.npz, if training wrote it
    config: dict = field(default_factory=dict)  # the whole config, flattened: "trainer.learning_rate" -> 0.001
    info: dict = field(default_factory=dict)  # run.json: provenance, whichever keys the run has
    state: str | None = None  # status.json's state: running, finished, failed or interrupted
    problems: list[str] = field(default_factory=list)  # "metrics.json: <why>" per file that could not be read

    @property
    def values(self) -> dict:
        final = {k: v for k, v in (self.history[-1] if self.history else {}).items() if k.startswith("test/")}
        return {**final, **{k: v for k, v in self.metrics.items() if isinstance(v, (int, float))}}

    @property
    def configuration(self) -> tuple:
        return (self.group, *(str(self.settings.get(key)) for key in SETTINGS))


@dataclass
class Damaged:
    """A run folder the report cannot show: the file that failed, and why."""

    path: Path
    file: str
    reason: str


def find_runs(folders: list[Path]) -> list[Run]:
    """Every readable run folder (a config.yaml beside a metrics.csv) under the given folders."""
    return scan(folders)[0]


def scan(folders: list[Path]) -> tuple[list[Run], list[Damaged]]:
    """The runs under `folders`, and the run folders whose config.yaml or metrics.csv cannot be read."""
    runs, damaged = [], []
    for folder in folders:
        if not folder.is_dir():
            raise ConfigError(f"dirs: {folder} is not a folder; pass folders that hold vaecli runs, e.g. dirs=[outputs]")
        for config in sorted(folder.rglob(names.CONFIG)):
            if config.parent.name == names.HYDRA_RECORD or names.in_tracker_store(config.parent, folder):
                continue
            if is_embedding(config.parent):  # `vae embed`'s maps (t-SNE, UMAP, PCA), beside the VAEs as equals
                try:
                    runs.append(_load_embedding(config.parent))
                except Exception as error:  # noqa: BLE001 - listed as damaged, the others render
                    damaged.append(Damaged(config.parent, names.CONFIG, _reason(error)))
            elif not (config.parent / names.METRICS_CSV).exists():
                job = status.read(config.parent)
                state = f"the run is {job.state}" if job else "no status.json either"
                damaged.append(Damaged(config.parent, names.METRICS_CSV, f"missing: no epoch finished ({state})"))
            else:
                try:
                    runs.append(_load_run(config.parent))
                except _Unreadable as error:
                    damaged.append(Damaged(config.parent, error.file, error.reason))
    return runs, damaged


class _Unreadable(Exception):
    def __init__(self, file: str, error: BaseException):
        super().__init__(file)
        self.file, self.reason = file, _reason(error)


def _reason(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"[:300]


def _read(path: Path, file: str, reader):
    """reader(path), or _Unreadable naming the file: any failure to read one file is that file's damage."""
    try:
        return reader(path)
    except Exception as error:
        raise _Unreadable(file, error) from error


def _load_embedding(path: Path) -> Run:
    """A `vae embed` run: no epochs and no model; its method stands where a VAE's objective does."""
    from vaecli.embed.config import load_embed_config

    cfg = load_embed_config(path / names.CONFIG)
    options = {k: v for k, v in dataclasses.asdict(cfg.method).items() if k != "name"}
    settings = {"model": cfg.method.name, "dataset": cfg.dataset.name, "latent_dim": 2,
                "variant": ", ".join(f"{k}={_compact(v)}" for k, v in options.items()) + "; embedding",
                "train_size": cfg.train_points or cfg.dataset.train_size or "all", "epochs": "–"}
    metrics_path = path / names.METRICS_JSON
    metrics = json.loads(metrics_path.read_text())["metrics"] if metrics_path.is_file() else {}
    latent = sorted((path / names.FIGURES).glob(names.figure_glob("latent")))
    job = status.read(path)
    in_sweep = (path.parent / names.MULTIRUN).is_file() or (job is not None and job.job is not None)
    return Run(path, str(path.parent) if in_sweep else "single runs", settings, int(cfg.seed), [], metrics,
               {"latent": latent[-1]} if latent else {}, state=job.state if job else None)


def _load_run(path: Path) -> Run:
    from vaecli.config.store import load_train_config

    cfg = _read(path / names.CONFIG, names.CONFIG, load_train_config)
    history = _read(path / names.METRICS_CSV, names.METRICS_CSV, read_metrics)
    settings = {
        "model": cfg.model.name,
        "dataset": cfg.dataset.name,
        "latent_dim": cfg.latent_dim,
        "variant": variant(cfg),
        "train_size": cfg.dataset.train_size or "all",
        "epochs": cfg.trainer.epochs,
    }
    problems: list[str] = []

    def optional(name: str, reader, default):
        """A file the run may lack; if present but unreadable, it is named in the run's problems."""
        target = path / name
        if not target.exists():
            return default
        try:
            return reader(target)
        except Exception as error:  # noqa: BLE001 - see _read
            problems.append(f"{name}: {_reason(error)}")
            return default

    metrics = optional(names.METRICS_JSON, lambda p: _metrics(json.loads(p.read_text())), {})
    info = optional(names.RUN_INFO, lambda p: _mapping(json.loads(p.read_text())), {})
    optional(names.MODEL, _check_zip, None)
    figures = {}
    for kind in plots.KINDS:
        found = sorted((path / names.FIGURES).glob(names.figure_glob(kind)))
        if found and optional(f"{names.FIGURES}/{found[-1].name}", _check_image, None) is not None:
            figures[kind] = found[-1]
    animations = [gif for gif in sorted((path / names.ANIMATIONS).glob("*.gif"))
                  if optional(f"{names.ANIMATIONS}/{gif.name}", _check_image, None) is not None]
    latent = names.LATENT_POINTS if optional(names.LATENT_POINTS, read_latent_points, None) is not None else None
    job = status.read(path)
    if (path / names.STATUS).exists() and job is None:
        problems.append(f"{names.STATUS}: not a vaecli status (JSON with a known state)")
    # a sweep's job names itself in its status (single runs have one too, without a job); Optuna writes no multirun.yaml
    in_sweep = (path.parent / names.MULTIRUN).is_file() or (job is not None and job.job is not None)
    sweep = path.parent if in_sweep else None
    timing = [row["seconds"] for row in optional(names.TIMING_CSV, read_metrics, []) if "seconds" in row]
    if timing:
        metrics = {**metrics, "epoch_seconds": statistics.median(timing)}  # the median: the first epoch also traces
    return Run(path, str(sweep) if sweep else "single runs", settings, int(cfg.seed), history, metrics, figures,
               animations, path / latent if latent else None, flatten(dataclasses.asdict(cfg)), info,
               job.state if job else None, problems)


def _metrics(document) -> dict:
    metrics = _mapping(document)["metrics"]
    return _mapping(metrics)


def _mapping(value) -> dict:
    if not isinstance(value, dict):
        raise ValueError(f"expected a JSON object, found {type(value).__name__}")
    return value


def _check_zip(path: Path) -> bool:
    if not zipfile.is_zipfile(path):
        raise ValueError("not a Keras archive (a zip file)")
    return True


def _check_image(path: Path) -> bool:
    from PIL import Image

    with Image.open(path) as image:
        image.verify()  # the chunks and their checksums, without decoding
    return True


def read_latent_points(path: Path) -> dict:
    """latent_points.npz as arrays; a ValueError naming what is missing or misshapen."""
    with np.load(path, allow_pickle=False) as file:
        points = {key: file[key] for key in file.files}
    missing = [key for key in LATENT_KEYS if key not in points]
    codes = points.get("codes", np.zeros((0, 0)))
    if missing or codes.ndim != 2 or codes.shape[1] != 2 or len(points.get("labels", ())) != len(codes):
        raise ValueError(f"expected arrays {', '.join(LATENT_KEYS)} with codes of shape (N, 2); found "
                         f"{', '.join(f'{k} {v.shape}' for k, v in points.items() if k in LATENT_KEYS)}")
    labels = points["labels"]
    if len(labels) and (labels.min() < 0 or labels.max() >= len(points["class_names"])):
        raise ValueError(f"labels run from {labels.min()} to {labels.max()}, but there are {len(points['class_names'])} class names")
    return points


def config_columns(runs: list[Run]) -> list[str]:
    """The config keys whose values differ between runs (an Optuna study's parameters, a sweep's overrides),
    beyond those SETTINGS shows."""
    keys = dict.fromkeys(key for run in runs for key in run.config)
    differ = {key for key in keys if len({repr(run.config.get(key)) for run in runs}) > 1}
    # a group's options differ anyway where the group itself does (elbo's kl beside mmd's kernel): its name says it
    chosen = {key.rsplit(".", 1)[0] for key in differ if key.endswith(".name")}
    return [key for key in keys if key in differ and key not in SHOWN_KEYS and not key.endswith(".name")
            and key.rsplit(".", 1)[0] not in chosen]


def variant(cfg) -> str:
    """The options that tell runs of one objective apart: its own options, the likelihood and the network."""
    options = {k: v for k, v in dataclasses.asdict(cfg.model).items() if k != "name"}
    text = ", ".join(f"{k}={_compact(v)}" for k, v in options.items())
    return f"{text}; {cfg.likelihood.name}, {cfg.network.name}"


def _compact(value) -> str:
    if isinstance(value, dict):
        return "{" + ",".join(f"{k}={_compact(v)}" for k, v in value.items()) + "}"
    return f"{value:g}" if isinstance(value, float) else str(value)


def aggregate(runs: list[Run]) -> list[dict]:
    """One row per configuration (seeds pooled): settings, seeds, and per metric (mean, sd, n). Runs whose other
    config values differ (an Optuna trial's learning rate, say) are configurations of their own."""
    rows: dict[tuple, dict] = {}
    keys = config_columns(runs)
    for run in runs:
        config = {key: run.config.get(key) for key in keys}
        row = rows.setdefault((*run.configuration, *map(repr, config.values())),
                              {"group": run.group, **run.settings, "config": config, "seeds": [], "runs": [], "values": {},
                               "diverged": {}})
        row["seeds"].append(run.seed)
        row["runs"].append(run)
        for key, value in run.values.items():
            # a diverged seed (nan or inf) is left out of mean ± sd, and the row says how many were (tables.py)
            finite = math.isfinite(float(value))
            row["values" if finite else "diverged"].setdefault(key, []).append(float(value) if finite else run.seed)
    for row in rows.values():
        row["summary"] = {
            key: (statistics.fmean(v), statistics.stdev(v) if len(v) > 1 else 0.0, len(v)) for key, v in row["values"].items()
        }
    return list(rows.values())


def varying(runs: list[Run]) -> tuple[list[str], dict]:
    """The settings that tell these runs apart, and those all runs share (name -> value)."""
    differ = [key for key in SETTINGS if len({str(run.settings[key]) for run in runs}) > 1]
    return differ, {key: runs[0].settings[key] for key in SETTINGS if key not in differ}


def plural(n: int, noun: str) -> str:
    """'1 run', '4 runs'."""
    return f"{n} {noun}" + ("" if n == 1 else "s")
