"""The objective family: the registry, each regulariser against values worked out by hand, InfoVAE's corners."""

import math
import re
import sys

import numpy as np
import pytest
import tensorflow as tf
from conftest import choices, small_vae

from vaecli.models.losses import bernoulli_log_likelihood, kl_to_standard_normal, log_normal_pdf
from vaecli.models.objectives import OBJECTIVES, Context, get, make_objective
from vaecli.models.objectives.beta_tcvae import tc_decomposition
from vaecli.models.objectives.beta_vae import capacity_at
from vaecli.models.objectives.dip_vae import code_covariance, covariance_penalties
from vaecli.models.objectives.wae import imq_mmd_unbiased

X = tf.random.stateless_uniform((5, 8, 8, 1), seed=[3, 4])
CONTEXT = Context(latent_dim=2, train_size=100, steps_per_epoch=10)


class FixedNoise:
    """A stand-in for tf.random.Generator whose normal draws are zeros: z = mean exactly."""

    def normal(self, shape):
        return tf.zeros(shape)


def objective(name, **options):
    return make_objective(get(name).Config(**options), CONTEXT)


# ---------------------------------------------------------------- the registry


def test_the_registry_holds_the_family_and_each_has_its_yaml(compose):
    assert list(OBJECTIVES) == choices("model")  # a module for every conf/model/*.yaml, and a YAML for every module
    for name, cls in OBJECTIVES.items():
        docs = f"{sys.modules[cls.__module__].__doc__} {cls.__doc__}"
        assert re.search(r"\(.*\b20[0-2]\d\b", docs), f"{name}: its docstring should name its paper and year"
        cfg = compose(f"model={name}")
        assert type(cfg.model) is cls.Config
        assert cfg.likelihood.name == cls.likelihoods[0]  # the YAML's likelihood is the first the objective takes


@pytest.mark.parametrize("overrides, message", [
    (["model=mmd", "likelihood=bernoulli"], "model=mmd does not take likelihood=bernoulli; choose one of mse"),
    (["model=elbo", "likelihood=mse"], "model=elbo does not take likelihood=mse"),
    (["model=infovae", "likelihood=mse"], "likelihood=mse is not in nats"),
    (["model=infovae", "model.deterministic=true"], "model.deterministic=true needs model.alpha=1"),
    (["model=vamp", "model.kl=analytic"], "model=vamp has no closed-form KL"),
    (["model=wae", "model.samples=2"], "model=wae has a deterministic encoder"),
    (["model=dip_vae", "model.type=iii"], "model.type=iii is not known"),
    (["model=elbo", "trainer.early_stopping.patience=2"], "needs a validation split"),
])
def test_incompatible_choices_fail_in_one_line(compose, overrides, message):
    from vaecli.errors import ConfigError

    with pytest.raises(ConfigError, match=message.replace("(", r"\(")) as error:
        compose(*overrides)
    assert "\n" not in str(error.value)


def test_the_network_learns_stochasticity_and_prior_from_the_objective():
    assert small_vae("elbo").stochastic and not small_vae("mmd").stochastic and not small_vae("wae").stochastic
    assert not small_vae("infovae", alpha=1.0, deterministic=True).stochastic
    assert type(small_vae("vamp", components=3).prior).__name__ == "VampPrior"


# ---------------------------------------------------------------- the shared part


def test_elbo_parts_add_up():
    vae = small_vae("elbo")
    parts = objective("elbo", kl="analytic", kl_weight=0.25)(vae, X, FixedNoise())
    assert float(parts["loss"]) == pytest.approx(float(parts["reconstruction"] + 0.25 * parts["kl"]), rel=1e-6)
    assert float(parts["elbo"]) == pytest.approx(-float(parts["reconstruction"] + parts["kl"]), rel=1e-6)
    mean, logvar = vae.posterior(X)
    expected_rec = -bernoulli_log_likelihood(X, vae.decoder(mean))
    assert float(parts["reconstruction"]) == pytest.approx(float(tf.reduce_mean(expected_rec)), rel=1e-5)
    assert float(parts["kl"]) == pytest.approx(float(tf.reduce_mean(kl_to_standard_normal(mean, logvar))), rel=1e-5)


def test_more_samples_per_image_average_the_same_terms():
    vae = small_vae("elbo")
    one = objective("elbo", kl="sample")(vae, X, FixedNoise())
    three = objective("elbo", kl="sample", samples=3)(vae, X, FixedNoise())
    for key in one:
        assert float(three[key]) == pytest.approx(float(one[key]), rel=1e-5)


