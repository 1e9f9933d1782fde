"""The generated dSprites: rendering against geometry, factors in Splits, the factor figures, and a tiny real run."""

import json
import math
from statistics import NormalDist

import numpy as np
import pytest
from conftest import small_vae, write_idx_dir

from vaecli.config.schemas import DatasetConfig
from vaecli.data import load_dataset
from vaecli.data.generated import DSprites, render
from vaecli.errors import ConfigError
from vaecli.run import names as run_names
from vaecli.visual import plots
from vaecli.visual import run_figures as figures

SOURCE = DSprites()
FACTORS = SOURCE.sample_factors(300, np.random.default_rng(0))
DISENTANGLEMENT = ("mig", "sap", "dci_disentanglement", "dci_completeness", "dci_informativeness", "factor_vae_score", "beta_vae_score")


def centroid(image):
    rows, cols = np.nonzero(image)
    return rows.mean(), cols.mean()


def test_images_are_deterministic_binary_and_equal_the_direct_rendering():
    images = SOURCE.images(FACTORS)
    assert images.shape == (300, 64, 64, 1) and images.dtype == np.uint8
    assert set(np.unique(images)) == {0, 255}
    np.testing.assert_array_equal(images, DSprites().images(FACTORS))
    f = FACTORS
    direct = render(f[:, 0], SOURCE.scales[f[:, 1]], SOURCE.orientations[f[:, 2]], SOURCE.positions[f[:, 3]], SOURCE.positions[f[:, 4]])
    np.testing.assert_array_equal(images[..., 0], direct)  # the looked-up sprites are the rendered ones
    assert all(images[i].any() and not images[i, 0].any() and not images[i, -1].any() for i in range(len(images)))  # inside the frame


def test_centroid_follows_x_and_y():
    steps = np.arange(32)
    along_x = SOURCE.images(np.stack([np.zeros(32), np.full(32, 5), np.zeros(32), steps, np.full(32, 7)], axis=1))
    along_y = SOURCE.images(np.stack([np.zeros(32), np.full(32, 5), np.zeros(32), np.full(32, 7), steps], axis=1))
    x_rows, x_cols = np.array([centroid(im[..., 0]) for im in along_x]).T
    y_rows, y_cols = np.array([centroid(im[..., 0]) for im in along_y]).T
    assert np.all(np.diff(x_cols) > 0) and np.ptp(x_rows) < 0.1  # x moves the sprite right (rows: subpixel rounding only)
    assert np.all(np.diff(y_rows) > 0) and np.ptp(y_cols) < 0.1  # y moves it down
    step = 38 / 31  # the centre runs from 13 to 51 pixels (pixel 0 spans [0, 1))
    np.testing.assert_allclose(x_cols + 0.5, 13 + step * steps, atol=0.5)


@pytest.mark.parametrize("shape", [0, 1, 2])
def test_area_grows_with_scale_as_its_square(shape):
    areas = np.array([(render(shape, scale, 0.4, 0.5, 0.5) > 0).sum() for scale in SOURCE.scales])
    assert np.all(np.diff(areas) > 0)
    assert areas[-1] / areas[0] == pytest.approx(4.0, rel=0.15)  # scale 1 vs 0.5: twice as wide, four times the area


def test_shapes_have_their_outlines():
    square, ellipse, heart = ((render(k, 1.0, 0.0, 0.0, 0.0) > 0).sum() for k in range(3))
    assert square == 18 * 18  # a centre on a pixel corner: exactly 18x18 pixels
    assert ellipse == pytest.approx(math.pi * 9 * 4.5, rel=0.1)  # semi-axes 9 and 4.5 pixels
    assert ellipse < heart < square


