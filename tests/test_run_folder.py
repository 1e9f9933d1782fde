"""The run folder as a contract: refused commands change nothing, every run its own folder, damaged files named,
no evaluation of a run that is still training, and file names spelled only in vaecli/run/."""

from __future__ import annotations

import multiprocessing
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, run_vae, start_vae

from vaecli.errors import DataError
from vaecli.run import names
from vaecli.run.creation import recording, unique_dir
from vaecli.run.folder import RunFolder


def snapshot(folder: Path) -> dict:
    """Every file's bytes and every folder's presence: what a refused command must leave as it was."""
    return {p.relative_to(folder): (p.read_bytes() if p.is_file() else None) for p in sorted(folder.rglob("*"))}


def typed(config_name: str, *overrides: str):
    """The typed config `vae <command>` would run (the `compose` fixture, usable in module-scoped fixtures)."""
    from hydra import compose, initialize_config_module

    from vaecli.config.store import register_schemas, to_object

    register_schemas()
    with initialize_config_module(version_base="1.3", config_module="vaecli.conf"):
        return to_object(compose(config_name, overrides=list(overrides)))


def error_line(result) -> str:
    return result.stderr.strip().splitlines()[-1] if result.stderr.strip() else ""


# ---------------------------------------------------------------- every run its own folder


def _make(args):
    base, _ = args
    with recording():  # as in a `vae` command, which takes away a folder it made and left empty
        made = unique_dir(base)
        Path(made, "train.log").touch()
    return made


def test_folders_created_at_once_are_all_distinct(tmp_path):
    base = str(tmp_path / "outputs" / "2026-01-01_00-00-00_mmd_fashion")
    with multiprocessing.get_context("spawn").Pool(8) as pool:
        made = pool.map(_make, [(base, i) for i in range(16)])
    assert len(set(made)) == 16 and all(Path(p).is_dir() for p in made)
    assert sorted(Path(p).name for p in made)[:2] == ["2026-01-01_00-00-00_mmd_fashion", "2026-01-01_00-00-00_mmd_fashion_10"]


@pytest.mark.slow
def test_two_runs_started_together_each_get_their_own_folder(tiny_mnist, tmp_path):
    """Two `vae train` resolving the same folder name at the same moment: both train, neither loses its folder."""
    name = tmp_path / "outputs" / "same_second"
    args = ["dataset=mnist", f"dataset.path={tiny_mnist}", "trainer.epochs=1", "trainer.batch_size=100",
            "trainer.eval_at_end=false", "trainer.quiet=true", "figures.animations=false", "figures.scatter_points=200",
            f"hydra.run.dir=${{unique_dir:{name}}}"]
    started = [start_vae("train", *args, f"seed={seed}", cwd=tmp_path) for seed in (0, 1)]
    results = [p.communicate(timeout=600) for p in started]
    assert [p.returncode for p in started] == [0, 0], [err for _, err in results]
    folders = sorted((tmp_path / "outputs").iterdir())
    assert [f.name for f in folders] == ["same_second", "same_second_2"]
    seeds = sorted(RunFolder(f).read_config().seed for f in folders)
    assert seeds == [0, 1]
    for folder in folders:
        assert RunFolder(folder).model.is_file() and len(RunFolder(folder).read_history()) == 1


@pytest.mark.slow
def test_two_runs_into_one_named_folder_leave_one_complete_run(tiny_mnist, tmp_path):
    """The same hydra.run.dir twice at once: one trains, the other is refused, and the folder keeps the run."""
    run = tmp_path / "run"
    args = ["dataset=mnist", f"dataset.path={tiny_mnist}", "trainer.epochs=2", "trainer.batch_size=100",
            "trainer.eval_at_end=false", "trainer.quiet=true", "figures.animations=false", f"hydra.run.dir={run}"]
    started = [start_vae("train", *args, f"seed={seed}", cwd=tmp_path) for seed in (0, 1)]
    results = [p.communicate(timeout=600) for p in started]
    codes = sorted(p.returncode for p in started)
    assert codes == [0, 3], results
    refused = results[[p.returncode for p in started].index(3)][1]
    assert re.search(r"in use by another vae train|already holds a run", refused)
    assert RunFolder(run).model.is_file() and [r["epoch"] for r in RunFolder(run).read_history()] == [1, 2]


