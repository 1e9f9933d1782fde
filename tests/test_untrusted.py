"""A run folder from elsewhere is data, never instructions (docs/reliability.md): folders written by hand, as a
hostile or careless colleague might, read by resume=, eval, load_run and report. Each test fails if its guard goes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import run_vae

from vaecli.errors import DataError
from vaecli.run import names

# Environment variables that make git run a command: the fsmonitor hook, set through git's own config variables.
HOSTILE_GIT_ENV = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "core.fsmonitor"}


def _hostile_env(marker: Path) -> dict:
    return {**HOSTILE_GIT_ENV, "GIT_CONFIG_VALUE_0": f"touch {marker}", "GIT_EXTERNAL_DIFF": f"touch {marker}",
            "GIT_SSH_COMMAND": f"touch {marker}"}


def _write_overrides(run: Path, lines: list[str]) -> Path:
    from omegaconf import OmegaConf

    run.mkdir(parents=True, exist_ok=True)
    (run / names.OVERRIDES).write_text(OmegaConf.to_yaml(OmegaConf.create(lines)))
    return run


# ---------------------------------------------------------------- (1) resume replays options, not instructions
@pytest.mark.parametrize("line", [
    "hydra.job.env_set.GIT_CONFIG_COUNT=1",
    "+hydra.job.env_set.GIT_SSH_COMMAND=touch_x",
    "+hydra.callbacks.x._target_=os.system",
    "hydra/launcher=basic",
    "+evil=1",
    "~trainer",
    "dataset.name=${oc.env:HOME}",
    "seed=range(0,3)",
    "model@hydra=elbo",
])
def test_resume_refuses_a_stored_override_that_is_not_an_option(tmp_path, line):
    from vaecli.commands.train import resume_overrides

    run = _write_overrides(tmp_path / "run", ["model=elbo", line])
    with pytest.raises(DataError, match=r"overrides\.yaml holds .*(resume= does not replay|interpolation)"):
        resume_overrides([f"resume={run}"])


def test_resume_replays_a_runs_own_options(tmp_path):
    from vaecli.commands.train import resume_overrides

    run = _write_overrides(tmp_path / "run", ["model=elbo", "dataset=mnist", "trainer.epochs=3", "+trainer.quiet=true"])
    args = resume_overrides([f"resume={run}", "trainer.epochs=5"])
    assert args[:4] == ["model=elbo", "dataset=mnist", "+trainer.quiet=true", "trainer.epochs=5"]


def _checkout(where: Path) -> Path:
    """A git checkout that looks like vaecli's own (git_state records only vaecli's checkout)."""
    (where / "vaecli").mkdir(parents=True)
    (where / "vaecli" / "__init__.py").write_text("")
    git = ["git", "-c", "user.email=t@t", "-c", "user.name=t", "-C", str(where)]
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "x"]):
        subprocess.run([*git, *args], check=True, env={"PATH": "/usr/bin:/bin", "HOME": str(where)})
    return where


def test_provenance_runs_git_without_the_environment(tmp_path, monkeypatch):
    from vaecli.run.provenance import git_state

    marker = tmp_path / "marker"
    checkout = _checkout(tmp_path / "checkout")
    for name, value in _hostile_env(marker).items():
        monkeypatch.setenv(name, value)
    state = git_state(checkout)
    assert state is not None and len(state["commit"]) == 40 and state["dirty"] is False
    assert not marker.exists(), "git ran a command named by the environment"


@pytest.mark.slow
def test_resume_of_a_hostile_folder_runs_no_command(tmp_path, tiny_mnist):
    """overrides.yaml setting git's config through hydra.job.env_set: `vae train resume=` refuses and runs nothing."""
    marker = tmp_path / "marker"
    env_set = [f"+hydra.job.env_set.{name}={value.replace(' ', '_')}" for name, value in HOSTILE_GIT_ENV.items()]
    run = _write_overrides(tmp_path / "run", [
        "model=elbo", "dataset=mnist", f"dataset.path={tiny_mnist}", "trainer.epochs=1", "trainer.eval_at_end=false",
        *env_set, f"+hydra.job.env_set.GIT_CONFIG_VALUE_0='touch {marker}'"])
    result = run_vae("train", f"resume={run}", cwd=tmp_path, timeout=300)
    assert not marker.exists(), "a stored override ran a command"
    assert result.returncode == 3, result.stderr
    assert "overrides.yaml holds" in result.stderr and len(result.stderr.strip().splitlines()) == 1


# ---------------------------------------------------------------- (2) a stored tracker record is not obeyed
def _evaluated_folder(run: Path, record) -> Path:
    run.mkdir(parents=True)
    (run / names.METRICS_CSV).write_text("epoch,test/loss\n1,0.5\n")
    (run / names.TRACKER).write_text(record if isinstance(record, str) else __import__("json").dumps(record))
    return run


