"""`vae bench sweep.jobs=8`: what a parallel launcher buys a sweep of short runs on this machine.

The same `vae train -m seed=0,...` sweep runs with Hydra's basic launcher (one job after another,
each with all cores) and with the joblib launcher (hydra/launcher=parallel: n_jobs jobs at once,
cores / n_jobs TensorFlow threads each), alternating, so that a slow spell of a shared machine hits
both alike. Each is timed as a whole process, wall clock: start-up, data, tracing and figures count.
"""

from __future__ import annotations

import json
import logging
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from vaecli.config.schemas import BenchConfig
from vaecli.errors import VaeError
from vaecli.run.files import atomic_write_text

log = logging.getLogger(__name__)


def sweep_command(cfg: BenchConfig, sweep_dir: Path, parallel: bool) -> list[str]:
    sweep = cfg.sweep
    command = [sys.executable, "-m", "vaecli", "train", "-m", f"seed={','.join(map(str, range(sweep.jobs)))}",
               "model=elbo", f"dataset={cfg.dataset.name}", f"dataset.train_size={sweep.images}",
               f"trainer.epochs={sweep.epochs}", "trainer.quiet=true", "trainer.eval_at_end=false",
               f"latent_dim={cfg.latent_dim}", f"hydra.sweep.dir={sweep_dir}"]
    if cfg.dataset.path:
        command.append(f"dataset.path={cfg.dataset.path}")
    if parallel:
        command += ["hydra/launcher=parallel", f"hydra.launcher.n_jobs={sweep.parallel}"]
    return command


def timed_sweep(command: list[str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if result.returncode:
        last = (result.stderr.strip().splitlines() or ["no error output"])[-1]
        raise VaeError(f"the benchmark's sweep failed ({last}); run it alone to see more: {' '.join(command[1:])}")
    return time.perf_counter() - started


def run_sweep_benchmark(cfg: BenchConfig, out_dir: Path) -> dict:
    sweep = cfg.sweep
    seconds: dict[str, list[float]] = {"serial": [], "parallel": []}
    with tempfile.TemporaryDirectory() as scratch:
        for round_number in range(sweep.rounds):
            order = ("serial", "parallel") if round_number % 2 == 0 else ("parallel", "serial")
            for kind in order:
                folder = Path(scratch) / f"{kind}{round_number}"
                seconds[kind].append(timed_sweep(sweep_command(cfg, folder, kind == "parallel")))
                log.info(f"bench sweep: round {round_number + 1}/{sweep.rounds} {kind}: {seconds[kind][-1]:.1f} s")
    serial, parallel = statistics.median(seconds["serial"]), statistics.median(seconds["parallel"])
    report = {
        "settings": {"jobs": sweep.jobs, "parallel_jobs": sweep.parallel, "images": sweep.images, "epochs": sweep.epochs,
                     "dataset": cfg.dataset.name, "rounds": sweep.rounds},
        "seconds": {kind: [round(s, 1) for s in values] for kind, values in seconds.items()},
        "median_seconds": {"serial": round(serial, 1), "parallel": round(parallel, 1)},
        "speedup": round(serial / parallel, 2),
    }
    atomic_write_text(out_dir / "bench_sweep.json", json.dumps(report, indent=2) + "\n")
    print(f"{sweep.jobs}-job sweep ({sweep.images} {cfg.dataset.name} images x {sweep.epochs} epochs each): "
          f"serial {serial:.1f} s, joblib n_jobs={sweep.parallel} {parallel:.1f} s (medians of {sweep.rounds}): "
          f"{serial / parallel:.2f}x")
    return report