# ---------------------------------------------------------------- a refused command changes nothing


@pytest.mark.slow
def test_refused_commands_leave_the_run_folder_as_it_was(tiny_mnist, tmp_path):
    run = tmp_path / "run"
    base = ["dataset=mnist", f"dataset.path={tiny_mnist}", "trainer.batch_size=100", "trainer.eval_at_end=false",
            "trainer.quiet=true", "figures.animations=false", "figures.scatter_points=200"]
    assert run_vae("train", *base, "trainer.epochs=1", f"hydra.run.dir={run}", cwd=tmp_path).returncode == 0
    before = snapshot(run)

    changed_model = run_vae("train", f"resume={run}", "latent_dim=8", cwd=tmp_path)
    assert changed_model.returncode == 2 and "was trained with latent_dim=2, not 8" in error_line(changed_model)
    assert snapshot(run) == before

    new_run_into_it = run_vae("train", *base, f"hydra.run.dir={run}", "model=elbo", cwd=tmp_path)
    assert new_run_into_it.returncode == 3 and "already holds a run" in error_line(new_run_into_it)
    assert snapshot(run) == before

    # and the run can still be continued, with what it was trained with
    resumed = run_vae("train", f"resume={run}", "trainer.epochs=2", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert [r["epoch"] for r in RunFolder(run).read_history()] == [1, 2]
    assert RunFolder(run).read_config().latent_dim == 2


# ---------------------------------------------------------------- damaged files are named


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory, tiny_mnist):
    from vaecli.train.loop import train

    run = tmp_path_factory.mktemp("finished") / "run"
    train(typed("train", "dataset=mnist", f"dataset.path={tiny_mnist}", "trainer.epochs=1", "trainer.batch_size=100",
                        "trainer.quiet=true", "trainer.eval_at_end=false", "figures.scatter_points=200"), run,
          overrides=["trainer.epochs=1"])
    return run


DAMAGE = {
    names.CONFIG: b"model: [unclosed\n",
    names.METRICS_CSV: b"epoch,train/loss\n1,not-a-number\n",
    names.MODEL: b"PK\x03\x04 not a keras archive",
    names.METRICS_JSON: b"{\"metrics\": ",
    names.LATENT_POINTS: b"PK\x03\x04 truncated",
}


@pytest.mark.parametrize("name", sorted(DAMAGE))
def test_a_damaged_file_is_named_by_the_readers(finished_run, tmp_path, name):
    import shutil

    from vaecli.run.api import load_run, load_runs

    run = tmp_path / "run"
    shutil.copytree(finished_run, run)
    (run / name).write_bytes(DAMAGE[name])
    with pytest.raises(DataError, match=re.escape(str(run / name)) + " is damaged"):
        loaded = load_run(run)
        _ = (loaded.config, loaded.history, loaded.metrics, loaded.latent_points)  # each read raises if damaged
        _ = loaded.model
    (table,) = [load_runs(tmp_path)]
    assert len(table) == 1 and name in table.loc[0, "damaged"]


def test_eval_and_resume_name_a_damaged_file_with_the_data_exit_code(finished_run, tmp_path):
    import shutil

    run = tmp_path / "run"
    shutil.copytree(finished_run, run)
    (run / names.MODEL).write_bytes(DAMAGE[names.MODEL])
    result = run_vae("eval", f"run={run}", cwd=tmp_path)
    assert result.returncode == 3 and f"{run / names.MODEL} is damaged" in error_line(result), result.stderr
    (run / names.OVERRIDES).write_bytes(b"[unclosed")
    result = run_vae("train", f"resume={run}", cwd=tmp_path)
    assert result.returncode == 3 and f"{run / names.OVERRIDES} is damaged" in error_line(result), result.stderr
    assert "internal error" not in result.stderr


# ---------------------------------------------------------------- no evaluation of a run still training


