"""What of a finished run is its result, to keep (in a repository, an archive) when the rest is working state.

A study committed as it runs (docs/results/map2d/) keeps, of each finished job, what a sweep needs to recognise
it as finished and what the report and a results page read: the config and its overrides, the status, the
provenance record, the metrics per epoch and their timing, `vae eval`'s metrics, early stopping's record, the
latent points and the codes' history, an embedding's codes, and each kind of figure at its last epoch. Not the
checkpoints, the TensorBoard events, the per-epoch figures, the GIFs, the logs or the model (a reference run adds
`model.keras` by choice: `result_files(..., model=True)`).
"""

from __future__ import annotations

from pathlib import Path

from vaecli.run import names
from vaecli.run.folder import RunFolder
from vaecli.run.status import read as read_status

RESULT_FILES = (names.CONFIG, names.OVERRIDES, names.STATUS, names.RUN_INFO, names.METRICS_CSV, names.TIMING_CSV,
                names.METRICS_JSON, names.EARLY_STOPPING, names.LATENT_POINTS, names.CODES,
                f"{names.ANIMATIONS}/{names.LATENT_HISTORY}")


def is_finished(folder: Path | str) -> bool:
    status = read_status(Path(folder))
    return status is not None and status.state == "finished"


def result_files(folder: Path | str, model: bool = False) -> list[Path]:
    """The result files that a finished run folder holds (those of RESULT_FILES that exist, the last figure of each kind)."""
    run = RunFolder(folder)
    files = [run / name for name in RESULT_FILES if (run / name).is_file()]
    kinds = sorted({path.name.rsplit("_epoch", 1)[0] for path in run.figures.glob(names.figure_glob("*"))})
    files += sorted(run.latest_figures(kinds).values())
    return files + ([run.model] if model and run.model.is_file() else [])


def finished_results(sweep_dir: Path | str) -> dict[Path, list[Path]]:
    """Every finished job folder of a sweep folder and its result files."""
    return {job: result_files(job) for job in sorted(Path(sweep_dir).iterdir()) if job.is_dir() and is_finished(job)}
