"""Every config option composes from the real conf/, with types and ranges checked."""

import pytest
from conftest import choices
from hydra.errors import ConfigCompositionException, MissingConfigException

from vaecli.errors import ConfigError, describe_config_error
from vaecli.models.objectives.elbo import ElboConfig
from vaecli.models.objectives.mmd import MmdConfig
from vaecli.run import names


def test_defaults(compose):
    cfg = compose()
    assert isinstance(cfg.model, MmdConfig) and cfg.dataset.name == "fashion"
    assert cfg.latent_dim == 2 and cfg.trainer.epochs == 50 and cfg.trainer.learning_rate == 1e-3
    assert cfg.trainer.batch_size == 100 and cfg.trainer.plot_every == 10
    assert cfg.model.kernel.name == "gaussian" and cfg.model.kernel.sigma is None
    assert cfg.model.kernel.bandwidth(2) == pytest.approx(2 / 2**0.5)
    assert cfg.model.prior_samples == 200 and cfg.model.mmd_weight == 1.0


@pytest.mark.parametrize(
    "overrides, check",
    [
        (["model=elbo"], lambda c: isinstance(c.model, ElboConfig) and c.model.kl == "sample" and c.model.kl_weight == 1.0),
        (["model=elbo", "model.kl=analytic", "model.kl_weight=0.01"], lambda c: c.model.kl == "analytic" and c.model.kl_weight == 0.01),
        (["model.kernel.name=imq", "model.kernel.sigma=0.5"], lambda c: c.model.kernel.name == "imq" and c.model.kernel.bandwidth(2) == 0.5),
        (["model.mmd_weight=10", "model.prior_samples=50"], lambda c: c.model.mmd_weight == 10 and c.model.prior_samples == 50),
        (["network.encoder_filters=[16,32,64]", "network.decoder_filters=[64,32,16]", "network.decoder_base_channels=8"],
         lambda c: c.network.encoder_filters == [16, 32, 64] and c.network.decoder_base_channels == 8),
        (["network=conv64"], lambda c: c.network.kernel_size == 4 and c.network.hidden_units == 256 and c.network.output_stride == 2),
        (["network=mlp", "network.hidden_units=200"], lambda c: c.network.hidden_units == 200 and c.network.activation == "tanh"),
        (["model=elbo", "likelihood=gaussian_fixed", "likelihood.sigma=0.5"], lambda c: c.likelihood.sigma == 0.5),
        (["model=elbo", "likelihood=gaussian", "model.samples=5", "model.warmup_epochs=3"],
         lambda c: c.likelihood.min_logvar == -6.0 and (c.model.samples, c.model.warmup_epochs) == (5, 3)),
        (["model=beta_vae", "model.beta=8", "model.capacity_max=25"], lambda c: c.model.beta == 8 and c.model.capacity_max == 25),
        (["model=infovae", "model.alpha=0.5", "model.lam=10", "model.kernel.name=imq"],
         lambda c: (c.model.alpha, c.model.lam, c.model.kernel.name) == (0.5, 10, "imq")),
        (["model=wae"], lambda c: c.likelihood.name == "gaussian_fixed" and c.model.lam == 5.0),
        (["model=dip_vae", "model.type=ii"], lambda c: c.model.type == "ii" and c.model.diagonal_weight == 10.0),
        (["model=vamp", "model.components=50"], lambda c: c.model.components == 50 and c.model.kl == "sample"),
        (["model=beta_tcvae", "model.beta=2"], lambda c: c.model.beta == 2 and c.model.kl == "sample"),
        (["dataset.validation_size=10", "trainer.early_stopping.patience=2"], lambda c: c.trainer.early_stopping.patience == 2),
        (["dataset=mnist", "dataset.path=/x"], lambda c: c.dataset.tfds_name == "mnist" and c.dataset.path == "/x"),
        (["dataset=idx", "dataset.path=/x", "dataset.class_names=[a,b]"], lambda c: c.dataset.class_names == ["a", "b"]),
        (["dataset.train_size=500", "dataset.validation_size=100", "dataset.tfds_data_dir=/t"],
         lambda c: c.dataset.train_size == 500 and c.dataset.validation_size == 100 and c.dataset.tfds_data_dir == "/t"),
        (["latent_dim=8", "seed=3", "resume=/r"], lambda c: (c.latent_dim, c.seed, c.resume) == (8, 3, "/r")),
        (["trainer.epochs=2", "trainer.batch_size=32", "trainer.learning_rate=3e-4", "trainer.plot_every=1"],
         lambda c: (c.trainer.epochs, c.trainer.batch_size, c.trainer.learning_rate, c.trainer.plot_every) == (2, 32, 3e-4, 1)),
        (["trainer.steps_per_call=7", "trainer.eval_batch_size=64", "trainer.quiet=true", "trainer.jit_compile=true"],
         lambda c: c.trainer.steps_per_call == 7 and c.trainer.quiet and c.trainer.jit_compile),
        (["trainer.precision=mixed_bfloat16", "trainer.deterministic=true", "trainer.on_nonfinite=skip", "trainer.keep_checkpoints=1"],
         lambda c: c.trainer.precision == "mixed_bfloat16" and c.trainer.deterministic and c.trainer.on_nonfinite == "skip"),
        (["trainer.eval_at_end=false"], lambda c: not c.trainer.eval_at_end),
        (["figures.grid_size=20", "figures.grid_quantile=0.01", "figures.sample_grid=4", "figures.reconstructions=5", "figures.scatter_points=100"],
         lambda c: (c.figures.grid_size, c.figures.sample_grid, c.figures.reconstructions) == (20, 4, 5)),
        (["eval.iw_samples=10", "eval.iw_subset=50", "eval.prior_samples=100", "eval.knn_neighbours=[1,3]"],
         lambda c: c.eval.iw_samples == 10 and c.eval.knn_neighbours == [1, 3]),
        # The presets keep the seeds' settings where vaecli's defaults differ.
        (["experiment=keydana_fashion"], lambda c: c.dataset.name == "fashion" and (c.trainer.learning_rate, c.trainer.epochs) == (1e-4, 50)),
        (["experiment=keydana_mnist"], lambda c: c.dataset.name == "mnist" and (c.trainer.learning_rate, c.latent_dim) == (1e-4, 2)),
        (["experiment=small_data"], lambda c: c.dataset.train_size == 500 and (c.trainer.learning_rate, c.trainer.epochs) == (1e-4, 800)),
        # dSprites presets: the 64x64 network comes with the dataset
        (["experiment=disentangle_dsprites"], lambda c: (c.model.name, c.model.beta, c.dataset.name, c.network.name) == ("beta_vae", 4.0, "dsprites", "conv64")),
        (["experiment=beta_vae_capacity"], lambda c: (c.dataset.name, c.model.capacity_max, c.trainer.batch_size) == ("dsprites", 25.0, 64)),
        (["dataset=celeba", "network=conv"], lambda c: c.network.name == "conv" and c.dataset.image_size == [64, 64]),
    ],
)
def test_every_option_composes(compose, overrides, check):
    assert check(compose(*overrides))


