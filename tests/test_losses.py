"""Loss math (vaecli/models/losses.py) against values worked out by hand."""

import math

import pytest
import tensorflow as tf

from vaecli.models.losses import (
    bernoulli_log_likelihood,
    gaussian_kernel,
    imq_kernel,
    kl_to_standard_normal,
    log_normal_pdf,
    mmd,
    mmd_unbiased,
)
from vaecli.models.objectives.kernels import KernelConfig


def test_kl_of_identical_gaussians_is_zero():
    assert float(kl_to_standard_normal(tf.zeros((1, 3)), tf.zeros((1, 3)))[0]) == 0.0


def test_kl_by_hand():
    # KL(N(1, e^1) || N(0, 1)) = 0.5 (e + 1 - 1 - 1) per dimension.
    kl = kl_to_standard_normal(tf.ones((1, 2)), tf.ones((1, 2)))
    assert float(kl[0]) == pytest.approx(2 * 0.5 * (math.e - 1.0))


def test_log_normal_pdf_by_hand():
    assert float(log_normal_pdf(tf.zeros((1, 2)), 0.0, 0.0)[0]) == pytest.approx(-math.log(2 * math.pi))
    # x=1, mean=0, logvar=log 4: -0.5 (1/4 + log 4 + log 2 pi)
    value = log_normal_pdf(tf.ones((1, 1)), 0.0, tf.math.log(4.0) * tf.ones((1, 1)))
    assert float(value[0]) == pytest.approx(-0.5 * (0.25 + math.log(4.0) + math.log(2 * math.pi)), rel=1e-6)


def test_single_sample_kl_estimate_is_unbiased():
    mean, logvar = tf.fill((20000, 2), 0.7), tf.fill((20000, 2), -0.5)
    z = mean + tf.exp(0.5 * logvar) * tf.random.stateless_normal((20000, 2), seed=[1, 2])
    estimate = tf.reduce_mean(log_normal_pdf(z, mean, logvar) - log_normal_pdf(z, 0.0, 0.0))
    assert float(estimate) == pytest.approx(float(kl_to_standard_normal(mean[:1], logvar[:1])[0]), abs=0.02)


def test_bernoulli_log_likelihood_by_hand():
    x = tf.constant([[[[1.0], [0.0]]]])  # one image, 1x2 pixels
    logits = tf.zeros_like(x)
    assert float(bernoulli_log_likelihood(x, logits)[0]) == pytest.approx(2 * math.log(0.5))


def test_default_bandwidth_is_the_original_kernel():
    """sigma = d / sqrt(2) turns exp(-r^2 / (2 sigma^2)) into the InfoVAE code's exp(-r^2 / d^2)."""
    x, y = tf.constant([[0.0, 0.0, 0.0]]), tf.constant([[1.0, 2.0, 0.5]])
    d = 3
    original = math.exp(-(1 + 4 + 0.25) / d**2)
    assert float(gaussian_kernel(x, y, d / math.sqrt(2))[0, 0]) == pytest.approx(original, rel=1e-6)
    assert KernelConfig().bandwidth(d) == pytest.approx(d / math.sqrt(2))


def test_imq_kernel_by_hand():
    x, y = tf.constant([[0.0, 0.0]]), tf.constant([[1.0, 1.0]])
    assert float(imq_kernel(x, y, 1.0)[0, 0]) == pytest.approx(2.0 / (2.0 + 2.0))


@pytest.mark.parametrize("kernel", [gaussian_kernel, imq_kernel])
def test_mmd_of_a_sample_with_itself_is_zero_and_grows_with_a_shift(kernel):
    x = tf.random.stateless_normal((300, 2), seed=[0, 1])
    assert float(mmd(x, x, kernel, 1.0)) == pytest.approx(0.0, abs=1e-6)
    shifts = [float(mmd(x, x + s, kernel, 1.0)) for s in (0.25, 0.5, 1.0, 2.0)]
    assert shifts == sorted(shifts) and shifts[0] > 0


def expected_gaussian_kernel(mean_gap, variance, d, sigma):
    """E exp(-||x - y||² / (2 sigma²)) for x - y ~ N(mean_gap, variance I) in d dimensions, in closed form."""
    return (sigma**2 / (sigma**2 + variance)) ** (d / 2) * math.exp(-mean_gap**2 / (2 * (sigma**2 + variance)))


def test_unbiased_mmd_matches_the_exact_mmd_of_two_gaussians_on_average():
    # P = N(0, I), Q = N(0.5 e1, I) in 2-D; Gaussian kernel, sigma = 1.
    d, sigma, shift = 2, 1.0, 0.5
    exact = 2 * expected_gaussian_kernel(0.0, 2.0, d, sigma) - 2 * expected_gaussian_kernel(shift, 2.0, d, sigma)
    draws = 4000
    x = tf.random.stateless_normal((draws, 6, d), seed=[5, 6])
    y = tf.random.stateless_normal((draws, 6, d), seed=[7, 8]) + tf.constant([shift, 0.0])

    @tf.function
    def mean_over_draws(estimator):
        return tf.reduce_mean(tf.vectorized_map(lambda xy: estimator(xy[0], xy[1], gaussian_kernel, sigma), (x, y)))

    unbiased, biased = mean_over_draws(mmd_unbiased), mean_over_draws(mmd)
    assert float(unbiased) == pytest.approx(exact, abs=0.01)  # exact is ~0.05
    assert float(biased) > exact + 0.1  # six samples a side: the V-statistic is far off
