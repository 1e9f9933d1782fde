"""Faults from the data, the disk and memory, and interrupts at any moment (issue 17, section 3).

Each exits with its documented code (vaecli/errors.py) and one line that names the file or the run and
says how to go on; "internal error" stays for real bugs. Disks are real: a tiny tmpfs (full) and a tmpfs
remounted read-only while training writes to it, each in a private mount namespace of the `vae` process.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import missing, run_vae, start_vae, write_idx_dir
from PIL import Image

from vaecli.errors import ConfigError, DataError
from vaecli.run.names import METRICS_JSON, MODEL

RNG = np.random.default_rng(0)
IMAGES = RNG.integers(0, 256, (60, 28, 28), dtype=np.uint8)
LABELS = np.arange(60, dtype=np.uint8) % 10
TINY = ["trainer.batch_size=10", "trainer.quiet=true", "figures.grid_size=4", "figures.scatter_points=20", "figures.animations=false"]


def idx_data(tmp: Path) -> Path:
    return write_idx_dir(tmp / "data", IMAGES, LABELS, IMAGES[:20], LABELS[:20])


def png_folder(root: Path, count: int, size: int = 8, mode: str = "L") -> Path:
    channels = {"L": 1, "LA": 2, "RGB": 3}[mode]
    root.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        pixels = RNG.integers(0, 256, (size, size, channels), dtype=np.uint8)
        Image.fromarray(pixels.squeeze(-1) if channels == 1 else pixels, mode).save(root / f"{i:04d}.png")
    return root


def truncate(path: Path) -> Path:
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    return path


def one_error_line(result, code: int, start: str) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert result.returncode == code, result.stderr
    assert lines[0].startswith(start), lines[0]
    return lines[0]


# ---------------------------------------------------------------- faults from the data


# 2**64 wraps to 0 in a 64-bit product, which matched an empty body; reshape then failed ("internal error").
@pytest.mark.parametrize("dims, body", [((65536,) * 4, 0), ((2**32 - 1,) * 3, 16)], ids=["product wraps to 0", "product huge"])
def test_an_idx_header_whose_sizes_overflow_names_the_file(tmp_path, dims, body):
    from vaecli.data import read_idx

    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(bytes([0, 0, 0x08, len(dims)]) + b"".join(d.to_bytes(4, "big") for d in dims) + bytes(body))
    with pytest.raises(DataError, match=rf"^{path}: truncated or padded IDX file \({body} data bytes, but its header's shape"):
        read_idx(path)


def folder_cfg(compose, path: Path, *overrides: str):
    return compose("dataset=folder", f"dataset.path={path}", *overrides).dataset


def test_a_truncated_image_names_the_file(compose, tmp_path):
    from vaecli.data import load_dataset

    bad = truncate(png_folder(tmp_path / "images", 12) / "0005.png")
    with pytest.raises(DataError, match=rf"^{bad}: cannot read this image \(Invalid PNG data.*\); remove or replace it$"):
        load_dataset(folder_cfg(compose, tmp_path / "images"))


def test_a_grey_and_alpha_png_is_read_as_grey(compose, tmp_path):
    from vaecli.data import load_dataset

    png_folder(tmp_path / "images", 12, mode="LA")
    data = load_dataset(folder_cfg(compose, tmp_path / "images"))
    assert data.image_shape == (8, 8, 1)
    first = np.asarray(Image.open(tmp_path / "images" / "0000.png"))[..., 0]
    held = {img.tobytes() for img in np.concatenate([data.train_images, data.test_images])[..., 0]}
    assert first.tobytes() in held  # the grey channel, alpha dropped


def test_a_folder_of_one_image_says_it_is_too_few(compose, tmp_path):
    from vaecli.data import load_dataset

    png_folder(tmp_path / "images", 1)
    with pytest.raises(DataError, match=rf"^{tmp_path / 'images'} holds only 1 image .*; a run needs at least two"):
        load_dataset(folder_cfg(compose, tmp_path / "images"))


@pytest.mark.slow
def test_a_streamed_image_that_fails_during_training_names_the_file(tmp_path):
    """The broken file is read only once training streams it: TensorFlow's error there named no file."""
    png_folder(tmp_path / "images" / "train", 40)
    png_folder(tmp_path / "images" / "test", 10)
    bad = truncate(tmp_path / "images" / "train" / "0039.png")  # last in file order: not in the held sample
    result = run_vae("train", "dataset=folder", f"dataset.path={tmp_path / 'images'}", "dataset.memory_limit_mb=0",
                     "dataset.sample_size=1", "dataset.shuffle_buffer=1", "trainer.epochs=1", "trainer.eval_at_end=false",
                     f"hydra.run.dir={tmp_path / 'run'}", *TINY, cwd=tmp_path)
    one_error_line(result, 3, f"vae train: error: {bad}: cannot read this image (Invalid PNG data")