def test_eval_of_a_run_that_another_process_trains_is_refused(finished_run, tmp_path):
    from vaecli.assess.evaluate_run import evaluate_run

    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom vaecli.run.files import run_lock\n"
         f"with run_lock({str(finished_run)!r}):\n    print('locked', flush=True)\n    sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        before = snapshot(finished_run)
        with pytest.raises(DataError, match=r"in use by another vae train \(pid \d+\)"):
            evaluate_run(finished_run, typed("eval", f"run={finished_run}"))
        assert snapshot(finished_run) == before
    finally:
        holder.communicate("", timeout=30)


# ---------------------------------------------------------------- status and provenance


def test_a_run_records_its_status_overrides_and_provenance(finished_run):
    from vaecli.run import status

    assert status.read(finished_run).state == "running"  # train() alone; `vae train` marks it finished (test_cli)
    assert RunFolder(finished_run).saved_overrides() == ["trainer.epochs=1"]
    info = RunFolder(finished_run).read_run_info()
    assert info["vaecli"] and info["python"].count(".") == 2 and info["versions"]["tensorflow"]
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", info["data_fingerprint"])
    assert info["git"] is None or set(info["git"]) == {"commit", "dirty"}
    assert info["device"].startswith(("CPU", "GPU"))


def test_the_fingerprint_tells_data_apart():
    import numpy as np

    from vaecli.run.provenance import data_fingerprint

    class Data:
        train_count, image_shape = 4, (2, 2, 1)
        train_images = np.zeros((4, 2, 2, 1), np.uint8)
        train_labels = np.arange(4)
        test_images, test_labels = np.ones((2, 2, 2, 1), np.uint8), np.arange(2)

    same, other = Data(), Data()
    assert data_fingerprint(same) == data_fingerprint(other)
    other.train_images = other.train_images.copy()
    other.train_images[0, 0, 0, 0] = 1
    assert data_fingerprint(same) != data_fingerprint(other)


# ---------------------------------------------------------------- one owner of the file names


def test_run_folder_file_names_are_spelled_only_in_the_run_package():
    spelled = {getattr(names, key) for key in dir(names) if key.isupper() and isinstance(getattr(names, key), str)}
    spelled -= {names.FIGURES, names.BEST_CHECKPOINT}  # plain words: a CSS class, a phase's label, a dict key
    pattern = re.compile("|".join(rf"[\"'/]{re.escape(name)}[\"']" for name in sorted(spelled)))
    sources = [*(REPO / "vaecli").rglob("*.py"), *(REPO / "docs" / "results").rglob("*.py")]
    offenders = [f"{path.relative_to(REPO)}:{n}" for path in sources if "vaecli/run/" not in path.as_posix()
                 for n, line in enumerate(path.read_text().splitlines(), 1) if pattern.search(line)]
    assert offenders == []


def test_evaluation_does_not_import_training():
    found = subprocess.run([sys.executable, "-c", "import sys, vaecli.assess.evaluate_run\n"
                            "print(sorted(m for m in sys.modules if m.startswith('vaecli.train')))"],
                           capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"


@pytest.mark.slow
@pytest.mark.long
def test_two_sweeps_started_together_each_get_their_own_folder(tiny_mnist, tmp_path):
    """Two joblib sweeps named alike at the same moment: each its own sweep folder, each job its own folder."""
    args = ["-m", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", "seed=0,1", "dataset=mnist",
            f"dataset.path={tiny_mnist}", "trainer.epochs=1", "trainer.batch_size=100", "trainer.eval_at_end=false",
            "trainer.quiet=true", "figures.animations=false", "figures.scatter_points=200",
            f"hydra.sweep.dir=${{unique_dir:{tmp_path / 'sweep'}}}"]
    started = [start_vae("train", *args, f"latent_dim={d}", cwd=tmp_path) for d in (2, 3)]
    results = [p.communicate(timeout=600) for p in started]
    assert [p.returncode for p in started] == [0, 0], [err[-2000:] for _, err in results]
    sweeps = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("sweep"))
    assert sweeps == ["sweep", "sweep_2"]
    dims = set()
    for sweep in sweeps:
        jobs = [RunFolder(p) for p in sorted((tmp_path / sweep).iterdir()) if p.is_dir()]
        assert len(jobs) == 2 and all(job.model.is_file() for job in jobs)
        dims |= {job.read_config().latent_dim for job in jobs}
    assert dims == {2, 3}
