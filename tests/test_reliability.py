"""Faults lose nothing: the run lock, deterministic runs, corrupt checkpoints, SIGTERM and SIGKILL."""

import os
import random
import signal
import subprocess
import threading
import time

import numpy as np
import pytest
from conftest import run_vae, start_vae

from vaecli.errors import DataError
from vaecli.run import names
from vaecli.run.files import run_lock
from vaecli.run.folder import RunFolder
from vaecli.run.history import read_metrics
from vaecli.train.loop import train


@pytest.mark.slow
def test_a_folder_in_use_is_refused_and_a_stale_lock_taken_over(quick, tmp_path):
    with run_lock(tmp_path):
        with pytest.raises(DataError, match=rf"in use by another vae train \(pid {os.getpid()}\)"):
            train(quick("trainer.epochs=1"), tmp_path)
    (tmp_path / names.LOCK).write_text("999999\n")  # left by a process that was killed
    train(quick("trainer.epochs=1"), tmp_path)
    assert (tmp_path / names.LOCK).read_text() == ""  # released cleanly


@pytest.mark.slow
def test_a_new_run_over_a_finished_one_is_refused_and_the_run_kept(quick, tmp_path):
    train(quick("trainer.epochs=1"), tmp_path)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and p.name != ".lock"}
    with pytest.raises(DataError, match=f"already holds a run; continue it with resume={tmp_path}"):
        train(quick("trainer.epochs=2"), tmp_path)
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and p.name != ".lock"} == before


@pytest.mark.slow
def test_deterministic_runs_write_identical_metrics_files(quick, tmp_path):
    for name in ("a", "b"):
        train(quick("model=mmd", "trainer.deterministic=true", "dataset.validation_size=100"), tmp_path / name)
    assert (tmp_path / "a" / names.METRICS_CSV).read_bytes() == (tmp_path / "b" / names.METRICS_CSV).read_bytes()


@pytest.mark.slow
def test_a_corrupt_newest_checkpoint_falls_back_to_the_one_before(quick, tmp_path):
    train(quick("trainer.epochs=2"), tmp_path)
    newest = sorted((tmp_path / names.CHECKPOINTS).glob("ckpt-24.data-*"))[0]
    newest.write_bytes(newest.read_bytes()[:100])
    train(quick("trainer.epochs=3", f"resume={tmp_path}"), tmp_path)
    assert [r["epoch"] for r in read_metrics(tmp_path / names.METRICS_CSV)] == [1, 2, 3]
    for data in (tmp_path / names.CHECKPOINTS).glob("ckpt-*.data-*"):
        data.write_bytes(b"garbage")
    with pytest.raises(DataError, match="no readable checkpoint"):
        train(quick("trainer.epochs=4", f"resume={tmp_path}"), tmp_path)


def deterministic_args(data, run_dir, epochs):
    return ["train", "model=elbo", "dataset=mnist", f"dataset.path={data}", f"trainer.epochs={epochs}", "trainer.batch_size=10",
            "trainer.steps_per_call=2", "trainer.deterministic=true", "trainer.eval_at_end=false", "trainer.plot_every=100",
            "figures.grid_size=4", "figures.scatter_points=200", f"hydra.run.dir={run_dir}"]


@pytest.fixture(scope="module")
def uninterrupted(tiny_mnist, tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("uninterrupted") / "run"
    result = run_vae(*deterministic_args(tiny_mnist, run_dir, 4), cwd=run_dir.parent)
    assert result.returncode == 0, result.stderr
    return run_dir


def assert_same_run(run_dir, reference):
    assert read_metrics(run_dir / names.METRICS_CSV) == read_metrics(reference / names.METRICS_CSV)
    assert [r["epoch"] for r in read_metrics(run_dir / names.TIMING_CSV)] == [1, 2, 3, 4]
    for a, b in zip(RunFolder(run_dir).load_model().get_weights(), RunFolder(reference).load_model().get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.slow
@pytest.mark.long
def test_sigterm_mid_epoch_saves_a_checkpoint_and_resume_matches(tiny_mnist, tmp_path, uninterrupted):
    run_dir = tmp_path / "run"
    process = start_vae(*deterministic_args(tiny_mnist, run_dir, 4), cwd=tmp_path)
    for line in process.stdout:
        if line.startswith("device:"):  # logged once the handlers are in place, just before the first step
            process.send_signal(signal.SIGTERM)
            break
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert f"vae train: paused: stopped by SIGTERM with a checkpoint; continue with: vae train resume={run_dir}" in err
    steps = [int(p.name.split("-")[1].split(".")[0]) for p in (run_dir / names.CHECKPOINTS).glob("ckpt-*.index")]
    assert max(steps) == 2  # after the first chunk of two steps: mid-epoch
    result = run_vae("train", f"resume={run_dir}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert_same_run(run_dir, uninterrupted)


class Training:
    """A `vae train` process whose output is drained in the background; `started` is set once training begins."""

    def __init__(self, args, cwd):
        self.process = start_vae(*args, cwd=cwd, stderr=subprocess.STDOUT)
        self.started = threading.Event()
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        for line in self.process.stdout:
            if line.startswith("device:"):  # logged just before the first step
                self.started.set()


@pytest.mark.slow
@pytest.mark.long
def test_sigkill_at_random_moments_then_resume_matches(tiny_mnist, tmp_path, uninterrupted):
    """Kill a real training process at random moments, many times in a row, resuming each time."""
    run_dir = tmp_path / "run"
    rng = random.Random(12345)
    # Kill times scale with this machine's speed: a fraction of what the uninterrupted run spent training.
    # Each attempt gets at most 0.35 of the work done, so at least three kills land before the run can finish.
    training_seconds = sum(row["seconds"] for row in read_metrics(uninterrupted / names.TIMING_CSV))
    kills, kills_during_training, started = 0, 0, time.monotonic()
    while kills < 8:
        resumable = (run_dir / names.OVERRIDES).is_file()
        training = Training(["train", f"resume={run_dir}"] if resumable else deterministic_args(tiny_mnist, run_dir, 4),
                            tmp_path)
        during_training = rng.random() > 0.2  # else now and then during start-up, while the folder is set up
        if during_training and training.started.wait(timeout=120):
            time.sleep(rng.uniform(0.05, 0.35) * training_seconds)
        else:
            time.sleep(rng.uniform(0.5, 3.0))
        if training.process.poll() is not None:  # it finished before the kill
            break
        training.process.kill()
        training.process.wait()
        kills += 1
        kills_during_training += during_training
    result = run_vae("train", f"resume={run_dir}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert_same_run(run_dir, uninterrupted)
    print(f"survived {kills} SIGKILLs ({kills_during_training} during training) in {time.monotonic() - started:.0f} s")
    assert kills_during_training >= 3
