"""Shared fixtures: real configs composed by Hydra, and small real datasets written as IDX files."""

from __future__ import annotations

import atexit
import gzip
import os
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from filelock import FileLock

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# Tests write only in temporary folders: vaecli's cache (reference classifiers), Keras' keras.json and
# matplotlib's font cache go to one folder for the session, for this process and every `vae` it starts.
SESSION_HOME = Path(tempfile.mkdtemp(prefix="vaecli-tests-"))
atexit.register(shutil.rmtree, SESSION_HOME, ignore_errors=True)
os.environ["VAECLI_CACHE"] = str(SESSION_HOME / "vaecli-cache")
os.environ["KERAS_HOME"] = str(SESSION_HOME / "keras")
os.environ["MPLCONFIGDIR"] = str(SESSION_HOME / "matplotlib")

REPO = Path(__file__).resolve().parents[1]
# 800 real MNIST digits shipped with the repository (tests/data/README.md: source, licence, sha256).
MNIST_800 = Path(__file__).resolve().parent / "data" / "mnist-800"
FASHION = Path("/usr/share/datasets/fashion-mnist")  # Debian's dataset-fashion-mnist


def missing(reason: str):
    """Skip a test whose data or tool is missing, but fail it under CI (CI=true): a green CI run means it ran."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: a missing dependency fails instead of skipping)")
    pytest.skip(reason)


def write_idx(path: Path, array: np.ndarray, compress: bool = True) -> Path:
    """An MNIST-format IDX file (unsigned bytes)."""
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    data = header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def write_idx_dir(directory: Path, train_x, train_y, test_x, test_y) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    write_idx(directory / "train-images-idx3-ubyte.gz", train_x)
    write_idx(directory / "train-labels-idx1-ubyte.gz", train_y)
    write_idx(directory / "t10k-images-idx3-ubyte.gz", test_x)
    write_idx(directory / "t10k-labels-idx1-ubyte.gz", test_y)
    return directory


@pytest.fixture(scope="session")
def tiny_mnist() -> Path:
    """600 train and 200 test real MNIST digits, class-balanced: enough to see learning, seconds to train.

    The folder is in the repository: tests read it (dataset.path=...) and never write there."""
    return MNIST_800


@pytest.fixture(scope="session")
def fashion() -> Path:
    if not (FASHION / "train-images-idx3-ubyte.gz").is_file():
        missing("Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)")
    return FASHION


def choices(group: str) -> list[str]:
    """Hydra's choices for a config group (model, dataset, ...), sorted as `vae` lists them: what the tests
    derive their lists from, so that a new objective or dataset preset (one YAML) needs no test edited."""
    from hydra import initialize_config_module
    from hydra.core.global_hydra import GlobalHydra

    from vaecli.config.store import register_schemas

    register_schemas()
    with initialize_config_module(version_base="1.3", config_module="vaecli.conf"):
        return sorted(GlobalHydra.instance().config_loader().get_group_options(group))


@pytest.fixture
def compose():
    """compose(*overrides) -> the typed TrainConfig that `vae train` would run."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_module

    from vaecli.config.store import register_schemas, to_object

    register_schemas()

    def _compose(*overrides: str, config_name: str = "train"):
        with initialize_config_module(version_base="1.3", config_module="vaecli.conf"):
            return to_object(hydra_compose(config_name, overrides=list(overrides)))

    return _compose


@pytest.fixture
def quick(compose, tiny_mnist):
    """A config for a few seconds of real training on tiny real data."""

    def _quick(*overrides: str):
        return compose(
            "dataset=mnist",
            f"dataset.path={tiny_mnist}",
            "trainer.epochs=2",
            "trainer.batch_size=50",
            "trainer.quiet=true",
            "trainer.eval_at_end=false",
            "figures.grid_size=4",
            "figures.scatter_points=200",
            "figures.animations=false",  # ~0.6 s a run; tests/test_animations.py and the sweep fixture draw them
            *overrides,
        )

    return _quick


# This environment's `vae` console script: the one tests start, as a user runs it.
VAE = shutil.which("vae", path=str(Path(sys.executable).parent)) or "vae"


def _vae_process(args, env, vae) -> dict:
    """What every `vae` started by a test shares: the console script, no stdin, unbuffered output, this environment."""
    return {"args": [str(vae), *args], "text": True, "stdin": subprocess.DEVNULL,
            "env": {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}}