# ---------------------------------------------------------------- faults from the disk


def in_own_mount(tmp_path: Path, size: str, args: list[str]) -> subprocess.Popen:
    """`vae ARGS` in a private mount namespace where tmp_path/disk is a fresh tmpfs of `size`."""
    if shutil.which("unshare") is None:
        missing("unshare (util-linux) is needed to give a test its own small disk")
    disk = tmp_path / "disk"
    disk.mkdir()
    # As root: a private mount namespace; otherwise a user namespace too, where the user may mount a tmpfs.
    unshare = ["unshare", "--mount"] if os.geteuid() == 0 else ["unshare", "--map-root-user", "--mount"]
    vae = shutil.which("vae", path=str(Path(sys.executable).parent))
    script = f'mount -t tmpfs -o size={size} tmpfs "{disk}" && exec "$0" "$@"'
    probe = subprocess.run([*unshare, "sh", "-c", f'mount -t tmpfs tmpfs "{disk}"'], capture_output=True, text=True)
    if probe.returncode != 0:
        missing(f"cannot mount a tmpfs in a private mount namespace here: {probe.stderr.strip()}")
    return subprocess.Popen([*unshare, "sh", "-c", script, vae, *args], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL, env={**os.environ, "PYTHONUNBUFFERED": "1"})


@pytest.mark.slow
def test_a_full_disk_names_the_file_and_how_to_continue(tmp_path):
    run = tmp_path / "disk" / "run"
    process = in_own_mount(tmp_path, "64k", ["train", "dataset=idx", f"dataset.path={idx_data(tmp_path)}", "trainer.epochs=1",
                                             f"hydra.run.dir={run}", *TINY])
    out, err = process.communicate(timeout=300)
    result = subprocess.CompletedProcess(process.args, process.returncode, out, err)
    one_error_line(result, 3, f"vae train: error: cannot write {run}/")
    assert f"No space left on device; free space there, then continue with: vae train resume={run}" in err


@pytest.mark.slow
def test_a_disk_that_turns_read_only_while_training_names_the_file(tmp_path):
    """As when a failing disk is remounted read-only (ext4's errors=remount-ro): the run folder, mounted
    read-only over itself in the process's namespace, refuses every new write; training meets EROFS."""
    run = tmp_path / "disk" / "run"
    process = in_own_mount(tmp_path, "64m", ["train", "dataset=idx", f"dataset.path={idx_data(tmp_path)}", "trainer.epochs=200",
                                             "trainer.eval_at_end=false", f"hydra.run.dir={run}", *TINY])
    for line in process.stdout:
        if line.startswith("epoch 1/"):  # the run is accepted, its folder written, the first checkpoint saved
            read_only = f'mount --bind "{run}" "{run}" && mount -o remount,bind,ro "{run}"'
            remount = subprocess.run(["nsenter", "-t", str(process.pid), "-m", "sh", "-c", read_only], capture_output=True, text=True)
            assert remount.returncode == 0, remount.stderr
            break
    out, err = process.communicate(timeout=300)
    result = subprocess.CompletedProcess(process.args, process.returncode, out, err)
    one_error_line(result, 3, f"vae train: error: cannot write {run}")
    assert f"Read-only file system; make it writable, then continue with: vae train resume={run}" in err


# ---------------------------------------------------------------- memory


@pytest.mark.parametrize("model", ["elbo", "mmd", "vamp"])
def test_the_estimate_counts_the_parameters_the_model_has(compose, model):
    from vaecli.models.networks import build_vae
    from vaecli.train.memory import MODEL_COPIES, estimate

    cfg = compose(f"model={model}", "latent_dim=9")
    found = estimate(cfg, (28, 28, 1), cached_images=100)
    assert found.parameters == build_vae(cfg.model, cfg.network, cfg.likelihood, 9, (28, 28, 1)).count_params()
    assert found.model_bytes == found.parameters * 4 * MODEL_COPIES and found.data_bytes == 100 * 28 * 28 * 4


