"""Structured-config schemas: every option vaecli reads, its type, default and valid range.

The YAML files in conf/ choose values; these dataclasses say what a value may be.
Hydra checks types while it composes the config; `vaecli.config.store.to_object` builds
the dataclasses, whose `__post_init__` checks ranges, so a bad value stops the run
with a one-line `ConfigError` before any data is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from omegaconf import MISSING

from vaecli.config.bench import StudyBenchConfig  # `vae bench study.*`
from vaecli.data.schema import DatasetConfig  # the dataset group's schema, beside its sources
from vaecli.errors import require as _require
from vaecli.errors import require_choice as _choice
from vaecli.errors import require_positive as _positive
from vaecli.evaluate.schema import DisentanglementConfig  # eval.disentanglement's sample counts, beside the metrics
from vaecli.models.precision import PRECISIONS  # beside its detection
from vaecli.track.schema import TrackerConfig  # the tracker group's schema, beside the trackers

ON_NONFINITE = ("stop", "skip")
STRATEGIES = ("default", "mirrored")


@dataclass
class EarlyStoppingConfig:
    # Stop when the validation loss has not improved for this many epochs, and keep the best
    # epoch's weights in model.keras. None: off (Keydana's posts train a fixed number of epochs);
    # the Keras VAE tutorial uses 2. Needs dataset.validation_size > 0.
    patience: Optional[int] = None
    min_delta: float = 0.0  # an improvement smaller than this does not count

    def __post_init__(self) -> None:
        if self.patience is not None:
            _positive("trainer.early_stopping.patience", self.patience, "2")


@dataclass
class TrainerConfig:
    epochs: int = 50  # Keydana's posts' 50
    batch_size: int = 100  # Keydana's posts' 100
    # Adam 1e-3, not Keydana's 1e-4: on Fashion-MNIST it reaches that setting's best validation loss in
    # 4-5 epochs instead of 20, and ends better (docs/performance.md, Time to quality). experiment=keydana_* keep 1e-4.
    learning_rate: float = 1e-3
    plot_every: int = 10  # Keydana's posts drew figures every 10 epochs; the last epoch always draws
    # Figures and GIFs rendered on a thread beside the next epoch's training (vaecli/train/drawing.py); the model's
    # share of them stays on the training thread. false: all of it on the training thread, in the plot epoch.
    draw_in_background: bool = True
    # Training steps fused into one compiled call: fewer Python round trips per epoch;
    # the progress bar moves once per call.
    steps_per_call: int = 50
    eval_batch_size: int = 1000  # no gradients, so larger batches are cheap; images above 28x28 get fewer (vaecli/data/pipeline.py: fitting_batch)
    quiet: bool = False  # no progress bar, one summary line per epoch (for sweeps and logs)
    jit_compile: bool = False  # XLA for the training step; helps on GPUs, not on this CPU
    # float32 | mixed_bfloat16 | mixed_float16 | auto (mixed_bfloat16 where the GPU, compute capability >= 8.0,
    # or the CPU, AVX512-BF16/AMX, has fast bfloat16; else float32; vaecli/models/precision.py). float32 stays the
    # default: in the precision A/B (docs/performance.md, Precision) bfloat16 trained 1.4x faster here but lost up
    # to 3.3 nats of test ELBO at latent_dim 2, beyond the seed-to-seed spread, and a study compares runs across
    # machines. The saved config.yaml holds what auto chose.
    precision: str = "float32"
    deterministic: bool = False  # TensorFlow's op determinism: same seed, same bits (slower)
    on_nonfinite: str = "stop"  # a NaN/Inf loss: stop with the last good checkpoint, or skip the step
    keep_checkpoints: int = 3  # older ones are pruned by tf.train.CheckpointManager
    eval_at_end: bool = True  # run `vae eval` on the finished run
    # tf.distribute: "default" trains on one device (the first GPU, else the CPU); "mirrored" on all
    # visible GPUs with MirroredStrategy (global batch_size, split across the replicas).
    strategy: str = "default"
    # TensorFlow's intra-op threads (inter-op: half as many, at least 1). None: this machine's cores
    # divided by the jobs that share it (a joblib launcher's n_jobs), so parallel jobs do not
    # oversubscribe the CPU; all cores for a job that runs alone.
    threads: Optional[int] = None
    # Allocate GPU memory as needed instead of all of it at start, so that parallel jobs can share a GPU.
    gpu_memory_growth: bool = True
    early_stopping: EarlyStoppingConfig = field(default_factory=EarlyStoppingConfig)

    def __post_init__(self) -> None:
        _positive("trainer.epochs", self.epochs, "50")
        _positive("trainer.batch_size", self.batch_size, "100")
        _positive("trainer.learning_rate", self.learning_rate, "1e-3")
        _positive("trainer.plot_every", self.plot_every, "10")
        _positive("trainer.steps_per_call", self.steps_per_call, "50")
        _positive("trainer.eval_batch_size", self.eval_batch_size, "1000")
        _positive("trainer.keep_checkpoints", self.keep_checkpoints, "3")
        if self.precision == "auto":
            from vaecli.models.precision import auto_precision

            self.precision = auto_precision()
        _choice("trainer.precision", self.precision, (*PRECISIONS, "auto"))
        _choice("trainer.on_nonfinite", self.on_nonfinite, ON_NONFINITE)
        _choice("trainer.strategy", self.strategy, STRATEGIES)
        if self.threads is not None:
            _positive("trainer.threads", self.threads, "1")


@dataclass
class FiguresConfig:
    grid_size: int = 16  # decoded latent grid, grid_size x grid_size images
    # The grid spans the prior's central mass: N(0,1) quantiles from q to 1-q on each axis.
    grid_quantile: float = 0.05
    sample_grid: int = 8  # random prior samples, sample_grid x sample_grid
    reconstructions: int = 10  # test images shown above their reconstructions
    scatter_points: int = 10000  # test codes in the latent scatter (all of a 10k test split)
    # animations/*.gif and latent_points.npz (vaecli/visual/run_animations.py): a few seconds per plot on a CPU; false skips them
    animations: bool = True

    def __post_init__(self) -> None:
        _positive("figures.grid_size", self.grid_size, "16")
        _require(0 < self.grid_quantile < 0.5, f"figures.grid_quantile must be in (0, 0.5), got {self.grid_quantile}")
        _positive("figures.sample_grid", self.sample_grid, "8")
        _positive("figures.reconstructions", self.reconstructions, "10")
        _positive("figures.scatter_points", self.scatter_points, "10000")


@dataclass
class EvalConfig:
    """Options of `vae eval` (also run at the end of `vae train`, as its `eval` node)."""

    iw_samples: int = 100  # K of the importance-weighted log p(x) bound
    iw_subset: int = 1000  # test images for the IW bound (it costs K decoder passes each)
    prior_samples: int = 10000  # decoded prior samples for the Frechet distance and diversity
    knn_neighbours: list[int] = field(default_factory=lambda: [1, 5])
    probe_max_iter: int = 1000  # logistic-regression probe iterations
    mmd_samples: int = 2000  # codes and N(0, I) draws for the prior-fit MMD
    confidence: float = 0.9  # a decoded grid cell counts as a recognisable object at this confidence
    batch_size: int = 500
    # Datasets with known factors: the disentanglement metrics' sample counts (vaecli/evaluate/disentanglement.py).
    disentanglement: DisentanglementConfig = field(default_factory=DisentanglementConfig)
    classifier_cache: Optional[str] = None  # None: ~/.cache/vaecli/classifiers ($VAECLI_CACHE, $XDG_CACHE_HOME)

    def __post_init__(self) -> None:
        _positive("eval.iw_samples", self.iw_samples, "100")
        _positive("eval.iw_subset", self.iw_subset, "1000")
        _positive("eval.prior_samples", self.prior_samples, "10000")
        _positive("eval.mmd_samples", self.mmd_samples, "2000")
        _positive("eval.batch_size", self.batch_size, "500")
        _require(all(k > 0 for k in self.knn_neighbours), "eval.knn_neighbours must be positive, e.g. [1,5]")
        _require(0 < self.confidence < 1, f"eval.confidence must be in (0, 1), got {self.confidence}")


@dataclass
class TrainConfig:
    """The root of `vae train`'s config."""

    model: Any = MISSING  # the objective's schema, chosen by model=<name> (vaecli/models/objectives/)
    network: Any = MISSING  # a NETWORK_SCHEMAS entry, chosen by network=conv|conv64|mlp
    likelihood: Any = MISSING  # a likelihood schema (vaecli/models/likelihoods.py), chosen by likelihood=<name>
    dataset: DatasetConfig = MISSING
    trainer: TrainerConfig = field(default_factory=TrainerConfig)
    figures: FiguresConfig = field(default_factory=FiguresConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    tracker: TrackerConfig = field(default_factory=TrackerConfig)  # chosen by tracker=none|mlflow (conf/tracker/)
    latent_dim: int = 2  # Keydana's 2-D latents, which can be plotted directly
    seed: int = 0
    resume: Optional[str] = None  # a run folder to continue from its last checkpoint
    # What `vae train` returns to a sweeper (Optuna optimises it): a column of the last epoch's
    # metrics.csv (test/loss, test/elbo, ...) or a `vae eval` metric (knn5_accuracy, prior_mmd, ...;
    # vaecli/evaluate/metric_names.py). test/loss is defined for every objective.
    sweep_metric: str = "test/loss"

    def __post_init__(self) -> None:
        _positive("latent_dim", self.latent_dim, "2")
        _require(self.seed >= 0, f"seed must be >= 0, got {self.seed}; e.g. seed=0")
        if self.model is not MISSING and self.likelihood is not MISSING:
            from vaecli.models.objectives import get

            get(self.model.name).check(self.model, self.likelihood.name)
        self._check_sweep_metric()
        _require(
            self.trainer.early_stopping.patience is None or self.dataset is MISSING or self.dataset.validation_size > 0,
            "trainer.early_stopping.patience needs a validation split to watch; add dataset.validation_size=5000",
        )


    def _check_sweep_metric(self) -> None:
        from vaecli.evaluate.metric_names import EPOCH_COLUMN, EVAL_METRICS

        known = bool(EPOCH_COLUMN.match(self.sweep_metric)) or self.sweep_metric in EVAL_METRICS
        _require(known, f"sweep_metric={self.sweep_metric} is not a metric vaecli reports; use test/loss, "
                        f"test/<loss part>, or one of {', '.join(sorted(EVAL_METRICS))}")
        _require(self.trainer.eval_at_end or self.sweep_metric not in EVAL_METRICS,
                 f"sweep_metric={self.sweep_metric} comes from vae eval; keep trainer.eval_at_end=true")


@dataclass
class EvalCommandConfig(EvalConfig):
    """The root of `vae eval`'s config: the eval options and the run to measure."""

    run: str = MISSING  # the run folder: vae eval run=outputs/<run>
    # Where the metrics go besides metrics.json: none unless chosen (tracker=mlflow), never the store a run's
    # tracker.json names by itself (a run folder from elsewhere is data: docs/reliability.md).
    tracker: TrackerConfig = field(default_factory=TrackerConfig)


@dataclass
class ReportConfig:
    """The root of `vae report`'s config."""

    dirs: list[str] = field(default_factory=lambda: ["outputs"])  # folders searched for runs, recursively
    out: Optional[str] = None  # None: report.html in the first of dirs
    title: str = "vaecli runs"
    markdown: Optional[str] = None  # also write the configurations table as Markdown here
    # The Markdown table's metric columns, by key (e.g. [knn5_accuracy,prior_mmd]); None: every one measured.
    columns: Optional[list[str]] = None
    # false: figures, animations and latent views are linked beside the page and load as they are seen, so a
    # 200-run study's page stays small and opens at once (docs/big-studies.md); true: one self-contained file
    # (every figure inside, ~1 MB a run) to send a few runs to someone.
    embed: bool = False


@dataclass
class SweepBenchConfig:
    """`vae bench sweep.jobs=8`: the same sweep of short runs, serial and on the joblib launcher, in turns."""

    jobs: int = 0  # jobs per sweep (seed=0..jobs-1); 0: no sweep benchmark, time training steps instead
    parallel: int = 2  # the joblib launcher's n_jobs (this machine's 2 cores)
    images: int = 5000  # training images per job
    epochs: int = 2  # epochs per job
    rounds: int = 2  # serial and parallel sweeps alternate this many times; the medians count

    def __post_init__(self) -> None:
        _require(self.jobs >= 0, f"sweep.jobs must be >= 0, got {self.jobs}; e.g. sweep.jobs=8")
        for key in ("parallel", "images", "epochs", "rounds"):
            _positive(f"sweep.{key}", getattr(self, key), "2")


@dataclass
class BenchConfig:
    """The root of `vae bench`'s config."""

    dataset: DatasetConfig = MISSING
    trainer: TrainerConfig = field(default_factory=TrainerConfig)  # vaecli's settings under test
    latent_dim: int = 2
    seed: int = 0
    models: list[str] = field(default_factory=lambda: ["elbo", "mmd"])  # objectives timed with their defaults
    images: int = 20000  # training images per timed epoch (a third of Fashion-MNIST keeps rounds short)
    warmup_rounds: int = 1  # untimed epochs first: tracing and allocation
    rounds: int = 5  # timed epochs per candidate, interleaved; the median counts
    seeds_batches: int = 40  # the eager float64 baseline is slow: it times this many batches per round
    matmul_size: int = 2048  # fp32 matrix product for the machine's peak
    # vaecli/elbo again with other trainer settings, e.g. {xla: {jit_compile: true}}
    variants: dict[str, dict[str, Any]] = field(default_factory=dict)
    train_memory: bool = True  # also run one real `vae train` epoch on the whole dataset for its peak memory
    # Instead of timing: folders of finished runs with a validation split; prints when each reached
    # its best validation loss (time to quality) and where early stopping would have stopped.
    time_to_quality: Optional[list[str]] = None
    sweep: SweepBenchConfig = field(default_factory=SweepBenchConfig)
    study: StudyBenchConfig = field(default_factory=StudyBenchConfig)
    # `vae train`'s whole epochs (test pass, checkpoint, figures) of these objectives, beside the tutorial's
    whole_epoch_models: list[str] = field(default_factory=lambda: ["elbo", "mmd"])
    steps: bool = True  # false: whole epochs only (no training-step candidates, no layer table), a quicker look

    def __post_init__(self) -> None:
        from vaecli.models.objectives import get

        for model in [*self.models, *self.whole_epoch_models, *self.study.models]:
            get(model)  # a one-line error naming the known ones
        for key in ("images", "rounds", "seeds_batches", "matmul_size"):
            _positive(f"{key}", getattr(self, key), "1")
        _require(self.warmup_rounds >= 0, f"warmup_rounds must be >= 0, got {self.warmup_rounds}")
