"""The `tracker` group's schema (tracker=none|mlflow): where a copy of every run goes besides its folder."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass
class TrackerConfig:
    """An experiment tracker that also receives every run's config, losses, metrics and files (docs/tracking.md).

    The run folder stays the record; the tracker holds a copy, and a tracker that fails never stops training.
    """

    # none | mlflow (conf/tracker/, one module each in vaecli/track/). none: the run folder and TensorBoard are the
    # record, and nothing else needs installing.
    name: str = "none"
    # Where runs are stored. None: sqlite:///<folder vae started in>/outputs/mlflow.db, one SQLite database beside the
    # run folders that every run and sweep started there shares (MLflow's default store since 3.7); a sweep's jobs
    # take the URI that its launching process chose, wherever they run. Or any MLflow URI, e.g. http://host:5000.
    tracking_uri: Optional[str] = None
    experiment: str = "vaecli"  # one experiment per study keeps its runs on one page of the MLflow UI
    # Where a new experiment keeps its files. None: mlartifacts/ beside a SQLite database (MLflow itself would use
    # ./mlruns under whatever folder a job runs in); a server's own default for other URIs.
    artifact_location: Optional[str] = None
    artifacts: bool = True  # copy figures, animations and model.keras into the store (a few MB a run)

    def __post_init__(self) -> None:
        from vaecli.track import check

        check(self)
