"""Loss math against values worked out by hand."""

import math

import numpy as np
import pytest
import tensorflow as tf

from vaecli.config import ElboConfig, MmdConfig
from vaecli.models.networks import build_vae
from vaecli.models.objectives import (
    ElboObjective,
    MmdObjective,
    bernoulli_log_likelihood,
    gaussian_kernel,
    imq_kernel,
    kl_to_standard_normal,
    log_normal_pdf,
    make_objective,
    mmd,
)


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
    objective = MmdObjective(latent_dim=d)
    assert objective.sigma == pytest.approx(d / math.sqrt(2))


def test_imq_kernel_by_hand():
    x, y = tf.constant([[0.0, 0.0]]), tf.constant([[1.0, 1.0]])
    assert float(imq_kernel(x, y, 1.0)[0, 0]) == pytest.approx(2.0 / (2.0 + 2.0))


@pytest.mark.parametrize("kernel", [gaussian_kernel, imq_kernel])
def test_mmd_of_a_sample_with_itself_is_zero_and_grows_with_a_shift(kernel):
    x = tf.random.stateless_normal((300, 2), seed=[0, 1])
    assert float(mmd(x, x, kernel, 1.0)) == pytest.approx(0.0, abs=1e-6)
    shifts = [float(mmd(x, x + s, kernel, 1.0)) for s in (0.25, 0.5, 1.0, 2.0)]
    assert shifts == sorted(shifts) and shifts[0] > 0


class FixedNoise:
    """A stand-in for tf.random.Generator that returns zeros: z = mean exactly."""

    def normal(self, shape):
        return tf.zeros(shape)


def small_vae(config):
    return build_vae(config(encoder_filters=[4], decoder_filters=[4], decoder_base_channels=2), 2, (8, 8, 1))


X = tf.random.stateless_uniform((5, 8, 8, 1), seed=[3, 4])


def test_elbo_parts_add_up():
    vae, x = small_vae(ElboConfig), X
    parts = ElboObjective(2, kl="analytic", kl_weight=0.25)(vae, x, FixedNoise())
    assert float(parts["loss"]) == pytest.approx(float(parts["reconstruction"] + 0.25 * parts["kl"]), rel=1e-6)
    assert float(parts["elbo"]) == pytest.approx(-float(parts["reconstruction"] + parts["kl"]), rel=1e-6)
    head = vae.encoder(x)
    expected_rec = -bernoulli_log_likelihood(x, vae.decoder(head[:, :2]))
    assert float(parts["reconstruction"]) == pytest.approx(float(tf.reduce_mean(expected_rec)), rel=1e-5)


def test_mmd_parts_add_up():
    vae, x = small_vae(MmdConfig), X
    parts = MmdObjective(2, mmd_weight=3.0, prior_samples=7)(vae, x, tf.random.Generator.from_seed(1))
    assert float(parts["loss"]) == pytest.approx(float(parts["reconstruction"] + 3.0 * parts["mmd"]), rel=1e-6)
    expected_mse = np.mean((tf.sigmoid(vae.decoder(vae.encoder(x))).numpy() - x.numpy()) ** 2)
    assert float(parts["reconstruction"]) == pytest.approx(expected_mse, rel=1e-5)


def test_make_objective_reads_the_config(compose):
    elbo = make_objective(compose("model=elbo", "model.kl=analytic", "model.kl_weight=0.01").model, 2)
    assert isinstance(elbo, ElboObjective) and elbo.analytic_kl and elbo.kl_weight == 0.01
    mmd_objective = make_objective(compose("model=mmd", "model.kernel.name=imq", "model.kernel.sigma=0.5", "latent_dim=4").model, 4)
    assert mmd_objective.kernel is imq_kernel and mmd_objective.sigma == 0.5