def test_rotations_act_as_the_shapes_symmetries():
    at = dict(scale=1.0, x=0.0, y=0.0)  # centre (13, 13): on a pixel corner, so quarter turns map pixels to pixels
    square, ellipse, heart = ([render(k, angle=a, **at)[0] for a in (0.0, math.pi / 2, math.pi)] for k in range(3))
    np.testing.assert_array_equal(square[1], square[0])  # a square turned by 90 degrees is itself
    np.testing.assert_array_equal(ellipse[2], ellipse[0])  # an ellipse by 180 degrees
    assert (ellipse[1] != ellipse[0]).sum() > 50
    assert (heart[2] != heart[0]).sum() > 50  # a heart only by 360
    np.testing.assert_array_equal(np.rot90(heart[0][1:25, 1:25]), heart[1][1:25, 1:25])  # quarter turn = rot90 about (13, 13)
    first, last = SOURCE.images(np.array([[2, 5, 0, 10, 10], [2, 5, 39, 10, 10]]))
    np.testing.assert_array_equal(first, last)  # orientation runs over [0, 2π] inclusive, as in dSprites


def test_splits_carry_the_factors_of_their_images():
    cfg = DatasetConfig(name="dsprites", source="generated", generator="dsprites", generated_train=400, generated_test=150,
                        train_size=200, validation_size=50, label_factor="shape")
    splits = load_dataset(cfg, seed=3)
    assert splits.factor_names == ("shape", "scale", "orientation", "x", "y") and splits.factor_sizes == (3, 6, 40, 32, 32)
    assert splits.class_names == ("square", "ellipse", "heart") and splits.image_shape == (64, 64, 1)
    for split, n in (("train", 200), ("validation", 50), ("test", 150)):
        images, labels, factors = (getattr(splits, f"{split}_{kind}") for kind in ("images", "labels", "factors"))
        assert factors.shape == (n, 5) and len(images) == len(labels) == n
        np.testing.assert_array_equal(labels, factors[:, 0])
        np.testing.assert_array_equal(images, splits.factor_source.images(factors))
    train = {tuple(f) for f in np.concatenate([splits.train_factors, splits.validation_factors])}
    assert len(train) == 250 and not train & {tuple(f) for f in splits.test_factors}  # disjoint, no repeats

    other = load_dataset(cfg, seed=4)
    np.testing.assert_array_equal(other.test_factors, splits.test_factors)  # one test set for every seed
    assert not np.array_equal(other.train_factors, splits.train_factors)
    by_scale = load_dataset(DatasetConfig(name="d", source="generated", generator="dsprites", generated_train=100, generated_test=50, label_factor="scale"))
    assert by_scale.class_names == ("0.5", "0.6", "0.7", "0.8", "0.9", "1") and (by_scale.test_labels == by_scale.test_factors[:, 1]).all()


def test_datasets_without_factors_carry_none(tmp_path):
    images, labels = np.zeros((6, 4, 4), np.uint8), np.arange(6, dtype=np.uint8) % 2
    splits = load_dataset(DatasetConfig(name="idx", path=str(write_idx_dir(tmp_path, images, labels, images, labels))))
    assert splits.train_factors is None and splits.test_factors is None and splits.factor_source is None
    assert splits.factor_names == () and splits.factor_sizes == ()


def test_the_preset_composes_and_bad_options_fail(compose):
    cfg = compose("dataset=dsprites", "network=conv64", "dataset.generated_train=1000")
    assert (cfg.dataset.generator, cfg.dataset.generated_train, cfg.dataset.label_factor) == ("dsprites", 1000, "shape")
    for override, message in (("dataset.generator=dspritez", "dataset.generator=dspritez is not known"),
                              ("dataset.label_factor=colour", "dataset.label_factor=colour is not known"),
                              ("dataset.generated_test=0", "dataset.generated_test must be"),
                              ("dataset.generated_train=737000", "must be <= the 737280 images")):
        with pytest.raises(ConfigError, match=message):
            compose("dataset=dsprites", override)


def test_correlation_ratio_finds_the_dimension_a_factor_sets():
    rng = np.random.default_rng(0)
    values = rng.integers(0, 6, 2000)
    codes = np.stack([rng.normal(size=2000), values + 0.1 * rng.normal(size=2000), np.zeros(2000)], axis=1)
    ratio = figures.correlation_ratio(codes, values)
    assert ratio[1] > 0.95 and ratio[0] < 0.01 and ratio[2] == 0.0


