"""Sweeps beyond one process: what each job records, and what the launching process makes of it.

Hydra's own launchers (joblib, submitit, Ray) and sweepers (basic, Optuna) run the jobs; vaecli
writes no scheduler. What it adds works the same whether a job runs in the launching process,
in a joblib worker, on a SLURM node or in a Ray actor:

    status.py     each job's state in its folder (status.json): running, finished, failed, interrupted
    job.py        how a sweep job runs: skip it if finished, resume it from its checkpoint, record it
    callback.py   the Hydra callback in the launching process: names the failed jobs, writes the
                  Optuna study's trials table, fails the sweep if any job failed
    resources.py  TensorFlow threads per job (cores shared among parallel jobs), GPU memory growth
"""
