"""The decoder likelihoods against values worked out by hand (nats per image)."""

import math

import pytest
import tensorflow as tf

from vaecli.models.likelihoods import LIKELIHOODS, make_likelihood

X = tf.constant([[[[1.0], [0.0]]]])  # one image of 1x2 pixels
HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def test_bernoulli_at_zero_logits_is_two_coin_flips():
    assert float(make_likelihood({"name": "bernoulli"}).log_prob(X, tf.zeros_like(X))[0]) == pytest.approx(2 * math.log(0.5))


def test_gaussian_fixed_is_a_scaled_squared_error():
    # outputs 0 -> mean 0.5; squared errors 0.25 each; sigma = 2.
    value = make_likelihood({"name": "gaussian_fixed", "sigma": 2.0}).log_prob(X, tf.zeros_like(X))
    assert float(value[0]) == pytest.approx(2 * (-0.25 / 8 - math.log(2.0) - HALF_LOG_2PI), rel=1e-6)


def test_gaussian_learns_a_variance_per_pixel_above_its_floor():
    likelihood = make_likelihood({"name": "gaussian", "min_logvar": -6.0})
    outputs = tf.constant([[[[0.0, 30.0], [0.0, 30.0]]]])  # mean 0.5, log-variance ~30 (far above the floor)
    expected = 2 * (-0.5 * (0.25 * math.exp(-30.0) + 30.0) - HALF_LOG_2PI)
    assert float(likelihood.log_prob(X, outputs)[0]) == pytest.approx(expected, rel=1e-4)
    floored = likelihood.log_prob(X, tf.constant([[[[0.0, -50.0], [0.0, -50.0]]]]))  # the floor holds: -6
    assert float(floored[0]) == pytest.approx(2 * (-0.5 * (0.25 * math.exp(6.0) - 6.0) - HALF_LOG_2PI), rel=1e-4)
    assert tuple(likelihood.mean(outputs).shape) == (1, 1, 2, 1)


def test_mse_is_minus_the_mean_squared_error():
    assert float(make_likelihood({"name": "mse"}).log_prob(X, tf.zeros_like(X))[0]) == pytest.approx(-0.25)


def test_every_likelihood_means_lie_in_the_unit_interval():
    for name, cls in LIKELIHOODS.items():
        outputs = tf.random.stateless_normal((3, 4, 4, cls.outputs_per_channel), seed=[1, 2]) * 10
        mean = make_likelihood({"name": name}).mean(outputs)
        assert tuple(mean.shape) == (3, 4, 4, 1) and 0.0 <= float(tf.reduce_min(mean)) <= float(tf.reduce_max(mean)) <= 1.0
