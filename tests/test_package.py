"""The wheel, installed into a fresh virtual environment, runs `vae train` from outside the repository."""

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from conftest import run_vae

from vaecli.run import names

REPO = Path(__file__).resolve().parents[1]


def run(*args, **kwargs):
    result = subprocess.run(list(args), capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL, **kwargs)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.mark.slow
def test_installed_wheel_trains_outside_the_repo(tmp_path, tiny_mnist):
    source = tmp_path / "source"  # a copy: building in the checkout would leave build/ there
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".*", "outputs", "tests", "docs", "benchmarks", "build", "*.egg-info", "__pycache__"))
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path / "dist"), str(source))
    (wheel,) = (tmp_path / "dist").glob("vaecli-*.whl")

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", str(venv))
    python = venv / "bin" / "python"
    run(str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel))
    # The heavy dependencies come from this environment's site-packages, read as a plain
    # path: its .pth files (the editable install of this checkout among them) stay inactive.
    site = run(str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip()
    Path(site, "_parent_env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = run(str(python), "-c", "import vaecli, vaecli.conf; print(vaecli.__file__)", cwd=elsewhere).stdout
    assert where.startswith(str(venv)), where
    shipped = {p.relative_to(Path(where).parent / "conf") for p in (Path(where).parent / "conf").rglob("*.yaml")}
    assert shipped == {p.relative_to(REPO / "conf") for p in (REPO / "conf").rglob("*.yaml")}  # every config group ships
    result = run_vae("train", "model=mmd", "dataset=mnist", f"dataset.path={tiny_mnist}", "trainer.epochs=1",
                     "trainer.batch_size=50", "trainer.eval_at_end=false", "figures.grid_size=4", "figures.scatter_points=200",
                     cwd=elsewhere, vae=venv / "bin" / "vae")
    assert result.returncode == 0, result.stderr
    (run_dir,) = (elsewhere / "outputs").iterdir()
    assert (run_dir / names.MODEL).is_file() and (run_dir / names.METRICS_CSV).is_file()
