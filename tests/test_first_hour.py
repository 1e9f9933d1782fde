"""The first hour of a new user: a typo suggests the option meant, `vae train` says where its run is and how long
it will take, a collapsed posterior is named with its remedies, and no warning a user cannot act on reaches stderr."""

import re

import numpy as np
import pytest
from conftest import run_vae
from hydra.errors import ConfigCompositionException, MissingConfigException

from vaecli.data import read_idx_dir
from vaecli.errors import describe_config_error
from vaecli.evaluate.collapse import KL_NEAR_ZERO, collapse_note
from vaecli.run import names
from vaecli.train.progress_bar import time_left

# ---------------------------------------------------------------- did you mean


@pytest.mark.parametrize("override, error, suggestion", [
    ("modle=elbo", ConfigCompositionException, "did you mean 'model'?"),
    ("trainer.epoch=3", ConfigCompositionException, "did you mean 'trainer.epochs'?"),
    ("trainer.batchsize=3", ConfigCompositionException, "did you mean 'trainer.batch_size'?"),
    ("model=mdd", MissingConfigException, "did you mean 'mmd'?"),
    ("dataset=fashon", MissingConfigException, "did you mean 'fashion'?"),
])
def test_a_typo_suggests_the_nearest_option_or_choice(compose, override, error, suggestion):
    with pytest.raises(error) as raised:
        compose(override)
    message = describe_config_error(raised.value)
    assert message.endswith(f"; {suggestion}") and "\n" not in message, message
    assert message.startswith(f"unknown {'option' if '.' in override or 'modle' in override else override.split('=')[0]}")


