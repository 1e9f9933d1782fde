"""Encoder and decoder shapes, sized from the data, and the saved model loading back."""

import keras
import numpy as np
import pytest

from vaecli.config import ElboConfig, MmdConfig
from vaecli.models.networks import VAE, build_vae, decode_codes, encode_images


def test_seed_architecture_shapes():
    vae = build_vae(ElboConfig(), 2, (28, 28, 1))
    x = np.zeros((3, 28, 28, 1), np.float32)
    assert tuple(vae.encoder(x).shape) == (3, 4)  # mean and log-variance
    assert [tuple(layer.kernel.shape) for layer in vae.encoder.convs] == [(3, 3, 1, 32), (3, 3, 32, 64)]
    assert tuple(vae.decoder.dense.kernel.shape) == (2, 7 * 7 * 32)
    assert tuple(vae.decoder(np.zeros((3, 2), np.float32)).shape) == (3, 28, 28, 1)
    assert tuple(vae.encode(x).shape) == (3, 2)


@pytest.mark.parametrize("shape", [(32, 32, 3), (30, 26, 1), (9, 9, 2)])
def test_sized_from_the_image_shape(shape):
    vae = build_vae(MmdConfig(encoder_filters=[8, 16], decoder_filters=[16, 8]), 5, shape)
    assert tuple(vae.encoder(np.zeros((2, *shape), np.float32)).shape) == (2, 5)  # deterministic code
    decoded = vae.decode(np.zeros((2, 5), np.float32))
    assert tuple(decoded.shape) == (2, *shape)
    assert float(np.min(decoded)) >= 0.0 and float(np.max(decoded)) <= 1.0


def test_saved_model_loads_with_the_same_outputs(tmp_path):
    vae = build_vae(ElboConfig(encoder_filters=[4, 8], decoder_filters=[8, 4], decoder_base_channels=4), 3, (12, 12, 1))
    images = np.random.default_rng(0).integers(0, 256, (7, 12, 12, 1), dtype=np.uint8)
    vae.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    assert isinstance(loaded, VAE) and loaded.latent_dim == 3 and loaded.stochastic
    np.testing.assert_allclose(encode_images(loaded, images), encode_images(vae, images), rtol=1e-6)
    codes = np.random.default_rng(1).standard_normal((4, 3)).astype(np.float32)
    np.testing.assert_allclose(decode_codes(loaded, codes), decode_codes(vae, codes), rtol=1e-6)


def test_encode_images_batches_like_one_call():
    vae = build_vae(MmdConfig(), 2, (28, 28, 1))
    images = np.random.default_rng(0).integers(0, 256, (25, 28, 28, 1), dtype=np.uint8)
    whole = encode_images(vae, images, batch_size=100)
    np.testing.assert_allclose(encode_images(vae, images, batch_size=7), whole, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(whole, np.asarray(vae.encode(images.astype(np.float32) / 255)), rtol=1e-5, atol=1e-6)