@pytest.mark.slow
def test_a_config_too_large_for_memory_is_refused_before_it_grows(tmp_path):
    """latent_dim=10**7: ~60 billion parameters. The refusal comes before TensorFlow allocates them: the
    process stays small (its data segment is capped at 4 GiB besides, so that a regression fails, not swaps)."""
    import resource

    def capped():
        resource.setrlimit(resource.RLIMIT_DATA, (4 * 2**30, 4 * 2**30))

    vae = shutil.which("vae", path=str(Path(sys.executable).parent))
    result = subprocess.run([vae, "train", "dataset=idx", f"dataset.path={idx_data(tmp_path)}", "latent_dim=10000000", *TINY],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300, preexec_fn=capped)
    line = one_error_line(result, ConfigError.exit_code, "vae train: error: latent_dim=10000000, trainer.batch_size=10 on 28x28x1 images needs about ")
    assert "GiB available; lower latent_dim, trainer.batch_size or the network's size" in line
    assert not (tmp_path / "outputs").exists()


# ---------------------------------------------------------------- interrupts at any moment


def start(args: list[str], cwd: Path) -> subprocess.Popen:
    return start_vae(*args, cwd=cwd)


def signal_on_line(process: subprocess.Popen, prefix: str, signum: int) -> None:
    for line in process.stdout:
        if line.startswith(prefix):
            process.send_signal(signum)
            return
    pytest.fail(f"no line starting with {prefix!r}; stderr: {process.stderr.read()}")


def interrupted(process: subprocess.Popen) -> str:
    """The one line an interrupted `vae` prints, after checking its exit code."""
    out, err = process.communicate(timeout=300)
    lines = [line for line in err.splitlines() if line.strip()]
    assert process.returncode == 130 and len(lines) == 1 and "Traceback" not in err, (process.returncode, err)
    return lines[0]


def assert_resumable_or_nothing(line: str, run: Path) -> None:
    """The interrupt left what it says: a run that `vae train resume=` continues, or nothing at all."""
    if f"continue with: vae train resume={run}" in line:
        result = run_vae("train", f"resume={run}", cwd=run.parent)
        assert result.returncode == 0, result.stderr
    else:
        assert line == "vae train: interrupted; training had not started and nothing was kept; run the same command again"
        assert not run.exists()


@pytest.mark.slow
def test_sigterm_while_tensorflow_imports_says_nothing_was_kept(tmp_path):
    run = tmp_path / "outputs" / "run"
    process = start(["train", "dataset=idx", f"dataset.path={idx_data(tmp_path)}", f"hydra.run.dir={run}", *TINY], tmp_path)
    maps = Path(f"/proc/{process.pid}/maps")
    deadline = time.monotonic() + 120
    while "libtensorflow" not in maps.read_text() and time.monotonic() < deadline:  # TensorFlow's import has begun
        time.sleep(0.01)
    process.send_signal(signal.SIGTERM)
    line = interrupted(process)
    assert line == "vae train: interrupted; training had not started and nothing was kept; run the same command again"
    assert not run.exists()


@pytest.mark.slow
def test_ctrl_c_while_the_data_loads_leaves_nothing_or_a_resumable_run(tmp_path):
    png_folder(tmp_path / "images", 1500)  # a few seconds of decoding
    run = tmp_path / "outputs" / "run"
    process = start(["train", "dataset=folder", f"dataset.path={tmp_path / 'images'}", "trainer.epochs=1",
                     "trainer.eval_at_end=false", f"hydra.run.dir={run}", *TINY], tmp_path)
    signal_on_line(process, "data: reading", signal.SIGINT)
    assert_resumable_or_nothing(interrupted(process), run)


@pytest.mark.slow
def test_sigterm_during_the_final_evaluation_says_how_to_evaluate(tmp_path):
    run = tmp_path / "run"
    process = start(["train", "dataset=idx", f"dataset.path={idx_data(tmp_path)}", "trainer.epochs=1", f"hydra.run.dir={run}",
                     f"eval.classifier_cache={tmp_path / 'cache'}", *TINY], tmp_path)
    signal_on_line(process, "eval: ", signal.SIGTERM)
    line = interrupted(process)
    assert line == f"vae train: error: evaluation interrupted; {run} is kept as it was; evaluate it with: vae eval run={run}"
    assert (run / MODEL).is_file() and not (run / METRICS_JSON).exists()
