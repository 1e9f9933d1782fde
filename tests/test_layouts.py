"""The block forms of convolutions (network.input_layout / output_layout) equal the layers, values and gradients."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from vaecli.models.layouts import apply_on_blocks, plan_axis, supports
from vaecli.models.likelihoods import BernoulliConfig
from vaecli.models.network_schemas import ConvNetworkConfig
from vaecli.models.networks import VAE, build_vae
from vaecli.models.objectives.elbo import ElboConfig
from vaecli.run import names

LAYERS = [  # (layer, input shape): the conv network's, conv64's, and odd sizes
    (lambda: keras.layers.Conv2D(4, 3, strides=2, padding="valid", activation="relu"), (28, 28, 1)),
    (lambda: keras.layers.Conv2D(3, 3, strides=2, padding="valid"), (13, 11, 2)),
    (lambda: keras.layers.Conv2D(3, 4, strides=2, padding="same"), (16, 16, 3)),
    (lambda: keras.layers.Conv2D(3, 3, strides=2, padding="same"), (9, 10, 1)),
    (lambda: keras.layers.Conv2DTranspose(1, 3, strides=1, padding="same"), (28, 28, 4)),
    (lambda: keras.layers.Conv2DTranspose(2, 3, strides=1, padding="same"), (7, 9, 3)),
    (lambda: keras.layers.Conv2DTranspose(3, 4, strides=2, padding="same"), (8, 8, 4)),
    (lambda: keras.layers.Conv2DTranspose(2, 3, strides=2, padding="same"), (7, 5, 3)),
]


@pytest.mark.parametrize("make, shape", LAYERS)
def test_the_block_form_equals_the_layer_with_its_gradients(make, shape):
    rng = np.random.default_rng(0)
    layer = make()
    layer.build((None, *shape))
    layer.bias.assign(rng.standard_normal(layer.bias.shape).astype("float32"))
    assert supports(layer)
    x = tf.constant(rng.standard_normal((2, *shape)).astype("float32"))
    results = []
    for form in (layer, lambda x: apply_on_blocks(layer, x)):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = form(x)
            loss = tf.reduce_sum(y * tf.sin(y))  # any loss whose gradient depends on every output
        results.append([y, *tape.gradient(loss, [x, layer.kernel, layer.bias])])
    for plain, blocks in zip(*results):
        assert plain.shape == blocks.shape
        np.testing.assert_allclose(blocks, plain, rtol=1e-5, atol=1e-5 * float(tf.reduce_max(tf.abs(plain))))


def test_the_thin_layers_become_2x2_kernels_on_4x_the_channels():
    first = plan_axis(28, 3, 2, "valid", transposed=False)  # conv 3x3/2 on 28 pixels
    assert (first.m, first.b, first.taps.shape[0], first.pad, first.length) == (2, 1, 2, (0, 0), 13)
    assert sorted(first.taps[first.taps >= 0].tolist()) == [0, 1, 2]  # every tap once, one zero
    last = plan_axis(28, 3, 1, "same", transposed=True)  # stride-1 transposed conv 3x3 on 2x2 blocks
    assert (last.m, last.b, last.taps.shape[0]) == (2, 2, 2)


def test_the_layouts_share_weights_checkpoints_and_saved_models(tmp_path):
    image_shape, x = (12, 12, 1), np.random.default_rng(1).random((3, 12, 12, 1)).astype("float32")
    small = dict(encoder_filters=[4, 8], decoder_filters=[8, 4], decoder_base_channels=4)
    plain = build_vae(ElboConfig(), ConvNetworkConfig(**small), BernoulliConfig(), 2, image_shape)
    blocks = build_vae(ElboConfig(), ConvNetworkConfig(**small, input_layout="space_to_depth", output_layout="depth_to_space"),
                       BernoulliConfig(), 2, image_shape)
    assert [tuple(v.shape) for v in blocks.weights] == [tuple(v.shape) for v in plain.weights]
    optimizers = [keras.optimizers.Adam() for _ in range(2)]
    for vae, optimizer in zip((plain, blocks), optimizers):
        optimizer.build(vae.trainable_variables)
    path = tf.train.Checkpoint(vae=plain, optimizer=optimizers[0]).write(str(tmp_path / "ckpt"))  # as vaecli.train.loop does
    tf.train.Checkpoint(vae=blocks, optimizer=optimizers[1]).read(path).assert_existing_objects_matched()
    np.testing.assert_allclose(blocks(x), plain(x), rtol=1e-5, atol=1e-6)
    blocks.save(tmp_path / names.MODEL)
    loaded = keras.saving.load_model(tmp_path / names.MODEL)
    assert isinstance(loaded, VAE) and loaded.encoder.on_blocks == 0 and loaded.decoder.on_blocks is not None
    np.testing.assert_allclose(loaded(x), plain(x), rtol=1e-5, atol=1e-6)
