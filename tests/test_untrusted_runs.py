"""Issue 24, classes 6, 8 and 9: `vae embed` under `vae train`'s run-folder contract; the Python API telling damaged
from healthy; `encode`/`decode` checking their input. Folders are written by hand (as a careless colleague or a
cut copy would leave them) beside real ones; each test fails if its guard goes."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pytest
from conftest import small_vae

from vaecli.errors import DataError
from vaecli.run import names, status


@pytest.fixture
def embed_config(tiny_mnist):
    """embed_config(*overrides) -> the typed EmbedConfig of `vae embed method=pca` on tiny real MNIST (a second)."""
    from hydra import compose, initialize_config_module

    from vaecli.config.store import register_schemas as register_vaecli
    from vaecli.config.store import to_object
    from vaecli.embed.config import register_schemas

    register_vaecli()
    register_schemas()

    def _compose(*overrides: str):
        with initialize_config_module(version_base="1.3", config_module="vaecli.conf"):
            return to_object(compose("embed", overrides=["method=pca", "dataset=mnist", f"dataset.path={tiny_mnist}",
                                                         "scatter_points=100", *overrides]))

    return _compose


def _vae_run(where: Path, compose, tiny_mnist) -> Path:
    """A finished `vae train` run's record files, as vaecli writes them (no training: only the files are read)."""
    from omegaconf import OmegaConf

    from vaecli.run.history import History

    where.mkdir(parents=True)
    cfg = compose("model=elbo", "dataset=mnist", f"dataset.path={tiny_mnist}")
    (where / names.CONFIG).write_text(OmegaConf.to_yaml(OmegaConf.structured(cfg)))
    history = History(where / names.METRICS_CSV)
    for epoch in (1, 2):
        history.append({"epoch": epoch, "train/loss": 200.0 / epoch, "test/loss": 210.0 / epoch, "test/kl": 3.25})
    (where / names.RUN_INFO).write_text(json.dumps({"vaecli": "0.1.0", "git": None}) + "\n")
    (where / names.METRICS_JSON).write_text(json.dumps({"metrics": {"knn5_accuracy": 0.5}}) + "\n")
    status.write(where, status.JobStatus("finished", value=105.0))
    return where


def _snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()}


# ---------------------------------------------------------------- (6) vae embed under the run-folder contract
def test_an_embedding_run_is_locked_recorded_and_has_a_status(embed_config, tmp_path):
    from vaecli.embed.run import embed_run
    from vaecli.run.folder import RunFolder

    report = embed_run(embed_config(), tmp_path / "map")
    found = status.read(tmp_path / "map")
    assert found is not None and found.state == "finished" and found.value == pytest.approx(report["metrics"]["knn5_accuracy"])
    assert RunFolder(tmp_path / "map").is_embedding() and RunFolder(tmp_path / "map").holds_run()
    assert (tmp_path / "map" / names.LOCK).read_text() == ""  # held while it fitted, released cleanly
    assert not list((tmp_path / "map").glob(".*.tmp"))  # every file written aside and renamed


def test_embed_refuses_a_folder_that_holds_a_run_of_either_kind_and_changes_nothing(embed_config, compose, tiny_mnist, tmp_path):
    from vaecli.embed.run import embed_run

    vae = _vae_run(tmp_path / "vae", compose, tiny_mnist)
    before = _snapshot(vae)
    with pytest.raises(DataError, match=r"vae.* already holds a `vae train` run; vae embed writes only into a new folder"):
        embed_run(embed_config(), vae)
    assert _snapshot(vae) == before

    embed_run(embed_config(), tmp_path / "map")
    before = _snapshot(tmp_path / "map")
    with pytest.raises(DataError, match=r"map already holds a `vae embed` run"):
        embed_run(embed_config("method=tsne"), tmp_path / "map")
    assert _snapshot(tmp_path / "map") == before