def run_vae(*args: str, cwd, env=None, timeout=600, vae=VAE) -> subprocess.CompletedProcess:
    """`vae ARGS` run to its end in `cwd`; stdout and stderr captured. `vae=` runs another install's script."""
    return subprocess.run(**_vae_process(args, env, vae), cwd=cwd, capture_output=True, timeout=timeout)


def start_vae(*args: str, cwd, env=None, vae=VAE, **popen) -> subprocess.Popen:
    """`vae ARGS` started in `cwd` and left running (to signal or kill it); stdout and stderr piped unless given."""
    return subprocess.Popen(**_vae_process(args, env, vae), cwd=cwd, **{"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **popen})


TINY_TRAIN = ["dataset=mnist", "trainer.batch_size=50", "trainer.learning_rate=1e-3", "figures.grid_size=4", "figures.scatter_points=200"]
TINY_EVAL = ["eval.iw_samples=10", "eval.iw_subset=50", "eval.prior_samples=500", "eval.mmd_samples=200"]


@pytest.fixture(scope="session")
def tiny_sweep(tiny_mnist, tmp_path_factory, worker_id) -> Path:
    """A real `vae train -m model=elbo,mmd seed=0,1` sweep, evaluated at the end of each job.

    Built once per test session and shared by pytest-xdist's workers (it costs ~40 s): tests only read it,
    and copy a job or the sweep before they change anything."""
    base = tmp_path_factory.getbasetemp()
    root = base if worker_id == "master" else base.parent  # the folder all workers' temporary folders share
    cwd, done = root / "tiny-sweep", root / "tiny-sweep.done"
    with FileLock(root / "tiny-sweep.lock"):
        if not done.is_file():
            shutil.rmtree(cwd, ignore_errors=True)  # what a worker that failed here left
            cwd.mkdir()
            result = run_vae(
                "train", "-m", "model=elbo,mmd", "seed=0,1", f"dataset.path={tiny_mnist}", "trainer.epochs=3",
                "trainer.quiet=true", f"eval.classifier_cache={cwd / 'cache'}", *TINY_TRAIN, *TINY_EVAL, cwd=cwd,
            )
            assert result.returncode == 0, result.stderr
            done.touch()
    (sweep,) = (cwd / "outputs" / "multirun").iterdir()
    return sweep


def small_vae(model: str = "elbo", likelihood: str | None = None, latent_dim: int = 2, shape=(8, 8, 1), **options):
    """A tiny conv VAE for `model` (registry name) with its options, and the first likelihood it takes unless named."""
    from vaecli.models.likelihoods import LIKELIHOODS
    from vaecli.models.network_schemas import ConvNetworkConfig
    from vaecli.models.networks import build_vae
    from vaecli.models.objectives import get

    objective = get(model)
    likelihood_cfg = LIKELIHOODS[likelihood or objective.likelihoods[0]].Config()
    network = ConvNetworkConfig(encoder_filters=[4], decoder_filters=[4], decoder_base_channels=2)
    return build_vae(objective.Config(**options), network, likelihood_cfg, latent_dim, shape)



# ---------------------------------------------------------------- tests leave nothing behind in the clone


def _clone_entries() -> set[str]:
    """Every file and folder in the clone, empty folders included (git does not show those), but for .git,
    bytecode caches, pytest's own cache (what `pytest --lf` reads: written when a test fails) and virtual
    environments (the install's, made before the tests)."""
    entries = set()
    for root, dirs, files in os.walk(REPO):
        dirs[:] = [d for d in dirs if d not in (".git", "__pycache__", ".pytest_cache") and not (Path(root, d, "pyvenv.cfg")).exists()]
        here = Path(root).relative_to(REPO)
        entries.update(str(here / name) for name in [*dirs, *files])
    return entries


def pytest_sessionstart(session):
    if not hasattr(session.config, "workerinput"):  # the controller (or a run without xdist): once per session
        session.config.stash[_LITTER_BEFORE] = _clone_entries()


def pytest_sessionfinish(session, exitstatus):
    """The session fails if a file or folder appeared in the clone (outside the temporary folders tests write in)."""
    before = session.config.stash.get(_LITTER_BEFORE, None)
    if hasattr(session.config, "workerinput") or before is None:
        return
    new = sorted(_clone_entries() - before)
    if new:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = f"the tests left files in the clone {REPO}: {', '.join(new)}"
        if reporter is not None:
            reporter.ensure_newline()
            reporter.write_line(f"FAILED (tests leave nothing behind): {message}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


_LITTER_BEFORE = pytest.StashKey[set]()
