"""`vae bench`: vaecli's training throughput beside two baselines, as a share of this machine's arithmetic.

In one process, on the same real images, architecture and batch size:
  vaecli/elbo, vaecli/mmd   vaecli's own compiled training steps and input pipeline (vaecli.train.steps);
  tutorial/elbo             TensorFlow's CVAE tutorial style: a tf.function per batch, the loss fetched
                            to the host every step, no prefetch;
  keydana/elbo              the style of Keydana's posts: eager, float64;
  torch/elbo                the same model in a plain PyTorch loop (vaecli.bench.torch_peer), where PyTorch is installed;
and any vaecli variants the config names (XLA, bfloat16, one step per call, a network layout, ...);
the candidates themselves live in vaecli/bench/candidates.py. Candidates take turns epoch by epoch (interleaved), so
a slow spell of a shared machine hits all of them alike; each reports the median images/s of its
timed epochs. Also measured in the same run: the fp32 matrix-multiply rate (the machine's practical
peak), each model's training FLOPs per image from its layer shapes, the share of time spent waiting
on input, and peak resident memory.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import keras
import psutil
import tensorflow as tf

from vaecli.bench.candidates import (
    default_config,
    matmul_gflops,
    seeds_candidate,
    torch_candidate,
    tutorial_candidate,
    vaecli_candidate,
)
from vaecli.bench.layers import layer_table, layer_times
from vaecli.bench.whole_epoch import parts_table, scratch_folder, whole_epoch_candidates
from vaecli.config.schemas import BenchConfig, TrainerConfig
from vaecli.data import load_dataset
from vaecli.run.files import atomic_write_text

log = logging.getLogger(__name__)
TORCH_MISSING = "torch/elbo skipped: PyTorch is not installed (pip install -e '.[torch]')"

# ---------------------------------------------------------------- the run


class PeakMemory:
    """Samples this process's resident memory in a thread; `peak_mb` since the last reset."""

    def __init__(self, interval: float = 0.05):
        self.process, self.interval, self.peak, self.baseline = psutil.Process(), interval, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self):
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def reset(self):
        self.peak = self.baseline = self.process.memory_info().rss

    @property
    def peak_mb(self) -> float:
        return max(self.peak, self.process.memory_info().rss) / 2**20

    @property
    def added_mb(self) -> float:
        return self.peak_mb - self.baseline / 2**20

    def __enter__(self):
        self.reset()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()


def run_benchmark(cfg: BenchConfig, out_dir: Path) -> dict:
    keras.utils.set_random_seed(cfg.seed)
    data = load_dataset(cfg.dataset, seed=cfg.seed)
    images = data.train_images[: cfg.images]
    log.info(f"bench: {len(images)} {data.name} images per epoch, batch {cfg.trainer.batch_size}, "
             f"{cfg.rounds} timed rounds after {cfg.warmup_rounds} warm-up")
    peak = matmul_gflops(cfg.matmul_size)
    log.info(f"bench: fp32 matmul {cfg.matmul_size}x{cfg.matmul_size}: {peak:.1f} GFLOP/s")

    with PeakMemory() as memory, scratch_folder() as scratch:
        # vae train's own epochs first: a Trainer starts by clearing Keras' session
        candidates = whole_epoch_candidates(cfg, images, data.test_images, Path(scratch)) if cfg.whole_epoch_models else []
        if cfg.steps:
            candidates += step_candidates(cfg, images)
        for candidate in candidates:  # warm-up (tracing) one by one, measuring the memory each adds
            memory.reset()
            for epoch in range(cfg.warmup_rounds):
                candidate.run_epoch(epoch, False)
            candidate.rss_added_mb = memory.added_mb
        for round_number in range(cfg.rounds):  # interleaved timed rounds
            for candidate in candidates:
                candidate.seconds.append(candidate.run_epoch(cfg.warmup_rounds + round_number, False))
                if candidate.measures_input:
                    candidate.synthetic_seconds.append(candidate.run_epoch(cfg.warmup_rounds + round_number, True))
            log.info(f"bench: round {round_number + 1}/{cfg.rounds} done")
        for candidate in candidates:
            candidate.close()
        process_peak = memory.peak_mb

    results = {c.name: c.result(peak) for c in candidates}
    for name, result in results.items():  # whole epochs against vaecli/elbo's whole epoch, steps against its steps
        base = results.get("vaecli/elbo whole epoch" if name.endswith("whole epoch") else "vaecli/elbo", result)["images_per_s"]
        result["vaecli_elbo_speedup_over_this"] = round(base / result["images_per_s"], 2)
    report = {
        "machine": {"cpus": psutil.cpu_count(), "tensorflow": tf.__version__, "matmul_gflops": round(peak, 1),
                    "load_average": [round(x, 2) for x in psutil.getloadavg()]},
        "settings": {"images_per_epoch": len(images), "batch_size": cfg.trainer.batch_size, "rounds": cfg.rounds,
                     "seeds_batches": cfg.seeds_batches, "trainer": dataclasses.asdict(cfg.trainer), "variants": cfg.variants},
        "results": results,
        "process_peak_rss_mb": round(process_peak),
        "skipped": [] if any(name.startswith("torch/") for name in results) or not cfg.steps else [TORCH_MISSING],
    }
    if cfg.steps:
        report["layers"] = layer_times(cfg.trainer.batch_size, images.shape[1:], cfg.latent_dim, rounds=4 * cfg.rounds)
    if cfg.train_memory:
        report["full_training_run"] = full_run_memory(cfg)
    atomic_write_text(out_dir / "bench.json", json.dumps(report, indent=2) + "\n")
    print(table(report))
    return report


