"""Every file name of a run folder, in one place: nothing outside vaecli.run spells them.

    <run>/
      config.yaml         the resolved TrainConfig (vaecli.config.schemas), written once the run is accepted
      overrides.yaml      the command line's overrides, so that `resume=` can replay them
      run.json            provenance: versions, git commit, data fingerprint, device, command line
      status.json         running | finished | failed | interrupted, with the pid and host that wrote it
      metrics.csv         one row per epoch: every loss part on train, validation and test
      timing.csv          seconds per epoch and its parts (apart, so that deterministic runs have identical metrics.csv)
      metrics.json        `vae eval`'s metrics
      model.keras         the final model
      checkpoints/        tf.train.CheckpointManager (best/ holds early stopping's best epoch)
      early_stopping.json where early stopping stopped, and its best epoch
      tensorboard/        scalars and figures per epoch
      figures/            <kind>_epochNNN.png
      animations/         latent_evolution.gif, interpolation.gif, traversal.gif, latent_history.npz
      latent_points.npz   a fixed test subset's 2-D codes, labels, images and reconstructions
      codes.npz           `vae embed`'s map: train and test codes and labels (run.json says kind: embedding)
      tracker.json        the run's experiment-tracker run (vaecli/track/): its store and id, so a resume continues it
      train.log, eval.log the commands' logs (embed.log in an embedding run)
      .lock               held while a process trains (or evaluates) the run
"""

from __future__ import annotations

from pathlib import Path

CONFIG = "config.yaml"
OVERRIDES = "overrides.yaml"
HYDRA_RECORD = ".hydra"  # run folders written before vaecli kept its own record: .hydra/overrides.yaml
RUN_INFO = "run.json"
STATUS = "status.json"
METRICS_CSV = "metrics.csv"
TIMING_CSV = "timing.csv"
# timing.csv's columns: epoch, seconds (the training steps, as before these parts), <part>_seconds for each part
# below, and total_seconds (the whole epoch); vaecli/train/epoch_parts.py says what each part holds.
TIMING_PARTS = ("train", "test", "figures", "frames", "checkpoint", "tracking")
METRICS_JSON = "metrics.json"
MODEL = "model.keras"
CHECKPOINTS = "checkpoints"
BEST_CHECKPOINT = "best"  # under CHECKPOINTS
TENSORBOARD = "tensorboard"
FIGURES = "figures"
ANIMATIONS = "animations"
LATENT_HISTORY = "latent_history.npz"  # under ANIMATIONS
LATENT_POINTS = "latent_points.npz"
CODES = "codes.npz"  # an embedding run's (vae embed) codes; it has no model, metrics.csv or checkpoints
EMBEDDING_KIND = "embedding"  # run.json's `kind` in a `vae embed` folder; a VAE run's run.json has none
NONFINITE_BATCH = "nonfinite_batch.npz"
EARLY_STOPPING = "early_stopping.json"  # where early stopping stopped, and its best epoch
LOCK = ".lock"
LOGS = ("train.log", "eval.log", "embed.log")
# A sweep folder's own files, beside its jobs' folders.
TRIALS = "trials.csv"  # an Optuna study's trials
OPTUNA_STORAGE = "optuna.db"  # an Optuna study's SQLite storage (conf/hparams_search/*.yaml: hydra.sweeper.storage)
OPTUNA_RESULTS = "optimization_results.yaml"  # hydra-optuna-sweeper's best parameters and value
MULTIRUN = "multirun.yaml"  # Hydra's record of a sweep
# A run's experiment-tracker run (its store and id), and in a sweep folder the sweep's parent run, which its jobs
# find there from any process (vaecli/track/).
TRACKER = "tracker.json"
# MLflow's default artifact store, beside outputs/mlflow.db (vaecli/track/mlflow.py): copies of runs' files, not runs,
# which `vae report outputs` and `load_runs("outputs")` skip.
TRACKER_ARTIFACTS = "mlartifacts"


def tracker_artifacts_beside(store_file: Path) -> Path:
    """MLflow's default artifact store for a SQLite store file: mlartifacts/ beside it."""
    return store_file.parent / TRACKER_ARTIFACTS


def in_tracker_store(path: Path, root: Path) -> bool:
    """Whether `path` (under `root`) lies in a tracker's artifact store rather than being a run folder."""
    return TRACKER_ARTIFACTS in path.relative_to(root).parts


def figure_name(kind: str, epoch: int) -> str:
    """figures/<kind>_epochNNN.png"""
    return f"{kind}_epoch{epoch:03d}.png"


def figure_glob(kind: str) -> str:
    return f"{kind}_epoch*.png"
