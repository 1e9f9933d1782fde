"""The two objectives made for 2-D maps, against what their papers define: VAE-SNE's neighbour term (Graving &
Couzin 2020) and VaDE's Gaussian-mixture prior and its KL (Jiang et al. 2017). Training on real digits: every
objective runs in tests/test_family.py, these two included."""

import math

import numpy as np
import pytest
import tensorflow as tf
from conftest import small_vae

from vaecli.models.losses import kl_to_standard_normal, log_normal_pdf
from vaecli.models.objectives import Context, get, make_objective
from vaecli.models.objectives.vae_sne import input_affinities, neighbour_kl

X = tf.random.stateless_uniform((6, 8, 8, 1), seed=[3, 4])


class FixedNoise:
    """A stand-in for tf.random.Generator whose normal draws are zeros: z = mean exactly."""

    def normal(self, shape):
        return tf.zeros(shape)


def objective(name, **options):
    return make_objective(get(name).Config(**options), Context(latent_dim=2, train_size=100, steps_per_epoch=10))


# ---------------------------------------------------------------- VAE-SNE


def test_input_affinities_have_the_asked_perplexity_per_row():
    x = tf.random.stateless_normal((60, 30), seed=[1, 2]) * tf.linspace(0.1, 5.0, 60)[:, None]  # rows of any scale
    p = input_affinities(x, 12.0).numpy()
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-5)
    assert np.all(np.diag(p) == 0.0)
    perplexity = np.exp(-(p * np.log(p + 1e-12)).sum(axis=1))
    np.testing.assert_allclose(perplexity, 12.0, rtol=1e-3)


def test_the_neighbour_term_rewards_a_map_that_keeps_neighbours():
    centres = tf.random.stateless_normal((4, 50), seed=[5, 6]) * 10.0
    labels = np.repeat(np.arange(4), 15)
    x = tf.gather(centres, labels) + tf.random.stateless_normal((60, 50), seed=[7, 8])
    p = input_affinities(x, 10.0)
    kept = tf.constant(np.array([[3.0, 0.0], [0.0, 3.0], [-3.0, 0.0], [0.0, -3.0]])[labels], tf.float32)
    kept += 0.3 * tf.random.stateless_normal((60, 2), seed=[9, 9])
    shuffled = tf.gather(kept, np.random.default_rng(0).permutation(60))
    assert float(neighbour_kl(p, kept)) < 0.5 * float(neighbour_kl(p, shuffled))


def test_vae_sne_is_the_elbo_plus_its_weighted_neighbour_term():
    vae = small_vae("vae_sne")
    parts = objective("vae_sne", sne_weight=2.5, perplexity=3.0)(vae, X, FixedNoise())
    assert float(parts["loss"]) == pytest.approx(float(parts["reconstruction"] + parts["kl"] + 2.5 * parts["sne"]), rel=1e-5)
    mean, _ = vae.posterior(X)
    expected = neighbour_kl(input_affinities(tf.reshape(X, (6, -1)), 3.0), mean)
    assert float(parts["sne"]) == pytest.approx(float(expected), rel=1e-5)


def test_vae_sne_term_has_gradients_for_the_encoder():
    vae = small_vae("vae_sne")
    loss = objective("vae_sne")
    with tf.GradientTape() as tape:
        parts = loss(vae, X, tf.random.Generator.from_seed(0), training=True)
    grads = tape.gradient(parts["sne"], vae.encoder.trainable_variables)
    assert any(g is not None and float(tf.reduce_sum(tf.abs(g))) > 0 for g in grads)


# ---------------------------------------------------------------- VaDE


def test_the_mixture_prior_is_a_normalised_mixture_that_samples_itself():
    vae = small_vae("vade", components=3, latent_dim=1)
    prior = vae.prior
    prior.means.assign([[-2.0], [0.5], [3.0]])
    prior.logvars.assign([[0.0], [-1.0], [0.5]])
    prior.logits.assign([0.2, -0.3, 0.1])
    grid = np.linspace(-12, 12, 24001, dtype=np.float32)[:, None]
    density = np.exp(vae.log_prior(tf.constant(grid)).numpy())
    assert density.sum() * (24 / 24000) == pytest.approx(1.0, abs=1e-4)  # the grid's step, exact
    draws = vae.sample_prior(40000, tf.random.Generator.from_seed(0)).numpy()
    np.testing.assert_allclose(draws.mean(axis=0), vae.prior_mean(), atol=0.05)
    gamma = prior.responsibilities(tf.constant([[-2.0], [3.0]])).numpy()
    np.testing.assert_allclose(gamma.sum(axis=-1), 1.0, rtol=1e-6)
    assert gamma[0].argmax() == 0 and gamma[1].argmax() == 2


def test_vade_kl_with_one_standard_component_is_the_closed_form_kl():
    vae = small_vae("vade", components=2)
    vae.prior.means.assign(tf.zeros((2, 2)))
    vae.prior.logvars.assign(tf.zeros((2, 2)))  # two identical N(0, I) components: the mixture is N(0, I)
    mean, logvar = vae.posterior(X)
    z = mean[None] + tf.exp(0.5 * logvar)[None] * tf.random.stateless_normal((3, 6, 2), seed=[1, 1])
    np.testing.assert_allclose(vae.kl(mean, logvar, z).numpy(), kl_to_standard_normal(mean, logvar).numpy(), rtol=1e-5, atol=1e-6)


def test_vade_kl_is_the_papers_sum_by_hand():
    vae = small_vae("vade", components=3)
    vae.prior.means.assign([[-1.0, 0.0], [1.0, 1.0], [0.0, -2.0]])
    vae.prior.logvars.assign([[0.0, 0.5], [-0.5, 0.0], [0.3, 0.3]])
    vae.prior.logits.assign([0.0, 1.0, -1.0])
    mean, logvar = vae.posterior(X)
    parts = objective("vade", components=3)(vae, X, FixedNoise())  # z = the posterior mean
    log_pi = np.log(np.exp([0.0, 1.0, -1.0]) / np.exp([0.0, 1.0, -1.0]).sum())
    mu, lv = vae.prior.means.numpy(), vae.prior.logvars.numpy()
    m, v = mean.numpy(), logvar.numpy()
    joint = log_pi + np.stack([log_normal_pdf(mean, mu[k], lv[k]).numpy() for k in range(3)], axis=1)
    gamma = np.exp(joint - joint.max(axis=1, keepdims=True))
    gamma /= gamma.sum(axis=1, keepdims=True)
    gauss = 0.5 * (lv[None] - v[:, None] + (np.exp(v[:, None]) + (m[:, None] - mu[None]) ** 2) / np.exp(lv[None]) - 1).sum(-1)
    kl = (gamma * gauss).sum(1) + (gamma * (np.log(gamma) - log_pi)).sum(1)
    assert float(parts["kl"]) == pytest.approx(kl.mean(), rel=1e-4)
    assert float(parts["loss"]) == pytest.approx(float(parts["reconstruction"] + parts["kl"]), rel=1e-6)
    assert 0.0 <= float(parts["cluster_entropy"]) <= math.log(3) + 1e-6


def test_the_mixture_prior_learns_with_the_model():
    vae = small_vae("vade", components=3)
    names = {v.name for v in vae.trainable_variables}
    assert {"means", "logvars", "logits"} <= {n.split("/")[-1].split(":")[0] for n in names}