def test_eval_sends_nothing_to_a_store_a_run_folder_names(tmp_path, monkeypatch):
    """tracker.json naming a store (a SQLite file here: opening it creates the file) is ignored by an eval whose
    own tracker is none, and by one whose tracker is mlflow at another store."""
    pytest.importorskip("mlflow")
    from vaecli.track.run import log_evaluation
    from vaecli.track.schema import TrackerConfig

    foreign = tmp_path / "elsewhere" / "mlflow.db"
    foreign.parent.mkdir()
    run = _evaluated_folder(tmp_path / "run", {"tracker": "mlflow", "store": f"sqlite:///{foreign}", "run_id": "0" * 32})
    monkeypatch.chdir(tmp_path)
    log_evaluation(run, {"knn5_accuracy": 0.5})
    log_evaluation(run, {"knn5_accuracy": 0.5}, TrackerConfig(name="mlflow", tracking_uri=f"sqlite:///{tmp_path}/mine.db"))
    assert not foreign.exists(), "the run folder's tracker.json chose where the metrics went"


@pytest.mark.parametrize("record", ["{not json", "[1, 2]", '{"tracker": 3, "store": null}', ""])
def test_a_damaged_tracker_record_is_named_and_ignored(tmp_path, caplog, record):
    from vaecli.track.run import log_evaluation, read_record
    from vaecli.track.schema import TrackerConfig

    run = _evaluated_folder(tmp_path / "run", record)
    with caplog.at_level("WARNING"):
        assert read_record(run) is None
    assert any(str(run / names.TRACKER) in r.message and "damaged" in r.message for r in caplog.records)
    log_evaluation(run, {"knn5_accuracy": 0.5}, TrackerConfig(name="mlflow", tracking_uri=f"sqlite:///{tmp_path}/m.db"))


# ---------------------------------------------------------------- (3) stored configs are literal; (5) bounded YAML
def _config_text(compose, tiny_mnist) -> str:
    from omegaconf import OmegaConf

    cfg = compose("model=elbo", "dataset=mnist", f"dataset.path={tiny_mnist}")
    return OmegaConf.to_yaml(OmegaConf.structured(cfg))


HOSTILE_YAML = {
    "interpolation": lambda text: text.replace("seed: 0", "seed: ${oc.env:VAECLI_TEST_SECRET}"),
    "resolver": lambda text: text.replace("name: elbo", "name: ${oc.env:VAECLI_TEST_SECRET,elbo}", 1),
    "aliases": lambda text: "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi")) + text,
    "size": lambda text: text + "#" * (2 << 20) + "\n",
}


@pytest.mark.parametrize("kind", sorted(HOSTILE_YAML))
def test_a_hostile_config_is_refused_naming_the_file(tmp_path, compose, tiny_mnist, monkeypatch, kind):
    import time

    from vaecli.report.runs import scan
    from vaecli.run.api import load_run

    monkeypatch.setenv("VAECLI_TEST_SECRET", "s3cr3t-value")
    run = tmp_path / "runs" / "run"
    run.mkdir(parents=True)
    (run / names.CONFIG).write_text(HOSTILE_YAML[kind](_config_text(compose, tiny_mnist)))
    (run / names.METRICS_CSV).write_text("epoch,test/loss\n1,0.5\n")
    started = time.perf_counter()
    with pytest.raises(DataError, match=r"config\.yaml (holds|is damaged)") as refused:
        _ = load_run(run).config
    assert "s3cr3t" not in str(refused.value) and len(str(refused.value).splitlines()) == 1
    runs, damaged = scan([tmp_path / "runs"])
    assert runs == [] and [d.file for d in damaged] == ["config.yaml"], damaged
    assert "s3cr3t" not in repr(damaged)
    assert time.perf_counter() - started < 5


def test_resume_refuses_a_config_with_an_interpolation(tmp_path, compose, tiny_mnist):
    from vaecli.run.folder import RunFolder

    run = tmp_path / "run"
    run.mkdir()
    (run / names.CONFIG).write_text(HOSTILE_YAML["interpolation"](_config_text(compose, tiny_mnist)))
    with pytest.raises(DataError, match="holds an interpolation at seed"):
        RunFolder(run).check_resumable(compose("model=elbo", "dataset=mnist", f"dataset.path={tiny_mnist}"))


def test_a_stored_overrides_file_with_aliases_is_refused(tmp_path):
    from vaecli.commands.train import resume_overrides

    run = tmp_path / "run"
    run.mkdir()
    (run / names.OVERRIDES).write_text("- &a model=elbo\n- *a\n")
    with pytest.raises(DataError, match=r"overrides\.yaml is damaged .*(alias|anchor)"):
        resume_overrides([f"resume={run}"])


def test_a_model_file_holding_python_code_is_refused_without_running_it(tmp_path):
    """A model.keras whose Lambda layer would write a marker file: Keras's safe mode refuses it, the error names the
    file, and the marker never appears."""
    import keras

    from vaecli.run.folder import RunFolder

    marker = tmp_path / "marker"
    code = f"lambda x: (open({str(marker)!r}, 'w').close(), x)[1]"
    model = keras.Sequential([keras.Input((2,)), keras.layers.Lambda(eval(code))])
    run = tmp_path / "run"
    run.mkdir()
    model.save(run / names.MODEL)
    marker.unlink(missing_ok=True)  # saving traced the lambda once
    with pytest.raises(DataError, match="model.keras"):
        RunFolder(run).load_model()  # what vae eval, load_run(...).model and the report's checks load through
    assert not marker.exists(), "loading a run's model ran code from the file"