def test_mmd_parts_add_up():
    vae = small_vae("mmd")
    parts = objective("mmd", mmd_weight=3.0, prior_samples=7)(vae, X, tf.random.Generator.from_seed(1))
    assert float(parts["loss"]) == pytest.approx(float(parts["reconstruction"] + 3.0 * parts["mmd"]), rel=1e-6)
    expected_mse = np.mean((tf.sigmoid(vae.decoder(vae.encoder(X))).numpy() - X.numpy()) ** 2)
    assert float(parts["reconstruction"]) == pytest.approx(expected_mse, rel=1e-5)


def test_kl_warmup_rises_linearly_over_its_epochs():
    warm = objective("elbo", warmup_epochs=2)  # 10 steps per epoch: full weight at step 20
    assert [float(warm.warmup(tf.constant(s))) for s in (0, 5, 10, 20, 40)] == [0.0, 0.25, 0.5, 1.0, 1.0]
    vae = small_vae("elbo")
    parts = warm(vae, X, FixedNoise(), step=tf.constant(5))
    assert float(parts["loss"]) == pytest.approx(float(parts["reconstruction"] + 0.25 * parts["kl"]), rel=1e-6)


# ---------------------------------------------------------------- InfoVAE's corners


def same_weights(name, likelihood, reference, **options):
    vae = small_vae(name, likelihood, **options)
    vae.set_weights(reference.get_weights())
    return vae


def test_infovae_at_alpha_0_lambda_1_is_the_elbo():
    elbo_vae = small_vae("elbo")
    info_vae = same_weights("infovae", "bernoulli", elbo_vae)
    expected = objective("elbo")(elbo_vae, X, tf.random.Generator.from_seed(3))
    got = objective("infovae", alpha=0.0, lam=1.0, kl="sample")(info_vae, X, tf.random.Generator.from_seed(3))
    for key in expected:  # the same draws, the same numbers
        assert float(got[key]) == pytest.approx(float(expected[key]), rel=1e-6)


def test_infovae_at_alpha_1_lambda_1_deterministic_is_the_mmd_vae():
    mmd_vae = small_vae("mmd")
    info_vae = same_weights("infovae", "mse", mmd_vae, alpha=1.0, deterministic=True)
    expected = objective("mmd")(mmd_vae, X, tf.random.Generator.from_seed(3))
    got = objective("infovae", alpha=1.0, lam=1.0, deterministic=True)(info_vae, X, tf.random.Generator.from_seed(3))
    assert set(got) == set(expected)
    for key in expected:
        assert float(got[key]) == pytest.approx(float(expected[key]), rel=1e-6)


def test_infovae_weights_by_hand():
    vae = small_vae("infovae")
    parts = objective("infovae", alpha=0.5, lam=3.0)(vae, X, FixedNoise())
    # (1 - 0.5) KL + (0.5 + 3 - 1) MMD
    assert float(parts["loss"]) == pytest.approx(float(parts["reconstruction"] + 0.5 * parts["kl"] + 2.5 * parts["mmd"]), rel=1e-5)


# ---------------------------------------------------------------- the other regularisers


def test_beta_vae_by_hand():
    vae = small_vae("beta_vae")
    parts = objective("beta_vae", beta=4.0)(vae, X, FixedNoise())
    assert float(parts["loss"]) == pytest.approx(float(parts["reconstruction"] + 4.0 * parts["kl"]), rel=1e-6)
    assert [float(capacity_at(tf.constant(s), 25.0, 100)) for s in (0, 50, 100, 200)] == [0.0, 12.5, 25.0, 25.0]
    capped = objective("beta_vae", capacity_max=25.0, capacity_gamma=10.0, capacity_steps=100)(vae, X, FixedNoise(), step=tf.constant(50))
    assert float(capped["capacity"]) == 12.5
    assert float(capped["loss"]) == pytest.approx(float(capped["reconstruction"] + 10.0 * abs(capped["kl"] - 12.5)), rel=1e-6)


def test_beta_tcvae_parts_add_up_to_the_kl_estimate():
    rng = np.random.default_rng(0)
    mean = tf.constant(rng.normal(size=(16, 3)), tf.float32)
    logvar = tf.constant(rng.normal(scale=0.3, size=(16, 3)), tf.float32)
    z = mean[None] + tf.exp(0.5 * logvar)[None] * tf.constant(rng.normal(size=(2, 16, 3)), tf.float32)
    log_pz = log_normal_pdf(z, 0.0, 0.0)
    mi, tc, dim_kl = tc_decomposition(z, mean, logvar, log_pz, dataset_size=1000)
    kl_estimate = tf.reduce_mean(log_normal_pdf(z, mean[None], logvar[None]) - log_pz)
    assert float(mi + tc + dim_kl) == pytest.approx(float(kl_estimate), rel=1e-5)
    assert float(tc) > -1e-5  # a total correlation is never negative (up to the estimator)


