"""Each evaluation metric on inputs whose answer is known, so a wrong computation fails."""

import math

import numpy as np
import pytest
import tensorflow as tf
from conftest import small_vae

from vaecli.evaluate import metrics
from vaecli.models.losses import bernoulli_log_likelihood

RNG = np.random.default_rng(0)
LABELS = np.repeat(np.arange(4), 50)


def test_knn_on_codes_that_are_the_labels_is_perfect_and_on_noise_is_chance():
    codes = LABELS[:, None].astype(float)
    assert metrics.knn_accuracy(codes, LABELS, codes, LABELS, k=1) == 1.0
    assert metrics.knn_accuracy(codes, LABELS, codes, LABELS, k=5) == 1.0
    noise = RNG.standard_normal((200, 2))
    assert metrics.knn_accuracy(noise, LABELS, RNG.standard_normal((200, 2)), LABELS, k=5) < 0.45


def test_linear_probe_separates_separable_codes():
    codes = np.eye(4)[LABELS] * 3 + RNG.standard_normal((200, 4)) * 0.1
    assert metrics.probe_accuracy(codes, LABELS, codes, LABELS) == 1.0


def test_silhouette_near_one_for_tight_clusters_near_zero_for_noise():
    centres = np.array([[0, 0], [10, 0], [0, 10], [10, 10]])
    assert metrics.silhouette(centres[LABELS] + RNG.standard_normal((200, 2)) * 0.1, LABELS) > 0.95
    assert abs(metrics.silhouette(RNG.standard_normal((200, 2)), LABELS)) < 0.1


def test_prior_mmd_is_small_for_prior_samples_and_grows_with_a_shift():
    prior_like, prior = RNG.standard_normal((2000, 2)), RNG.standard_normal((2000, 2))
    near = metrics.prior_mmd(prior_like, prior)
    assert near < 0.002
    assert near < metrics.prior_mmd(prior_like + 0.5, prior) < metrics.prior_mmd(prior_like + 2.0, prior)
    assert metrics.prior_mmd(prior_like * 3.0, prior) > 10 * near  # too spread out


def test_prior_mmd_measures_against_the_models_own_prior():
    mixture = np.concatenate([RNG.normal(-3, 0.3, (1000, 2)), RNG.normal(3, 0.3, (1000, 2))])  # a learned prior's draws
    codes = mixture[RNG.permutation(2000)] + RNG.normal(0, 0.01, (2000, 2))
    assert metrics.prior_mmd(codes, mixture[::-1].copy()) < 0.002 < metrics.prior_mmd(codes, RNG.standard_normal((2000, 2)))


def test_code_moments_and_active_units():
    codes = np.column_stack([RNG.normal(1.0, 2.0, 5000), RNG.normal(0.0, 0.05, 5000), np.full(5000, 4.0)])
    moments = metrics.code_moments(codes)
    assert moments["code_mean"] == pytest.approx([1.0, 0.0, 4.0], abs=0.1)
    assert moments["code_cov"][0][0] == pytest.approx(4.0, rel=0.1)
    assert moments["code_mean_norm"] == pytest.approx(math.hypot(1.0, 4.0), rel=0.05)
    assert metrics.active_units(codes) == 1  # only the first varies by more than 0.01


def test_frechet_distance_known_gaussians():
    a = RNG.standard_normal((20000, 3))
    assert metrics.frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    # N(0, I) vs N(1, 4I) in 3 dims: |mu|² = 3, trace term 3 * (1 + 4 - 2 * 2) = 3.
    b = 1.0 + 2.0 * RNG.standard_normal((20000, 3))
    assert metrics.frechet_distance(a, b) == pytest.approx(6.0, rel=0.05)


def test_confidence_and_class_entropy_by_hand():
    probabilities = np.array([[0.95, 0.05], [0.5, 0.5], [0.1, 0.9], [0.2, 0.8]])
    assert metrics.confident_share(probabilities, 0.9) == 0.5
    assert metrics.class_entropy(probabilities) == pytest.approx(math.log(2))  # two of each class
    assert metrics.class_entropy(np.array([[1.0, 0.0]] * 5)) == 0.0


def test_sharpness_drops_with_blur():
    from scipy import ndimage

    sharp = (RNG.random((10, 28, 28, 1)) > 0.5).astype(float)
    blurred = ndimage.uniform_filter(sharp, size=(1, 3, 3, 1))
    assert metrics.sharpness(blurred) < 0.5 * metrics.sharpness(sharp)


def test_reconstruction_errors_by_hand():
    images = np.array([[[[1.0], [0.0]]]])
    decoded = np.full_like(images, 0.5)
    errors = metrics.reconstruction_errors(images, decoded)
    assert errors["reconstruction_bce"] == pytest.approx(2 * math.log(2), rel=1e-5)
    assert errors["reconstruction_mse"] == pytest.approx(0.25)


@pytest.fixture(scope="module")
def one_d_vae():
    """A small VAE with a 1-D latent, so log p(x) can be integrated numerically."""
    tf.keras.utils.set_random_seed(1)
    vae = small_vae("elbo", latent_dim=1)
    images = (RNG.random((40, 8, 8, 1)) > 0.6).astype(np.float32)  # enough that the bounds' order is not luck
    return vae, images


def log_px_by_quadrature(vae, images):
    z = np.linspace(-8, 8, 8001, dtype=np.float32)[:, None]
    logits = vae.decoder(z)
    out = []
    for x in images:
        log_joint = bernoulli_log_likelihood(np.broadcast_to(x, (len(z), *x.shape)), logits).numpy() - 0.5 * (z[:, 0] ** 2 + math.log(2 * math.pi))
        out.append(np.logaddexp.reduce(log_joint) + math.log(float(z[1, 0] - z[0, 0])))
    return float(np.mean(out))


def test_iw_bound_is_above_the_elbo_tightens_with_k_and_reaches_log_px(one_d_vae):
    vae, images = one_d_vae
    truth = log_px_by_quadrature(vae, images)
    bounds = {k: metrics.likelihood_bounds(vae, images, k=k, batch_size=10_000, seed=3) for k in (1, 10, 100, 5000)}
    assert bounds[1]["iw_log_px"] == pytest.approx(bounds[1]["iw_elbo"], abs=1e-4)  # one sample: the same estimate
    for k in (10, 100, 5000):
        assert bounds[k]["iw_log_px"] >= bounds[k]["iw_elbo"]
    assert bounds[1]["iw_log_px"] < bounds[10]["iw_log_px"] < bounds[100]["iw_log_px"] <= truth + 0.05
    assert bounds[5000]["iw_log_px"] == pytest.approx(truth, abs=0.05)
    assert bounds[5000]["iw_elbo"] < truth - 0.01  # the ELBO stays strictly below log p(x)


def test_likelihood_bounds_do_not_depend_on_the_batch_split(one_d_vae):
    vae, images = one_d_vae
    whole = metrics.likelihood_bounds(vae, images, k=20, batch_size=10_000, seed=3)
    log_w = metrics.log_weights(vae, images, 20, seed=3)
    assert log_w.shape == (20, 40)
    assert whole["iw_elbo"] == pytest.approx(float(log_w.mean()), rel=1e-6)