def step_candidates(cfg: BenchConfig, images) -> list:
    """The training-step candidates: vaecli's objectives and variants, the tutorial's, the posts', PyTorch's."""
    candidates = []
    for model in cfg.models:
        candidates.append(vaecli_candidate(f"vaecli/{model}", default_config(model, cfg.trainer, cfg.latent_dim, cfg.seed), images))
    for name, changes in cfg.variants.items():  # trainer settings, and network ones under `network`
        changes = dict(changes)
        network = dict(changes.pop("network", None) or {})
        trainer = TrainerConfig(**{**cfg.trainer.__dict__, **changes})
        config = default_config("elbo", trainer, cfg.latent_dim, cfg.seed, network)
        candidates.append(vaecli_candidate(f"vaecli/elbo {name}", config, images))
    candidates.append(tutorial_candidate(images, cfg.trainer.batch_size, cfg.latent_dim))
    candidates.append(seeds_candidate(images, cfg.trainer.batch_size, cfg.latent_dim, cfg.seeds_batches))
    peer = torch_candidate(images, cfg.trainer.batch_size, cfg.latent_dim)
    if peer is None:
        log.warning(f"bench: {TORCH_MISSING}")
    else:
        candidates.append(peer)
    return candidates


def full_run_memory(cfg: BenchConfig) -> dict:
    """Peak resident memory of a real `vae train` epoch on the whole dataset, in a child process."""
    with tempfile.TemporaryDirectory() as scratch:
        command = [sys.executable, "-m", "vaecli", "train", f"dataset={cfg.dataset.name}", "trainer.epochs=1", "trainer.quiet=true",
                   "trainer.eval_at_end=false", f"hydra.run.dir={scratch}/run"]
        if cfg.dataset.path:
            command.append(f"dataset.path={cfg.dataset.path}")
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        process, peak, started = psutil.Process(child.pid), 0, time.perf_counter()
        while child.poll() is None:
            try:
                peak = max(peak, process.memory_info().rss)
            except psutil.NoSuchProcess:
                break
            time.sleep(0.05)
        if child.returncode:
            return {"error": ((child.stderr.read() if child.stderr else "") or "").strip().splitlines()[-1:]}
    return {"peak_rss_mb": round(peak / 2**20), "seconds": round(time.perf_counter() - started, 1), "epochs": 1}


def table(report: dict) -> str:
    lines = [
        f"fp32 matmul peak: {report['machine']['matmul_gflops']} GFLOP/s on {report['machine']['cpus']} CPUs",
        f"{'candidate':<32}{'images/s':>10}{'GFLOP/s':>9}{'of peak':>9}{'input wait':>11}{'+RSS MB':>9}{'vaecli/elbo is':>16}",
    ]
    for name in report.get("skipped", []):
        lines.append(name)
    for name, r in report["results"].items():
        wait = "-" if r["input_wait_share"] is None else f"{r['input_wait_share']:.0%}"
        lines.append(f"{name:<32}{r['images_per_s']:>10.0f}{r['gflops']:>9.1f}{r['share_of_matmul_peak']:>9.0%}{wait:>11}"
                     f"{r['rss_added_mb']:>9}{r['vaecli_elbo_speedup_over_this']:>15.2f}x")
    if parts := parts_table(report["results"]):
        lines.append(parts)
    if "layers" in report:
        lines.append(layer_table(report["layers"]))
    if "full_training_run" in report:
        lines.append(f"full training run (1 epoch, whole dataset): {report['full_training_run']}")
    return "\n".join(lines)
