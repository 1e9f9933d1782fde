"""The PyTorch peer of `vae bench` is vaecli's model, trains, and runs without TensorFlow (for a GPU machine)."""

import subprocess
import sys

import numpy as np
import pytest
from conftest import missing

from vaecli.models.likelihoods import BernoulliConfig
from vaecli.models.network_schemas import ConvNetworkConfig
from vaecli.models.networks import build_vae
from vaecli.models.objectives.elbo import ElboConfig


@pytest.fixture(scope="module")
def bench_torch():
    try:
        from vaecli.bench import torch_peer as bench_torch
    except ImportError:
        missing("PyTorch is not installed (pip install -e '.[torch]')")
    return bench_torch


def test_the_pytorch_peer_has_vaeclis_layers_and_trains(bench_torch):
    vae = build_vae(ElboConfig(), ConvNetworkConfig(), BernoulliConfig(), 2, (28, 28, 1))
    images = np.random.default_rng(0).integers(0, 256, (250, 28, 28, 1), dtype=np.uint8)
    trainer = bench_torch.TorchTrainer(images, batch_size=100)
    assert bench_torch.parameter_count(trainer.model) == vae.count_params() == 69_989
    assert sorted(p.numel() for p in trainer.model.parameters()) == sorted(int(np.prod(w.shape)) for w in vae.weights)
    before = [p.detach().clone() for p in trainer.model.parameters()]
    assert trainer.n_steps == 2 and trainer.run_epoch(0) > 0
    assert all(not (a == p).all() for a, p in zip(before, trainer.model.parameters()))  # every weight moved


def test_the_standalone_command_needs_no_tensorflow(bench_torch):
    code = ("import sys; from vaecli.bench.torch_peer import main; r = main(['--images', '200', '--rounds', '1']); "
            "assert r['median_images_per_s'] > 0 and r['parameters'] == 69989; "
            "assert not {'tensorflow', 'keras', 'omegaconf'} & set(sys.modules), 'imported TensorFlow'")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
