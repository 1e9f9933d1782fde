"""The IDX reader, the three data sources, and the tf.data pipelines."""

import hashlib
import socket

import numpy as np
import pytest
from conftest import write_idx, write_idx_dir

from vaecli.config.schemas import DatasetConfig
from vaecli.data import eval_pipeline, load_dataset, read_idx, read_idx_dir, training_batches
from vaecli.errors import ConfigError, DataError

RNG = np.random.default_rng(0)
IMAGES = RNG.integers(0, 256, (12, 6, 5), dtype=np.uint8)
LABELS = RNG.integers(0, 3, 12, dtype=np.uint8)


@pytest.mark.parametrize("compress", [True, False])
def test_read_idx_round_trip(tmp_path, compress):
    path = write_idx(tmp_path / "x", IMAGES, compress=compress)
    np.testing.assert_array_equal(read_idx(path), IMAGES)


def test_read_real_mnist_subset(tiny_mnist):
    # The shipped files are the ones tests/data/README.md describes (sha256), and the reader returns their digits.
    readme = (tiny_mnist.parent / "README.md").read_text()
    for path in tiny_mnist.iterdir():
        assert f"| {path.name} | {hashlib.sha256(path.read_bytes()).hexdigest()} |" in readme
    arrays = read_idx_dir(tiny_mnist)
    assert arrays["train_images"].shape == (600, 28, 28) and arrays["test_images"].shape == (200, 28, 28)
    assert np.bincount(arrays["train_labels"]).tolist() == [60] * 10
    assert np.bincount(arrays["test_labels"]).tolist() == [20] * 10
    assert arrays["train_images"].max() == 255 and len(np.unique(arrays["train_images"])) > 200  # real 8-bit digits


def test_truncated_idx_file(tmp_path):
    path = write_idx(tmp_path / "x", IMAGES, compress=False)
    path.write_bytes(path.read_bytes()[:-7])
    with pytest.raises(DataError, match="truncated"):
        read_idx(path)


def test_truncated_gzip_file(tmp_path):
    path = write_idx(tmp_path / "x.gz", IMAGES)
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(DataError, match="cannot read"):
        read_idx(path)


@pytest.mark.parametrize("content", [b"\x89PNG\r\n\x1a\n....", b"", b"\x00\x00\x07\x01abcd"])
def test_wrong_magic(tmp_path, content):
    path = tmp_path / "x"
    path.write_bytes(content)
    with pytest.raises(DataError, match="not an IDX file"):
        read_idx(path)


def test_directory_problems(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        read_idx_dir(tmp_path / "nope")
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match="is a file"):
        read_idx_dir(tmp_path / "file")
    write_idx_dir(tmp_path / "d", IMAGES, LABELS, IMAGES, LABELS)
    (tmp_path / "d" / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataError, match="lacks t10k-labels-idx1-ubyte"):
        read_idx_dir(tmp_path / "d")


def test_image_label_count_mismatch(tmp_path):
    write_idx_dir(tmp_path, IMAGES, LABELS[:-1], IMAGES, LABELS)
    with pytest.raises(DataError, match="12 train images but 11 labels"):
        read_idx_dir(tmp_path)


def test_load_from_path_with_subset_and_validation(tmp_path):
    write_idx_dir(tmp_path, IMAGES, LABELS, IMAGES[:4], LABELS[:4])
    splits = load_dataset(DatasetConfig(name="idx", path=str(tmp_path), train_size=5, validation_size=3), seed=1)
    assert splits.image_shape == (6, 5, 1)
    assert len(splits.train_images) == 5 and len(splits.validation_images) == 3 and len(splits.test_images) == 4
    assert splits.class_names == ("0", "1", "2")
    # Validation and training subsets are disjoint and come from the training split.
    seen = {img.tobytes() for img in splits.train_images} | {img.tobytes() for img in splits.validation_images}
    assert len(seen) == 8 and seen <= {img[..., None].tobytes() for img in IMAGES}
    again = load_dataset(DatasetConfig(name="idx", path=str(tmp_path), train_size=5, validation_size=3), seed=1)
    np.testing.assert_array_equal(again.train_images, splits.train_images)


def test_system_copy_is_used_when_no_path(tmp_path):
    write_idx_dir(tmp_path, IMAGES, LABELS, IMAGES, LABELS)
    splits = load_dataset(DatasetConfig(name="x", system_dirs=[str(tmp_path / "absent"), str(tmp_path)], tfds_name="mnist"))
    assert splits.source == f"idx:{tmp_path}"


def test_too_few_class_names(tmp_path):
    write_idx_dir(tmp_path, IMAGES, LABELS, IMAGES, LABELS)
    with pytest.raises(ConfigError, match="class_names lists 2 names"):
        load_dataset(DatasetConfig(name="idx", path=str(tmp_path), class_names=["a", "b"]))


def test_tensorflow_datasets_path_with_mock_data(tmp_path, monkeypatch):
    import tensorflow_datasets as tfds

    monkeypatch.setattr("vaecli.data.tfds._check_online", lambda: None)  # mock_data replaces the download itself
    with tfds.testing.mock_data(num_examples=24):
        splits = load_dataset(DatasetConfig(name="fashion", tfds_name="fashion_mnist", tfds_data_dir=str(tmp_path)))
    assert splits.source == "tfds:fashion_mnist"
    assert splits.train_images.shape == (24, 28, 28, 1) and splits.train_images.dtype == np.uint8
    assert splits.class_names[9] == "Ankle boot"  # from the TFDS metadata


def test_offline_without_any_copy_names_all_three_remedies(tmp_path, monkeypatch):
    def no_dns(*args, **kwargs):
        raise socket.gaierror("Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)  # this machine is offline anyway; be sure
    cfg = DatasetConfig(name="fashion", system_dirs=[str(tmp_path / "none")], tfds_name="fashion_mnist", tfds_data_dir=str(tmp_path))
    with pytest.raises(DataError) as error:
        load_dataset(cfg)
    message = str(error.value)
    assert "dataset.path=DIR" in message and "apt-get install dataset-fashion-mnist" in message and "internet" in message
    assert "\n" not in message


def test_training_batches_are_seeded_per_epoch():
    images = np.arange(40, dtype=np.uint8).reshape(40, 1, 1, 1)
    batches = training_batches(images, batch_size=8, seed=3)
    epoch = lambda e: np.concatenate([b.numpy() for b in batches(e)]).ravel()  # noqa: E731
    first = epoch(1)
    assert first.min() >= 0 and first.max() <= 1 and len(first) == 40
    np.testing.assert_array_equal(first, epoch(1))  # the same epoch, the same order: resumable
    assert not np.array_equal(first, epoch(2))  # a new epoch, a new order
    assert sorted(first) == sorted(epoch(2))
    assert np.array_equal(np.sort(first * 255).round(), np.arange(40))


def test_full_batches_only_and_batch_size_checked():
    images = np.zeros((10, 2, 2, 1), np.uint8)
    assert [len(b) for b in training_batches(images, 4, 0)(1)] == [4, 4]
    assert [len(b) for b in eval_pipeline(images, 4)] == [4, 4, 2]
    with pytest.raises(ConfigError, match="larger than the 10 training images"):
        training_batches(images, 11, 0)
