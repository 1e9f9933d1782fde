"""Run folders as Python objects, for notebooks: `vaecli.load_run(path)` and `vaecli.load_runs(folder)`.

    import vaecli
    run = vaecli.load_run("outputs/2026-12-01_10-00-00_mmd_fashion")
    run.config.latent_dim, run.status, run.provenance["git"]
    run.history.plot(x="epoch", y=["train/loss", "test/loss"])      # a pandas DataFrame, one row per epoch
    z = run.model.encode(images)                                    # the Keras model: encode, decode, sample
    table = vaecli.load_runs("outputs/multirun/2026-12-01_10-00-00")  # one row per run: config values and metrics

Reading never changes a run folder, runs no code from it and resolves nothing in it. A damaged file (empty, a
cut row, a wrong type: vaecli/run/damage.py) raises vaecli.errors.DataError naming it (load_run), or fills the
`damaged` column of its row (load_runs), so that one broken run never hides the others. Both kinds of run folder
load: `vae train`'s and `vae embed`'s (run.kind).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import numpy.typing as npt

from vaecli.errors import DataError
from vaecli.run import names
from vaecli.run.arrays import read_codes, read_latent_points
from vaecli.run.damage import found, problems
from vaecli.run.damaged_file import DamagedFile
from vaecli.run.folder import RunFolder
from vaecli.run.json_csv_readers import EpochRow
from vaecli.run.overrides import Scalar

if TYPE_CHECKING:  # for the annotations only: pandas, TensorFlow and the config load when they are asked for
    import pandas as pd

    from vaecli.models.networks import VAE
    from vaecli.run.folder import TrainConfig  # RunFolder.read_config's type (run/ may not import config/)
    from vaecli.run.status import JobStatus

FIGURE_KINDS = ("latent", "grid", "samples", "reconstructions", "factors", "traversal")


class Model:
    """A run's trained VAE with the three views a notebook needs; `.keras` is the Keras model itself."""

    def __init__(self, keras_model: VAE) -> None:
        self.keras = keras_model
        self.latent_dim = keras_model.latent_dim
        self.image_shape = keras_model.image_shape

    def encode(self, x: npt.ArrayLike, batch_size: int = 1000) -> np.ndarray:
        """Codes (N, latent_dim) of images shaped (N, *image_shape) (one-channel models also take (N, height, width)
        or flat rows): uint8 in [0, 255], scaled to [0, 1], or floats in [0, 1]. Anything else is a DataError
        saying what the model takes (vaecli/models/inputs.py)."""
        from vaecli.models.inputs import checked_images
        from vaecli.models.networks import encode_images

        return cast(np.ndarray, encode_images(self.keras, checked_images(x, self.image_shape), batch_size))  # numpy, float32

    def decode(self, z: npt.ArrayLike, batch_size: int = 1000) -> np.ndarray:
        """Images (N, *image_shape), pixel means in [0, 1], of codes (N, latent_dim) (or one code, (latent_dim,))."""
        from vaecli.models.inputs import checked_codes
        from vaecli.models.networks import decode_codes

        return cast(np.ndarray, decode_codes(self.keras, checked_codes(z, self.latent_dim), batch_size))  # numpy, float32

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """n images decoded from codes drawn from the model's own prior."""
        import tensorflow as tf

        sample_prior = cast(Callable[[int, Any], Any], self.keras.sample_prior)  # not annotated; tf's types are Any
        codes = sample_prior(n, tf.random.Generator.from_seed(seed))
        return self.decode(codes.numpy())