@pytest.mark.parametrize(
    "override, message",
    [
        ("latent_dim=0", "latent_dim must be > 0"),
        ("trainer.epochs=-1", "trainer.epochs must be > 0"),
        ("trainer.batch_size=0", "trainer.batch_size must be > 0"),
        ("trainer.learning_rate=0", "trainer.learning_rate must be > 0"),
        ("model.kernel.sigma=0", "model.kernel.sigma must be > 0"),
        ("model.kernel.name=laplace", "model.kernel.name=laplace is not known; choose one of gaussian, imq"),
        ("model.mmd_weight=-1", "model.mmd_weight must be >= 0"),
        ("trainer.precision=float64", "choose one of float32, mixed_float16, mixed_bfloat16"),
        ("dataset.train_size=0", "dataset.train_size must be > 0"),
        ("seed=-2", "seed must be >= 0"),
        ("+foo=1", "unknown option 'foo'"),
        ("+model.bar=1", "unknown option 'model.bar'"),
    ],
)
def test_bad_values_are_config_errors(compose, override, message):
    with pytest.raises(ConfigError, match=message):
        compose(override)


def test_elbo_needs_no_kernel_and_says_so(compose):
    with pytest.raises(ConfigCompositionException) as error:
        compose("model=elbo", "model.kernel.sigma=2")
    assert describe_config_error(error.value).startswith("unknown option 'model.kernel'")


def test_unknown_group_choice_lists_the_options(compose):
    with pytest.raises(MissingConfigException) as error:
        compose("model=nonsense")
    assert describe_config_error(error.value) == f"unknown model 'nonsense'; choose one of: {', '.join(choices('model'))}"


def test_wrong_type_is_named(compose):
    with pytest.raises(ConfigCompositionException) as error:
        compose("latent_dim=abc")
    assert describe_config_error(error.value) == "latent_dim: Value 'abc' of type 'str' could not be converted to Integer"


def test_idx_dataset_needs_a_path(compose):
    with pytest.raises(ConfigError, match="dataset=idx needs dataset.path"):
        compose("dataset=idx")


@pytest.mark.parametrize("model, likelihood", [("elbo", "bernoulli"), ("mmd", "mse")])
def test_a_run_saved_before_networks_were_a_group_still_loads(compose, tmp_path, model, likelihood):
    from omegaconf import OmegaConf

    from vaecli.config.store import load_train_config

    saved = OmegaConf.to_container(OmegaConf.structured(compose(f"model={model}")))
    saved.pop("network"), saved.pop("likelihood")
    saved["model"].update(encoder_filters=[8, 16], decoder_filters=[16, 8], decoder_base_channels=4)  # the old place
    OmegaConf.save(saved, tmp_path / names.CONFIG)
    cfg = load_train_config(tmp_path / names.CONFIG)
    assert (cfg.network.name, cfg.network.encoder_filters, cfg.network.decoder_base_channels) == ("conv", [8, 16], 4)
    assert cfg.likelihood.name == likelihood and cfg.model.name == model


@pytest.mark.slow
def test_a_renamed_preset_still_works_and_says_its_new_name(tmp_path):
    """experiment=seeds_fashion (the old name) runs keydana_fashion, with one warning; the new name warns nothing."""
    from conftest import run_vae

    old = run_vae("train", "experiment=seeds_fashion", "--cfg", "job", cwd=tmp_path)
    new = run_vae("train", "experiment=keydana_fashion", "--cfg", "job", cwd=tmp_path)
    assert old.returncode == 0 and new.returncode == 0, old.stderr + new.stderr
    assert old.stdout == new.stdout and "learning_rate: 0.0001" in new.stdout
    assert old.stderr.count("experiment=seeds_fashion is now experiment=keydana_fashion") == 1, old.stderr
    assert "warning" not in new.stderr


def test_renamed_presets_inside_a_sweep_list():
    from vaecli.commands import renamed_presets

    assert renamed_presets(["-m", "experiment=seeds_mnist,small_data", "seed=1"]) == \
        ["-m", "experiment=keydana_mnist,small_data", "seed=1"]
