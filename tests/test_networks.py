"""Encoder and decoder shapes for every network, sized from the data, and the saved model loading back."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from conftest import small_vae

from vaecli.models.likelihoods import BernoulliConfig, GaussianConfig, MseConfig
from vaecli.models.network_schemas import Conv64NetworkConfig, ConvNetworkConfig, MlpNetworkConfig
from vaecli.models.networks import VAE, build_vae, decode_codes, encode_images
from vaecli.models.objectives.elbo import ElboConfig
from vaecli.models.objectives.mmd import MmdConfig
from vaecli.models.objectives.vamp import VampConfig
from vaecli.run import names


def test_seed_architecture_shapes():
    vae = build_vae(ElboConfig(), ConvNetworkConfig(), BernoulliConfig(), 2, (28, 28, 1))
    x = np.zeros((3, 28, 28, 1), np.float32)
    assert tuple(vae.encoder(x).shape) == (3, 4)  # mean and log-variance
    assert [tuple(layer.kernel.shape) for layer in vae.encoder.convs] == [(3, 3, 1, 32), (3, 3, 32, 64)]
    assert tuple(vae.decoder.dense.kernel.shape) == (2, 7 * 7 * 32)
    assert tuple(vae.decoder(np.zeros((3, 2), np.float32)).shape) == (3, 28, 28, 1)
    assert tuple(vae.encode(x).shape) == (3, 2)


def test_conv64_is_the_beta_vae_papers_network():
    vae = build_vae(ElboConfig(), Conv64NetworkConfig(), BernoulliConfig(), 10, (64, 64, 3))
    assert [tuple(layer.kernel.shape) for layer in vae.encoder.convs] == [
        (4, 4, 3, 32), (4, 4, 32, 32), (4, 4, 32, 64), (4, 4, 64, 64)]
    assert tuple(vae.encoder.hidden.kernel.shape) == (4 * 4 * 64, 256)
    assert tuple(vae.decoder.dense.kernel.shape) == (256, 4 * 4 * 64)
    assert tuple(vae.decoder(np.zeros((2, 10), np.float32)).shape) == (2, 64, 64, 3)
    assert tuple(vae.decode(np.zeros((2, 10), np.float32)).shape) == (2, 64, 64, 3)


def test_mlp_is_aevbs_with_a_gaussian_decoder():
    vae = build_vae(ElboConfig(), MlpNetworkConfig(), GaussianConfig(), 20, (28, 28, 1))
    assert tuple(vae.encoder.hidden.kernel.shape) == (784, 500) and tuple(vae.decoder.hidden.kernel.shape) == (20, 500)
    assert tuple(vae.decoder(np.zeros((2, 20), np.float32)).shape) == (2, 28, 28, 2)  # mean and log-variance per pixel
    assert tuple(vae.decode(np.zeros((2, 20), np.float32)).shape) == (2, 28, 28, 1)


@pytest.mark.parametrize("shape", [(32, 32, 3), (30, 26, 1), (9, 9, 2)])
def test_sized_from_the_image_shape(shape):
    network = ConvNetworkConfig(encoder_filters=[8, 16], decoder_filters=[16, 8])
    vae = build_vae(MmdConfig(), network, MseConfig(), 5, shape)
    assert tuple(vae.encoder(np.zeros((2, *shape), np.float32)).shape) == (2, 5)  # deterministic code
    decoded = vae.decode(np.zeros((2, 5), np.float32))
    assert tuple(decoded.shape) == (2, *shape)
    assert float(np.min(decoded)) >= 0.0 and float(np.max(decoded)) <= 1.0


@pytest.mark.parametrize("model, likelihood", [("elbo", "bernoulli"), ("vamp", "gaussian"), ("wae", "gaussian_fixed")])
def test_saved_model_loads_with_the_same_outputs_and_prior(tmp_path, model, likelihood):
    options = {"components": 4} if model == "vamp" else {}
    vae = small_vae(model, likelihood, latent_dim=3, shape=(12, 12, 1), **options)
    images = np.random.default_rng(0).integers(0, 256, (7, 12, 12, 1), dtype=np.uint8)
    vae.save(tmp_path / names.MODEL)
    loaded = keras.saving.load_model(tmp_path / names.MODEL)
    assert isinstance(loaded, VAE) and loaded.latent_dim == 3 and loaded.stochastic == vae.stochastic
    assert loaded.options == vae.options
    np.testing.assert_allclose(encode_images(loaded, images), encode_images(vae, images), rtol=1e-6)
    codes = np.random.default_rng(1).standard_normal((4, 3)).astype(np.float32)
    np.testing.assert_allclose(decode_codes(loaded, codes), decode_codes(vae, codes), rtol=1e-6)
    np.testing.assert_allclose(loaded.log_prior(codes), vae.log_prior(codes), rtol=1e-6)
    draws = [m.sample_prior(5, tf.random.Generator.from_seed(2)).numpy() for m in (vae, loaded)]
    np.testing.assert_allclose(draws[0], draws[1], rtol=1e-6)


def test_vamp_pseudo_inputs_are_trained_weights():
    vae = build_vae(VampConfig(components=7), ConvNetworkConfig(), BernoulliConfig(), 2, (28, 28, 1))
    assert any(tuple(w.shape) == (7, 28, 28, 1) for w in vae.trainable_weights)


def test_encode_images_batches_like_one_call():
    vae = build_vae(MmdConfig(), ConvNetworkConfig(), MseConfig(), 2, (28, 28, 1))
    images = np.random.default_rng(0).integers(0, 256, (25, 28, 28, 1), dtype=np.uint8)
    whole = encode_images(vae, images, batch_size=100)
    np.testing.assert_allclose(encode_images(vae, images, batch_size=7), whole, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(whole, np.asarray(vae.encode(images.astype(np.float32) / 255)), rtol=1e-5, atol=1e-6)
