"""Cores and GPUs per job: parallel jobs on one machine share it instead of each taking all of it.

TensorFlow sizes its thread pools to every core the process may use, so two joblib workers on a
2-core machine would run four busy threads on two cores. Each job therefore takes the cores its
launcher gives it: a joblib launcher's cores / n_jobs, a submitit job's cpus_per_task, a Ray task's
num_cpus. A job that runs alone (the basic launcher, or a single run) keeps TensorFlow's default.
"""

from __future__ import annotations

import logging
import os

log = logging.getLogger(__name__)


def available_cores() -> int:
    """Cores this process may run on (a SLURM or taskset allocation, not the whole machine)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS
        return os.cpu_count() or 1


def _joblib(launcher) -> int | None:
    jobs = int(launcher.get("n_jobs") or 1)
    if jobs < 0:  # joblib: -1 is every core, -2 all but one, ...
        jobs = max(1, available_cores() + 1 + jobs)
    return max(1, available_cores() // jobs)


def _submitit(launcher) -> int | None:
    return launcher.get("cpus_per_task")


def _ray(launcher) -> int | None:
    remote = (launcher.get("ray") or {}).get("remote") or {}
    return remote.get("num_cpus")


# Launcher class (the last part of its _target_) -> the cores one of its jobs may use.
CORES_PER_JOB = {
    "JoblibLauncher": _joblib,
    "LocalLauncher": _submitit,
    "SlurmLauncher": _submitit,
    "RayLauncher": _ray,
}


def job_threads(threads: int | None, launcher) -> int | None:
    """TensorFlow threads for this job: `trainer.threads` if set, else what its launcher allows (None: all)."""
    if threads is not None:
        return threads
    if launcher is None:
        return None
    rule = CORES_PER_JOB.get(str(launcher.get("_target_", "")).rsplit(".", 1)[-1])
    cores = rule(launcher) if rule else None
    return int(cores) if cores else None


def configure_devices(threads: int | None, gpu_memory_growth: bool) -> None:
    """Apply the thread count and GPU memory growth before TensorFlow starts its runtime.

    A reused worker process (joblib runs several jobs per worker) has started it already: the
    settings of its first job still hold, and they are the same for every job of one launcher.
    """
    import tensorflow as tf

    try:
        if threads is not None:
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(max(1, threads // 2))
        if gpu_memory_growth:
            for gpu in tf.config.list_physical_devices("GPU"):
                tf.config.experimental.set_memory_growth(gpu, True)
    except RuntimeError as ex:  # "cannot be modified after initialization"
        log.debug(f"TensorFlow already initialised in this process; keeping its settings ({ex})")