def test_traversal_codes_sweep_one_dimension_per_row():
    vae = small_vae("elbo", latent_dim=3)
    base = np.array([0.3, -0.2, 0.7], np.float32)
    steps, codes = figures.traversal_codes(vae, base, [2, 0], 5, 0.05)
    rows = codes.reshape(2, 5, 3)
    np.testing.assert_allclose(steps, np.linspace(0.05, 0.95, 5))
    np.testing.assert_allclose(rows[0, :, 2], [NormalDist().inv_cdf(p) for p in steps], atol=1e-5)  # N(0, 1) quantiles
    np.testing.assert_array_equal(rows[0, :, :2], np.broadcast_to(base[:2], (5, 2)))
    np.testing.assert_array_equal(rows[1, :, 1:], np.broadcast_to(base[1:], (5, 2)))
    order, usage, name = figures.dimension_usage(vae, np.array([[0, 2, 0], [0, -2, 0.1]]), np.zeros((2, 3)))
    assert name == "KL" and list(order) == [1, 2, 0] and usage[1] == pytest.approx(2.0)


@pytest.mark.parametrize("channels", [1, 3])
def test_factor_figures_draw_grey_and_colour(channels):
    rng = np.random.default_rng(0)
    images = rng.random((3 * 4, 8, 8, channels)).astype(np.float32)
    fig = plots.latent_traversal(images, ["z[1] KL 2.0", "z[0] KL 1.0", "z[2] KL 0.1"], np.linspace(0.05, 0.95, 4), "t")
    assert len(fig.axes[0].get_yticklabels()) == 3
    codes, factors = rng.normal(size=(200, 3)), SOURCE.sample_factors(200, rng)
    fig = figures.draw_factors(codes, factors, SOURCE.factor_names, [SOURCE.value_names(k) for k in range(5)], "t")
    assert [ax.get_title() for ax in fig.axes if ax.get_title()] == list(SOURCE.factor_names)


@pytest.mark.slow
def test_tiny_run_reports_disentanglement_and_draws_the_factor_figures(compose, tmp_path):
    from vaecli.assess.evaluate_run import evaluate_run
    from vaecli.train.loop import train

    cfg = compose(
        "model=beta_vae", "dataset=dsprites", "network=conv64", "latent_dim=4", "dataset.generated_train=1000",
        "dataset.generated_test=300", "network.encoder_filters=[8,8,8,8]", "network.decoder_filters=[8,8,8]",
        "network.decoder_base_channels=8", "network.hidden_units=32", "trainer.epochs=1", "trainer.batch_size=50",
        "trainer.quiet=true", "trainer.eval_at_end=false", "figures.grid_size=4", "figures.scatter_points=200",
        "figures.sample_grid=2", f"eval.classifier_cache={tmp_path / 'cache'}", "eval.iw_samples=5", "eval.iw_subset=50",
        "eval.prior_samples=200", "eval.mmd_samples=200", "eval.disentanglement.n_train=1000", "eval.disentanglement.n_test=500",
        "eval.disentanglement.factor_vae_train=100", "eval.disentanglement.factor_vae_eval=100",
        "eval.disentanglement.beta_vae_train=100", "eval.disentanglement.beta_vae_eval=100",
    )
    train(cfg, tmp_path / "run")
    report = evaluate_run(tmp_path / "run", cfg.eval)
    found = json.loads((tmp_path / "run" / run_names.METRICS_JSON).read_text())["metrics"]
    assert all(0.0 <= found[key] <= 1.0 for key in DISENTANGLEMENT), found
    assert found == report["metrics"] and "knn5_accuracy" in found  # the class metrics still run (label = shape)
    names = {p.name for p in (tmp_path / "run" / run_names.FIGURES).glob("*.png")}
    assert {"traversal_epoch001.png", "factors_epoch001.png", "latent_epoch001.png"} <= names