def test_a_second_embed_into_a_folder_in_use_refuses(embed_config, tmp_path):
    """Two `vae embed` into one folder at once: the second finds the first's lock (held here as the first would)."""
    from vaecli.embed.run import embed_run
    from vaecli.run.files import run_lock

    (tmp_path / "map").mkdir()
    with run_lock(tmp_path / "map", "vae embed"):
        with pytest.raises(DataError, match=r"map is in use by another vae embed \(pid \d+\)"):
            embed_run(embed_config(), tmp_path / "map")
    assert sorted(p.name for p in (tmp_path / "map").iterdir()) == [names.LOCK]  # the refused one wrote nothing


def test_vae_train_refuses_an_embedding_folder_new_or_resumed(embed_config, compose, tiny_mnist, tmp_path):
    from vaecli.commands.train import resume_overrides
    from vaecli.embed.run import embed_run
    from vaecli.run.folder import RunFolder

    embed_run(embed_config(), tmp_path / "map")
    before = _snapshot(tmp_path / "map")
    with pytest.raises(DataError, match=r"already holds a `vae embed` run; vae train writes only into a new folder"):
        RunFolder(tmp_path / "map").check_new()  # vae train hydra.run.dir=<map>: vaecli/train/loop.py accept()
    with pytest.raises(DataError, match=r"holds a `vae embed` run, which vae train cannot continue"):
        resume_overrides([f"resume={tmp_path / 'map'}"])
    with pytest.raises(DataError, match=r"holds a `vae embed` run, which vae train cannot continue"):
        RunFolder(tmp_path / "map").check_resumable(compose("dataset=mnist", f"dataset.path={tiny_mnist}"))
    assert _snapshot(tmp_path / "map") == before


