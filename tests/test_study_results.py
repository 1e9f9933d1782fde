"""A study committed as it runs (docs/results/map2d/): of each finished job only its results are kept, and the same
sweep started again over those results alone (a fresh clone) finds every job finished and trains nothing."""

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import TINY_TRAIN, run_vae

from vaecli.run import names
from vaecli.run.result_set import RESULT_FILES, finished_results
from vaecli.sweep.callback import CLOCK_SLACK_S

ROOT = Path(__file__).resolve().parent.parent
STUDY = ["experiment=map2d_stage2", "model=elbo,vade", "seed=0,1", "network=conv", "dataset.validation_size=100",
         "trainer.epochs=2", "trainer.eval_at_end=false", "figures.animations=true", *TINY_TRAIN]


def test_the_study_presets_name_their_jobs_from_the_config_and_share_one_folder():
    text = {p.stem: p.read_text() for p in (ROOT / "conf" / "experiment").glob("map2d_*.yaml")}
    assert "dir: docs/results/map2d/runs" in text["map2d_stage1"] and "subdir: ${hydra:runtime.choices.model}_seed${seed}" in text["map2d_stage1"]
    assert "dir: docs/results/map2d/baselines" in text["map2d_baselines"]
    assert "sweep:" not in text["map2d_stage2"]  # stage 2 inherits stage 1's folder: its seed-0 runs are stage 1's


@pytest.mark.slow
@pytest.mark.long
def test_a_sweep_over_committed_results_trains_nothing(tmp_path, tiny_mnist):
    runs = tmp_path / "here" / "runs"
    first = run_vae("train", "-m", *STUDY, f"dataset.path={tiny_mnist}", f"hydra.sweep.dir={runs}", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    finished = finished_results(runs)
    assert sorted(job.name for job in finished) == ["elbo_seed0", "elbo_seed1", "vade_seed0", "vade_seed1"]
    # The preset's own sweep folder replaces the default one, which is never created (once, each composition
    # made an empty outputs/multirun/<time> folder in the user's working folder).
    assert not (tmp_path / "outputs").exists()

    clone = tmp_path / "clone" / "runs"  # what a commit of the results holds, and nothing else
    for job, files in finished.items():
        kept = {path.relative_to(job).as_posix() for path in files}
        assert {names.CONFIG, names.STATUS, names.METRICS_CSV, f"{names.ANIMATIONS}/{names.LATENT_HISTORY}"} <= kept
        assert not any(k.startswith((names.CHECKPOINTS, names.TENSORBOARD)) or k == names.MODEL for k in kept)
        assert sum(k.startswith(names.FIGURES) for k in kept) == len({p.name.split("_epoch")[0] for p in (job / names.FIGURES).iterdir()})
        for path in files:
            (clone / job.name / path.relative_to(job)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, clone / job.name / path.relative_to(job))
    before = {p: p.read_bytes() for p in clone.rglob("*") if p.is_file()}
    time.sleep(CLOCK_SLACK_S + 0.5)  # statuses written within the slack of a launch's start count as that launch's

    again = run_vae("train", "-m", *STUDY, f"dataset.path={tiny_mnist}", f"hydra.sweep.dir={clone}", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("finished in an earlier launch: skipped") == 4, again.stdout
    assert "4 finished in earlier launches" in again.stdout
    assert {p: p.read_bytes() for p in before} == before  # not one committed file changed
    assert not any((clone / job).joinpath(names.CHECKPOINTS).exists() for job in ("elbo_seed0", "vade_seed1"))
    assert not (tmp_path / "outputs").exists()


def test_the_result_set_is_named_by_the_run_package_only():
    assert all(isinstance(name, str) for name in RESULT_FILES)
    source = (ROOT / "docs" / "results" / "map2d" / "commit_finished.py").read_text()
    assert "result_set" in source and not any(f'"{name}"' in source for name in RESULT_FILES)


def test_commit_finished_stages_only_results_in_a_real_repository(tmp_path):
    repo = tmp_path / "repo"
    study = repo / "docs" / "results" / "map2d"
    study.mkdir(parents=True)
    for name in (".gitignore", "commit_finished.py"):
        shutil.copy2(ROOT / "docs" / "results" / "map2d" / name, study / name)
    job = study / "runs" / "elbo_seed0"
    (job / names.FIGURES).mkdir(parents=True)
    (job / names.CHECKPOINTS).mkdir()
    (job / names.STATUS).write_text('{"state": "finished", "job": "job 0"}\n')
    (job / names.CONFIG).write_text("seed: 0\n")
    for epoch in (1, 7):
        (job / names.FIGURES / names.figure_name("latent_scatter", epoch)).write_bytes(b"png")
    (job / names.CHECKPOINTS / "ckpt-1.index").write_bytes(b"x")
    unfinished = study / "runs" / "mmd_seed0"
    unfinished.mkdir()
    (unfinished / names.STATUS).write_text('{"state": "running", "job": "job 1"}\n')
    git = ["git", "-c", "user.email=t@t", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    result = subprocess.run([sys.executable, str(study / "commit_finished.py")], cwd=repo, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "staged 3 files of 1 finished jobs" in result.stdout
    staged = subprocess.run(["git", "diff", "--cached", "--name-only"], cwd=repo, capture_output=True, text=True).stdout.split()
    assert sorted(staged) == sorted(f"docs/results/map2d/runs/elbo_seed0/{p}" for p in
                                    (names.STATUS, names.CONFIG, f"{names.FIGURES}/{names.figure_name('latent_scatter', 7)}"))
    untracked = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=repo, capture_output=True, text=True).stdout
    assert "checkpoints" not in untracked and "mmd_seed0" not in untracked  # working state stays ignored
