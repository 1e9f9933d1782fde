"""The runs a report shows: found and read by the run package (vaecli/run/), shaped for the page, pooled over seeds.

The report has no reader of its own: RunFolder.under finds the run folders, vaecli.run.api.Run (the Python API's
type) reads each, and vaecli/run/damage.py says which files are damaged. What is here is presentation: a run's
group, settings and values (Entry), configurations pooled over seeds, what differs. A file that cannot be read
never stops the report: a run without a readable config.yaml or metrics.csv is listed as damaged (Damaged, with
the file named) and left out; any other damaged file is named in the entry's `problems` and the rest shows.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from vaecli.errors import ConfigError
from vaecli.run import names
from vaecli.run.api import Run
from vaecli.run.damaged_file import DamagedFile
from vaecli.run.folder import RunFolder
from vaecli.run.overrides import flatten

SETTINGS = ["model", "dataset", "latent_dim", "variant", "train_size", "epochs"]
# Config keys that SETTINGS (or the seed column) already show, or that every run has its own of (`resume`: the
# folder a resumed run continued, which a sweep sets for each job it resumes).
SHOWN_KEYS = {"model.name", "dataset.name", "latent_dim", "dataset.train_size", "trainer.epochs", "seed", "method.name",
              "train_points", "resume"}
KINDS = {"vae": "VAE runs", names.EMBEDDING_KIND: "maps"}  # vaecli.run.api.Run.kind, as the page names a kind's runs


@dataclass
class Entry:
    """One run as the page shows it: the run (read through vaecli.run.api.Run) and what the page takes from it,
    read once. A setting that does not apply to the run's kind (a map's epochs) is None."""

    run: Run
    group: str  # the sweep folder, or "single runs"
    settings: dict
    seed: int
    history: list[dict]
    metrics: dict
    figures: dict[str, Path] = field(default_factory=dict)  # kind -> latest figure
    animations: list[Path] = field(default_factory=list)  # <run>/animations/*.gif
    view: Path | None = None  # what the interactive view draws: latent_points.npz, or a map's codes.npz
    config: dict = field(default_factory=dict)  # the whole config, flattened: "trainer.learning_rate" -> 0.001
    info: dict = field(default_factory=dict)  # run.json: provenance, whichever keys the run has
    state: str | None = None  # status.json's state: running, finished, failed or interrupted
    problems: list[str] = field(default_factory=list)  # "metrics.json: <why>" per file that could not be read

    @property
    def path(self) -> Path:
        return self.run.path

    @property
    def kind(self) -> str:
        return self.run.kind

    @property
    def is_map(self) -> bool:
        return self.kind == names.EMBEDDING_KIND  # a `vae embed` run: t-SNE, UMAP or PCA codes, no model, no epochs

    @property
    def values(self) -> dict:
        final = {k: v for k, v in (self.history[-1] if self.history else {}).items() if k.startswith("test/")}
        return {**final, **{k: v for k, v in self.metrics.items() if isinstance(v, (int, float))}}

    @property
    def configuration(self) -> tuple:
        return (self.group, *(str(self.settings.get(key)) for key in SETTINGS))

    def points(self) -> dict:
        """The interactive view's points: the latent points, or the map's test codes (checked when found)."""
        if self.is_map:
            codes = self.run.codes
            return {"codes": codes["test_codes"], "labels": codes["test_labels"],
                    "class_names": codes.get("class_names", [str(k) for k in range(int(codes["test_labels"].max()) + 1)])}
        return self.run.latent_points


@dataclass
class Damaged:
    """A run folder the report cannot show: the file that failed, and why."""

    path: Path
    file: str
    reason: str


def find_runs(folders: list[Path]) -> list[Entry]:
    """Every readable run under the given folders."""
    return scan(folders)[0]


def scan(folders: list[Path]) -> tuple[list[Entry], list[Damaged]]:
    """The runs under `folders`, and the run folders whose config.yaml or metrics.csv cannot be read."""
    runs, damaged = [], []
    for folder in folders:
        if not folder.is_dir():
            raise ConfigError(f"dirs: {folder} is not a folder; pass folders that hold vaecli runs, e.g. dirs=[outputs]")
        for found in RunFolder.under(folder):
            try:
                runs.append(_entry(Run(found.path)))
            except DamagedFile as error:
                damaged.append(Damaged(found.path, _name(error.path, found.path), error.reason))
    return runs, damaged


def _name(path: Path, run: Path) -> str:
    """A file as the page names it: its path inside the run folder."""
    return path.relative_to(run).as_posix() if path.is_relative_to(run) else path.name


def _entry(run: Run) -> Entry:
    """The run as the page shows it; a DamagedFile if its config (or a VAE run's metrics.csv) cannot be read."""
    folder, is_map = run.folder, run.kind == names.EMBEDDING_KIND
    if is_map:
        settings, config = _map_settings(run)
        history: list[dict] = []
    else:
        cfg = run.config
        settings = {"model": cfg.model.name, "dataset": cfg.dataset.name, "latent_dim": cfg.latent_dim, "variant": variant(cfg),
                    "train_size": cfg.dataset.train_size or "all", "epochs": cfg.trainer.epochs}
        config = flatten(dataclasses.asdict(cfg))
        if not folder.metrics_csv.is_file():
            state = f"the run is {job.state}" if (job := _job(run)) else "no status.json either"
            raise DamagedFile(folder.metrics_csv, f"missing: no epoch finished ({state})")
        history = run.epochs
    bad = {damage.path: damage for damage in run.damaged_files()}
    metrics = {} if folder.metrics_json in bad else run.metrics
    timing = [row["seconds"] for row in ([] if folder.timing_csv in bad else run.timing) if "seconds" in row]
    if timing:
        metrics = {**metrics, "epoch_seconds": statistics.median(timing)}  # the median: the first epoch also traces
    view = folder.codes if is_map else folder.latent_points
    job = None if folder.status_file in bad else _job(run)
    return Entry(run, str(run.sweep) if run.sweep else "single runs", settings, run.seed, history, metrics,
                 {kind: path for kind, path in run.figures.items() if path not in bad},
                 [path for path in run.animations if path not in bad],
                 view if view.is_file() and view not in bad else None, config,
                 {} if folder.run_info in bad else run.provenance, job.state if job else None,
                 [f"{_name(damage.path, run.path)}: {damage.reason}" for damage in bad.values()])


def _job(run: Run):
    try:
        return run.job
    except DamagedFile:
        return None  # named in the run's problems


def _map_settings(run: Run) -> tuple[dict, dict]:
    """A `vae embed` run's settings and config: its method stands where a VAE's objective does; no epochs."""
    from vaecli.embed.config import load_embed_config

    try:  # typed by the map's own schema, from the file the run package reads (bounded, literal)
        cfg = load_embed_config(run.folder.config)
    except DamagedFile:
        raise
    except Exception as error:  # noqa: BLE001  an unknown method, a wrong type: OmegaConf and the schema fail many ways
        raise DamagedFile(run.folder.config, error) from None
    options = {k: v for k, v in dataclasses.asdict(cfg.method).items() if k != "name"}
    settings = {"model": cfg.method.name, "dataset": cfg.dataset.name, "latent_dim": 2,
                "variant": ", ".join(f"{k}={_compact(v)}" for k, v in options.items()) + f"; {cfg.method.name} map",
                "train_size": cfg.train_points or cfg.dataset.train_size or "all", "epochs": None}
    return settings, flatten(dataclasses.asdict(cfg))


def config_columns(runs: list[Entry]) -> list[str]:
    """The config keys whose values differ between runs of one kind (an Optuna study's parameters, a sweep's
    overrides), beyond those SETTINGS shows. Each kind has its own keys (a VAE's trainer.*, a map's method.*): a
    key is a column where it differs among the runs of a kind, so a map beside a VAE adds none of the VAE's."""
    columns: dict[str, None] = {}
    for kind in dict.fromkeys(run.kind for run in runs):
        same = [run for run in runs if run.kind == kind]
        keys = dict.fromkeys(key for run in same for key in run.config)
        differ = {key for key in keys if len({repr(run.config.get(key)) for run in same}) > 1}
        # a group's options differ anyway where the group itself does (elbo's kl beside mmd's kernel): its name says it
        chosen = {key.rsplit(".", 1)[0] for key in differ if key.endswith(".name")}
        columns.update(dict.fromkeys(key for key in keys if key in differ and key not in SHOWN_KEYS
                                     and not key.endswith(".name") and key.rsplit(".", 1)[0] not in chosen))
    return list(columns)


def variant(cfg) -> str:
    """The options that tell runs of one objective apart: its own options, the likelihood and the network."""
    options = {k: v for k, v in dataclasses.asdict(cfg.model).items() if k != "name"}
    text = ", ".join(f"{k}={_compact(v)}" for k, v in options.items())
    return f"{text}; {cfg.likelihood.name}, {cfg.network.name}"


def _compact(value) -> str:
    if isinstance(value, dict):
        return "{" + ",".join(f"{k}={_compact(v)}" for k, v in value.items()) + "}"
    return f"{value:g}" if isinstance(value, float) else str(value)


def aggregate(runs: list[Entry]) -> list[dict]:
    """One row per configuration (seeds pooled): settings, seeds, and per metric (mean, sd, n). Runs whose other
    config values differ (an Optuna trial's learning rate, say) are configurations of their own."""
    rows: dict[tuple, dict] = {}
    keys = config_columns(runs)
    for run in runs:
        config = {key: run.config[key] for key in keys if key in run.config}  # only its own kind's keys
        row = rows.setdefault((run.kind, *run.configuration, *(repr(run.config.get(key)) for key in keys)),
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


def varying(runs: list[Entry]) -> tuple[list[str], dict]:
    """The settings that tell these runs apart, and those all runs share (name -> value). A setting that does not
    apply to a run's kind (None: a map has no epochs) tells nothing apart."""
    found = {key: {str(run.settings[key]) for run in runs if run.settings[key] is not None} for key in SETTINGS}
    differ = [key for key in SETTINGS if len(found[key]) > 1]
    return differ, {key: runs[0].settings[key] for key in SETTINGS
                    if len(found[key]) == 1 and all(run.settings[key] is not None for run in runs)}


def kind_settings(runs: list[Entry]) -> dict[str, dict]:
    """Settings that only some kinds have and their runs share: kind -> {name: value} (the VAE runs' epochs=3)."""
    differ, same = varying(runs)
    out: dict[str, dict] = {}
    for key in SETTINGS:
        having = [run for run in runs if run.settings[key] is not None]
        if key not in differ and key not in same and having:
            for kind in dict.fromkeys(run.kind for run in having):
                out.setdefault(kind, {})[key] = having[0].settings[key]
    return out


def plural(n: int, noun: str) -> str:
    """'1 run', '4 runs'."""
    return f"{n} {noun}" + ("" if n == 1 else "s")