def test_vae_prints_the_suggestion_in_its_one_error_line(tmp_path):
    result = run_vae("train", "modle=elbo", cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.strip().splitlines() == [
        "vae train: error: unknown option 'modle' (Key 'modle' not in 'TrainConfig'); add --cfg job to list the options; "
        "did you mean 'model'?"]


def test_nothing_near_suggests_nothing(compose):
    with pytest.raises(MissingConfigException) as raised:
        compose("model=nonsense")
    assert "did you mean" not in describe_config_error(raised.value)


# ---------------------------------------------------------------- posterior collapse

HEALTHY = {"epoch": 5, "train/loss": 150.0, "train/kl": 6.2, "test/loss": 152.0, "test/kl": 6.0}
COLLAPSED = {**HEALTHY, "train/kl": 0.004, "test/kl": 0.003}
MMD_ROW = {"epoch": 5, "train/loss": 30.0, "train/mmd": 0.0, "test/loss": 31.0, "test/mmd": 0.0}  # no KL part


def test_collapse_is_read_from_the_kl_of_the_last_epoch():
    assert collapse_note([HEALTHY]) is None
    note = collapse_note([HEALTHY, COLLAPSED])
    assert note.startswith("posterior collapse: the KL term is 0.003 nats") and "\n" not in note
    assert all(remedy in note for remedy in ("model.warmup_epochs", "model.kl_weight", "model.beta", "trainer.epochs"))
    assert collapse_note([COLLAPSED, HEALTHY]) is None  # the last epoch decides
    assert collapse_note([{**HEALTHY, "test/kl": KL_NEAR_ZERO}]) is None  # at the threshold: not collapsed
    assert collapse_note([]) is None


def test_active_units_decide_once_the_run_is_evaluated():
    assert collapse_note([COLLAPSED], {"active_units": 1}) is None  # one dimension still varies across images
    assert "no code dimension is active" in collapse_note([HEALTHY], {"active_units": 0})
    assert "KL 0.003 nats" in collapse_note([COLLAPSED], {"active_units": 0})


def test_objectives_without_a_kl_term_are_not_called_collapsed_on_kl():
    assert collapse_note([MMD_ROW]) is None
    assert collapse_note([MMD_ROW], {"active_units": 2}) is None
    note = collapse_note([MMD_ROW], {"active_units": 0})  # a point encoder that maps every image to one code
    assert "no code dimension is active" in note and "KL" not in note.split(";")[0]


# ---------------------------------------------------------------- time left


@pytest.mark.parametrize("seconds, epochs_left, said", [
    (20.0, 2, "under a minute of training left (2 more epochs at 20 s each)"),
    (21.0, 49, "about 17 min of training left (49 more epochs at 21 s each)"),
    (300.0, 1, "about 5 min of training left (1 more epoch at 300 s each)"),
    (130.0, 99, "about 3 h 34 min of training left (99 more epochs at 130 s each)"),
])
def test_time_left_is_said_as_a_person_says_it(seconds, epochs_left, said):
    assert time_left(seconds, epochs_left) == said


# ---------------------------------------------------------------- a real first run


@pytest.fixture(scope="module")
def collapsed_run_with_japanese_classes(tiny_mnist, tmp_path_factory):
    """`vae train` on a folder dataset whose classes are named in Japanese (glyphs matplotlib's own font lacks),
    with a KL weight so large that the posterior collapses within two epochs."""
    from PIL import Image  # matplotlib's own dependency

    arrays = read_idx_dir(tiny_mnist)
    root = tmp_path_factory.mktemp("kana")
    names = ["ゼロ", "いち", "に"]
    for i, (image, label) in enumerate(zip(arrays["train_images"], arrays["train_labels"])):
        if label < len(names):
            (root / names[label]).mkdir(exist_ok=True)
            Image.fromarray(image).save(root / names[label] / f"{i:04d}.png")
    cwd = tmp_path_factory.mktemp("cwd")
    result = run_vae("train", "model=elbo", "model.kl_weight=100", "dataset=folder", f"dataset.path={root}",
                     "dataset.test_fraction=0.25", "trainer.epochs=2", "trainer.batch_size=20", "trainer.eval_at_end=false",
                     "trainer.plot_every=1", "figures.grid_size=4", "figures.scatter_points=100", "figures.animations=false",
                     cwd=cwd, timeout=300)
    assert result.returncode == 0, result.stderr
    (run_dir,) = (cwd / "outputs").iterdir()
    return result, run_dir


@pytest.mark.slow
def test_train_names_its_run_folder_at_start_and_end_and_the_time_left(collapsed_run_with_japanese_classes):
    result, run_dir = collapsed_run_with_japanese_classes
    lines = result.stdout.splitlines()
    first_epoch = next(i for i, line in enumerate(lines) if line.startswith("epoch 1/2"))
    assert f"run folder: {run_dir}" in lines[:first_epoch], result.stdout  # before the data is even read
    assert lines[-1] == f"finished: {run_dir}", result.stdout
    assert re.fullmatch(r"(under a minute|about \d+ min) of training left \(1 more epoch at \d+ s each\)", lines[first_epoch + 1])
    assert sum("of training left" in line for line in lines) == 1  # once, after the first epoch


@pytest.mark.slow
def test_a_collapsed_run_says_so_in_its_log(collapsed_run_with_japanese_classes):
    result, run_dir = collapsed_run_with_japanese_classes
    assert "posterior collapse: the KL term is" in result.stdout
    assert "posterior collapse" in (run_dir / names.LOGS[0]).read_text()  # train.log


@pytest.mark.slow
def test_class_names_in_other_scripts_draw_without_warnings(collapsed_run_with_japanese_classes):
    result, run_dir = collapsed_run_with_japanese_classes
    assert sorted(p.name for p in (run_dir / names.FIGURES).glob("latent_epoch*.png")) == ["latent_epoch001.png", "latent_epoch002.png"]
    assert "Glyph" not in result.stderr and "missing from font" not in result.stderr, result.stderr
    assert not np.any([line.strip() for line in result.stderr.splitlines()]), result.stderr  # nothing at all on stderr


# ---------------------------------------------------------------- small surprises


@pytest.mark.slow
def test_embed_names_its_run_folder_at_start_and_end(tiny_mnist, tmp_path):
    result = run_vae("embed", "method=pca", "dataset=mnist", f"dataset.path={tiny_mnist}", cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr
    (run_dir,) = (tmp_path / "outputs").iterdir()
    lines = result.stdout.splitlines()
    first_data = next(i for i, line in enumerate(lines) if line.startswith("data:"))
    assert f"run folder: {run_dir}" in lines[:first_data] and lines[-1] == f"finished: {run_dir}", result.stdout


@pytest.mark.slow
def test_a_refused_run_says_its_folder_was_removed(tmp_path):
    result = run_vae("train", "dataset=mnist", f"dataset.path={tmp_path / 'nowhere'}", cwd=tmp_path)
    assert result.returncode == 2 and "run folder: " in result.stdout, result.stdout
    named = result.stdout.split("run folder: ", 1)[1].splitlines()[0]
    assert f"nothing was run; removed the run folder {named}" in result.stdout.splitlines()
    assert len(result.stderr.strip().splitlines()) == 1  # the error itself stays one line
    assert not (tmp_path / "outputs").exists()


@pytest.mark.slow
def test_ctrl_c_in_training_says_paused_and_how_to_resume(tiny_mnist, tmp_path):
    import signal

    from conftest import start_vae

    process = start_vae("train", "dataset=mnist", f"dataset.path={tiny_mnist}", "trainer.epochs=50", "trainer.batch_size=50",
                        "trainer.eval_at_end=false", "figures.animations=false", f"hydra.run.dir={tmp_path / 'run'}", cwd=tmp_path)
    for line in process.stdout:
        if line.startswith("epoch 1/50"):  # a checkpoint exists: Ctrl-C pauses here
            process.send_signal(signal.SIGINT)
            break
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert err.strip().splitlines()[-1] == (f"vae train: paused: stopped by SIGINT with a checkpoint; "
                                            f"continue with: vae train resume={tmp_path / 'run'}"), err
