"""`vae embed`: each method's map of a few hundred real Fashion-MNIST images, its run folder, its metrics, `vae eval`
on it, and the report reading it beside the VAEs."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import choices, run_vae, write_idx_dir

from vaecli.embed.methods import METHODS
from vaecli.run import names


@pytest.fixture(scope="module")
def small_fashion(fashion, tmp_path_factory):
    """300 training and 100 test real Fashion-MNIST images, every class present: a map in seconds."""
    from vaecli.data import read_idx_dir

    arrays = read_idx_dir(fashion)
    return write_idx_dir(tmp_path_factory.mktemp("small_fashion"), arrays["train_images"][:300],
                         arrays["train_labels"][:300], arrays["test_images"][:100], arrays["test_labels"][:100])


@pytest.fixture
def embed_config(small_fashion):
    """embed_config(*overrides) -> the typed EmbedConfig that `vae embed` would run on the small data."""
    from hydra import compose, initialize_config_module

    from vaecli.config.store import register_schemas as register_vaecli
    from vaecli.config.store import to_object
    from vaecli.embed.config import register_schemas

    register_vaecli()
    register_schemas()

    def _compose(*overrides: str):
        with initialize_config_module(version_base="1.3", config_module="vaecli.conf"):
            return to_object(compose("embed", overrides=["dataset=fashion", f"dataset.path={small_fashion}", *overrides]))

    return _compose


def test_the_registry_holds_the_three_methods_and_each_has_a_preset():
    from importlib.resources import files

    assert set(METHODS) == {"pca", "tsne", "umap"}
    assert {p.name for p in files("vaecli.conf").joinpath("method").iterdir() if p.name.endswith(".yaml")} == {
        f"{name}.yaml" for name in METHODS}


@pytest.mark.parametrize("overrides", [
    ["method=pca"], ["method=tsne"], ["method=tsne", "method.test_points=joint"],
    pytest.param(["method=umap"], marks=pytest.mark.slow),  # ~40 s: numba compiles umap-learn's functions first
], ids=lambda o: ",".join(o))
def test_each_method_writes_a_scored_run_folder(embed_config, tmp_path, overrides):
    from vaecli.embed import is_embedding
    from vaecli.embed.run import embed_run

    cfg = embed_config(*overrides)
    report = embed_run(cfg, tmp_path, threads=1)
    for name in (names.CONFIG, names.RUN_INFO, names.CODES, names.METRICS_JSON):
        assert (tmp_path / name).is_file(), name
    assert (tmp_path / names.FIGURES / names.figure_name("latent", 0)).stat().st_size > 10_000
    assert is_embedding(tmp_path)
    info = json.loads((tmp_path / names.RUN_INFO).read_text())
    assert info["kind"] == "embedding" and info["method"] == cfg.method.name and info["train_images"] == 300
    assert ("together" in info["test_points"]) == (getattr(cfg.method, "test_points", None) == "joint")
    with np.load(tmp_path / names.CODES) as codes:
        assert codes["train_codes"].shape == (300, 2) and codes["test_codes"].shape == (100, 2)
        assert np.isfinite(codes["train_codes"]).all() and np.isfinite(codes["test_codes"]).all()
        assert len(np.unique(codes["test_codes"], axis=0)) == 100  # a map, not a collapse
    metrics = report["metrics"]
    assert json.loads((tmp_path / names.METRICS_JSON).read_text())["metrics"] == metrics
    # Chance is 0.1 for ten classes; even PCA of 300 images separates trousers, bags and shoes from the rest.
    for key in ("knn1_accuracy", "knn5_accuracy", "probe_accuracy"):
        assert 0.35 < metrics[key] <= 1.0, (key, metrics[key])
    assert -1.0 <= metrics["silhouette"] <= 1.0 and metrics["fit_seconds"] >= 0
    assert report["run"]["kind"] == "embedding" and report["run"]["test_points"] == info["test_points"]


def test_the_same_seed_gives_the_same_map_and_the_split_follows_train_points(embed_config, tmp_path):
    from vaecli.embed.run import embed_run

    first = embed_run(embed_config("method=tsne", "train_points=120", "seed=3"), tmp_path / "a", threads=1)
    second = embed_run(embed_config("method=tsne", "train_points=120", "seed=3"), tmp_path / "b", threads=1)
    assert first["metrics"]["knn5_accuracy"] == second["metrics"]["knn5_accuracy"]
    with np.load(tmp_path / "a" / names.CODES) as a, np.load(tmp_path / "b" / names.CODES) as b:
        np.testing.assert_allclose(a["test_codes"], b["test_codes"], rtol=1e-5)
        assert len(a["train_index"]) == 120 and len(set(a["train_index"])) == 120


def test_eval_rescores_an_embedding_from_its_codes(embed_config, tmp_path):
    from vaecli.embed.run import embed_run, evaluate_embedding

    written = embed_run(embed_config("method=pca"), tmp_path, threads=1)["metrics"]
    again = evaluate_embedding(tmp_path, knn_neighbours=[1, 5, 3])["metrics"]
    assert again["knn5_accuracy"] == written["knn5_accuracy"] and "knn3_accuracy" in again
    assert again["explained_variance_ratio"] == written["explained_variance_ratio"]  # the fit's numbers are kept


def test_the_report_reads_an_embedding_beside_vae_runs(embed_config, tmp_path):
    from vaecli.embed.run import embed_run
    from vaecli.report import aggregate, find_runs, write_report

    embed_run(embed_config("method=pca"), tmp_path / "pca", threads=1)
    embed_run(embed_config("method=tsne", "seed=1"), tmp_path / "tsne", threads=1)
    runs = find_runs([tmp_path])
    assert sorted(run.settings["model"] for run in runs) == ["pca", "tsne"]
    tsne = next(run for run in runs if run.settings["model"] == "tsne")
    assert tsne.seed == 1 and tsne.history == [] and "latent" in tsne.figures
    assert tsne.settings["dataset"] == "fashion" and tsne.settings["latent_dim"] == 2
    assert 0.35 < tsne.values["knn5_accuracy"] <= 1 and "fit_seconds" in tsne.values
    assert len(aggregate(runs)) == 2
    page = write_report([tmp_path], tmp_path / "report.html", "maps", None, None).read_text()
    assert "tsne" in page and "pca" in page and "latent" in page


def test_bad_options_are_one_line_errors(embed_config):
    from vaecli.errors import ConfigError

    with pytest.raises(ConfigError, match="test_points"):
        embed_config("method=tsne", "method.test_points=both")
    with pytest.raises(ConfigError, match="train_points"):
        embed_config("train_points=0")


def test_too_few_images_for_the_options_is_one_line_not_an_internal_error(embed_config, tmp_path):
    """Issue 24's embed edges: scikit-learn's own errors (n_samples_fit, n_components) name no option of vae embed."""
    from vaecli.embed.run import embed_run, evaluate_embedding
    from vaecli.errors import ConfigError, DataError
    from vaecli.run.folder import RunFolder

    with pytest.raises(ConfigError, match=r"knn_neighbours=\[1, 5\] asks for 5 neighbours, but the map has 3 training codes"):
        embed_run(embed_config("method=pca", "train_points=3"), tmp_path / "few")
    assert not RunFolder(tmp_path / "few").holds_run()  # refused before the fit: the folder can be used again
    with pytest.raises(DataError, match=r"method=pca cannot map 1 training images .*n_components") as caught:
        embed_run(embed_config("method=pca", "train_points=1", "knn_neighbours=[1]"), tmp_path / "one")
    assert "\n" not in str(caught.value)
    embed_run(embed_config("method=pca"), tmp_path / "map")
    with pytest.raises(ConfigError, match=r"asks for 301 neighbours, but the map has 300 training codes"):
        evaluate_embedding(tmp_path / "map", knn_neighbours=[1, 301])


@pytest.mark.slow
def test_vae_embed_and_vae_eval_from_the_command_line(small_fashion, tmp_path):
    result = run_vae("embed", "method=pca", "dataset=fashion", f"dataset.path={small_fashion}", "hydra.run.dir=pca",
                     cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "knn5_accuracy=" in result.stdout
    result = run_vae("eval", "run=pca", "knn_neighbours=[1,5,7]", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "knn7_accuracy" in json.loads((tmp_path / "pca" / names.METRICS_JSON).read_text())["metrics"]


@pytest.mark.slow
def test_an_embedding_sweep_runs_quietly_and_a_second_launch_embeds_nothing(small_fashion, tmp_path):
    # As `vae embed -m experiment=map2d_baselines` over the committed baselines: every job finished, none refitted.
    args = ("embed", "-m", "method=pca", "seed=0,1", "dataset=fashion", f"dataset.path={small_fashion}",
            "hydra.sweep.dir=maps", "hydra.sweep.subdir=${hydra:runtime.choices.method}_seed${seed}")
    first = run_vae(*args, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "raised" not in first.stderr  # the sweep's callbacks ran whole (they once asked an EmbedConfig for its tracker)
    codes = {seed: (tmp_path / "maps" / f"pca_seed{seed}" / names.CODES).read_bytes() for seed in (0, 1)}
    second = run_vae(*args, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert (second.stdout + second.stderr).count("finished in an earlier launch: skipped") == 2
    assert {seed: (tmp_path / "maps" / f"pca_seed{seed}" / names.CODES).read_bytes() for seed in (0, 1)} == codes


def test_the_study_presets_cover_every_objective_and_share_one_split():
    from hydra import compose, initialize_config_module

    from vaecli.config.store import register_schemas as register_vaecli
    from vaecli.embed.config import register_schemas
    from vaecli.models.objectives import OBJECTIVES

    register_vaecli()
    register_schemas()
    with initialize_config_module(version_base="1.3", config_module="vaecli.conf"):
        stage1 = compose("train", ["experiment=map2d_stage1"], return_hydra_config=True)
        stage2 = compose("train", ["experiment=map2d_stage2"], return_hydra_config=True)
        baselines = compose("embed", ["experiment=map2d_baselines"], return_hydra_config=True)
    # every objective: Hydra's glob over conf/model/, whose choices are the registry's (tests/test_objectives.py)
    assert stage1.hydra.sweeper.params.model == "glob(*)" and sorted(choices("model")) == sorted(OBJECTIVES)
    assert stage2.hydra.sweeper.params.seed == "0,1,2" and stage2.network.name == "conv_wide"
    assert stage1.trainer.early_stopping.patience and stage2.trainer.early_stopping == stage1.trainer.early_stopping
    assert stage1.latent_dim == 2 and stage1.network.name == "conv_wide"
    # The baselines fit and score the images the VAEs train and are tested on.
    assert baselines.dataset == stage1.dataset and baselines.seed == stage1.seed
    assert set(baselines.hydra.sweeper.params.method.split(",")) == set(METHODS)
    # Fixed sweep folders in the repository: the same command continues a stopped stage; both stages share one
    # folder (stage 2's seed-0 runs are stage 1's), the baselines have their own.
    assert stage1.hydra.sweep.dir == stage2.hydra.sweep.dir != baselines.hydra.sweep.dir


@pytest.mark.slow
def test_the_report_page_shows_a_map_beside_a_vae_in_a_browser(embed_config, tmp_path):
    """Ticking a VAE run and a t-SNE map puts their latent figures side by side, at one height."""
    from report_runs import make_run
    from selenium.webdriver.common.by import By
    from test_report_page import chromium, rect

    from vaecli.embed.run import embed_run
    from vaecli.report import write_report

    make_run(tmp_path / "runs" / "elbo", "elbo", 0)
    embed_run(embed_config("method=tsne", "train_points=150"), tmp_path / "runs" / "tsne", threads=1)
    page = write_report([tmp_path / "runs"], tmp_path / "report.html", "maps", None, None)
    driver = chromium()
    try:
        driver.get(page.as_uri())
        labels = [h.text for h in driver.find_elements(By.CSS_SELECTOR, "details.card summary")]
        assert any("tsne" in label for label in labels) and any("elbo" in label for label in labels), labels
        for box in driver.find_elements(By.CSS_SELECTOR, "input.pick"):
            if not box.is_selected():
                box.click()
        headings = [h.text for h in driver.find_elements(By.CSS_SELECTOR, "#compare-grid h3")]
        assert len(headings) == 2 and any("tsne" in h for h in headings), headings
        figures = driver.find_elements(By.CSS_SELECTOR, '#compare-grid figure[data-kind="latent"]')
        assert len(figures) == 2
        first, second = (rect(driver, f) for f in figures)
        assert first["top"] == second["top"] and first["right"] <= second["left"]
        assert all(driver.execute_script("return arguments[0].naturalWidth", img) > 0
                   for img in driver.find_elements(By.CSS_SELECTOR, "#compare-grid img"))
    finally:
        driver.quit()
