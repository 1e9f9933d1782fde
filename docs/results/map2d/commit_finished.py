"""Stage the results of the 2-D map study's finished jobs for a commit (git add -f: their folders are ignored).

    python docs/results/map2d/commit_finished.py            # then: git commit -m "map2d: <what finished>"

runs/ holds both stages' VAE runs (conf/experiment/map2d_stage1.yaml, map2d_stage2.yaml), baselines/ the t-SNE,
UMAP and PCA maps (map2d_baselines.yaml), reference/ the runs shipped with their model. Of each finished job only
its results are added (vaecli.run.result_set): a fresh clone's sweep then finds the job finished and skips it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from vaecli.run.result_set import finished_results, result_files

HERE = Path(__file__).resolve().parent


def staged() -> dict[Path, list[Path]]:
    """Every finished job folder of the study and its result files."""
    jobs: dict[Path, list[Path]] = {}
    for part in ("runs", "baselines"):
        if (HERE / part).is_dir():
            jobs.update(finished_results(HERE / part))
    if (HERE / "reference").is_dir():
        jobs.update({job: result_files(job, model=True) for job in sorted((HERE / "reference").iterdir()) if job.is_dir()})
    return jobs


def main() -> int:
    jobs = staged()
    files = [str(path) for paths in jobs.values() for path in paths]
    if files:
        subprocess.run(["git", "add", "-f", "--", *files], check=True, cwd=HERE)
    print(f"staged {len(files)} files of {len(jobs)} finished jobs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
