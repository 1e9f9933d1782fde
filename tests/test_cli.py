"""The `vae` console script, run as a user runs it: in a subprocess, from a scratch directory."""

import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import choices, run_vae

from vaecli.run import names
from vaecli.run.history import read_metrics


def quick_args(data):
    return ["model=elbo", "dataset=mnist", f"dataset.path={data}", "trainer.batch_size=50", "figures.grid_size=4",
            "figures.scatter_points=200", "trainer.eval_at_end=false"]


def error_line(result):
    """The one line of a failed command: nothing else on stderr, not even TensorFlow's CUDA probe."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    return lines[0]


def test_usage(tmp_path):
    result = run_vae("--help", cwd=tmp_path)
    assert result.returncode == 0 and "train" in result.stdout and "report" in result.stdout
    result = run_vae("fly", cwd=tmp_path)
    assert result.returncode == 2 and "unknown command 'fly'" in result.stderr


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["model=nonsense"], 2, f"vae train: error: unknown model 'nonsense'; choose one of: {', '.join(choices('model'))}"),
        (["latent_dim=0"], 2, "vae train: error: latent_dim must be > 0, got 0; e.g. latent_dim=2"),
        (["trainer.epochs=0"], 2, "vae train: error: trainer.epochs must be > 0, got 0; e.g. trainer.epochs=50"),
        (["dataset.path=/does/not/exist"], 2, "vae train: error: dataset.path=/does/not/exist does not exist"),
        (["latent_dim=abc"], 2, "vae train: error: latent_dim: Value 'abc' of type 'str' could not be converted to Integer"),
        (["trainer.epoch=3"], 2, "vae train: error: unknown option 'trainer.epoch'"),
        (["-m", "experiment=map2d_stage1", "--cfg", "job"], 2, "vae train: error: Only one of --run, --multirun"),
    ],
)
def test_bad_input_is_one_line(tmp_path, args, code, message):
    result = run_vae("train", *args, cwd=tmp_path)
    assert result.returncode == code
    assert error_line(result).startswith(message)
    assert not (tmp_path / "outputs").exists(), "a failed check left a run folder behind"


def test_full_error_shows_the_traceback(tmp_path):
    result = run_vae("train", "latent_dim=0", cwd=tmp_path, env={"HYDRA_FULL_ERROR": "1"})
    assert result.returncode != 0 and "Traceback" in result.stderr


@pytest.mark.slow
@pytest.mark.long
def test_train_then_resume_through_the_console_script(tmp_path, tiny_mnist):
    result = run_vae("train", *quick_args(tiny_mnist), "trainer.epochs=2", "trainer.plot_every=1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "epoch 2/2" in result.stdout and "device: CPU" in result.stdout
    (run,) = (tmp_path / "outputs").iterdir()
    assert run.name.endswith("_elbo_mnist")
    for name in ("config.yaml", "overrides.yaml", "status.json", "metrics.csv", "model.keras", "run.json", "train.log", "checkpoints", "tensorboard"):
        assert (run / name).exists(), name
    assert len(list((run / names.FIGURES).glob("*.png"))) == 10
    assert sorted(p.name for p in (run / names.ANIMATIONS).glob("*.gif")) == ["interpolation.gif", "latent_evolution.gif", "traversal.gif"]
    assert (run / names.LATENT_POINTS).is_file()

    result = run_vae("train", f"resume={run}", "trainer.epochs=3", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "resumed" in result.stdout and "epoch 3/3" in result.stdout and "epoch 1/3" not in result.stdout
    assert [r["epoch"] for r in read_metrics(run / names.METRICS_CSV)] == [1, 2, 3]
    assert len(list((tmp_path / "outputs").iterdir())) == 1  # continued in place
    assert list(np.load(run / names.ANIMATIONS / names.LATENT_HISTORY)["epochs"]) == [0, 1, 2, 3]  # the animation's too

    result = run_vae("train", f"resume={run}", "model=mmd", cwd=tmp_path)
    assert result.returncode == 2 and "was trained with model=" in error_line(result)
    assert (run / names.METRICS_CSV).is_file() and (run / names.OVERRIDES).is_file()  # a failed resume keeps the run


@pytest.mark.slow
def test_sweep_gives_each_job_its_own_folder(tiny_sweep):
    jobs = sorted(p.name for p in tiny_sweep.iterdir() if p.is_dir())
    assert [job.split("_", 1)[0] for job in jobs] == ["0", "1", "2", "3"]
    assert {job.split("_", 1)[1] for job in jobs} == {
        f"dataset=mnist,eval.iw_samples=10,eval.iw_subset=50,eval.mmd_samples=200,eval.prior_samples=500,model={m},seed={s},"
        "trainer.batch_size=50,trainer.epochs=3,trainer.learning_rate=0.001" for m in ("elbo", "mmd") for s in (0, 1)
    }
    for job in jobs:
        assert [r["epoch"] for r in read_metrics(tiny_sweep / job / names.METRICS_CSV)] == [1, 2, 3]
        assert (tiny_sweep / job / names.MODEL).is_file() and (tiny_sweep / job / names.METRICS_JSON).is_file()


def test_eval_and_report_errors_are_one_line(tmp_path):
    result = run_vae("eval", f"run={tmp_path}", cwd=tmp_path)
    assert result.returncode == 3 and "is not a vaecli run folder" in error_line(result)
    result = run_vae("eval", cwd=tmp_path)
    assert result.returncode == 2 and "run" in error_line(result)
    result = run_vae("report", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 3 and "no vaecli runs under" in error_line(result)


@pytest.mark.slow
def test_a_failing_sweep_job_does_not_stop_the_others(tmp_path, tiny_mnist):
    result = run_vae("train", "-m", *quick_args(tiny_mnist), "trainer.epochs=1", "trainer.batch_size=50,5000", cwd=tmp_path)
    assert result.returncode == 1
    assert "1 sweep job(s) failed" in result.stderr and "trainer.batch_size=5000" in result.stderr
    assert len(list((tmp_path / "outputs" / "multirun").rglob("model.keras"))) == 1


@pytest.mark.slow
def test_eval_and_resume_take_sweep_folder_names_as_they_are(tiny_sweep, tmp_path):
    """Sweep jobs are named like 0_model=elbo,seed=0: '=' and ',' that Hydra's grammar would misread."""
    job = tmp_path / sorted(p.name for p in tiny_sweep.iterdir() if "model=mmd" in p.name)[0]
    shutil.copytree(tiny_sweep / job.name, job)
    result = run_vae("eval", f"run={job}", "iw_samples=5", "prior_samples=200", "mmd_samples=100",
                 f"classifier_cache={tiny_sweep.parent.parent.parent / 'cache'}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    result = run_vae("train", f"resume={job}", "trainer.epochs=4", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert [r["epoch"] for r in read_metrics(job / names.METRICS_CSV)] == [1, 2, 3, 4]


def test_path_values_are_quoted_for_hydra_but_not_in_sweeps():
    from vaecli.commands import quote_paths

    assert quote_paths(["run=out/0_model=elbo,seed=1", "latent_dim=2", "out=it's.html"]) == [
        "run='out/0_model=elbo,seed=1'", "latent_dim=2", "out='it\\'s.html'"]
    assert quote_paths(["resume='already quoted'"]) == ["resume='already quoted'"]
    assert quote_paths(["-m", "dataset.path=a,b"]) == ["-m", "dataset.path=a,b"]


def test_a_failed_run_takes_away_only_the_folders_it_created(tmp_path):
    from vaecli.run import creation as run_folder

    outputs, run = tmp_path / "outputs", tmp_path / "outputs" / "2026-01-01_00-00-00_mmd_fashion"
    (run / names.HYDRA_RECORD).mkdir(parents=True)
    (run / names.LOCK).write_text("")
    (run / "train.log").write_text("data: ...\n")
    with run_folder.recording() as created:  # what `vae`'s start-up does for each command
        created[:] = [run, outputs]
        run_folder.remove_unused_run_folder()
        assert not outputs.exists()

        (run / names.HYDRA_RECORD).mkdir(parents=True)
        (run / "bench.json").write_text("{}")  # a result, however partial: keep it
        created[:] = [run, outputs]
        run_folder.remove_unused_run_folder()
        assert (run / "bench.json").is_file()

        (run / names.CHECKPOINTS).mkdir(parents=True)
        (run / names.CHECKPOINTS / "ckpt-1.index").write_text("")  # a run got under way: keep it
        (run / "bench.json").unlink()
        created[:] = [run, outputs]
        run_folder.remove_unused_run_folder()
        assert (run / names.CHECKPOINTS).is_dir()

        (tmp_path / "other").mkdir()  # a folder that was there before is never in `created`
        created.clear()
        run_folder.remove_unused_run_folder()
        assert (tmp_path / "other").is_dir()


def test_each_command_records_its_own_folders(tmp_path):
    """No module state: the folders a command created live in its record, which ends with the command."""
    from vaecli.run import creation

    with creation.recording() as created:
        made = Path(creation.unique_dir(str(tmp_path / "a")))
        assert created == [made.absolute()] and made.is_dir()
        (made / "train.log").write_text("a run\n")
        unused = Path(creation.unique_dir(str(tmp_path / "a")))  # `a_2`: made, then left empty
        assert unused.name == "a_2" and unused.is_dir()
    assert made.is_dir() and not unused.exists()  # the command's end takes away only what it made and left empty
    # Outside a command (Hydra's compose API in a notebook or a test) the resolver names a free folder, creating nothing.
    assert creation.unique_dir(str(tmp_path / "a")) == str(tmp_path / "a_2") and not unused.exists()
    assert created == [unused.absolute()]
    creation.remove_unused_run_folder()  # outside a command: nothing of its own to take away
    assert made.is_dir()


def test_a_sweep_launch_belongs_to_its_command():
    """What the sweep callback learns goes to the command that launched the sweep, and ends with it (no module state)."""
    from vaecli.sweep.callback import current_launch, watching

    assert current_launch() is None
    with watching() as launch:
        assert current_launch() is launch
        with watching() as inner:  # a command started inside another (a test, a notebook) has its own
            assert current_launch() is inner and inner is not launch
        assert current_launch() is launch
    assert current_launch() is None


@pytest.mark.parametrize("command, says", [
    ("train", "vae train -m model=elbo,mmd"), ("eval", "vae eval run=outputs/<run>"),
    ("report", "vae report outputs/multirun/<sweep>"), ("bench", "vae bench images=2000"),
])
def test_each_command_help_describes_that_command(command, says):
    """Hydra renders hydra.help of the command's own config; its header and examples name that command only."""
    from hydra import compose, initialize_config_module

    from vaecli.commands.help import register_help_resolver
    from vaecli.config.store import register_schemas

    register_schemas()
    register_help_resolver()
    with initialize_config_module(version_base="1.3", config_module="vaecli.conf"):
        shown = compose(command, overrides=["+run=x"] if command == "eval" else [], return_hydra_config=True).hydra.help
        template = shown.template  # resolved while Hydra knows the groups (${own_choices:})
    text = f"{shown.header}\n{shown.footer}"
    assert shown.header.startswith(f"vae {command}: ") and says in text
    assert not {"train", "eval", "report", "bench"} - {command} & {w.split()[0] for w in text.split("vae ")[1:]}
    assert "$APP_CONFIG_GROUPS" not in template  # Hydra's list of every group under conf/, embed's too


@pytest.mark.parametrize("command, groups", [
    ("train", ["dataset", "experiment", "hparams_search", "likelihood", "model", "network", "tracker"]),
    ("embed", ["dataset", "experiment", "method"]),
])
def test_each_command_help_lists_only_its_own_groups(tmp_path, command, groups):
    result = run_vae(command, "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    section = result.stdout.split("== Choices (group=option) ==\n")[1].split("\n== Config")[0].splitlines()
    assert section == [f"{group}: {', '.join(choices(group))}" for group in groups]


def test_help_is_rendered_for_the_command_asked_about(tmp_path):
    result = run_vae("eval", "--help", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.startswith("vae eval: measure a finished run")
    assert "vae train" not in result.stdout
    # only eval's own group (the tracker it may log to), none of train's
    assert "tracker" in result.stdout and "model:" not in result.stdout and "method:" not in result.stdout


def test_load_runs_reads_a_sweep_as_one_table(tiny_sweep):
    import vaecli

    table = vaecli.load_runs(tiny_sweep)
    assert len(table) == 4 and set(table["status"]) == {"finished"} and not table["damaged"].any()
    assert sorted(zip(table["model.name"], table["seed"])) == [("elbo", 0), ("elbo", 1), ("mmd", 0), ("mmd", 1)]
    assert table["trainer.epochs"].eq(3).all() and table["knn5_accuracy"].between(0, 1).all()
    assert table["test/loss"].notna().all() and (table["epoch"] == 3).all()


def test_the_python_api_example_runs(tiny_sweep):
    """docs/python-api.md's code blocks, run as a notebook would, on a real sweep."""
    import re

    import matplotlib

    matplotlib.use("Agg")
    page = (Path(__file__).resolve().parents[1] / "docs" / "python-api.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", page, flags=re.S)
    assert len(blocks) >= 2
    run = sorted(p for p in tiny_sweep.iterdir() if p.is_dir())[0]
    namespace = {"RUN": run, "SWEEP": tiny_sweep}
    for block in blocks:
        exec(compile(block, "docs/python-api.md", "exec"), namespace)
    assert namespace["z"].shape == (8, 2) and namespace["x"].shape == (8, 28, 28, 1)
    assert namespace["samples"].shape == (16, 28, 28, 1) and len(namespace["table"]) == 4
    assert namespace["run"].status == "finished" and namespace["history"]["epoch"].tolist() == [1, 2, 3]
