"""The tfds and folder sources, streaming, and training on them: TFDS presets on tfds.testing.mock_data,
folders of real Fashion-MNIST images written as PNG files."""

import numpy as np
import pytest

from vaecli.config.schemas import DatasetConfig
from vaecli.data import Stream, load_dataset, training_batches
from vaecli.data.idx import read_idx_dir
from vaecli.errors import ConfigError, DataError
from vaecli.run import names as run_names


@pytest.fixture
def mock_tfds(monkeypatch, tmp_path):
    import tensorflow_datasets as tfds

    monkeypatch.setattr("vaecli.data.tfds._check_online", lambda: None)  # mock_data replaces the download itself

    def _mock(num_examples: int):
        return tfds.testing.mock_data(num_examples=num_examples)

    return _mock


def preset(compose, name: str, *overrides: str) -> DatasetConfig:
    return compose(f"dataset={name}", *overrides).dataset


def test_cifar10_and_svhn_presets_read_colour_images_with_their_class_names(compose, mock_tfds, tmp_path):
    with mock_tfds(24):
        cifar = load_dataset(preset(compose, "cifar10", f"dataset.tfds_data_dir={tmp_path}"))
        svhn = load_dataset(preset(compose, "svhn", f"dataset.tfds_data_dir={tmp_path}"))
    assert cifar.train_images.shape == (24, 32, 32, 3) and cifar.train_images.dtype == np.uint8
    assert cifar.source == "tfds:cifar10" and len(cifar.class_names) == 10 and cifar.train_stream is None
    assert svhn.test_images.shape == (24, 32, 32, 3) and len(svhn.class_names) == 10


def test_celeba_is_cropped_resized_labelled_by_an_attribute_and_streams_when_large(compose, mock_tfds, tmp_path):
    with mock_tfds(40):
        held = load_dataset(preset(compose, "celeba", f"dataset.tfds_data_dir={tmp_path}"))
        streamed = load_dataset(preset(compose, "celeba", f"dataset.tfds_data_dir={tmp_path}", "dataset.memory_limit_mb=0",
                                       "dataset.sample_size=16", "dataset.validation_size=4", "dataset.test_size=10"))
        assert held.train_images.shape == (40, 64, 64, 3) and held.class_names == ("female", "male")
        assert set(np.unique(held.train_labels)) <= {0, 1}
        assert isinstance(streamed.train_stream, Stream) and streamed.train_count == 36
        assert streamed.train_images.shape == (16, 64, 64, 3)  # the held sample, for evaluation
        assert len(streamed.validation_images) == 4 and len(streamed.test_images) == 10
        batches = training_batches(streamed.training_images, batch_size=8, seed=1, shuffle_buffer=10)
        first = [b.numpy() for b in batches(1)]
        again = [b.numpy() for b in batches(1)]
    assert len(first) == 4 and first[0].shape == (8, 64, 64, 3) and 0 <= first[0].min() and first[0].max() <= 1
    np.testing.assert_array_equal(np.concatenate(first), np.concatenate(again))  # the same epoch, the same batches


def test_tfds_factor_presets_carry_factors_and_a_generic_name_works(compose, mock_tfds, tmp_path):
    with mock_tfds(30):
        dsprites = load_dataset(preset(compose, "dsprites", "dataset.source=tfds", f"dataset.tfds_data_dir={tmp_path}",
                                       "dataset.test_size=10"))
        shapes = load_dataset(preset(compose, "shapes3d", f"dataset.tfds_data_dir={tmp_path}", "dataset.test_size=10"))
        generic = load_dataset(preset(compose, "tfds", "dataset.name=mnist", f"dataset.tfds_data_dir={tmp_path}"))
    assert dsprites.factor_names == ("shape", "scale", "orientation", "x_position", "y_position")
    assert dsprites.factor_sizes == (3, 6, 40, 32, 32) and dsprites.train_factors.shape == (30, 5)
    assert dsprites.test_factors.shape == (10, 5) and dsprites.factor_source is None  # mock data is no factor grid
    np.testing.assert_array_equal(dsprites.train_labels, dsprites.train_factors[:, 0])  # label_factor: shape
    assert shapes.train_images.shape == (30, 64, 64, 3) and shapes.factor_sizes == (10, 10, 10, 8, 4, 15)
    assert generic.source == "tfds:mnist" and generic.train_images.shape == (30, 28, 28, 1)


def test_unknown_tfds_feature_is_named(compose, mock_tfds, tmp_path):
    with mock_tfds(4), pytest.raises(ConfigError, match="cifar10 has no feature 'colour'"):
        load_dataset(preset(compose, "cifar10", f"dataset.tfds_data_dir={tmp_path}", "dataset.label_key=colour"))


def write_folder(root, images, labels, names, split=None):
    """PNG files under root/[split/]<class name>/."""
    from PIL import Image  # matplotlib's own dependency

    for i, (image, label) in enumerate(zip(images, labels)):
        folder = root / (split or "") / names[label]
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(folder / f"{i:05d}.png")
    return root