class Run:
    """One run folder: its config, history, metrics, figures, status, provenance and model, each read when asked."""

    def __init__(self, path: Path | str):
        self.folder = RunFolder(Path(path))
        self.path = self.folder.path
        if not self.folder.config.is_file():
            raise DataError(f"{self.path} is not a vaecli run folder (no {names.CONFIG}); pass a folder that `vae train` wrote")

    def __repr__(self) -> str:
        return f"<vaecli Run {self.path} ({self.kind}, {self.status})>"

    @property
    def kind(self) -> str:
        """"vae" for a `vae train` run, "embedding" for a `vae embed` map (t-SNE, UMAP, PCA: codes, no model)."""
        return "embedding" if self.folder.is_embedding() else "vae"

    @functools.cached_property
    def config(self) -> TrainConfig | Any:
        """The typed TrainConfig (vaecli.config.schemas) it was trained with; an embedding run's stored config as
        it is (an OmegaConf DictConfig, read literally: vaecli.embed.config.load_embed_config types it).
        Typed `TrainConfig | Any`: a DictConfig's options are attributes mypy cannot know (they read as Any), and
        callers that branch on `kind` (vaecli/report/runs.py) use a VAE run's config as the TrainConfig it is."""
        if self.kind == "embedding":
            return self.folder.read_stored_config()
        return self.folder.read_config()

    @property
    def history(self) -> pd.DataFrame:
        """Per-epoch loss parts (metrics.csv) joined with the seconds each epoch took (timing.csv): a DataFrame."""
        import pandas as pd

        history = pd.DataFrame(self.folder.read_history())
        timing = pd.DataFrame(self.folder.read_timing())
        if len(history) and len(timing):
            history = history.merge(timing, on="epoch", how="left")
        return history

    @property
    def metrics(self) -> dict[str, Any]:
        """`vae eval`'s metrics (metrics.json); empty if the run was not evaluated."""
        return self.folder.read_metrics()

    @property
    def figures(self) -> dict[str, Path]:
        """kind (latent, grid, samples, reconstructions, ...) -> the last epoch's PNG."""
        return self.folder.latest_figures(FIGURE_KINDS)

    @property
    def animations(self) -> list[Path]:
        return self.folder.animation_files()

    @property
    def latent_points(self) -> dict[str, np.ndarray]:
        """The fixed test subset the run follows: `images`, `reconstructions` (uint8), `codes` (2-D), `labels`,
        `class_names` (latent_points.npz; empty if the run drew no animations)."""
        return read_latent_points(self.folder.latent_points) if self.folder.latent_points.is_file() else {}

    @property
    def codes(self) -> dict[str, np.ndarray]:
        """An embedding run's map: `train_codes`, `test_codes` (N, 2), their `train_labels`, `test_labels`, and
        `class_names` (codes.npz; empty for a VAE run, or a map not yet fitted)."""
        return read_codes(self.folder.codes) if self.folder.codes.is_file() else {}

    @property
    def status(self) -> str:
        """running | finished | failed | interrupted; "unknown" for folders written before statuses; "damaged" if
        status.json cannot be read (load_runs names it in `damaged`)."""
        try:
            found = self.folder.read_status()
        except DataError:
            return "damaged"
        return found.state if found is not None else "unknown"

    @property
    def job(self) -> JobStatus | None:
        """status.json as a vaecli.run.status.JobStatus (state, job, value, error); None if there is none."""
        return self.folder.read_status()

    @property
    def seed(self) -> int:
        return int(self.config.seed)

    @property
    def epochs(self) -> list[EpochRow]:
        """metrics.csv: a dict of numbers per finished epoch (`history` without pandas; empty for an embedding)."""
        return self.folder.read_history()

    @property
    def timing(self) -> list[EpochRow]:
        """timing.csv: the seconds each epoch took, and its parts."""
        return self.folder.read_timing()

    @property
    def sweep(self) -> Path | None:
        """The sweep folder this run is a job of (Hydra's multirun.yaml beside it, or a status naming its job, as
        Optuna's sweeps write no multirun.yaml); None for a single run."""
        if RunFolder(self.path.parent).multirun.is_file():
            return self.path.parent
        try:
            job = self.folder.read_status()
        except DataError:
            return None
        return self.path.parent if job is not None and job.job is not None else None

    def damaged_files(self) -> list[DamagedFile]:
        """Every damaged file of the run (vaecli/run/damage.py), each with its `path` and `reason`; empty if none."""
        return found(self.folder, config_read="config" in self.__dict__)  # `config` read (and cached) well already

    @property
    def provenance(self) -> dict[str, Any]:
        """run.json: vaecli version, git commit, data fingerprint, library versions, device, command line."""
        return self.folder.read_run_info()

    @functools.cached_property
    def model(self) -> Model:
        """The final model (model.keras), loaded on first use; TensorFlow's start-up log is hidden as `vae` hides it."""
        from vaecli.quiet_tf import import_tensorflow_quietly

        cast(Callable[[], object], import_tensorflow_quietly)()  # vaecli/quiet_tf.py is not annotated; its module is unused here
        return Model(self.folder.load_model())

    def summary(self) -> dict[str, Scalar]:
        """One flat row: the config's values (dotted keys), the last epoch's test/val values, the metrics."""
        from omegaconf import OmegaConf

        from vaecli.run.overrides import flatten

        row: dict[str, Scalar] = {"path": str(self.path), "kind": self.kind, "status": self.status}
        row.update(flatten(dict(OmegaConf.to_container(OmegaConf.structured(self.config)))))  # type: ignore[arg-type]  # a structured config is a mapping
        last = self.folder.read_history()[-1:] or [{}]
        row.update({key: value for key, value in last[0].items() if key == "epoch" or key.startswith(("test/", "val/"))})
        row.update({key: value for key, value in self.metrics.items() if isinstance(value, (int, float))})
        return row


def load_run(path: Path | str) -> Run:
    """The run folder at `path` as a Run."""
    return Run(path)


def find_run_folders(folder: Path | str) -> list[Path]:
    """Every run folder under `folder` (itself included): a config.yaml beside metrics, a checkpoint or a map."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder} is not a folder; pass a folder that holds vaecli runs, e.g. outputs/")
    return [run.path for run in RunFolder.under(folder) if run.holds_run() or run.metrics_json.is_file()]


def load_runs(folder: Path | str) -> pd.DataFrame:
    """Every run under `folder` as one DataFrame: a row per run, columns for config values and metrics, and
    `damaged` naming what could not be read (empty when all is well)."""
    import pandas as pd

    rows: list[dict[str, Scalar]] = []
    for path in find_run_folders(folder):
        try:
            rows.append({**Run(path).summary(), "damaged": "; ".join(problems(RunFolder(path)))})
        except DataError as ex:
            rows.append({"path": str(path), "status": "damaged", "damaged": str(ex)})
    frame = pd.DataFrame(rows)
    front = [c for c in ("path", "kind", "status", "model.name", "dataset.name", "latent_dim", "seed") if c in frame.columns]
    return frame[front + [c for c in frame.columns if c not in front]]

