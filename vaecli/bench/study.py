"""`vae bench study.models=[elbo,mmd,beta_tcvae,wae]`: what a small study costs, whole, on this machine.

The study (`vae train -m model=<each of study.models>`, study.images training images x study.epochs each) runs
as a whole `vae train -m` process for every combination of launcher (serial: Hydra's basic launcher, one job
after another; parallel: joblib with study.parallel jobs at once) and precision (trainer.precision), in turns,
study.rounds times. Wall clock, start-up, data, tracing, figures and checkpoints included, so that a user can
scale a full study's time from it: seconds per job-epoch = wall time / (jobs x epochs).
"""

from __future__ import annotations

import itertools
import json
import logging
import statistics
import sys
import tempfile
from pathlib import Path

import psutil

from vaecli.bench.sweep_speedup import timed_sweep
from vaecli.run.files import atomic_write_text

log = logging.getLogger(__name__)


def study_command(cfg, study_dir: Path, launcher: str, precision: str) -> list[str]:
    study = cfg.study
    command = [sys.executable, "-m", "vaecli", "train", "-m", f"model={','.join(study.models)}", f"seed={cfg.seed}",
               f"dataset={cfg.dataset.name}", f"dataset.train_size={study.images}", f"trainer.epochs={study.epochs}",
               f"trainer.precision={precision}", "trainer.quiet=true", f"trainer.eval_at_end={str(study.eval_at_end).lower()}",
               f"latent_dim={cfg.latent_dim}", f"hydra.sweep.dir={study_dir}"]
    for key in ("path", "test_size"):  # where the data is; a smaller test split for a quicker look
        if getattr(cfg.dataset, key):
            command.append(f"dataset.{key}={getattr(cfg.dataset, key)}")
    if launcher == "parallel":
        command += ["hydra/launcher=parallel", f"hydra.launcher.n_jobs={study.parallel}"]
    return command


def run_study_benchmark(cfg, out_dir: Path) -> dict:
    study = cfg.study
    combinations = [f"{launcher} {precision}" for launcher, precision in itertools.product(study.launchers, study.precisions)]
    seconds: dict[str, list[float]] = {name: [] for name in combinations}
    loads: dict[str, list[float]] = {name: [] for name in combinations}
    with tempfile.TemporaryDirectory(prefix="vae-bench-study-") as scratch:
        for round_number in range(study.rounds):
            order = combinations if round_number % 2 == 0 else combinations[::-1]  # alternate who goes first
            for name in order:
                launcher, precision = name.split()
                folder = Path(scratch) / f"{launcher}-{precision}-{round_number}"
                loads[name].append(round(psutil.getloadavg()[0], 2))
                seconds[name].append(timed_sweep(study_command(cfg, folder, launcher, precision)))
                log.info(f"bench study: round {round_number + 1}/{study.rounds} {name}: {seconds[name][-1]:.1f} s "
                         f"(load average {loads[name][-1]} before)")
    medians = {name: statistics.median(values) for name, values in seconds.items()}
    job_epochs = len(study.models) * study.epochs
    report = {
        "settings": {"models": list(study.models), "images": study.images, "epochs": study.epochs, "parallel_jobs": study.parallel,
                     "eval_at_end": study.eval_at_end, "dataset": cfg.dataset.name, "rounds": study.rounds, "cpus": psutil.cpu_count()},
        "seconds": {name: [round(s, 1) for s in values] for name, values in seconds.items()},
        "load_average_before": loads,
        "median_seconds": {name: round(s, 1) for name, s in medians.items()},
        "seconds_per_job_epoch": {name: round(s / job_epochs, 2) for name, s in medians.items()},
    }
    atomic_write_text(out_dir / "bench_study.json", json.dumps(report, indent=2) + "\n")
    print(study_table(report))
    return report


def study_table(report: dict) -> str:
    s = report["settings"]
    fastest = min(report["median_seconds"].values())
    lines = [f"study: {len(s['models'])} objectives ({', '.join(s['models'])}) x {s['epochs']} epochs of {s['images']} "
             f"{s['dataset']} images, evaluation {'on' if s['eval_at_end'] else 'off'}, median of {s['rounds']}",
             f"{'launcher precision':<32}{'seconds':>10}{'s/job-epoch':>13}{'vs fastest':>12}"]
    for name, median in report["median_seconds"].items():
        lines.append(f"{name:<32}{median:>10.1f}{report['seconds_per_job_epoch'][name]:>13.2f}{median / fastest:>11.2f}x")
    return "\n".join(lines)
