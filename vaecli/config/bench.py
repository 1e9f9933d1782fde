"""`vae bench`'s sub-schemas for whole studies: `vae bench study.models=[...]` (vaecli/bench/study.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from vaecli.errors import require as _require
from vaecli.errors import require_positive as _positive
from vaecli.models.precision import PRECISIONS


@dataclass
class StudyBenchConfig:
    """A small study (models x epochs of images) run whole, as `vae train -m`, for each launcher and precision."""

    # Objectives of the study; [] (the default): no study benchmark. e.g. study.models=[elbo,mmd,beta_tcvae,wae]
    models: list[str] = field(default_factory=list)
    images: int = 20000  # training images per job: a third of Fashion-MNIST keeps a study to minutes
    epochs: int = 3  # epochs per job: enough that start-up is not the whole cost
    launchers: list[str] = field(default_factory=lambda: ["serial", "parallel"])  # basic launcher | joblib (n_jobs)
    parallel: int = 2  # the joblib launcher's n_jobs (this machine's 2 cores)
    precisions: list[str] = field(default_factory=lambda: ["float32", "mixed_bfloat16"])  # trainer.precision of each study
    eval_at_end: bool = False  # training only by default; true adds each job's `vae eval` (docs/performance.md, Start-up)
    rounds: int = 1  # each combination runs this many times, in turns; the medians count

    def __post_init__(self) -> None:
        for key in ("images", "epochs", "parallel", "rounds"):
            _positive(f"study.{key}", getattr(self, key), "2")
        for launcher in self.launchers:
            _require(launcher in ("serial", "parallel"), f"study.launchers: {launcher!r} is not serial or parallel")
        for precision in self.precisions:
            _require(precision in PRECISIONS, f"study.precisions: {precision!r} is not one of {', '.join(PRECISIONS)}")