def test_beta_tcvae_by_hand_on_one_image():
    # One image, dataset of one: q(z) = q(z|x), so MI = 0; a diagonal Gaussian factorises, so TC = 0.
    mean, logvar = tf.constant([[0.5, -1.0]]), tf.constant([[0.2, -0.3]])
    z = tf.constant([[[0.1, 0.7]]])
    mi, tc, dim_kl = tc_decomposition(z, mean, logvar, log_normal_pdf(z, 0.0, 0.0), dataset_size=1)
    assert float(mi) == pytest.approx(0.0, abs=1e-6) and float(tc) == pytest.approx(0.0, abs=1e-6)
    expected = float(log_normal_pdf(z, mean, logvar)[0, 0] - log_normal_pdf(z, 0.0, 0.0)[0, 0])
    assert float(dim_kl) == pytest.approx(expected, rel=1e-6)
    vae = small_vae("beta_tcvae")
    parts = objective("beta_tcvae", alpha=1.0, beta=6.0, gamma=1.0)(vae, X, FixedNoise())
    extra = float(parts["mutual_information"] + 6.0 * parts["total_correlation"] + parts["dimension_kl"])
    assert float(parts["loss"]) == pytest.approx(float(parts["reconstruction"]) + extra, rel=1e-5)


def test_dip_vae_covariance_penalties_by_hand():
    means = tf.constant([[1.0, 1.0], [-1.0, -1.0]])  # covariance [[1, 1], [1, 1]]
    off, diag = covariance_penalties(code_covariance(means, None, "i"))
    assert (float(off), float(diag)) == (2.0, 0.0)
    logvar = tf.math.log(tf.constant([[0.5, 2.0], [0.5, 2.0]]))  # type ii adds E[variance]: diagonal 1.5, 3
    off, diag = covariance_penalties(code_covariance(means, logvar, "ii"))
    assert float(off) == 2.0 and float(diag) == pytest.approx(0.25 + 4.0)
    vae = small_vae("dip_vae")
    parts = objective("dip_vae", type="i", lambda_od=10.0)(vae, X, FixedNoise())  # lambda_d = 10 * lambda_od
    expected = parts["reconstruction"] + parts["kl"] + 10 * parts["covariance_offdiagonal"] + 100 * parts["covariance_diagonal"]
    assert float(parts["loss"]) == pytest.approx(float(expected), rel=1e-5)


def test_wae_mmd_by_hand():
    # x = y = {0, 1} in 1-D: MMD_u = sum over scales of (a - 1), a = C / (C + 1), C = 2 s (unit prior, d = 1).
    x = tf.constant([[0.0], [1.0]])
    expected = sum((2 * s) / (2 * s + 1) - 1 for s in (0.5, 2.0))
    assert float(imq_mmd_unbiased(x, x, [0.5, 2.0])) == pytest.approx(expected, rel=1e-6)


def test_wae_mmd_is_unbiased_zero_for_codes_from_the_prior():
    draws = tf.random.stateless_normal((3000, 2, 8, 2), seed=[1, 1])
    scales = [0.1, 1.0, 10.0]
    estimate = tf.function(lambda: tf.reduce_mean(tf.vectorized_map(lambda d: imq_mmd_unbiased(d[0], d[1], scales), draws)))()
    assert float(estimate) == pytest.approx(0.0, abs=0.01)  # a biased estimate at 8 samples would sit near 0.4


def test_vamp_prior_is_the_mixture_of_its_pseudo_inputs_posteriors():
    vae = small_vae("vamp", components=3)
    mean, logvar = vae.posterior(vae.prior.pseudo_inputs())
    z = tf.random.stateless_normal((4, 2), seed=[2, 2])
    per_component = np.stack([log_normal_pdf(z, mean[k], logvar[k]).numpy() for k in range(3)], axis=1)
    expected = np.log(np.exp(per_component).mean(axis=1))
    np.testing.assert_allclose(vae.log_prior(z).numpy(), expected, rtol=1e-5)
    draws = vae.sample_prior(20000, tf.random.Generator.from_seed(0)).numpy()
    np.testing.assert_allclose(draws.mean(axis=0), vae.prior_mean(), atol=0.05)
    np.testing.assert_allclose(vae.prior_mean(), mean.numpy().mean(axis=0), rtol=1e-6)
    parts = objective("vamp", components=3)(vae, X, FixedNoise())  # z = the posterior mean
    x_mean, x_logvar = vae.posterior(X)
    kl = tf.reduce_mean(log_normal_pdf(x_mean, x_mean, x_logvar) - vae.log_prior(x_mean))
    assert float(parts["kl"]) == pytest.approx(float(kl), rel=1e-5) and math.isfinite(float(parts["loss"]))
