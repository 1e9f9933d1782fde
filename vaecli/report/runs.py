"""The runs a report shows: found under folders, read through the run-folder contract, pooled over seeds."""

from __future__ import annotations

import dataclasses
import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from vaecli.visual import plots
from vaecli.errors import ConfigError
from vaecli.run.files import ANIMATIONS, LATENT_POINTS
from vaecli.run.history import read_metrics
from vaecli.run.names import CONFIG, FIGURES, METRICS_JSON, figure_glob
from vaecli.embed import is_embedding

SETTINGS = ["model", "dataset", "latent_dim", "variant", "train_size", "epochs"]


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

    @property
    def values(self) -> dict:
        final = {k: v for k, v in (self.history[-1] if self.history else {}).items() if k.startswith("test/")}
        return {**final, **{k: v for k, v in self.metrics.items() if isinstance(v, (int, float))}}

    @property
    def configuration(self) -> tuple:
        return (self.group, *(str(self.settings.get(key)) for key in SETTINGS))


def find_runs(folders: list[Path]) -> list[Run]:
    """Every run folder (a config.yaml beside a metrics.csv) under the given folders."""
    runs = []
    for folder in folders:
        if not folder.is_dir():
            raise ConfigError(f"dirs: {folder} is not a folder; pass folders that hold vaecli runs, e.g. dirs=[outputs]")
        for config in sorted(folder.rglob("config.yaml")):
            if config.parent.name != ".hydra" and (config.parent / "metrics.csv").is_file():
                runs.append(_load_run(config.parent))
            elif is_embedding(config.parent):  # `vae embed`'s maps (t-SNE, UMAP, PCA), beside the VAEs as equals
                runs.append(_load_embedding(config.parent))
    return runs


def _load_embedding(path: Path) -> Run:
    """A `vae embed` run: no epochs and no model; its method stands where a VAE's objective does."""
    from vaecli.embed.config import load_embed_config

    cfg = load_embed_config(path / CONFIG)
    options = {k: v for k, v in dataclasses.asdict(cfg.method).items() if k != "name"}
    settings = {"model": cfg.method.name, "dataset": cfg.dataset.name, "latent_dim": 2,
                "variant": ", ".join(f"{k}={_compact(v)}" for k, v in options.items()) + "; embedding",
                "train_size": cfg.train_points or cfg.dataset.train_size or "all", "epochs": "–"}
    metrics_path = path / METRICS_JSON
    metrics = json.loads(metrics_path.read_text())["metrics"] if metrics_path.is_file() else {}
    latent = sorted((path / FIGURES).glob(figure_glob("latent")))
    in_sweep = (path.parent / "multirun.yaml").is_file() or (path / "status.json").is_file()
    return Run(path, str(path.parent) if in_sweep else "single runs", settings, int(cfg.seed), [], metrics,
               {"latent": latent[-1]} if latent else {})


def _load_run(path: Path) -> Run:
    from vaecli.config.store import load_train_config

    cfg = load_train_config(path / "config.yaml")
    settings = {
        "model": cfg.model.name,
        "dataset": cfg.dataset.name,
        "latent_dim": cfg.latent_dim,
        "variant": variant(cfg),
        "train_size": cfg.dataset.train_size or "all",
        "epochs": cfg.trainer.epochs,
    }
    metrics_path = path / "metrics.json"
    metrics = json.loads(metrics_path.read_text())["metrics"] if metrics_path.is_file() else {}
    figures = {}
    for kind in plots.KINDS:
        found = sorted((path / "figures").glob(f"{kind}_epoch*.png"))
        if found:
            figures[kind] = found[-1]
    in_sweep = (path.parent / "multirun.yaml").is_file() or (path / "status.json").is_file()  # Optuna writes no multirun.yaml
    sweep = path.parent if in_sweep else None
    timing = [row["seconds"] for row in read_metrics(path / "timing.csv")]
    if timing:
        metrics = {**metrics, "epoch_seconds": statistics.median(timing)}  # the median: the first epoch also traces
    latent = path / LATENT_POINTS
    return Run(path, str(sweep) if sweep else "single runs", settings, int(cfg.seed), read_metrics(path / "metrics.csv"),
               metrics, figures, sorted((path / ANIMATIONS).glob("*.gif")), latent if latent.is_file() else None)


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
    """One row per configuration (seeds pooled): settings, seeds, and per metric (mean, sd, n)."""
    rows: dict[tuple, dict] = {}
    for run in runs:
        row = rows.setdefault(run.configuration, {"group": run.group, **run.settings, "seeds": [], "runs": [], "values": {}})
        row["seeds"].append(run.seed)
        row["runs"].append(run)
        for key, value in run.values.items():
            row["values"].setdefault(key, []).append(float(value))
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