@pytest.fixture(scope="module")
def fashion_pngs(fashion, tmp_path_factory):
    """500 real Fashion-MNIST training images and 100 test images as PNG files in class sub-folders."""
    arrays = read_idx_dir(fashion)
    names = ["tshirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "boot"]
    root = tmp_path_factory.mktemp("fashion_pngs")
    write_folder(root, arrays["train_images"][:500], arrays["train_labels"][:500], names, "train")
    write_folder(root, arrays["test_images"][:100], arrays["test_labels"][:100], names, "test")
    return root, arrays


def test_folder_of_real_images_round_trips_exactly(fashion_pngs):
    root, arrays = fashion_pngs
    splits = load_dataset(DatasetConfig(name="folder", source="folder", path=str(root)))
    assert splits.train_images.shape == (500, 28, 28, 1) and splits.class_names[0] == "bag"  # sorted folder names
    assert len(splits.test_images) == 100 and splits.source == f"folder:{root}"
    # PNG is lossless: the images are Fashion-MNIST's own, in some order
    ours = {img.tobytes() for img in splits.train_images[..., 0]}
    assert ours == {img.tobytes() for img in arrays["train_images"][:500]}


def test_folder_options_size_colour_fraction_and_unlabelled(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (20, 12, 10, 3), dtype=np.uint8)
    write_folder(tmp_path / "labelled", images, np.arange(20) % 2, ["cat", "dog"])
    cfg = DatasetConfig(name="f", source="folder", path=str(tmp_path / "labelled"), image_size=[8, 8], channels=1, test_fraction=0.25)
    splits = load_dataset(cfg)
    assert splits.train_images.shape == (15, 8, 8, 1) and splits.test_images.shape == (5, 8, 8, 1)
    assert splits.class_names == ("cat", "dog")
    write_folder(tmp_path / "flat", images, np.zeros(20, int), [""])
    flat = load_dataset(DatasetConfig(name="f", source="folder", path=str(tmp_path / "flat"), channels=3))
    assert flat.class_names == ("all",) and flat.train_images.shape[1:] == (12, 10, 3) and not flat.train_labels.any()


def test_folder_bad_input_names_the_problem(tmp_path):
    with pytest.raises(ConfigError, match="not a folder"):
        load_dataset(DatasetConfig(name="f", source="folder", path=str(tmp_path / "absent")))
    (tmp_path / "empty" / "a").mkdir(parents=True)
    with pytest.raises(DataError, match="holds no image files"):
        load_dataset(DatasetConfig(name="f", source="folder", path=str(tmp_path / "empty")))
    with pytest.raises(ConfigError, match="needs dataset.path"):
        DatasetConfig(name="f", source="folder")
    with pytest.raises(ConfigError, match="dataset.source=zip is not known"):
        DatasetConfig(name="f", source="zip")


@pytest.mark.slow
@pytest.mark.parametrize("name", ["cifar10", "celeba"])
def test_training_runs_on_tfds_mock_data(compose, mock_tfds, tmp_path, name):
    from vaecli.train.loop import train

    small = {"cifar10": ["network.encoder_filters=[8,8]", "network.decoder_filters=[8,8]"],  # network=conv
             "celeba": ["network.encoder_filters=[8,8,8,8]", "network.decoder_filters=[8,8,8]", "network.hidden_units=16"]}
    cfg = compose(
        f"dataset={name}", f"dataset.tfds_data_dir={tmp_path / 'tfds'}", "dataset.memory_limit_mb=0", "dataset.sample_size=32",
        *small[name], "network.decoder_base_channels=8", "trainer.epochs=1", "trainer.batch_size=16", "trainer.quiet=true",
        "trainer.eval_at_end=false", "figures.grid_size=3", "figures.scatter_points=50", "figures.sample_grid=2",
        "figures.reconstructions=3",
    )
    with mock_tfds(48):
        final = train(cfg, tmp_path / "run")
    assert np.isfinite(final["test/loss"])
    assert (tmp_path / "run" / run_names.MODEL).is_file()


@pytest.mark.slow
def test_training_runs_on_a_folder_of_real_images(compose, fashion_pngs, tmp_path):
    from vaecli.train.loop import train

    root, _ = fashion_pngs
    cfg = compose("dataset=folder", f"dataset.path={root}", "trainer.epochs=1", "trainer.batch_size=50", "trainer.quiet=true",
                  "trainer.eval_at_end=false", "figures.grid_size=4", "figures.scatter_points=100")
    final = train(cfg, tmp_path / "run")
    assert np.isfinite(final["test/loss"]) and (tmp_path / "run" / run_names.MODEL).is_file()


def test_latent_scatter_of_an_unlabelled_dataset_is_one_colour():
    from vaecli.visual import plots

    codes = np.random.default_rng(0).normal(size=(50, 2))
    fig = plots.latent_scatter(codes, np.zeros(50, np.int64), ("all",), "unlabelled")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["all"]
    assert len(ax.collections[0].get_offsets()) == 50


def test_grid_source_looks_images_up_by_their_factors():
    from vaecli.data.tfds import GridSource

    sizes = (2, 3, 4)
    images = np.arange(24, dtype=np.uint8).reshape(24, 1, 1, 1)  # image i is the grid's i-th, in order
    grid = GridSource(images, ("a", "b", "c"), sizes)
    factors = grid.sample_factors(10, np.random.default_rng(0))
    assert factors.shape == (10, 3) and (factors < np.array(sizes)).all()
    np.testing.assert_array_equal(grid.images(factors).ravel(), factors @ np.array([12, 4, 1]))
