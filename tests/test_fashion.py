"""Real Fashion-MNIST (Debian's dataset-fashion-mnist): a short run must learn."""

import pytest

from vaecli.data import load_dataset
from vaecli.run import names
from vaecli.run.history import read_metrics
from vaecli.train.loop import train


def test_system_copy_is_found_without_a_path(compose, fashion):
    splits = load_dataset(compose().dataset)
    assert splits.source == f"idx:{fashion}"
    assert splits.train_images.shape == (60000, 28, 28, 1) and splits.test_images.shape == (10000, 28, 28, 1)
    assert splits.class_names[0] == "T-shirt/top" and splits.class_names[9] == "Ankle boot"


@pytest.mark.slow
@pytest.mark.parametrize("model", ["elbo", "mmd"])
def test_test_loss_falls_on_real_fashion_mnist(compose, fashion, tmp_path, model):
    # 4,000 images give three clearly falling epochs (elbo's test loss on all 10,000 test images: 417, 335, 324 nats),
    # in a third of 10,000's time; 2,000 test images keep each epoch's test pass short
    cfg = compose(f"model={model}", "dataset.train_size=4000", "dataset.test_size=2000", "trainer.epochs=3",
                  "trainer.learning_rate=1e-3", "trainer.quiet=true", "trainer.eval_at_end=false", "figures.scatter_points=500")
    train(cfg, tmp_path)
    test_losses = [row["test/loss"] for row in read_metrics(tmp_path / names.METRICS_CSV)]
    assert test_losses[2] < test_losses[1] < test_losses[0], test_losses