def test_a_truncated_codes_file_is_named(embed_config, tmp_path):
    from vaecli.embed.run import embed_run, evaluate_embedding

    embed_run(embed_config(), tmp_path / "map")
    codes = tmp_path / "map" / names.CODES
    codes.write_bytes(codes.read_bytes()[: codes.stat().st_size // 2])
    with pytest.raises(DataError, match=r"codes\.npz is damaged"):
        evaluate_embedding(tmp_path / "map")


# ---------------------------------------------------------------- (8) the Python API tells damaged from healthy
def test_healthy_runs_of_both_kinds_load_as_healthy(embed_config, compose, tiny_mnist, tmp_path):
    import vaecli
    from vaecli.embed.run import embed_run

    _vae_run(tmp_path / "runs" / "vae", compose, tiny_mnist)

    embed_run(embed_config(), tmp_path / "runs" / "map")
    table = vaecli.load_runs(tmp_path / "runs").set_index("kind")
    assert sorted(table.index) == ["embedding", "vae"]
    assert list(table["damaged"]) == ["", ""] and list(table["status"]) == ["finished", "finished"]
    assert table.loc["embedding", "method.name"] == "pca" and table.loc["vae", "test/kl"] == 3.25
    assert vaecli.load_run(tmp_path / "runs" / "map").kind == "embedding"


DAMAGE = {
    # file: (how it is damaged, what `damaged` must say)
    "cut row": (names.METRICS_CSV, lambda text: text[: text.rindex(",") + 3], r"metrics\.csv is damaged \(.*cut short"),
    "short row": (names.METRICS_CSV, lambda text: text + "3,0.5\n", r"metrics\.csv is damaged \(.*line 4 has fewer values"),
    "wrong type": (names.METRICS_CSV, lambda text: text.replace("3.25", "many"), r"metrics\.csv is damaged \(ValueError"),
    "empty metrics": (names.METRICS_CSV, lambda text: "", r"metrics\.csv is damaged \(.*empty"),
    "empty status": (names.STATUS, lambda text: "", r"status\.json is damaged"),
    "status state": (names.STATUS, lambda text: text.replace("finished", "hacked"), r"status\.json is damaged \(.*state must be"),
    "status type": (names.STATUS, lambda text: "[1, 2]", r"status\.json is damaged"),
    "run.json list": (names.RUN_INFO, lambda text: "[]", r"run\.json is damaged \(not a JSON object"),
    "empty run.json": (names.RUN_INFO, lambda text: "", r"run\.json is damaged \(empty"),
    "empty config": (names.CONFIG, lambda text: "", r"config\.yaml is damaged"),
}


@pytest.mark.parametrize("case", sorted(DAMAGE))
def test_load_runs_names_each_damaged_file(compose, tiny_mnist, tmp_path, case):
    import vaecli

    name, damage, said = DAMAGE[case]
    _vae_run(tmp_path / "runs" / "good", compose, tiny_mnist)
    bad = _vae_run(tmp_path / "runs" / "bad", compose, tiny_mnist)
    (bad / name).write_text(damage((bad / name).read_text()))
    table = vaecli.load_runs(tmp_path / "runs").set_index("path")
    assert table.loc[str(tmp_path / "runs" / "good"), "damaged"] == ""
    row = table.loc[str(bad)]
    assert re.search(said, row["damaged"]), row["damaged"]


def test_a_cut_metrics_row_is_never_read_as_numbers(compose, tiny_mnist, tmp_path):
    """The issue's case: a row cut inside a number ("210.0" -> "2") must not load as a value."""
    from vaecli.run.api import load_run

    run = _vae_run(tmp_path / "run", compose, tiny_mnist)
    text = (run / names.METRICS_CSV).read_text().rstrip("\n")
    (run / names.METRICS_CSV).write_text(text[:-4])
    with pytest.raises(DataError, match=r"metrics\.csv is damaged"):
        load_run(run).history  # noqa: B018


# ---------------------------------------------------------------- (9) encode/decode check their input
@pytest.fixture(scope="module")
def model():
    from vaecli.run.api import Model

    return Model(small_vae(shape=(8, 8, 1), latent_dim=2))


@pytest.mark.parametrize("images, said", [
    (np.zeros((3, 8, 8, 3), "float32"), r"shape \(3, 8, 8, 3\) do not fit this model, which takes \(N, 8, 8, 1\) .*greyscale"),
    (np.full((3, 8, 8, 1), 255.0, "float32"), r"values lie in \[255, 255\], not \[0, 1\]; divide 0\.\.255 pixels by 255"),
    (np.zeros((3, 10, 10, 1), "float32"), r"shape \(3, 10, 10, 1\) do not fit this model, which takes \(N, 8, 8, 1\)"),
    (np.full((2, 8, 8), np.nan, "float32"), r"NaN or infinite"),
    (np.zeros((2, 8, 8, 1), "int64"), r"dtype int64 are not taken"),
], ids=["rgb", "0..255 floats", "wrong size", "nan", "int64"])
def test_encode_refuses_images_the_model_does_not_take(model, images, said):
    with pytest.raises(DataError, match=said) as caught:
        model.encode(images)
    assert "\n" not in str(caught.value)


def test_encode_takes_the_documented_forms_alike(model):
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (4, 8, 8, 1), dtype=np.uint8)
    codes = model.encode(pixels / 255.0)
    assert codes.shape == (4, 2)
    for same in (pixels, pixels[..., 0], pixels.reshape(4, 64)):  # uint8 scaled; one channel dropped; flat rows
        np.testing.assert_allclose(model.encode(same), codes, rtol=1e-5, atol=1e-6)


def test_decode_refuses_codes_of_the_wrong_width(model):
    assert model.decode(np.zeros((3, 2))).shape == (3, 8, 8, 1)
    assert model.decode(np.zeros(2)).shape == (1, 8, 8, 1)
    for codes in (np.zeros((3, 5)), np.zeros((6,)), np.zeros((3, 2, 1))):
        with pytest.raises(DataError, match=r"codes of shape .* do not fit this model, which takes \(N, 2\)"):
            model.decode(codes)
